"""Adopt a shard's answers into a run: records of the same config over part of the same questions, answered by
another process (or machine), so that the run's next resume skips them.

A run answers its episodes one after another in one process, and one decoding
process does not use two cores well (SmolLM2 over an 8k-token context: ~9 s a
question with two threads, ~10 s with one). Two processes, each on one core
and one shard of the episodes (`dataset.sample_ids=[...]`), answer nearly
twice as many questions in the same time. The shard's answers are then adopted
into the run and the run is resumed: it restores the adopted episodes (their
memory counts in its costs), answers whatever is left and writes its metrics
as it always does.

A shard may be complete or stopped (cancelled, failed): each of its records
is an answer of the same experiment, and the run answers what is left.

Before anything is written, the shard is checked to be the same experiment:
not live (neither held nor `running`); its config equal to the run's except for the dataset's selection,
how it ran (`RESUMABLE_DIFFERENCES`) and paths inside its own directory; the
same data (sha256) and scoring version; and each adopted record a question of
the run's own selection, with the same question and gold. Answers the run
already has are kept. environment.json records the adoption first (the shard,
its environment, how many records, who adopted them), then the records are
appended atomically; the run directory is held (`run_dir.exclusive`) the
whole time, so no live run writes beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.errors import UserError
from evals.records import RecordsFile
from evals.run_dir import config_differences, exclusive, read_json, read_run, write_json
from memos_lab.atomic import write_text


class AdoptionError(UserError):
    """A shard that is not a part of the run it is offered to: another config, data, or questions."""


@dataclass(frozen=True)
class Adopted:
    folder: str  # "" for the run's own system, "baselines/<name>" for a compare_with baseline
    records: int
    already_answered: int  # the shard's records the run had answered itself (kept, not adopted)


def adopt(run_dir: Path, shard_dir: Path, adopted_by: dict[str, Any]) -> list[Adopted]:
    """Append the shard's records the run lacks (per system folder) and record the adoption in environment.json.

    `adopted_by`: the environment record of the adopting command. Returns what was adopted, per folder;
    nothing is written when the shard adds no record."""
    run_dir, shard_dir = Path(run_dir).resolve(), Path(shard_dir).resolve()
    if run_dir == shard_dir:
        raise AdoptionError(f"{shard_dir}: a run cannot adopt its own records")
    with exclusive(run_dir), exclusive(shard_dir):
        run, shard = read_run(run_dir), read_run(shard_dir)
        if shard["status"] == "running":  # not held, so killed, or made before runs held their directory
            raise AdoptionError(f"{shard_dir} says it is running: stop it (SIGTERM) first, or, if its process is "
                                "gone, resume it once so that it ends complete or cancelled")
        check_same_experiment(run, shard)
        questions = questions_of(run["config"])
        plan = {folder: new_records(run_dir / folder, shard_dir / folder, questions)
                for folder in folders(shard_dir, run["config"].get("compare_with") or [])}
        adopted = [Adopted(folder, len(new), skipped) for folder, (new, skipped) in plan.items()]
        if not any(a.records for a in adopted):
            return adopted
        environment = read_json(run_dir / "environment.json")
        environment.setdefault("adopted", []).append({
            "shard": str(shard_dir), "records": {a.folder or ".": a.records for a in adopted},
            "environment": shard["environment"], "by": adopted_by})  # fmt: skip
        write_json(run_dir / "environment.json", environment)
        for folder, (new, _) in plan.items():
            append_atomically(RecordsFile(run_dir / folder / "records.jsonl"), new)
    return adopted


def check_same_experiment(run: dict[str, Any], shard: dict[str, Any]) -> None:
    """Refuse a shard of another config, dataset file or scoring version than the run's."""
    shard_config = _relocated(shard["config"], shard["dir"], run["dir"])
    run_config = _relocated(run["config"], run["dir"], run["dir"])  # the same paths, resolved alike
    differing = [k for k in config_differences(run_config, shard_config) if not k.startswith("dataset.")]
    if differing:
        raise AdoptionError(f"{shard['dir']} is a run of another config than {run['dir']} "
                            f"({', '.join(differing[:8])} differ); only the dataset's selection may")
    for key in ("dataset", "scoring_version"):
        mine, theirs = run["environment"].get(key), shard["environment"].get(key)
        mine, theirs = (v.get("sha256") if key == "dataset" and v else v for v in (mine, theirs))
        if mine != theirs:
            raise AdoptionError(f"{shard['dir']} was answered with another {key} ({theirs}) than {run['dir']} "
                                f"({mine}); its scores are not comparable")


def questions_of(config: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """{qid: (question, gold)} of the questions the run's own config selects."""
    from omegaconf import OmegaConf

    from evals.runner import load_episodes

    _, episodes = load_episodes(OmegaConf.create(config))
    return {q.qid: (q.question, q.answer) for episode in episodes for q in episode.questions}


def folders(shard_dir: Path, compare_with: list[str]) -> list[str]:
    """The system folders to adopt: the shard's own, then those of the run's compare_with baselines that the
    shard answered too (a baseline only the shard ran would leave the run a baseline without metrics)."""
    return ["", *(f"baselines/{name}" for name in compare_with
                  if (shard_dir / "baselines" / name / "records.jsonl").is_file())]


def new_records(run_folder: Path, shard_folder: Path, questions: dict[str, tuple[str, str]]) -> tuple[list, int]:
    """The shard folder's records the run folder lacks, each checked against the run's questions; and how many
    the run already had."""
    have = RecordsFile(run_folder / "records.jsonl").done_ids()  # empty where the run has no such folder yet
    new, skipped = [], 0
    for record in RecordsFile(shard_folder / "records.jsonl"):
        asked = questions.get(record["qid"])
        if asked is None:
            raise AdoptionError(f"{shard_folder}: {record['qid']} is not one of the run's questions")
        if asked != (record["question"], record["gold"]):
            raise AdoptionError(f"{shard_folder}: {record['qid']} asks {record['question']!r} (gold "
                                f"{record['gold']!r}), the run's data {asked[0]!r} (gold {asked[1]!r})")
        if record["qid"] in have:
            skipped += 1
        else:
            new.append(record)
            have.add(record["qid"])
    return new, skipped


def append_atomically(records: RecordsFile, new: list[dict[str, Any]]) -> None:
    """The old lines (a torn last one dropped) and the new ones, written as one file in one rename."""
    records.drop_torn_tail()
    old = records.path.read_text(encoding="utf-8") if records.path.exists() else ""
    records.path.parent.mkdir(parents=True, exist_ok=True)
    write_text(records.path, old + "".join(RecordsFile.line(r) for r in new))


def _relocated(value: Any, old: Path, new: Path) -> Any:
    """`value` with every string path under the shard's directory moved under the run's (memory.store_dir)."""
    if isinstance(value, dict):
        return {k: _relocated(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_relocated(v, old, new) for v in value]
    if isinstance(value, str) and value.startswith("/") and Path(value).resolve().is_relative_to(old):
        return str(Path(new) / Path(value).resolve().relative_to(old))
    return value
