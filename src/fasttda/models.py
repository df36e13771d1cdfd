"""The models of Carlsson et al. (2008) for 3×3 patches, and fits of points to them.

On the patch grid (x, y) ∈ {−1, 0, 1}², with u = cos θ1·x + sin θ1·y:

- primary circle: the linear patches u (edges at angle θ1) — in DCT
  coordinates, the unit circle of the (e1, e2) plane;
- secondary circles: sin θ2·u + cos θ2·u² at θ1 = 0 and θ1 = π/2 (vertical and
  horizontal lines with the edges between them) — the (e1, e3) and (e2, e4) planes;
- Klein bottle: the same family for every θ1.

Each family at a fixed θ1 is the unit circle of a plane, so the nearest model
point to a unit vector v lies in the plane of largest projection |P v|, at
distance sqrt(2 − 2|P v|). Fits work in the coordinates of `filters`
(L2 or D-norm DCT), which changes the Klein planes but not the circles.
"""

from __future__ import annotations

import numba
import numpy as np

from ._pool import run, spans
from .filters import dct_coordinates, grid_laplacian

__all__ = [
    "circle_fit",
    "circle_patches",
    "klein_fit",
    "klein_patches",
    "klein_planes",
    "orientation_histogram",
    "patch_grid",
    "three_circle_distance",
]

N_THETA = 360  # grid of θ1 over [0, π): half-degree resolution


def _patch(values: np.ndarray, norm: str) -> np.ndarray:
    """A 3×3 pattern (…, 9) in the DCT coordinates of `norm` (mean removed; not normalised)."""
    centred = values - values.mean(axis=-1, keepdims=True)
    return centred @ dct_coordinates(norm).T


def patch_grid(k: int = 3, norm: str = "L2") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The constants of the model patches on the k×k grid: (x, y, C, G).

    x and y (k²,) are each pixel's column and row offset from the centre, scaled to [−1, 1]
    (x to the right, y down, in the row-major order of a (k, k) array); C (k², k²) removes the
    mean; G (k², k²) is the metric of the contrast: the identity for L2, the grid Laplacian D
    for the D-norm.

    Parameters
    ----------
    k
        The patch side, an odd integer of at least 3.
    norm
        ``"L2"`` or ``"D"``: the contrast norm.

    Returns
    -------
    x, y : numpy.ndarray
        (k²,) float64 pixel offsets in [−1, 1].
    C : numpy.ndarray
        (k², k²) centring matrix.
    G : numpy.ndarray
        (k², k²) metric of the contrast.

    Raises
    ------
    ValueError
        When k is not an odd integer of at least 3, or norm is neither ``"L2"`` nor ``"D"``.

    Examples
    --------
    >>> from fasttda.models import patch_grid
    >>> x, y, C, G = patch_grid(3)
    >>> x.reshape(3, 3)
    array([[-1.,  0.,  1.],
           [-1.,  0.,  1.],
           [-1.,  0.,  1.]])
    >>> C.shape, G.shape
    ((9, 9), (9, 9))
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 3 or k % 2 == 0:
        raise ValueError(f"the patch side must be an odd integer of at least 3, got {k!r}")
    if norm not in ("L2", "D"):
        raise ValueError(f"norm must be 'L2' or 'D', got {norm!r}")
    c = (k - 1) / 2
    y, x = np.mgrid[0:k, 0:k].astype(np.float64)
    x, y = ((x - c) / c).ravel(), ((y - c) / c).ravel()
    C = np.eye(k * k) - 1.0 / (k * k)
    G = np.eye(k * k) if norm == "L2" else grid_laplacian(k)
    return x, y, C, G


def klein_formula(cos, sin, theta1, theta2, x, y, C, G):
    """The Klein bottle model patches (…, k²) at angles theta1, theta2 (…), in any array library.

    With u = cos θ1·x + sin θ1·y, the patch is sin θ2·L̂ + cos θ2·Q̂, where L̂ and Q̂ are the
    linear profile u and the quadratic profile Q(u) = 2u² − 1 of Carlsson et al. (2008) and
    Love et al. (2023), each mean-centred (C) and scaled to unit contrast (metric G). L̂ and Q̂
    are orthogonal (u is odd and u² even under the point reflection of the grid), so the patch
    has unit contrast and θ2 is the angle within the plane span{L̂, Q̂} in an orthonormal
    basis: the parametrisation ``klein_fit`` reports. θ2 = π/2 is the edge L̂ (the primary
    circle at θ1), θ2 = 0 the line Q̂. The paper's unnormalised sin θ2·u + cos θ2·Q(u)
    traces the same Klein bottle; its θ2 differs from this one only between the quarter turns.
    The constant −1 of Q and its factor 2 vanish in the centring and the scaling.

    ``cos`` and ``sin`` are the library's functions (``np.cos`` or ``torch.cos`` …) and the
    arrays x, y, C, G those of ``patch_grid`` in that library, so that numpy (the analysis)
    and torch (``fasttda.nets.KleinConv2d``) evaluate one formula.
    """
    u = cos(theta1)[..., None] * x + sin(theta1)[..., None] * y
    L = u @ C
    Q = (u * u) @ C
    L = L / (((L @ G) * L).sum(-1) ** 0.5)[..., None]
    Q = Q / (((Q @ G) * Q).sum(-1) ** 0.5)[..., None]
    return sin(theta2)[..., None] * L + cos(theta2)[..., None] * Q


