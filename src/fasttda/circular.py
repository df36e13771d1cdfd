"""Circular coordinates: the angle of every point on a long H1 bar's loop, and the points on that loop.

After de Silva, Morozov and Vejdemo-Johansson (2011), "Persistent cohomology and
circular coordinates", as DREiMac computes them (Perea 2020):

1. A cocycle z of a long H1 bar [birth, death) of the landmarks' Rips filtration,
   computed with Z/p coefficients for an odd prime p, is lifted to integers: each
   value v ∈ [0, p) becomes the representative of v mod p in (−p/2, p/2].
2. At a Rips scale t in the bar (t = start + perc·(death − start), start = 2·birth
   when that is still below death, as DREiMac's "standard range", so the class is
   alive in the Čech complex of balls of radius t/2 too; else start = birth), the
   least-squares problem min_f ||W^½ (z + δf)|| on the edges of the landmarks'
   1-skeleton at t (sparse LSQR) gives f: landmarks → R and the harmonic cocycle
   τ = z + δf ((δf)(i → j) = f(j) − f(i)), so f(i) + τ(i, j) ≡ f(j) mod 1. DREiMac
   takes W = 1; the default here weights each edge by 1/(n_i n_j), n_i the landmarks
   within t/2 of landmark i, so the angle follows arc length (see ``_harmonic``).
   The lift is not checked against the cocycle condition (DREiMac repairs a lift
   that breaks it with an integer program); on the loops tested it always holds.
3. A point x covered by the balls B(ℓ_k, r), r = t/2, with the partition of unity
   φ_k(x) ∝ max(r − |x − ℓ_k|, 0), gets θ(x) = f(j) + Σ_k φ_k(x) τ(j, k) mod 1, j its
   nearest landmark (an edge (j, k) with both balls holding x is shorter than 2r = t,
   so τ is defined on it). Points outside every ball take the angle of their nearest
   landmark (or raise, with ``uncovered="raise"``).

Cocycles are in ripser.py's layout: an (m, 3) integer array of rows (i, j, value),
the value of the oriented edge i → j (ripser lists i > j); the other orientation
carries −value; ``fasttda.rips(..., do_cocycles=True)`` returns them so.

A representative loop of the bar is the shortest closed walk (summed edge lengths)
in the landmarks' 1-skeleton at the smallest scale tried in [birth, death) whose
pairing with the integer cocycle (the sum of z over its edges) is nonzero mod p:
a shortest path from (v, 0) to (v, w ≠ 0) in the p-fold cover of the graph whose
lift of edge i → j adds z(i, j) mod p to the second coordinate, over every v at an
end of an edge where z ≠ 0 (a walk that pairs nonzero crosses one). The
shortest such walk over all v is a simple cycle (a walk that repeats a vertex
splits into two shorter closed walks, one of which still pairs nonzero).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_array, as_int, as_points, as_real

PRIME = 47  # coefficient field of the cocycles: odd, so the lift to integers is well defined (DREiMac: 41 or 47)
PERC = 0.5  # where in the bar's standard range the smoothing scale lies (DREiMac's default)
LOOP_FRACTIONS = (1e-6, 0.05, 0.25, 0.5, 0.9)  # scales tried for the loop, as fractions of the bar from birth
CHUNK = 4096  # points per block of point-to-landmark distances

__all__ = [
    "CircularCoordinates",
    "Loop",
    "NoBarError",
    "circle_coordinates",
    "circular_coordinates",
    "circular_correlation",
    "h1_cocycle",
    "representative_loop",
    "smoothing_radius",
]


class NoBarError(ValueError):
    """The landmarks have no H1 bar of the number asked for over the cocycles' field: there is no loop to
    take coordinates from. ``analyze`` says so in its notes; any other ValueError is a real error."""


@dataclass
class Loop:
    """A closed walk in the landmarks' 1-skeleton that pairs nonzero with a cocycle.

    ``vertices`` are landmark indices in walk order, the walk returning from the
    last to the first; ``radius`` the Rips scale (edge length bound) of the
    1-skeleton it lives in; ``pairing`` the sum of the integer cocycle along it.
    """

    vertices: np.ndarray
    radius: float
    pairing: int
    length: float

    def edges(self) -> np.ndarray:
        """(m, 2) the walk's edges, the closing one last."""
        v = self.vertices
        return np.stack([v, np.roll(v, -1)], axis=1)


