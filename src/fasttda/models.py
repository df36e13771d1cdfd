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
from .filters import dct_coordinates

__all__ = ["circle_fit", "klein_fit", "klein_planes", "orientation_histogram", "three_circle_distance"]

N_THETA = 360  # grid of θ1 over [0, π): half-degree resolution


def _patch(values: np.ndarray, norm: str) -> np.ndarray:
    """A 3×3 pattern (…, 9) in the DCT coordinates of `norm` (mean removed; not normalised)."""
    centred = values - values.mean(axis=-1, keepdims=True)
    return centred @ dct_coordinates(norm).T


def _grid_uv():
    y, x = np.mgrid[-1:2, -1:2]
    return x.ravel().astype(float), y.ravel().astype(float)


def klein_planes(norm: str = "L2", n_theta: int = N_THETA) -> tuple[np.ndarray, np.ndarray]:
    """θ1 grid and, for each θ1, an orthonormal basis (2, 8) of the plane span{u, u²} in coordinates.

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
    x, y = _grid_uv()
    u = np.cos(theta)[:, None] * x + np.sin(theta)[:, None] * y
    L = _patch(u, norm)
    Q = _patch(u * u, norm)
    b1 = L / np.linalg.norm(L, axis=1, keepdims=True)
    q = Q - (Q * b1).sum(axis=1, keepdims=True) * b1
    b2 = q / np.linalg.norm(q, axis=1, keepdims=True)
    return theta, np.stack([b1, b2], axis=1)


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


def klein_fit(points: np.ndarray, norm: str = "L2", *, n_threads: int | None = None
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
    run(lambda s: _best_plane(v[s[0]:s[1]], planes, best[s[0]:s[1]], proj[s[0]:s[1]], c1[s[0]:s[1]], c2[s[0]:s[1]]),
        spans(n, 1 if n < 4096 else 8), n_threads)
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
