"""Reference tables generated from the registries, so the docs cannot drift.

``python -m alliance_sim.reference`` rewrites every block between
``<!-- BEGIN generated:NAME -->`` and ``<!-- END generated:NAME -->`` in the
Markdown files under ``docs/``; ``tests/test_docs.py`` fails if a block is stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .calibration import SOURCES
from .coefficients import coefficient_registry
from .events import EVENT_TYPES
from .metrics import DRIVER_DOCS, STEP_METRICS, SUMMARIES

BLOCK = re.compile(r"(<!-- BEGIN generated:(\w+) -->\n)(.*?)(<!-- END generated:\2 -->)", re.S)


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0]


def coefficients_table() -> str:
    rows = ["| path | default | range | meaning |", "|---|---|---|---|"]
    for r in coefficient_registry():
        rows.append(f"| `{r['path']}` | {r['default']:g} | [{r['low']:g}, {r['high']:g}] | {r['description']} |")
    return "\n".join(rows)


def calibration_table() -> str:
    rows = ["| path | default | range | basis | reason or source |", "|---|---|---|---|---|"]
    for r in coefficient_registry():
        kind, why = SOURCES[r["path"]]
        rows.append(f"| `{r['path']}` | {r['default']:g} | [{r['low']:g}, {r['high']:g}] | {kind} | {why} |")
    return "\n".join(rows)


DRAWS = {0: "draws nothing", 1: "draws a uniform", 2: "draws two uniforms"}


def _contract(cls) -> str:
    """An event class's declared contract: its sample, what that moves, and whether it draws from its stream."""
    sample = ", ".join(f"{k}: {v}" for k, v in cls.sample.items())
    moves = ", ".join(f"`{path}` {'up' if sign > 0 else 'down'}" for path, sign in cls.moves.items())
    return f"`{{{sample}}}` moves {moves}; {DRAWS.get(cls.draws, f'draws {cls.draws} uniforms')}"


def events_table() -> str:
    rows = [
        "| type | what it does | example | contract: an instance, what it moves, its random draws a month | fields |",
        "|---|---|---|---|---|",
    ]
    skip = {"type"}
    for name, cls in EVENT_TYPES.items():
        fields = []
        for fname, f in cls.model_fields.items():
            if fname in skip:
                continue
            key = f.alias or fname
            default = "required" if f.is_required() else f"default {f.default!r}"
            fields.append(f"`{key}` ({default}): {f.description}")
        rows.append(
            f"| `{name}` | {_first_line(cls.__doc__)} | {cls.example} | {_contract(cls)} | {'<br>'.join(fields)} |"
        )
    return "\n".join(rows)


def metrics_table() -> str:
    rows = ["| metric | kind | definition |", "|---|---|---|"]
    rows += [f"| `{k}` | step | {_first_line(f.__doc__)} |" for k, f in STEP_METRICS.items()]
    rows += [f"| `{k}` | run summary | {_first_line(f.__doc__)} |" for k, f in SUMMARIES.items()]
    rows += [f"| `driver_{k}` | driver | {v} |" for k, v in DRIVER_DOCS.items()]
    return "\n".join(rows)


GENERATORS = {
    "coefficients": coefficients_table,
    "calibration": calibration_table,
    "events": events_table,
    "metrics": metrics_table,
}


def render(text: str) -> str:
    """``text`` with every generated block replaced by its current content."""
    return BLOCK.sub(lambda m: m.group(1) + GENERATORS[m.group(2)]() + "\n" + m.group(4), text)


def update(docs: Path) -> list[Path]:
    """Rewrite stale generated blocks in the Markdown files under ``docs``; return the files changed."""
    changed = []
    for path in sorted(Path(docs).glob("*.md")):
        text = path.read_text(encoding="utf-8")
        new = render(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


if __name__ == "__main__":  # pragma: no cover
    for p in update(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")):
        print(f"updated {p}")