@dataclass
class CircularCoordinates:
    """The circular coordinates of the longest H1 bar of some landmarks, with a loop on it."""

    angle: np.ndarray  # (n,) angle of every point in [0, 2π)
    landmark_angle: np.ndarray  # (n_landmarks,) angle of every landmark
    loop: Loop
    birth: float
    death: float
    radius: float  # Rips scale t of the smoothing; the balls of the partition of unity have radius t/2
    prime: int
    uncovered: int  # points outside every ball, given their nearest landmark's angle


def _check_prime(prime) -> int:
    p = as_int(prime, "prime", low=3)
    if p % 2 == 0 or any(p % q == 0 for q in range(3, int(p**0.5) + 1, 2)):
        raise ValueError(f"prime must be an odd prime, so the cocycle lifts to integers; got {p}")
    return p


def _sq_dist(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """All squared distances between the rows of A and B, in float64, never negative."""
    A = A.astype(np.float64, copy=False)
    B = B.astype(np.float64, copy=False)
    D = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2.0 * A @ B.T
    return np.maximum(D, 0.0)


def _h1_cocycles(landmark_points: np.ndarray, coeff: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """(H1 diagram (m, 2), one cocycle per bar) of the landmarks' Rips filtration with Z/coeff coefficients,
    from fasttda's own engine (the same representatives ripser.py returns)."""
    from .homology import _rips_points

    X = np.ascontiguousarray(landmark_points, dtype=np.float64)
    res = _rips_points(X, 1, coeff, None, do_cocycles=True)
    return np.asarray(res["dgms"][1], dtype=np.float64).reshape(-1, 2), [np.asarray(c) for c in res["cocycles"][1]]


def h1_cocycle(landmark_points, *, prime: int = PRIME, index: int = 0) -> tuple[float, float, np.ndarray]:
    """(birth, death, cocycle) of the ``index``-th longest H1 bar of the points' Rips filtration over Z/prime.

    Parameters
    ----------
    landmark_points : array_like, shape (n, d)
        The points (usually landmarks: the Rips filtration of all of them is computed).
    prime : int, default 47
        An odd prime: the coefficient field.
    index : int, default 0
        Which bar, longest first (essential bars count as longest).

    Returns
    -------
    birth, death : float
        The bar (death may be inf).
    cocycle : ndarray, shape (m, 3), int64
        Rows (i, j, value) in ripser.py's layout, values in [0, prime).

    Raises
    ------
    ValueError
        If the points have fewer than ``index + 1`` H1 bars, or prime is not an odd prime.

    Examples
    --------
    >>> t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    >>> birth, death, z = h1_cocycle(np.c_[np.cos(t), np.sin(t)])
    >>> death > 1.5 > 0.2 > birth
    True
    """
    X = as_points(landmark_points, "landmark_points")
    prime = _check_prime(prime)
    index = as_int(index, "index", low=0)
    dgm, cocycles = _h1_cocycles(X, prime)
    if len(dgm) <= index:
        raise NoBarError(f"the points have {len(dgm)} H1 bar(s): there is no bar number {index}")
    pers = np.where(np.isfinite(dgm[:, 1]), dgm[:, 1] - dgm[:, 0], np.inf)
    i = int(np.lexsort((dgm[:, 0], -pers))[index])
    return float(dgm[i, 0]), float(dgm[i, 1]), np.asarray(cocycles[i], dtype=np.int64).reshape(-1, 3)


def _check_bar(cocycle, birth, death, n: int, prime: int) -> tuple[np.ndarray, float, float]:
    """The cocycle as (m, 3) int64 with values lifted to (−p/2, p/2], and the bar, checked."""
    z = as_array(cocycle)
    if z.dtype.kind not in "iu" or z.ndim != 2 or z.shape[1] != 3:
        raise ValueError(f"cocycle must be an (m, 3) integer array of rows (i, j, value), got {z.dtype} {z.shape}")
    z = z.astype(np.int64)
    if len(z) and (z[:, :2].min() < 0 or z[:, :2].max() >= n):
        raise ValueError(f"the cocycle names vertices outside the {n} landmarks")
    if len(z) and (z[:, 0] == z[:, 1]).any():
        raise ValueError("the cocycle has a row (i, i, value): an edge needs two vertices")
    birth, death = as_real(birth, "birth"), as_real(death, "death")
    if not (np.isfinite(birth) and birth >= 0 and death > birth):
        raise ValueError(f"the bar must have 0 <= birth < death, birth finite; got [{birth}, {death})")
    lifted = np.mod(z[:, 2], prime)
    lifted[lifted > (prime - 1) // 2] -= prime
    return np.column_stack([z[:, :2], lifted]), birth, death


def _cochain(z: np.ndarray, n: int) -> np.ndarray:
    """The integer cocycle as an antisymmetric (n, n) matrix: Z[i, j] on the edge i → j."""
    Z = np.zeros((n, n), dtype=np.int64)
    Z[z[:, 0], z[:, 1]] = z[:, 2]
    Z[z[:, 1], z[:, 0]] = -z[:, 2]
    return Z


def smoothing_radius(birth: float, death: float, perc: float = PERC) -> float:
    """The Rips scale t at which the cocycle is smoothed: start + perc·(death − start), start = 2·birth
    when that is below death (DREiMac's standard range), else birth. An infinite death is the caller's to cap.

    Parameters
    ----------
    birth, death : float
        The bar.
    perc : float
        Where in the standard range the scale lies, in [0, 1).

    Returns
    -------
    float

    Examples
    --------
    >>> smoothing_radius(0.2, 1.0), smoothing_radius(0.6, 1.0)
    (0.7, 0.8)
    """
    start = 2 * birth if 2 * birth < death else birth
    return start + perc * (death - start)


def _harmonic(L: np.ndarray, Z: np.ndarray, t: float, weighted: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(f, τ): f minimises ||W^½ (Z + δf)|| over the edges shorter than t; τ = Z + δf, the harmonic cocycle
    cohomologous to Z, as an antisymmetric matrix (zero off the edges). With (δf)(i → j) = f(j) − f(i),
    f(i) + τ(i, j) = f(j) + Z(i, j) ≡ f(j) mod 1: f is the landmarks' coordinate (in turns) and τ(i, j)
    the small step from i to j.

    W = 1 is DREiMac's plain least squares. Its minimiser turns fastest where the landmarks are sparse
    (in the limit the energy is ∫ ρ² f'², ρ the landmarks' density along the loop, so f' ∝ 1/ρ²): max-min
    landmarks vary in spacing by up to a factor 2, and those of a dense core come in clumps with gaps
    between. ``weighted`` takes W(i, j) = 1/(n_i n_j), n_i the landmarks within the ball radius t/2 of
    landmark i (itself included), which cancels ρ² and makes f follow arc length. Measured (|circular
    correlation| with the true angle): on a noise-free circle of 100 max-min landmarks 0.98 → 0.999, on
    the dense core X(300, 30%) of noisy points near the primary circle in S⁷ 0.48 → 0.96, on a dense
    core of edge filters 0.68 → 0.99, on the natural patches' X(300, 30%) 0.997 → 0.991. (Counting
    neighbours at t instead misses the clumps: 0.79 and 0.89 on the two cores; benchmarks/RESULTS.md.)"""
    from scipy import sparse
    from scipy.sparse.linalg import lsqr

    n = len(L)
    D = np.sqrt(_sq_dist(L, L))
    i, j = np.nonzero(np.triu(D < t, 1))
    m = len(i)
    if m == 0:
        return np.zeros(n), np.zeros((n, n))
    rows = np.repeat(np.arange(m), 2)
    cols = np.column_stack([i, j]).ravel()
    vals = np.tile([-1.0, 1.0], m)  # (δf)(i → j) = f(j) − f(i)
    delta = sparse.csr_matrix((vals, (rows, cols)), shape=(m, n))
    z = Z[i, j].astype(np.float64)
    if weighted:
        near = (D < t / 2).sum(axis=1).astype(np.float64)  # itself included: never 0
        w = 1.0 / np.sqrt(near[i] * near[j])
        delta, rhs = sparse.diags(w) @ delta, -w * z
    else:
        rhs = -z
    f = lsqr(delta, rhs, atol=1e-10, btol=1e-10, iter_lim=20 * n + 1000)[0]
    T = np.zeros((n, n))
    T[i, j] = z + (f[j] - f[i])
    T[j, i] = -T[i, j]
    return f, T


def circular_coordinates(
    points,
    cocycle,
    birth: float,
    death: float,
    *,
    landmarks=None,
    prime: int = PRIME,
    perc: float = PERC,
    weighted: bool = True,
    uncovered: str = "nearest",
) -> np.ndarray:
    """The angle in [0, 2π) of every point on the circle that a long H1 bar's cocycle names.

    The method of de Silva, Morozov and Vejdemo-Johansson (2011) as DREiMac
    implements it: the Z/prime cocycle is lifted to integers, smoothed to its
    harmonic representative by least squares on the landmarks' 1-skeleton at
    the Rips scale ``smoothing_radius(birth, death, perc)``, and extended to
    every point by the partition of unity over landmark balls of half that
    radius (see the module's docstring).

    Parameters
    ----------
    points : array_like, shape (n, d)
        The points to give angles to.
    cocycle : array_like, shape (m, 3), int
        Rows (i, j, value) in ripser.py's layout: the value of the oriented edge
        from landmark i to landmark j, in Z/prime (ripser's values in [0, prime)
        or already lifted ones).
    birth, death : float
        The bar of the cocycle, in Rips scale (edge length); an infinite death is
        capped at the landmarks' diameter.
    landmarks : array_like of int, optional
        Indices into ``points`` of the landmarks the cocycle's vertices index; by
        default every point is a landmark.
    prime : int, default 47
        The odd prime of the cocycle's coefficients.
    perc : float, default 0.5
        Where in the bar's standard range the smoothing scale lies, in [0, 1).
    weighted : bool, default True
        Weight the least squares by 1/(n_i n_j), n_i the landmarks within the
        ball radius of landmark i, so the coordinate follows arc length rather
        than the landmarks' spacing; False is DREiMac's plain least squares.
    uncovered : {"nearest", "raise"}
        What happens to a point farther than the ball radius from every landmark:
        it takes its nearest landmark's angle, or a ValueError is raised.

    Returns
    -------
    ndarray, shape (n,)
        Angles in [0, 2π); the orientation (which way round is increasing) is the
        cocycle's.

    Raises
    ------
    ValueError
        On a malformed cocycle or bar, landmark indices out of range, ``perc``
        outside [0, 1), or (with ``uncovered="raise"``) a point outside every ball.

    Examples
    --------
    >>> t = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    >>> X = np.c_[np.cos(t), np.sin(t)]
    >>> birth, death, z = h1_cocycle(X)
    >>> theta = circular_coordinates(X, z, birth, death)
    >>> abs(circular_correlation(theta, t)) > 0.99
    True
    """
    return _coordinates(points, cocycle, birth, death, landmarks, prime, perc, weighted, uncovered)[0]


def _coordinates(points, cocycle, birth, death, landmarks, prime, perc, weighted, uncovered):
    """(angles, landmark angles, smoothing scale t, number of uncovered points)."""
    X = as_points(points, "points")
    if landmarks is None:
        landmarks = np.arange(len(X))
    landmarks = as_array(landmarks)
    if landmarks.dtype.kind not in "iu" or landmarks.ndim != 1 or len(landmarks) == 0:
        raise ValueError(
            f"landmarks must be a non-empty 1-D array of indices into points, got {landmarks.dtype} {landmarks.shape}"
        )
    if landmarks.min() < 0 or landmarks.max() >= len(X):
        raise ValueError(f"landmarks must index the {len(X)} points")
    prime = _check_prime(prime)
    perc = as_real(perc, "perc")
    if not 0 <= perc < 1:
        raise ValueError(f"perc must be in [0, 1): the smoothing scale must lie inside the bar; got {perc}")
    if uncovered not in ("nearest", "raise"):
        raise ValueError(f"uncovered must be 'nearest' or 'raise', got {uncovered!r}")
    L = X[landmarks]
    n_l = len(L)
    z, birth, death = _check_bar(cocycle, birth, death, n_l, prime)
    if not np.isfinite(death):
        death = float(np.sqrt(_sq_dist(L, L).max())) * (1 + 1e-9) + 1e-12
    t = smoothing_radius(birth, death, perc)
    f, T = _harmonic(L, _cochain(z, n_l), t, bool(weighted))
    r = t / 2
    angle = np.empty(len(X))
    missed = 0
    for b in range(0, len(X), CHUNK):
        d = np.sqrt(_sq_dist(X[b : b + CHUNK], L))
        near = np.argmin(d, axis=1)
        phi = np.maximum(r - d, 0.0)
        total = phi.sum(axis=1)
        out = total <= 0
        missed += int(out.sum())
        if out.any() and uncovered == "raise":
            raise ValueError(
                f"{int(out.sum())} point(s) lie farther than the ball radius {r:.3g} from every "
                "landmark: use more landmarks, a larger perc, or uncovered='nearest'"
            )
        if out.any():  # outside every ball: the nearest landmark's own angle, as if the point were on it
            phi[out] = np.maximum(r - np.sqrt(_sq_dist(L[near[out]], L)), 0.0)
            total[out] = phi[out].sum(axis=1)
        phi /= total[:, None]
        angle[b : b + CHUNK] = f[near] + np.einsum("ik,ik->i", phi, T[near])
    angle = np.mod(2 * np.pi * angle, 2 * np.pi)
    landmark_angle = angle[landmarks]
    return angle, landmark_angle, t, missed


def _loop_at(L: np.ndarray, Z: np.ndarray, t: float, prime: int) -> Loop | None:
    """The shortest closed walk in the 1-skeleton at scale t pairing nonzero (mod prime) with Z, or None."""
    from scipy import sparse
    from scipy.sparse.csgraph import dijkstra

    n = len(L)
    D = np.sqrt(_sq_dist(L, L))
    i, j = np.nonzero(np.triu(D <= t, 1))
    if len(i) == 0:
        return None
    w = np.mod(Z[i, j], prime)
    k = np.arange(prime)
    # Cover graph: vertex (v, s) = v * prime + s; the edge i → j lifts to (i, s) – (j, s + z(i → j)).
    a = (i[:, None] * prime + k[None, :]).ravel()
    b = (j[:, None] * prime + np.mod(k[None, :] + w[:, None], prime)).ravel()
    length = np.repeat(D[i, j], prime) + 1e-12  # stored zeros would not count as edges
    G = sparse.coo_matrix((np.r_[length, length], (np.r_[a, b], np.r_[b, a])), shape=(n * prime,) * 2).tocsr()
    # A walk that pairs nonzero crosses an edge where z ≠ 0: only their ends need be tried as starts.
    starts = np.unique(np.r_[i[w != 0], j[w != 0]])
    if len(starts) == 0:
        return None
    dist, pred = dijkstra(G, directed=True, indices=starts * prime, return_predecessors=True)
    back = dist[np.arange(len(starts))[:, None], starts[:, None] * prime + k[None, 1:]]  # (v, 0) → (v, s ≠ 0)
    if not np.isfinite(back).any():
        return None
    row, s = np.unravel_index(int(np.argmin(back)), back.shape)
    v = int(starts[row])
    walk = [v * prime + int(s) + 1]
    while walk[-1] != v * prime:
        walk.append(int(pred[row, walk[-1]]))
    vertices = np.array(walk[::-1][:-1], dtype=np.int64) // prime
    nxt = np.roll(vertices, -1)
    return Loop(
        vertices=vertices, radius=float(t), pairing=int(Z[vertices, nxt].sum()), length=float(D[vertices, nxt].sum())
    )


def representative_loop(landmark_points, cocycle, birth: float, death: float, *, prime: int = PRIME) -> Loop:
    """A loop of landmarks around the hole a long H1 bar's cocycle names.

    The shortest closed walk (summed edge lengths) in the Rips 1-skeleton of the
    landmarks whose pairing with the integer-lifted cocycle is nonzero mod prime,
    at the smallest scale in [birth, death) where one exists among birth +
    f·(death − birth), f ∈ (10⁻⁶, 0.05, 0.25, 0.5, 0.9): the smallest scale gives
    the loop through the most landmarks. The shortest such walk is a simple cycle.

    Parameters
    ----------
    landmark_points : array_like, shape (n, d)
        The landmarks the cocycle's vertices index.
    cocycle : array_like, shape (m, 3), int
        Rows (i, j, value) in ripser.py's layout.
    birth, death : float
        The bar of the cocycle (death may be inf).
    prime : int, default 47
        The odd prime of the cocycle's coefficients.

    Returns
    -------
    Loop
        ``vertices`` (landmark indices in walk order), ``radius`` (the scale),
        ``pairing`` (the sum of the integer cocycle along the walk, nonzero mod prime)
        and ``length``.

    Raises
    ------
    ValueError
        On a malformed cocycle or bar, or when no walk at any scale tried pairs
        nonzero with the cocycle (it is then not a cocycle of a bar of these points).

    Examples
    --------
    >>> t = np.linspace(0, 2 * np.pi, 30, endpoint=False)
    >>> X = np.c_[np.cos(t), np.sin(t)]
    >>> birth, death, z = h1_cocycle(X)
    >>> loop = representative_loop(X, z, birth, death)
    >>> len(loop.vertices), loop.pairing % 47 != 0
    (30, True)
    """
    L = as_points(landmark_points, "landmark_points")
    prime = _check_prime(prime)
    z, birth, death = _check_bar(cocycle, birth, death, len(L), prime)
    Z = _cochain(z, len(L))
    top = death if np.isfinite(death) else float(np.sqrt(_sq_dist(L, L).max())) * (1 + 1e-9) + 1e-12
    for frac in LOOP_FRACTIONS:
        loop = _loop_at(L, Z, birth + frac * (top - birth) + 1e-9 * max(birth, 1.0), prime)
        if loop is not None:
            return loop
    raise ValueError(
        "no closed walk below the bar's death pairs nonzero with the cocycle: it is not a cocycle "
        "of a bar of these points"
    )


def circular_correlation(a, b) -> float:
    """Fisher and Lee's (1983) circular correlation of two samples of angles, in [−1, 1].

    ρ = Σ_{i<j} sin(a_i − a_j) sin(b_i − b_j) / sqrt(Σ_{i<j} sin²(a_i − a_j) · Σ_{i<j} sin²(b_i − b_j)),
    computed in O(n) as det(AᵀB) / sqrt(det(AᵀA) det(BᵀB)) with A = [cos a, sin a],
    B = [cos b, sin b]. Unlike Jammalamadaka and SenGupta's coefficient it needs no
    mean direction, which angles spread all round the circle do not have. It is 1
    when b = a + c, −1 when b = −a + c (the other way round), invariant under
    rotating either sample and near 0 for independent angles.

    Parameters
    ----------
    a, b : array_like, shape (n,)
        Angles in radians, paired.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the samples differ in length, have fewer than 2 angles, contain NaN or
        infinity, or one of them does not vary (all angles equal mod π).

    Examples
    --------
    >>> a = np.linspace(0, 2 * np.pi, 50, endpoint=False)
    >>> round(circular_correlation(a, a + 1.0), 6), round(circular_correlation(a, -a), 6)
    (1.0, -1.0)
    """
    a = as_array(a)
    b = as_array(b)
    for name, x in (("a", a), ("b", b)):
        if x.dtype.kind not in "fiu" or x.ndim != 1:
            raise ValueError(f"{name} must be a 1-D array of angles, got {x.dtype} {x.shape}")
        if not np.isfinite(x).all():
            raise ValueError(f"{name} contains NaN or infinite angles")
    if len(a) != len(b):
        raise ValueError(f"the samples must be paired: {len(a)} angles against {len(b)}")
    if len(a) < 2:
        raise ValueError(f"a correlation needs at least 2 pairs of angles, got {len(a)}")
    A = np.column_stack([np.cos(a), np.sin(a)]).astype(np.float64)
    B = np.column_stack([np.cos(b), np.sin(b)]).astype(np.float64)
    saa, sbb = np.linalg.det(A.T @ A), np.linalg.det(B.T @ B)
    if min(saa, sbb) <= 1e-12 * len(a) ** 2:
        raise ValueError("one sample of angles does not vary (all equal or opposite): no correlation is defined")
    return float(np.clip(np.linalg.det(A.T @ B) / np.sqrt(saa * sbb), -1.0, 1.0))


def circle_coordinates(points, landmarks, *, prime: int = PRIME, perc: float = PERC) -> CircularCoordinates:
    """Circular coordinates of the longest H1 bar of the landmarks, for every point, with a representative loop.

    Parameters
    ----------
    points : array_like, shape (n, d)
    landmarks : array_like of int
        Indices into ``points`` of the landmarks whose Rips filtration gives the bar.
    prime, perc
        As for ``circular_coordinates``.

    Returns
    -------
    CircularCoordinates

    Raises
    ------
    ValueError
        If the landmarks have no H1 bar, or as ``circular_coordinates``.

    Examples
    --------
    >>> t = np.random.default_rng(0).uniform(0, 2 * np.pi, 300)
    >>> c = circle_coordinates(np.c_[np.cos(t), np.sin(t)], np.arange(0, 300, 5))
    >>> abs(circular_correlation(c.angle, t)) > 0.95
    True
    """
    X = as_points(points, "points")
    landmarks = as_array(landmarks)
    if landmarks.dtype.kind not in "iu" or landmarks.ndim != 1 or len(landmarks) == 0:
        raise ValueError("landmarks must be a non-empty 1-D array of indices into points")
    if landmarks.min() < 0 or landmarks.max() >= len(X):
        raise ValueError(f"landmarks must index the {len(X)} points")
    birth, death, z = h1_cocycle(X[landmarks], prime=prime)
    angle, landmark_angle, t, missed = _coordinates(X, z, birth, death, landmarks, prime, perc, True, "nearest")
    loop = representative_loop(X[landmarks], z, birth, death, prime=prime)
    return CircularCoordinates(
        angle=angle,
        landmark_angle=landmark_angle,
        loop=loop,
        birth=birth,
        death=death,
        radius=t,
        prime=prime,
        uncovered=missed,
    )


def of_analysis(a) -> tuple[np.ndarray, float | None, dict]:
    """(angle of every core point, |correlation| with the primary circle's angle or None, the loop) of an
    ``Analysis``, from the longest H1 bar of its landmarks.

    The loop is a dict: ``core`` (positions in ``a.core``, as ``a.landmarks``), ``angle``,
    ``filters`` ((m, k, k) patches),
    ``source`` ((m, 3) network, output channel, input channel, or None for points given directly),
    ``radius``, ``pairing``, ``length``, ``bar`` (birth, death over Z/prime), ``prime`` and
    ``smoothing_radius``. It runs in walk order, started at its smallest angle and turned so that the angle
    increases along it; for a loop that winds once round that is the angle order up to local back-steps.
    """
    from .filters import dct_patches

    X = a.points[a.core]
    c = circle_coordinates(X, a.landmarks)
    walk = c.loop.vertices
    steps = np.angle(np.exp(1j * np.diff(c.landmark_angle[np.r_[walk, walk[:1]]])))
    turn = -1 if steps.sum() < 0 else 1
    walk = walk[::turn]
    walk = np.roll(walk, -int(np.argmin(c.landmark_angle[walk])))
    core_idx = a.landmarks[walk]
    pts = X[core_idx]
    if a.space == "pixel":
        k = a.filters.kernel
        patches = pts.reshape(-1, k, k).astype(np.float64)
    else:
        patches = dct_patches(pts, a.params["norm"])
    source = None
    if a.filters is not None:
        idx = a.core[core_idx]
        source = a.filters.source[a.sampled[idx] if a.sampled is not None else idx]
    correlation = None
    if len(a.circle_theta) == len(X):
        try:
            correlation = abs(circular_correlation(c.angle, a.circle_theta))
        except ValueError:  # the core's angles on the primary circle do not vary
            correlation = None
    loop = {
        "core": core_idx,
        "angle": c.landmark_angle[walk],
        "filters": patches,
        "source": source,
        "radius": c.loop.radius,
        "pairing": turn * c.loop.pairing,
        "length": c.loop.length,
        "bar": (c.birth, c.death),
        "prime": c.prime,
        "smoothing_radius": c.radius,
        "uncovered": c.uncovered,
    }
    return c.angle, correlation, loop
