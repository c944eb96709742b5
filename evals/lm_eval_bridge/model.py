"""`--model memos`: an lm-eval model that answers through a memory system built from conf/.

`--model_args` are Hydra overrides (evals/lm_eval_bridge/config.py) plus
`run_dir=` (where the memory store, config.yaml, environment.json and the
per-question records.jsonl go; default runs/lm_eval/<time>). lm-eval's
`--device` (cuda:0 unless given) and `--batch_size` are accepted and unused:
the device is the config's (`model.device=`, `embedder.device=`; auto), and
questions go one at a time (an answer changes the memory's access state).

Only generation: a memory system answers questions, it does not score
continuations, so loglikelihood tasks are refused with the reason.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from lm_eval.api.model import LM
from omegaconf import OmegaConf

from evals.lm_eval_bridge.answering import DocAnswerer
from evals.lm_eval_bridge.config import OVERRIDES_KEY, compose_run_config, hydra_overrides

GENERATION_ONLY = ("the memos model only generates answers from memory (generate_until); {} is not supported: "
                   "use a generation task (locomo_qa, longbench_local_hotpotqa, longbench_local_multifieldqa_en)")


class MemosLM(LM):
    def __init__(self, overrides: str | list[str] | None = None, run_dir: str | None = None,
                 batch_size: Any = None, max_batch_size: Any = None, device: str | None = None,
                 **pairs: Any) -> None:
        super().__init__()
        self.overrides = hydra_overrides({OVERRIDES_KEY: overrides, **pairs})
        self.run_dir = Path(run_dir) if run_dir else Path("runs/lm_eval") / time.strftime("%Y-%m-%d_%H-%M-%S")
        self.answerer = build_answerer(self.overrides, self.run_dir)

    def generate_until(self, requests, disable_tqdm: bool = False) -> list[str]:
        from tqdm import tqdm

        outputs = []
        for request in tqdm(requests, disable=disable_tqdm, desc="memos", unit="q"):
            context, gen_kwargs = request.args
            output = cut_at_stops(self.answerer.answer(request.doc), gen_kwargs.get("until"))
            self.cache_hook.add_partial("generate_until", (context, gen_kwargs), output)
            outputs.append(output)
        return outputs

    def loglikelihood(self, requests, disable_tqdm: bool = False):
        raise NotImplementedError(GENERATION_ONLY.format("loglikelihood"))

    def loglikelihood_rolling(self, requests, disable_tqdm: bool = False):
        raise NotImplementedError(GENERATION_ONLY.format("loglikelihood_rolling"))

    def get_model_info(self) -> dict[str, Any]:
        """Added to the results JSON's `config`: what answered, and where its records are."""
        return {"memos_overrides": self.overrides, "memos_run_dir": str(self.run_dir),
                "memos_system": self.answerer.system.name}


def build_answerer(overrides: list[str], run_dir: Path) -> DocAnswerer:
    """Compose and check the config, record it in `run_dir`, load the model and build the memory system."""
    from hydra.utils import instantiate

    from evals.config import validate
    from evals.run_dir import begin, environment, hold_until_exit
    from evals.runner import REPO_ROOT, build_system, seed_everything, set_threads

    cfg = compose_run_config(overrides, run_dir)
    validate(cfg)
    seed_everything(cfg.seed)
    threads = set_threads(cfg.torch_threads)
    config = OmegaConf.to_container(cfg, resolve=True, enum_to_str=True)
    run_dir.mkdir(parents=True, exist_ok=True)
    hold_until_exit(run_dir)  # its records are appended until lm-eval ends: no second process beside them
    begin(run_dir, config, environment(REPO_ROOT, " ".join(sys.argv)) | {"torch_threads": threads})
    system = build_system(cfg, cfg.memory, instantiate(cfg.model))
    return DocAnswerer(system, overrides, run_dir)


def cut_at_stops(text: str, until: list[str] | str | None) -> str:
    """The text up to the first of lm-eval's stop sequences (`until`)."""
    stops = [until] if isinstance(until, str) else list(until or [])
    return min((text.split(stop)[0] for stop in stops if stop), key=len, default=text)
