"""The judging stage: judge a finished run directory's answers, system by system.

For each system of the run (the configured one and each baselines/<name>/),
every judged question is asked n times. Replies come from the cache when it
has them; each judgement is appended to <system dir>/judge/<judge id>/
judgements.jsonl as it is made (so an interrupted stage resumes, and a torn
last line is cut), and judge_metrics.json is written at the end. A line is
reused only when its prompt hash and judge identity are those of now: a
changed prompt, answer or judge setting is judged afresh, never mixed in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from evals.judges.aggregate import judge_accuracy
from evals.judges.base import Judge
from evals.judges.cache import JudgeCache, Reply, prompt_sha256
from evals.judges.labels import CORRECT, parse_label
from evals.judges.prompts import PROMPT_VERSION, JudgePrompt, is_judged, judge_prompt
from evals.records import RecordsFile
from evals.run_dir import RunDirError, dataset_name, read_run, require_complete, system_dirs
from memos_lab.atomic import write_json


def judge_run(run_dir: Path, judge: Judge, cache: JudgeCache, progress: bool = True) -> dict[str, dict[str, Any]]:
    """Judge every system of a complete run; returns {system: judge metrics} (also in each judge_metrics.json).

    Every system's answers and prompts are read before the first question is asked, so a partial baseline or a
    question no published prompt covers fails at once, with nothing judged.
    """
    run = read_run(Path(run_dir))
    require_complete(run)
    dataset = dataset_name(run["config"])
    questions = {name: (path, _questions(path, dataset)) for name, path in system_dirs(run).items()}
    return {name: judge_system(path, dataset, asked, judge, cache, progress)
            for name, (path, asked) in questions.items()}  # fmt: skip


def judge_system(system_dir: Path, dataset: str, questions: Questions, judge: Judge, cache: JudgeCache,
                 progress: bool = True) -> dict[str, Any]:
    """Judge one system's questions (from `_questions`); writes its judgements and judge_metrics.json."""
    out_dir = system_dir / "judge" / judge.id
    judgements = RecordsFile(out_dir / "judgements.jsonl")
    judgements.drop_torn_tail()
    done = {_key(line["qid"], line["sample"], line["prompt_sha256"], line["judge"]): line for line in judgements}
    calls = {"sent": 0, "cached": 0, "resumed": 0, "prompt_tokens": 0, "completion_tokens": 0}
    lines = []
    for record, prompt in tqdm(questions.judged, desc=f"judging {system_dir.name}", disable=not progress,
                               leave=False):
        lines += list(_judgements(record, prompt, judge, cache, done, judgements, calls))
    metrics = {"judge": judge.describe(), "dataset": dataset, "prompt_version": PROMPT_VERSION,
               "skipped_unjudged": questions.skipped, **judge_accuracy(lines, judge.n), "calls": calls}  # fmt: skip
    write_json(out_dir / "judge_metrics.json", metrics)
    return metrics


@dataclass(frozen=True)
class Questions:
    judged: list[tuple[dict[str, Any], JudgePrompt]]  # each judged record with its prompt
    skipped: int  # records the published protocol does not judge (LoCoMo category 5)


def _questions(system_dir: Path, dataset: str) -> Questions:
    """A finished system's records and their prompts; a record's own `dataset` field wins over the run's."""
    if not (system_dir / "metrics.json").is_file():
        raise RunDirError(f"{system_dir}: no metrics.json, the system's answers are partial; finish the run first")
    try:
        records = list(RecordsFile(system_dir / "records.jsonl"))
    except ValueError as error:
        raise RunDirError(str(error)) from None
    judged = [r for r in records if is_judged(r.get("dataset", dataset), r)]
    return Questions([(r, judge_prompt(r.get("dataset", dataset), r)) for r in judged], len(records) - len(judged))


def _judgements(record: Mapping[str, Any], prompt: JudgePrompt, judge: Judge, cache: JudgeCache,
                done: dict[tuple, dict], out: RecordsFile, calls: dict[str, int]) -> Iterator[dict[str, Any]]:
    digest = prompt_sha256(prompt.text)
    for sample in range(judge.n):
        line = done.get(_key(record["qid"], sample, digest, judge.identity))
        if line is None:
            reply = _reply(prompt, digest, sample, judge, cache, calls)
            line = _line(record, prompt, digest, sample, judge, reply)
            out.append(line)
        else:
            calls["resumed"] += 1
        yield line


def _reply(prompt: JudgePrompt, digest: str, sample: int, judge: Judge, cache: JudgeCache,
           calls: dict[str, int]) -> Reply:
    reply = cache.get(digest, judge.identity, sample)
    if reply is not None:
        calls["cached"] += 1
        return reply
    reply = judge.ask(prompt.text)
    cache.put(digest, judge.identity, sample, reply)
    calls["sent"] += 1
    calls["prompt_tokens"] += reply.prompt_tokens
    calls["completion_tokens"] += reply.completion_tokens
    return reply


def _line(record: Mapping[str, Any], prompt: JudgePrompt, digest: str, sample: int, judge: Judge,
          reply: Reply) -> dict[str, Any]:
    label = parse_label(reply.text, prompt.reply_format)
    return {"qid": record["qid"], "category": record.get("category"), "dataset": prompt.dataset, "sample": sample,
            "label": label, "score": int(label == CORRECT), "reply": reply.text, "prompt": prompt.name,
            "prompt_sha256": digest, "prompt_version": PROMPT_VERSION, "judge": judge.identity}  # fmt: skip


def _key(qid: str, sample: int, digest: str, identity: str) -> tuple:
    return qid, sample, digest, identity