def klein_patches(theta1, theta2, k: int = 3, norm: str = "L2") -> np.ndarray:
    """(…, k, k) patches of the Klein bottle model at angles θ1 (orientation) and θ2 (edge ↔ line).

    Mean zero and unit contrast (L2 or D-norm), as ``filter_vectors`` normalises filters;
    see ``klein_formula``. ``klein_fit`` of their DCT coordinates (k = 3) returns the same
    angles, θ1 taken into [0, π) by the Klein bottle's identification (θ1 + π, θ2) ~ (θ1, −θ2).

    Parameters
    ----------
    theta1
        Orientation angle(s), broadcast against ``theta2``.
    theta2
        Edge-to-line angle(s).
    k
        The patch side, an odd integer of at least 3.
    norm
        ``"L2"`` or ``"D"``: the contrast norm.

    Returns
    -------
    numpy.ndarray
        (…, k, k) float64 patches, … the broadcast shape of the angles.

    Raises
    ------
    ValueError
        As ``patch_grid``.

    Examples
    --------
    >>> klein_patches(0.0, np.pi / 2).round(3) + 0.0   # θ2 = π/2: the edge brightening to the right
    array([[-0.408,  0.   ,  0.408],
           [-0.408,  0.   ,  0.408],
           [-0.408,  0.   ,  0.408]])
    """
    x, y, C, G = patch_grid(k, norm)
    t1, t2 = np.broadcast_arrays(np.asarray(theta1, dtype=np.float64), np.asarray(theta2, dtype=np.float64))
    return klein_formula(np.cos, np.sin, t1, t2, x, y, C, G).reshape(*t1.shape, k, k)


def circle_patches(theta, k: int = 3, norm: str = "L2") -> np.ndarray:
    """(…, k, k) patches of the primary circle: F_θ(x, y) ∝ cos θ·x + sin θ·y, mean zero, unit contrast.

    The Klein bottle's edges, ``klein_patches(θ, π/2)``. In the DCT coordinates of the analysis
    (e1 ∝ −x, e2 ∝ −y) the patch at θ is the point at angle θ + π that ``circle_fit`` reports.

    Parameters
    ----------
    theta
        Angle(s) on the circle.
    k
        The patch side, an odd integer of at least 3.
    norm
        ``"L2"`` or ``"D"``: the contrast norm.

    Returns
    -------
    numpy.ndarray
        (…, k, k) float64 patches, … the shape of ``theta``.

    Raises
    ------
    ValueError
        As ``patch_grid``.

    Examples
    --------
    >>> from fasttda.models import circle_patches
    >>> circle_patches(0.0).round(3) + 0.0
    array([[-0.408,  0.   ,  0.408],
           [-0.408,  0.   ,  0.408],
           [-0.408,  0.   ,  0.408]])
    >>> circle_patches([0.0, 1.0, 2.0]).shape
    (3, 3, 3)
    """
    theta = np.asarray(theta, dtype=np.float64)
    return klein_patches(theta, np.full_like(theta, np.pi / 2), k, norm)


def klein_planes(norm: str = "L2", n_theta: int = N_THETA) -> tuple[np.ndarray, np.ndarray]:
    """θ1 grid and, for each θ1, an orthonormal basis (2, 8) of the plane span{u, u²} in coordinates:
    the DCT coordinates of the edge (θ2 = π/2) and the line (θ2 = 0) of ``klein_patches``.

    Parameters
    ----------
    norm : {"L2", "D"}
        The DCT coordinates to work in.
    n_theta : int
        Points of the θ1 grid over [0, π).

    Returns
    -------
    theta : ndarray of shape (n_theta,)
    planes : ndarray of shape (n_theta, 2, 8)
        Rows: the edge u, then the line u² made orthogonal to it.

    Examples
    --------
    >>> from fasttda.models import klein_planes
    >>> theta, planes = klein_planes(n_theta=4)
    >>> planes.shape
    (4, 2, 8)
    """
    theta = np.arange(n_theta) * np.pi / n_theta
    edge = klein_patches(theta, np.full(n_theta, np.pi / 2), 3, norm).reshape(n_theta, 9)
    line = klein_patches(theta, np.zeros(n_theta), 3, norm).reshape(n_theta, 9)
    return theta, np.stack([_patch(edge, norm), _patch(line, norm)], axis=1)


