"""Data that ships with fasttda or is generated on demand."""

from __future__ import annotations

import numpy as np

__all__ = ["filter_like", "natural_patches"]


def filter_like(n: int, *, seed: int = 0, noise: float = 0.1, dtype=np.float32) -> np.ndarray:
    """n points on S⁷ shaped like 3×3 filters in DCT coordinates.

    Half lie near the primary circle cos θ e1 + sin θ e2 (edges), 30% near the
    two secondary circles cos φ e1 + sin φ e3 and cos φ e2 + sin φ e4 (lines),
    and 20% are uniform on S⁷; every point gets Gaussian jitter of ``noise``
    before projection back onto the sphere. A stand-in for real layer-1 filters
    in benchmarks and tests.

    Parameters
    ----------
    n : int
        Number of points.
    seed : int
        Seed of the draw.
    noise : float
        Standard deviation of the jitter, before projecting back onto S⁷.
    dtype : numpy dtype
        Of the result.

    Returns
    -------
    ndarray of shape (n, 8)
        Unit vectors.

    Examples
    --------
    >>> from fasttda.datasets import filter_like
    >>> X = filter_like(1000, seed=1)
    >>> X.shape, X.dtype
    ((1000, 8), dtype('float32'))
    """
    rng = np.random.default_rng(seed)
    X = np.zeros((n, 8))
    kind = rng.choice(4, size=n, p=[0.5, 0.15, 0.15, 0.2])
    angle = rng.uniform(0, 2 * np.pi, size=n)
    c, s = np.cos(angle), np.sin(angle)
    for label, (a, b) in enumerate([(0, 1), (0, 2), (1, 3)]):
        sel = kind == label
        X[sel, a], X[sel, b] = c[sel], s[sel]
    uniform = kind == 3
    X[uniform] = rng.standard_normal((int(uniform.sum()), 8))
    X += noise * rng.standard_normal(X.shape)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X.astype(dtype)


def natural_patches(dtype=np.float32) -> np.ndarray:
    """The 50,000 high-contrast 3×3 natural-image patches of Carlsson et al. (2008), on S⁷.

    (50000, 8) DCT coordinates from the javaplex repository (BSD licence; see
    ``fasttda/data/README.md``). Their dense core X(300, 30%) is a circle and
    X(15, 30%) the three-circle model.

    Parameters
    ----------
    dtype : numpy dtype
        Of the result (the shipped copy is float32).

    Returns
    -------
    ndarray of shape (50000, 8)
        D-normalised patches in the DCT coordinates of the paper: analyse them with ``norm="D"``.

    Examples
    --------
    >>> import fasttda
    >>> fasttda.datasets.natural_patches().shape
    (50000, 8)
    """
    from importlib.resources import files

    with files("fasttda").joinpath("data/n50000Dct.npy").open("rb") as f:
        return np.load(f).astype(dtype, copy=False)
