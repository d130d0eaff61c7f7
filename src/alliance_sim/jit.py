"""The compiler of the month step: numba's ``njit``, cached on disk.

``NUMBA_DISABLE_JIT=1`` makes every compiled function a plain Python
function: the same code runs uncompiled (slowly), for debugging and for the
test that checks the two paths agree.

numba keys a cached function on its own source file only, so a change to a
function it calls in another module would go unnoticed. The cache therefore
lives in a folder named after a hash of this package's sources
(``<user cache>/alliance-sim/numba/<hash>``), unless ``NUMBA_CACHE_DIR`` is
set; editing any source file starts a fresh cache.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba

PACKAGE = Path(__file__).parent


def _cache_dir() -> str:
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(str(path.relative_to(PACKAGE)).encode())
        digest.update(path.read_bytes())
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return str(base / "alliance-sim" / "numba" / digest.hexdigest()[:16])


if not os.environ.get("NUMBA_CACHE_DIR"):
    numba.config.CACHE_DIR = _cache_dir()  # type: ignore[attr-defined]


def njit(fn=None, **options):
    """``numba.njit`` with the on-disk cache and no Python fallback; use bare or with options."""
    options.setdefault("cache", True)
    if fn is None:
        return numba.njit(**options)
    return numba.njit(**options)(fn)
