"""The vocabulary the schemas share: actor codes, camps, event targets and months (``YYYY-MM``)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
ACTORS = ("ROK", "JPN", "USA", "PRK", "CHN")
ALLIES = ("ROK", "JPN", "USA")
ALIASES = {"KOR": "ROK"}


def check_month(value: object) -> str:
    """Validate a ``YYYY-MM`` month string."""
    if not isinstance(value, str) or not MONTH_RE.match(value):
        raise ValueError(f"expected a month as YYYY-MM (for example 2025-01), got {value!r}")
    return value


def month_index(start: str, month: str) -> int:
    """Number of months from ``start`` to ``month`` (both ``YYYY-MM``)."""
    y0, m0 = (int(x) for x in start.split("-"))
    y1, m1 = (int(x) for x in month.split("-"))
    return (y1 - y0) * 12 + (m1 - m0)


def month_label(start: str, index: int) -> str:
    """The ``YYYY-MM`` label of month ``index`` counted from ``start``."""
    y0, m0 = (int(x) for x in start.split("-"))
    y, m = divmod(y0 * 12 + m0 - 1 + index, 12)
    return f"{y:04d}-{m + 1:02d}"


def _alias(value: object) -> object:
    return ALIASES.get(value, value) if isinstance(value, str) else value


Month = Annotated[str, BeforeValidator(check_month)]
Actor = Annotated[Literal["ROK", "JPN", "USA", "PRK", "CHN"], BeforeValidator(_alias)]
Democracy = Annotated[Literal["ROK", "JPN"], BeforeValidator(_alias)]
Target = Literal["ROK", "JPN", "both"]
Government = Literal["conservative", "progressive"]
