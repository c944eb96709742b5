"""evals/environment.py: one environment record, a whole-tree dirty flag, and the results/ guard."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from evals.environment import DirtyTreeError, dirty_marks, environment_record
from evals.run_dir import environment


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                   capture_output=True)  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "code.py").write_text("x = 1\n")
    (tmp_path / ".gitignore").write_text("runs/\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "init")
    return tmp_path


def test_the_record_names_command_machine_commit_packages_dataset_and_scoring(repo: Path) -> None:
    record = environment_record(repo, "python run.py memory=none", dataset_path="/data/locomo",
                                dataset_sha256="ab" * 32, scoring_version=2)  # fmt: skip
    assert record["command"] == "python run.py memory=none"
    assert record["date"].endswith("+00:00")
    assert set(record["machine"]) == {"platform", "processor", "python", "cpus"}
    assert len(record["git"]["commit"]) == 40 and record["git"]["dirty"] is False
    assert record["packages"]["torch"] and "transformers" in record["packages"]
    assert record["dataset"] == {"path": "/data/locomo", "sha256": "ab" * 32}
    assert record["scoring_version"] == 2


def test_dirty_covers_untracked_files_but_not_ignored_ones(repo: Path) -> None:
    (repo / "runs").mkdir()
    (repo / "runs" / "out.json").write_text("{}")  # ignored
    assert environment_record(repo, "c")["git"]["dirty"] is False
    (repo / "new_module.py").write_text("y = 2\n")  # untracked: the old per-path check missed these
    git = environment_record(repo, "c")["git"]
    assert git["dirty"] is True and git["dirty_files"] == ["new_module.py"] and git["dirty_count"] == 1
    (repo / "new_module.py").unlink()
    (repo / "code.py").write_text("x = 2\n")
    assert environment_record(repo, "c")["git"]["dirty_files"] == ["code.py"]


def test_outside_git_the_dirty_flag_is_unknown(tmp_path: Path) -> None:
    git = environment_record(tmp_path, "c")["git"]
    assert git["commit"] is None and git["dirty"] is None


def test_run_dir_environment_is_the_same_record(repo: Path) -> None:
    record = environment(repo, "python run.py")
    assert set(record) == set(environment_record(repo, "python run.py"))


def test_results_need_a_clean_tree_or_allow_dirty(repo: Path) -> None:
    clean = environment_record(repo, "c")
    assert dirty_marks(clean, repo / "results" / "x.json", repo, allow_dirty=False) == {}
    (repo / "scratch.py").write_text("")
    dirty = environment_record(repo, "c")
    with pytest.raises(DirtyTreeError, match="--allow-dirty"):
        dirty_marks(dirty, repo / "results" / "x.json", repo, allow_dirty=False)
    marks = dirty_marks(dirty, repo / "results" / "x.json", repo, allow_dirty=True)
    assert marks["dirty"] is True and "scratch.py" in marks["warning"]
    # outside results/ nothing is refused, but the file still says where it came from
    assert dirty_marks(dirty, repo / "elsewhere.json", repo, allow_dirty=False)["dirty"] is True


def test_faiss_cpu_beside_faiss_gpu_is_refused() -> None:
    from evals.environment import FaissInstallError, check_faiss_install

    check_faiss_install(["faiss-cpu", "torch"])
    check_faiss_install(["faiss-gpu-cu12", "torch"])
    with pytest.raises(FaissInstallError, match="pip uninstall -y faiss-cpu faiss-gpu-cu12"):
        check_faiss_install(["faiss-cpu", "faiss_gpu_cu12"])
