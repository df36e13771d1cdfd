"""The compiled core, in the build for this CPU.

The kernels are built once per instruction set: ``_core_portable`` for any CPU
and, on x86-64, ``_core_avx2`` for CPUs with AVX2 and FMA, whose k-NN searches
and max–min rounds use 8-lane vectors. Both give the same results to the last
bit (the same sums in the same order; no FMA contraction). Importing this
module gives the AVX2 build where the CPU runs it; the environment variable
FASTTDA_CORE=portable (or =avx2, to insist) overrides the choice.
"""

import os
import sys
import warnings

from . import _core_portable


def _choose():
    choice = os.environ.get("FASTTDA_CORE", "auto").strip().lower() or "auto"
    if choice not in ("auto", "portable", "avx2"):
        raise ImportError(f"FASTTDA_CORE must be auto, portable or avx2, got {choice!r}")
    if choice == "portable":
        return _core_portable
    try:
        from . import _core_avx2
    except ModuleNotFoundError:  # built without it (not x86-64)
        _core_avx2 = None
    except ImportError as e:  # built but broken: say so instead of quietly running the slower core
        warnings.warn(
            f"fasttda's AVX2 core does not import ({e}); using the portable one", RuntimeWarning, stacklevel=2
        )
        _core_avx2 = None
    if _core_avx2 is not None and _core_portable.cpu_has_avx2():
        return _core_avx2
    if choice == "avx2":
        raise ImportError(
            "FASTTDA_CORE=avx2, but "
            + ("this CPU lacks AVX2 or FMA" if _core_avx2 is not None else "fasttda was built without the AVX2 core")
        )
    return _core_portable


# `from . import _core` anywhere in fasttda then yields the compiled module itself.
sys.modules[__name__] = _choose()
