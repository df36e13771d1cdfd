"""Filter vectors: the spatial slices of conv weights as points of a sphere.

Each k×k slice ``W[out, in]`` is mean-centred (a constant patch carries no
shape), divided by its contrast (plain L2, or the D-norm of Lee, Pedersen and
Mumford: sqrt(xᵀ D x) with D the Laplacian of the k×k 4-neighbour grid) and,
for 3×3, written in the 8 DCT coordinates, so it becomes a point of S⁷. Slices
whose contrast is below the cut are dropped and counted, never divided by zero.

The work streams through chunks with numba kernels: one fused pass per chunk
reads each slice once and writes only what is kept, with no (chunk, 9)
temporaries as numpy would make, so 10⁷ slices need memory for the output and
one float per slice, not for copies of the input. Chunks run on several
threads at once (the kernels release the GIL), one chunk in flight per thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numba
import numpy as np

from ._checks import as_threads
from ._pool import run
from .display import RichDisplay

__all__ = [
    "DCT_EIGENVALUES",
    "DCT_UNIT",
    "FilterVectors",
    "dct_coordinates",
    "dct_patches",
    "filter_vectors",
    "grid_laplacian",
]

CHUNK = 1 << 18  # slices per chunk: a few MB, large enough to amortise the calls

# The DCT basis of 3×3 patches (Lee, Pedersen & Mumford 2003; Carlsson et al. 2008),
# as integer patterns e1..e8; each is an eigenvector of the grid Laplacian D.
_DCT_PATTERNS = np.array(
    [
        [[1, 0, -1]] * 3,  # e1: horizontal gradient (a vertical edge)
        [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],  # e2: vertical gradient (a horizontal edge)
        [[1, -2, 1]] * 3,  # e3: vertical line
        [[1, 1, 1], [-2, -2, -2], [1, 1, 1]],  # e4: horizontal line
        [[1, 0, -1], [0, 0, 0], [-1, 0, 1]],  # e5
        [[1, 0, -1], [-2, 0, 2], [1, 0, -1]],  # e6
        [[1, -2, 1], [0, 0, 0], [-1, 2, -1]],  # e7
        [[1, -2, 1], [-2, 4, -2], [1, -2, 1]],  # e8
    ],
    dtype=np.float64,
).reshape(8, 9)
DCT_EIGENVALUES = np.array([1, 1, 3, 3, 2, 4, 4, 6], dtype=np.float64)
# Orthonormal (Euclidean) DCT basis, one row per direction.
DCT_UNIT = _DCT_PATTERNS / np.linalg.norm(_DCT_PATTERNS, axis=1, keepdims=True)


def grid_laplacian(k: int) -> np.ndarray:
    """D of the k×k grid with 4-neighbours: xᵀ D x = Σ over adjacent pixels of (x_i − x_j)².

    Parameters
    ----------
    k : int
        Side of the grid.

    Returns
    -------
    ndarray of shape (k*k, k*k)
        The graph Laplacian, pixels numbered row by row.

    Examples
    --------
    >>> from fasttda.filters import grid_laplacian
    >>> grid_laplacian(3).diagonal().astype(int).tolist()  # corners have 2 neighbours, the centre 4
    [2, 3, 2, 3, 4, 3, 2, 3, 2]
    """
    D = np.zeros((k * k, k * k))
    for r in range(k):
        for c in range(k):
            i = r * k + c
            for j in ([i + 1] if c + 1 < k else []) + ([i + k] if r + 1 < k else []):
                D[i, i] += 1
                D[j, j] += 1
                D[i, j] -= 1
                D[j, i] -= 1
    return D


def dct_coordinates(norm: str) -> np.ndarray:
    """(8, 9) map from a mean-zero 3×3 patch to coordinates in which its contrast is the length.

    L2: v = Uᵀx with U the orthonormal DCT basis. D-norm: v = Λ^½ Uᵀx, the
    coefficients on the D-unit basis e_i of the 2008 paper, so |v| = |x|_D.

    Parameters
    ----------
    norm : {"L2", "D"}

    Returns
    -------
    ndarray of shape (8, 9)

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.filters import dct_coordinates
    >>> edge = np.array([1.0, 0, -1] * 3)  # a vertical edge, mean zero
    >>> np.round(dct_coordinates("L2") @ edge, 6).tolist()  # all on e1, at its L2 length
    [2.44949, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    """
    if norm == "L2":
        return DCT_UNIT.copy()
    return np.sqrt(DCT_EIGENVALUES)[:, None] * DCT_UNIT


def dct_patches(points: np.ndarray, norm: str) -> np.ndarray:
    """(m, 3, 3) mean-zero patches of DCT points: the inverse of ``dct_coordinates(norm)``.

    Parameters
    ----------
    points : array of shape (m, 8)
        DCT coordinates.
    norm : {"L2", "D"}
        The norm the coordinates were made with.

    Returns
    -------
    ndarray of shape (m, 3, 3)

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.filters import dct_patches
    >>> np.round(dct_patches(np.eye(8)[:1], "L2")[0] * np.sqrt(6), 6)  # e1: a vertical edge
    array([[ 1.,  0., -1.],
           [ 1.,  0., -1.],
           [ 1.,  0., -1.]])
    """
    return (np.asarray(points, dtype=np.float64) @ np.linalg.pinv(dct_coordinates(norm)).T).reshape(-1, 3, 3)


@numba.njit(cache=True, nogil=True, inline="always")
def _centre(S, r, c):
    """c = row r of S minus its mean."""
    kk = S.shape[1]
    mean = 0.0
    for j in range(kk):
        mean += S[r, j]
    mean /= kk
    for j in range(kk):
        c[j] = S[r, j] - mean


@numba.njit(cache=True, nogil=True)
def _contrast(S, D, use_d, out):
    m, kk = S.shape
    c = np.empty(kk)
    for r in range(m):
        _centre(S, r, c)
        s = 0.0
        if use_d:
            for i in range(kk):
                t = 0.0
                for j in range(kk):
                    t += D[i, j] * c[j]
                s += c[i] * t
        else:
            for j in range(kk):
                s += c[j] * c[j]
        out[r] = np.sqrt(max(s, 0.0))


@numba.njit(cache=True, nogil=True)
def _project(S, contrast, cut, B, out, start):
    """Writes B·(centred slice)/contrast for every slice at or above the cut; returns the next free row."""
    m, kk = S.shape
    dim = B.shape[0]
    c = np.empty(kk)
    row = start
    for r in range(m):
        if contrast[r] < cut:
            continue
        _centre(S, r, c)
        inv = 1.0 / contrast[r]
        for i in range(dim):
            t = 0.0
            for j in range(kk):
                t += B[i, j] * c[j]
            out[row, i] = t * inv
        row += 1
    return row


@dataclass
class FilterVectors(RichDisplay):
    """Slices kept as points, with where each came from and what was dropped (made by ``filter_vectors``).

    Parameters
    ----------
    points, source, contrast, n_slices, n_dropped, cut, kernel, norm, space, networks
        The attributes below, in this order; ``networks`` defaults to 1.
    notes : list of str
        Remarks on the slices, in words (none by default).

    Attributes
    ----------
    points : ndarray of shape (m, dim), float32
        Unit length in the chosen norm; dim is 8 for 3×3 in DCT coordinates, k*k in pixel space.
    source : ndarray of shape (m, 3), int64
        Network, out channel and in channel of each point.
    contrast : ndarray of shape (m,)
        Contrast of each kept slice before normalising.
    n_slices, n_dropped : int
        Slices seen, and those below the contrast cut.
    cut : float
        The absolute contrast cut applied.
    kernel : int
        k of the k×k slices.
    norm, space : str
        ``"L2"`` or ``"D"``; ``"dct"`` (3×3 only) or ``"pixel"``.
    networks : int
        Networks the slices came from.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda import filter_vectors
    >>> fv = filter_vectors(np.random.default_rng(0).normal(size=(2, 16, 4, 3, 3)))
    >>> len(fv), fv.points.shape[1], fv.networks, fv.source[0].tolist()
    (128, 8, 2, [0, 0, 0])
    """

    points: np.ndarray  # (m, dim) float32; unit length in the chosen norm
    source: np.ndarray  # (m, 3) int64: network, out channel, in channel
    contrast: np.ndarray  # (m,) contrast of each kept slice before normalising
    n_slices: int  # slices seen
    n_dropped: int  # slices below the contrast cut
    cut: float  # the absolute contrast cut applied
    kernel: int  # k of the k×k slices
    norm: str
    space: str  # "dct" (3×3 only) or "pixel"
    networks: int = 1
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.points)

    def __repr__(self) -> str:
        return (
            f"FilterVectors({len(self)} points of dimension {self.points.shape[1]} from {self.n_slices} "
            f"{self.kernel}x{self.kernel} slices of {self.networks} network(s); {self.n_dropped} dropped "
            f"below contrast {self.cut:.3g}; norm={self.norm}, space={self.space})"
        )


def _to_numpy(w):
    if hasattr(w, "detach") and hasattr(w, "cpu"):  # torch, on any device
        w = w.detach()
        if w.ndim >= 1 and w.device.type != "cpu":  # move in pieces so the host never holds two copies
            return np.concatenate([p.cpu().numpy() for p in w.split(max(1, CHUNK // max(1, w[0].numel())))])
        return w.cpu().numpy()
    return np.asarray(w)


def _networks(weights):
    """Yields (network index, array (out, in, k, k)) for every accepted input form."""
    if isinstance(weights, (list, tuple)):
        if not weights:
            raise ValueError("weights is an empty list: there are no layers to read")
        net = 0
        for w in weights:
            for _, arr in _networks(w):
                yield net, arr
                net += 1
        return
    w = _to_numpy(weights)
    if w.dtype.kind not in "fiu":
        raise TypeError(f"weights must hold real numbers, got dtype {w.dtype}")
    if w.ndim == 5:
        for s in range(w.shape[0]):
            yield s, w[s]
    elif w.ndim == 4:
        yield 0, w
    elif w.ndim == 3:
        yield 0, w[:, None]
    elif w.ndim == 2:
        k = int(round(np.sqrt(w.shape[1])))
        if k * k != w.shape[1]:
            raise ValueError(f"2-D weights must be (n, k*k) slices; {w.shape[1]} columns is not a square")
        yield 0, w.reshape(len(w), 1, k, k)
    else:
        raise ValueError(
            f"weights must be (out, in, k, k), (networks, out, in, k, k), (n, k, k) or (n, k*k); got shape {w.shape}"
        )


def _rows(arr):
    out_ch, in_ch, kh, kw = arr.shape
    if kh != kw:
        raise ValueError(f"filters must be square, got {kh}x{kw}")
    if kh < 2:
        raise ValueError(f"filters must be at least 2x2 to have a shape, got {kh}x{kw}")
    return arr.reshape(out_ch * in_ch, kh * kw), in_ch, kh


def _chunk(rows, b, size):
    """Rows b … b+size as float32 or float64 (the kernels compute in float64 either way)."""
    chunk = np.asarray(rows[b : b + size])
    return chunk if chunk.dtype in (np.float32, np.float64) else chunk.astype(np.float64)


def filter_vectors(
    weights,
    *,
    norm: str = "L2",
    min_contrast: float = 0.01,
    top: float | None = None,
    space: str = "dct",
    n_threads: int | None = None,
) -> FilterVectors:
    """The spatial slices of conv weights as points on the unit sphere.

    Parameters
    ----------
    weights : conv weights (out, in, k, k), a stack (networks, out, in, k, k),
        a list of such arrays, torch tensors on any device, or slices (n, k, k) / (n, k*k).
    norm : "L2" (default) or "D" (the D-norm of the 2008 paper; it weights high
        frequencies up, which on CNN filters hides the primary circle).
    min_contrast : slices whose contrast is below this fraction of the median
        contrast of all slices are dropped (the cut is never zero, so constant
        slices are always dropped).
    top : keep only this fraction of highest-contrast slices (as the 2008 paper
        keeps the top 20% of patches); None keeps all above the cut.
    space : "dct" — for 3×3, the 8 DCT coordinates (points of S⁷); "pixel" —
        the k*k mean-zero pixel values. Other kernel sizes always use "pixel".
    n_threads : threads working on different chunks (None: all cores).

    Returns
    -------
    FilterVectors
        The kept slices as points, with their source and contrast.

    Raises
    ------
    ValueError
        On NaN or infinite weights, a bad shape or option, or when every slice is dropped.
    TypeError
        When the weights do not hold real numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda import filter_vectors
    >>> W = np.random.default_rng(0).normal(size=(64, 3, 3, 3))  # one layer: 64 out, 3 in channels
    >>> fv = filter_vectors(W)
    >>> fv.points.shape, fv.n_dropped
    ((192, 8), 0)
    >>> filter_vectors(W, top=0.2).points.shape  # the 20% of highest contrast, as the 2008 paper keeps
    (39, 8)
    """
    if norm not in ("L2", "D"):
        raise ValueError(f"norm must be 'L2' or 'D', got {norm!r}")
    if space not in ("dct", "pixel"):
        raise ValueError(f"space must be 'dct' or 'pixel', got {space!r}")
    if not (np.isfinite(min_contrast) and 0 <= min_contrast < 1):
        raise ValueError(f"min_contrast must be a fraction in [0, 1), got {min_contrast}")
    if top is not None and not (0 < top <= 1):
        raise ValueError(f"top must be a fraction in (0, 1], got {top}")

    n_threads = as_threads(n_threads)
    nets = list(_networks(weights))
    kernels = {arr.shape[-1] for _, arr in nets}
    if len(kernels) != 1:
        raise ValueError(f"all weights must have the same kernel size, got {sorted(kernels)}")
    rows = [_rows(arr) for _, arr in nets]
    k = rows[0][2]
    n_slices = sum(len(r) for r, _, _ in rows)
    if n_slices == 0:
        raise ValueError("the weights hold no slices (an empty layer)")
    D = grid_laplacian(k)

    # Chunks (network, rows, in channels, first row, rows in it, first slice overall); the
    # kernels release the GIL, so threads work on different chunks at once.
    jobs = []
    at = 0
    for (net, _), (r, in_ch, _) in zip(nets, rows):
        for b in range(0, len(r), CHUNK):
            size = min(CHUNK, len(r) - b)
            jobs.append((net, r, in_ch, b, size, at))
            at += size

    # Pass 1: the contrast of every slice (one float each).
    contrast = np.empty(n_slices)

    def measure(job):
        _, r, _, b, size, at = job
        chunk = _chunk(r, b, size)
        if not np.isfinite(chunk).all():
            raise ValueError("the weights contain NaN or infinite values")
        _contrast(chunk, D, norm == "D", contrast[at : at + size])

    run(measure, jobs, n_threads)

    cut = min_contrast * float(np.median(contrast))
    if top is not None:
        cut = max(cut, float(np.quantile(contrast, 1 - top)))
    cut = max(cut, np.finfo(np.float32).tiny)  # never divide by zero: constant slices always go
    keep = contrast >= cut
    n_kept = int(keep.sum())
    if n_kept == 0:
        raise ValueError(
            f"every one of the {n_slices} slices was dropped: their contrast is below the cut {cut:.3g} "
            "(all-constant filters?)"
        )

    use_dct = space == "dct" and k == 3
    B = dct_coordinates(norm) if use_dct else np.eye(k * k)
    points = np.empty((n_kept, B.shape[0]), dtype=np.float32)
    source = np.empty((n_kept, 3), dtype=np.int64)
    # Pass 2: each chunk writes its kept slices from its own first free row.
    kept = [int(np.count_nonzero(keep[at : at + size])) for *_, size, at in jobs]
    starts = np.concatenate([[0], np.cumsum(kept)[:-1]])

    def project(job_start):
        (net, r, in_ch, b, size, at), start = job_start
        chunk = _chunk(r, b, size)
        c = contrast[at : at + size]
        end = _project(chunk, c, cut, B, points, int(start))
        flat = np.nonzero(c >= cut)[0] + b
        source[start:end] = np.stack([np.full(len(flat), net), flat // in_ch, flat % in_ch], axis=1)

    run(project, zip(jobs, starts), n_threads)
    notes = []
    if k != 3 and space == "dct":
        notes.append(f"{k}x{k} filters have no DCT basis here: kept in mean-zero pixel coordinates")
    return FilterVectors(
        points,
        source,
        contrast[keep],
        n_slices,
        n_slices - n_kept,
        cut,
        k,
        norm,
        "dct" if use_dct else "pixel",
        networks=len(nets),
        notes=notes,
    )
