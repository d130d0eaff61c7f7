"""The compiler of the month step: numba's ``njit``, cached on disk.

``NUMBA_DISABLE_JIT=1`` makes every compiled function a plain Python
function: the same code runs uncompiled (slowly), for debugging and for the
test that checks the two paths agree.

numba keys a cached function on its own source file only, so a change to a
function it calls in another module would go unnoticed. The cache therefore
lives in a folder named after a hash of this package's sources
(``<user cache>/alliance-sim/numba/<hash>``, or ``$NUMBA_CACHE_DIR/<hash>``
when that is set); editing any source file starts a fresh cache.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import time
from pathlib import Path

import numba
import numpy as np
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload

PACKAGE = Path(__file__).parent


def _cache_dir() -> str:
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(str(path.relative_to(PACKAGE)).encode())
        digest.update(path.read_bytes())
    chosen = os.environ.get("NUMBA_CACHE_DIR")
    if chosen:  # the user's folder may hold other caches: use a subfolder, prune nothing
        return str(Path(chosen) / digest.hexdigest()[:16])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "alliance-sim" / "numba"
    current = base / digest.hexdigest()[:16]
    _prune(base, current)
    return str(current)


#: Caches of other source versions unused for this long are removed (seconds).
STALE = 7 * 86400


def _prune(base: Path, current: Path) -> None:
    """Remove the caches of other source versions made more than :data:`STALE` seconds ago."""
    try:
        old = [p for p in base.iterdir() if p != current and p.is_dir() and time.time() - p.stat().st_mtime > STALE]
    except OSError:
        return
    for folder in old:
        shutil.rmtree(folder, ignore_errors=True)


numba.config.CACHE_DIR = _cache_dir()  # type: ignore[attr-defined]


def njit(fn=None, **options):
    """``numba.njit`` with the on-disk cache and numpy's error model; use bare or with options.

    numpy's error model (a float division by zero gives inf or nan instead of raising)
    spares the month step a check at every division; no division of the model can have a
    zero divisor (their denominators have positive lower bounds in the schema).
    """
    options.setdefault("cache", True)
    options.setdefault("error_model", "numpy")
    if fn is None:
        return numba.njit(**options)
    return numba.njit(**options)(fn)


def is_cached() -> bool:
    """Whether the compiled month step of these sources is in the disk cache (no compile on first use)."""
    folder = Path(numba.config.CACHE_DIR or "")  # type: ignore[attr-defined]
    return bool(numba.config.DISABLE_JIT) or any(folder.glob("**/kernel.advance-*.nbi"))  # type: ignore[attr-defined]


def warm() -> None:
    """Compile the month step and the quantiles' order statistics (or load them from the cache): a
    one-replication, one-month run and the percentiles of a small matrix. A sweep worker then
    compiles nothing, and no benchmark counts the compiler's time or memory."""
    from .model import AllianceModel
    from .scenario import Scenario
    from .series import percentiles

    AllianceModel(Scenario(name="warm", start="2025-01", months=1), collect=False).run()
    percentiles(np.arange(6.0).reshape(2, 3))


def loaded() -> bool:
    """Whether this process has already loaded (or compiled) the month step."""
    from .kernel import advance

    return not hasattr(advance, "signatures") or bool(advance.signatures)


def cbrt(x: float) -> float:
    """The real cube root, from the C library both compiled and uncompiled.

    numba compiles ``np.cbrt`` to the C library's ``cbrt``, the one ``math.cbrt`` calls;
    numpy's own ``np.cbrt`` may use other (SIMD) code and differ in the last bit, so the
    uncompiled path calls ``math.cbrt``. (numba has no ``math.cbrt``.)
    """
    return math.cbrt(x)


@overload(cbrt)
def _cbrt(x):
    return lambda x: np.cbrt(x)


def unowned(a):
    """An array, or a tuple of arrays, as views that hold no reference to their memory.

    numba counts the references to an array's memory at every copy of an array variable: an
    atomic increment and decrement, in calls it cannot inline. An inlined function copies each
    array it is passed, so the month step made dozens of them per replication-month, which
    numba's pruning of reference counts cannot remove across branches. A view without a
    reference (a null ``meminfo``) skips them, and so do the views taken from it (``S[r]``).

    Only for arrays that outlive every such view: the arguments of the compiled function that
    takes the views (its caller holds them for the call), never an array it allocates. A view
    must not be returned to Python. Uncompiled, this is ``a`` itself.
    """
    return a


def _no_reference(context, builder, typ, value):
    view = context.make_array(typ)(context, builder, value=value)
    view.meminfo = cgutils.get_null_value(view.meminfo.type)
    return view._getvalue()


@intrinsic
def _unowned(typingctx, a):
    if isinstance(a, types.Array):

        def codegen(context, builder, signature, args):
            return _no_reference(context, builder, a, args[0])

        return a(a), codegen
    if isinstance(a, types.BaseTuple) and all(isinstance(item, types.Array) for item in a.types):

        def codegen_tuple(context, builder, signature, args):
            items = cgutils.unpack_tuple(builder, args[0], len(a.types))
            views = [_no_reference(context, builder, typ, v) for typ, v in zip(a.types, items, strict=True)]
            return context.make_tuple(builder, a, views)

        return a(a), codegen_tuple
    return None


@overload(unowned)
def _unowned_overload(a):
    return lambda a: _unowned(a)
