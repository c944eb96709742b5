"""The summary table printed at the end of a run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


METRIC_LABELS = {"f1": "F1", "bleu1": "BLEU-1", "qa_f1": "QA F1", "rouge_l": "ROUGE-L",
                 "contains": "contains (no judge)"}


def _label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric)


def metric_names(metrics: Mapping[str, Any]) -> list[str]:
    """The dataset's per-question metrics, headline first (LoCoMo's before runs recorded them)."""
    return list(metrics.get("metric_names", ("f1", "bleu1")))


def summary_rows(metrics: Mapping[str, Any]) -> list[tuple[str, str]]:
    headline, *others = metric_names(metrics)
    rows = [("questions", _fmt(metrics["n"])), (_label(headline), _fmt(metrics[headline]))]
    rows += [(f"{_label(headline)} cat {c} (n={metrics['n_by_category'][c]})", _fmt(v))
             for c, v in metrics[f"{headline}_by_category"].items()]
    rows += [(_label(name), _fmt(metrics[name])) for name in others]
    rows += [(k, _fmt(metrics[k])) for k in ("evidence_recall@5", "evidence_recall@10")]
    for name, stats in metrics["latency_ms"].items():
        rows.append((f"{name} ms p50 / p95", f"{_fmt(stats['p50'])} / {_fmt(stats['p95'])}"))
    rows.append(("prompt tokens (mean)", _fmt(metrics["prompt_tokens_mean"])))
    if metrics.get("ingest_s"):
        rows.append(("memory build s (all episodes)", _fmt(metrics["ingest_s"]["total"])))
    rows += [(f"bytes stored: {tier}", f"{size:,}") for tier, size in metrics["bytes_stored"].items()]
    return rows


def print_summary(metrics: Mapping[str, Any], title: str) -> None:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in summary_rows(metrics):
        table.add_row(name, value)
    Console().print(table)


COST_COLUMNS = (("recall@10", "evidence_recall@10"), ("prompt tokens", "prompt_tokens_mean"))


def print_comparison(rows: Mapping[str, Mapping[str, Any]], title: str) -> None:
    """One line per system on the same questions: accuracy, recall, context size and answer latency."""
    columns = [(_label(name), name) for name in metric_names(next(iter(rows.values())))] + list(COST_COLUMNS)
    table = Table(title=title)
    for name in ("system", *(label for label, _ in columns), "answer ms p50"):
        table.add_column(name, justify="left" if name == "system" else "right")
    for system, metrics in rows.items():
        cells = [_fmt(metrics.get(key)) for _, key in columns]
        table.add_row(system, *cells, _fmt(metrics["latency_ms"]["answer"]["p50"]))
    Console().print(table)
