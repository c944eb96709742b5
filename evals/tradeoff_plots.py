"""Trade-off figures (matplotlib, Agg): accuracy against bytes stored (log x) and against TTFT p50.

One marker per point (evals/tradeoffs.py): its shape says the tier, its
colour the scheduling policy, and its label is written beside it. A point
without the x value (a `modes` table has no bytes) is left off that figure.
The same figures go to PNG files (scripts/plot_tradeoffs.py) and to W&B
(evals/loggers/wandb_panels.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.tradeoffs import Point

TIER_MARKERS = {"plaintext": "o", "activation": "s", "parameter": "^", "none": "x", "full_context": "D"}
OTHER_MARKERS = "vP*hX<>p"
LABEL_OFFSETS = (4, -11, 13)  # points above the marker, for labels in turn
# name: (attribute of Point, axis label, log scale)
AXES = {
    "bytes": ("bytes_stored", "bytes stored (log scale)", True),
    "ttft": ("ttft_p50_ms", "TTFT p50 (ms)", False),
}


def figures(points: Sequence[Point], title: str) -> dict[str, Any]:
    """{"bytes": Figure, "ttft": Figure}: accuracy against each cost axis."""
    return {axis: figure(points, axis, title) for axis in AXES}


def figure(points: Sequence[Point], axis: str, title: str):
    """Accuracy (y) against one cost axis (x) of every point that has it."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    attribute, xlabel, log = AXES[axis]
    shown = [p for p in points if getattr(p, attribute) is not None and not (log and getattr(p, attribute) <= 0)]
    zero = [p for p in points if log and getattr(p, attribute) == 0]  # a log axis has no 0: drawn as a level
    markers, colours = _markers(points), _colours(points)
    fig = Figure(figsize=(8, 5.5), layout="constrained")
    ax = fig.add_subplot()
    for p in shown:
        ax.scatter(getattr(p, attribute), p.accuracy, marker=markers[p.tier], color=colours[p.policy], s=60,
                   zorder=3, alpha=0.8)  # fmt: skip
    if log:
        ax.set_xscale("log")
    ax.margins(x=0.2, y=0.12)
    _label(ax, [(getattr(p, attribute), p.accuracy, p.label) for p in shown])
    for p in zero:
        ax.axhline(p.accuracy, color=colours[p.policy], linestyle="--", linewidth=0.8, zorder=2)
        ax.annotate(f"{p.label} (0 {axis})", (0.01, p.accuracy), xycoords=("axes fraction", "data"),
                    xytext=(0, 3), textcoords="offset points", fontsize=7)  # fmt: skip
    left = len(points) - len(shown) - len(zero)
    ax.set_title(f"{title}: accuracy vs {axis}" + (f"\n({left} point(s) without {axis} left off)" if left else ""),
                 fontsize=10)  # fmt: skip
    ax.set_xlabel(xlabel)
    ax.set_ylabel(" / ".join(sorted({p.metric for p in points})))
    ax.grid(True, alpha=0.3)
    _legend(ax, markers, colours)
    return fig


def _label(ax, placed: Sequence[tuple[float, float, str]]) -> None:
    """Write each label beside its point: points at one place share a label (two names a line), labels are
    staggered up and down, and those in the right half of the axes go to the left of their point."""
    labels: dict[tuple[float, float], list[str]] = {}
    for x, y, name in placed:
        labels.setdefault((x, y), []).append(name)
    to_axes = ax.transData + ax.transAxes.inverted()
    for i, ((x, y), names) in enumerate(sorted(labels.items())):
        text = ",\n".join(", ".join(names[j : j + 2]) for j in range(0, len(names), 2))
        side = -1 if to_axes.transform((x, y))[0] > 0.5 else 1
        label = ax.annotate(text, (x, y), textcoords="offset points", xytext=(6 * side, LABEL_OFFSETS[i % 3]),
                            ha="left" if side > 0 else "right", fontsize=7)  # fmt: skip
        label.set_in_layout(False)  # a long label may run past the axes; it must not shrink them


def _legend(ax, markers: dict[str, str], colours: dict[str, Any]) -> None:
    from matplotlib.lines import Line2D

    tiers = [Line2D([], [], marker=m, color="grey", linestyle="", label=f"tier: {t}") for t, m in markers.items()]
    policies = [Line2D([], [], marker="o", color=c, linestyle="", label=f"policy: {p}") for p, c in colours.items()]
    ax.legend(handles=tiers + policies, fontsize=7, loc="best")


def png_bytes(fig) -> bytes:
    """The figure rendered as PNG."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120)
    return buffer.getvalue()


def save_png(fig, path: Path) -> Path:
    """Render the figure to a PNG file (written atomically)."""
    from memos_lab.atomic import write_bytes

    write_bytes(path, png_bytes(fig))
    return path


def _markers(points: Sequence[Point]) -> dict[str, str]:
    tiers = sorted({p.tier for p in points})
    others = iter(OTHER_MARKERS * (1 + len(tiers) // len(OTHER_MARKERS)))
    return {t: TIER_MARKERS[t] if t in TIER_MARKERS else next(others) for t in tiers}


def _colours(points: Sequence[Point]) -> dict[str, Any]:
    from matplotlib import colormaps

    palette = colormaps["tab10"]
    policies = sorted({p.policy for p in points}, key=lambda name: (name != "none", name))
    return {name: "black" if name == "none" else palette((i - 1) % 10) for i, name in enumerate(policies)}
