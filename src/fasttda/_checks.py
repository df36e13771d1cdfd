"""Input checks shared by the public functions: one sentence saying what is wrong."""

from __future__ import annotations

import numbers

import numpy as np

# Beyond these, a squared distance (a sum of d squared differences) overflows
# float64, or float32 (the float32 kernels then run in float64 instead).
MAX_COORDINATE = 1e150
MAX_FLOAT32_COORDINATE = 1e17
# Integers the core takes as int64 or int: larger ones cannot be passed at all.
INT64_MAX = 2**63 - 1
INT_MAX = 2**31 - 1


def as_array(x) -> np.ndarray:
    """``x`` as a numpy array: a torch tensor on any device is detached and copied to the host; anything
    else goes through ``np.asarray``. The one place torch meets numpy on the analysis side."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def as_points(X, name: str = "X") -> np.ndarray:
    """A C-contiguous (n, d) float32 or float64 array of finite values.

    float32 stays float32 (no copy when already contiguous) unless its squared
    distances could overflow; every other real dtype becomes float64.
    """
    X = as_array(X)
    if X.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold real numbers, got dtype {X.dtype}")
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of shape (n_points, n_dims), got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty: it has no points")
    if X.shape[1] == 0:
        raise ValueError(f"{name} has points with 0 coordinates")
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    X = np.ascontiguousarray(X, dtype=dtype)
    big = float(max(X.max(), -X.min()))  # NaN and inf propagate; no n×d temporary, unlike abs()
    if not np.isfinite(big):
        bad = int(np.count_nonzero(~np.isfinite(X).all(axis=1)))
        raise ValueError(f"{name} contains NaN or infinite values in {bad} of its {X.shape[0]} points")
    if big > MAX_COORDINATE:
        raise ValueError(
            f"{name} has coordinates as large as {big:.3g}: squared distances would overflow; rescale the points"
        )
    if dtype == np.float32 and big > MAX_FLOAT32_COORDINATE:
        X = X.astype(np.float64)  # squared float32 distances would overflow: compute in float64
    return X


def as_int(value, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """An integer within [low, high] (either bound optional)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be at most {high}, got {value}")
    return value


def as_real(value, name: str) -> float:
    """A real number (not a string, bool or None) as a float."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    return float(value)


def as_threads(n_threads) -> int | None:
    """None (all cores) or a positive thread count."""
    if n_threads is None:
        return None
    return as_int(n_threads, "n_threads", low=1, high=4096)