def circle_fit(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(θ, distance) of each point to the primary circle; θ = atan2(e2, e1) in [0, 2π).

    Parameters
    ----------
    points : array of shape (n, 8)
        DCT coordinates.

    Returns
    -------
    theta, distance : ndarray of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.models import circle_fit
    >>> theta, d = circle_fit(np.array([[0.0, 1, 0, 0, 0, 0, 0, 0]]))  # e2: a horizontal edge
    >>> float(np.degrees(theta[0])), float(d[0])
    (90.0, 0.0)
    """
    v = np.asarray(points, dtype=np.float64)
    r = np.hypot(v[:, 0], v[:, 1])
    theta = np.mod(np.arctan2(v[:, 1], v[:, 0]), 2 * np.pi)
    return theta, _plane_distance(v, r)


def _plane_distance(v: np.ndarray, projection: np.ndarray) -> np.ndarray:
    length = np.linalg.norm(v, axis=1)
    return np.sqrt(np.maximum(length**2 + 1 - 2 * projection, 0.0))


def three_circle_distance(points: np.ndarray) -> np.ndarray:
    """Distance of each point to the union of the primary and the two secondary circles.

    Parameters
    ----------
    points : array of shape (n, 8)
        DCT coordinates.

    Returns
    -------
    ndarray of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.models import three_circle_distance
    >>> three_circle_distance(np.eye(8)[[2, 7]]).round(3).tolist()  # e3 (a line) is on it, e8 is not
    [0.0, 1.414]
    """
    v = np.asarray(points, dtype=np.float64)
    primary = np.hypot(v[:, 0], v[:, 1])
    vertical_lines = np.hypot(v[:, 0], v[:, 2])
    horizontal_lines = np.hypot(v[:, 1], v[:, 3])
    return _plane_distance(v, np.maximum(primary, np.maximum(vertical_lines, horizontal_lines)))


@numba.njit(cache=True, nogil=True)
def _best_plane(V, planes, best, proj, c1, c2):
    n, dim = V.shape
    for i in range(n):
        top = -1.0
        for t in range(planes.shape[0]):
            a = 0.0
            b = 0.0
            for j in range(dim):
                a += planes[t, 0, j] * V[i, j]
                b += planes[t, 1, j] * V[i, j]
            p = a * a + b * b
            if p > top:
                top = p
                best[i] = t
                c1[i] = a
                c2[i] = b
        proj[i] = np.sqrt(top)


def klein_fit(
    points: np.ndarray, norm: str = "L2", *, n_threads: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(θ1, θ2, distance) of each point to the Klein bottle model.

    θ1 ∈ [0, π) is the direction of the pattern; θ2 is the angle within its
    plane, in the orthonormal basis (edge u, line u² made orthogonal to u):
    θ2 = π/2 or 3π/2 is a pure edge, 0 or π a pure line. Large inputs are split
    over n_threads threads (None: all cores).

    Parameters
    ----------
    points : array of shape (n, 8)
        DCT coordinates in the norm ``norm``.
    norm : {"L2", "D"}
    n_threads : int, optional

    Returns
    -------
    theta1, theta2, distance : ndarray of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.models import klein_fit
    >>> t1, t2, d = klein_fit(np.eye(8)[:1])  # e1, a vertical edge: on the bottle, a pure edge
    >>> float(t1[0]), round(float(np.degrees(t2[0]))), round(float(d[0]), 6)
    (0.0, 270, 0.0)
    """
    v = np.ascontiguousarray(points, dtype=np.float64)
    theta, planes = klein_planes(norm)
    n = len(v)
    best = np.empty(n, dtype=np.int64)
    proj, c1, c2 = np.empty(n), np.empty(n), np.empty(n)
    run(
        lambda s: _best_plane(
            v[s[0] : s[1]], planes, best[s[0] : s[1]], proj[s[0] : s[1]], c1[s[0] : s[1]], c2[s[0] : s[1]]
        ),
        spans(n, 1 if n < 4096 else 8),
        n_threads,
    )
    return theta[best], np.mod(np.arctan2(c1, c2), 2 * np.pi), _plane_distance(v, proj)


def orientation_histogram(theta: np.ndarray, bins: int = 16) -> dict:
    """Counts of circle angles in `bins` equal sectors of [0, 2π), and how over-represented
    the axis directions are: sectors within 22.5° of 0°, 90°, 180°, 270° (vertical and
    horizontal edges) against those within 22.5° of the diagonals (1.0 when uniform).

    Parameters
    ----------
    theta : array of shape (n,)
        Angles on the primary circle (radians).
    bins : int

    Returns
    -------
    dict
        ``counts`` and ``edges`` of the histogram, ``axis`` and ``diagonal`` counts, ``axis_ratio``.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.models import orientation_histogram
    >>> orientation_histogram(np.radians([0, 90, 180, 45]))["axis_ratio"]
    3.0
    """
    theta = np.mod(np.asarray(theta, dtype=np.float64), 2 * np.pi)
    counts, edges = np.histogram(theta, bins=bins, range=(0, 2 * np.pi))
    off_axis = np.abs(((theta + np.pi / 4) % (np.pi / 2)) - np.pi / 4)  # distance to nearest axis
    axis = int(np.count_nonzero(off_axis < np.pi / 8))
    diagonal = len(theta) - axis
    return {
        "counts": counts,
        "edges": edges,
        "axis": axis,
        "diagonal": diagonal,
        "axis_ratio": axis / diagonal if diagonal else float("inf"),
    }
