"""``analyze``: from conv weights (or points on S⁷) to a model a person can read.

The pipeline of Carlsson et al. (2008), as the seed applies it to CNN filters:
filter vectors → codensity and the dense core X(k, p) → max–min landmarks →
Vietoris–Rips barcodes of the landmarks, and the Mapper graph of the core
coloured by density → fits to the primary circle, the three-circle model and
the Klein bottle → a verdict with the numbers behind it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from . import circular, models
from ._checks import as_array, as_int, as_points, as_real, as_threads
from ._json import jsonable
from .display import RichDisplay, analysis_repr, show
from .filters import FilterVectors, dct_patches, filter_vectors
from .homology import _rips_points
from .mapper import MapperGraph, _mapper
from .neighbours import _dense_core, _maxmin, dense_core

__all__ = [
    "Analysis",
    "analyze",
    "default_k",
    "default_p",
    "judge",
    "largest_gap",
    "long_bars",
    "movement",
    "null_cut",
    "null_model",
    "null_scale",
    "plane_share",
]

TOLERANCE = 0.5  # distance to a model within which a point counts as on it (random points on S⁷: ≈ 1)
LONG_GAP = 2.0  # a bar is long when it is at least this many times the next one down
PLANE_SHARE = 0.5  # one loop is the primary circle when the (e1, e2) plane holds most of each filter ...
MAX_GAP = 45.0  # ... and its orientations leave no arc wider than this (degrees) uncovered
# A bar stands clear of the null model when it is longer than the untrained filters' top bar by both
# NULL_SIGMAS spreads and the factor NULL_RATIO (a few draws estimate the spread poorly; the ratio guards).
NULL_SIGMAS = 3.0
NULL_RATIO = 1.5
MIN_PERSISTENCE = 0.05  # no bar shorter than this (on the unit sphere) is long, null or not
# With null_size, a null draw holds fewer points than are analysed, with k scaled to keep the analysed scale,
# but never a k below NULL_MIN_K (benchmarks/RESULTS.md, "The null model at the analysed scale").
NULL_MIN_K = 10
INDISTINGUISHABLE = "indistinguishable from initialisation"


def long_bars(diagram: np.ndarray, cap: float, floor: float) -> tuple[int, np.ndarray]:
    """(number of long bars, persistences longest first) of a diagram.

    Essential bars count as dying at `cap`. The long bars are those above the
    widest relative gap among the bars of persistence at least `floor`, when
    that gap is at least LONG_GAP; noise bars of a landmark sample are all of
    the order of its covering radius, so no bar above the floor means none.

    Parameters
    ----------
    diagram
        (m, 2) persistence diagram, rows (birth, death); death may be inf.
    cap
        Death given to the essential bars.
    floor
        Shortest persistence a long bar may have.

    Returns
    -------
    n_long : int
        Number of long bars.
    persistence : numpy.ndarray
        (m,) persistences, longest first.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.analysis import long_bars
    >>> dgm = np.array([[0.0, 1.0], [0.1, 0.2], [0.2, 0.25]])
    >>> long_bars(dgm, cap=2.0, floor=0.05)
    (1, array([1.  , 0.1 , 0.05]))
    """
    births, deaths = diagram[:, 0], np.minimum(diagram[:, 1], cap)
    pers = np.sort(deaths - births)[::-1]
    big = pers[pers >= floor]
    if len(big) == 0:
        return 0, pers
    ladder = np.append(big, pers[len(big)] if len(pers) > len(big) else 0.0)
    ratios = ladder[:-1] / np.maximum(ladder[1:], 1e-12)
    i = int(np.argmax(ratios))
    return (i + 1 if ratios[i] >= LONG_GAP else 0), pers


@dataclass(repr=False)
class Analysis(RichDisplay):
    """What ``analyze`` found. ``core`` indexes ``points``, ``landmarks`` indexes ``core``, and the
    graph's node members index ``points[core]``; ``filters.source[sampled]`` says which network
    and channel each point came from.

    Parameters
    ----------
    params
        The parameters of the run (k, p, norm, n_landmarks, ...).
    points
        (n, 8) all filter vectors kept.
    core
        Indices of the dense core X(k, p) in ``points``, densest first.
    density
        Codensity of each core point, in the order of ``core`` (small = dense).
    landmarks
        Indices into ``core`` of the max-min landmarks.
    cover_radius
        Covering radius of the landmarks.
    barcodes
        Persistence in ripser.py's format: ``{"dgms": [H0, H1, ...], ...}``.
    graph
        Mapper graph of the core, with ``node_values["density"]``.
    node_filters
        (n_nodes, 3, 3) mean filter of each node.
    circle_theta, circle_distance
        Angle of each core point on the primary circle, and its distance to it.
    three_circle_distance
        Distance of each core point to the three-circle model.
    klein_theta, klein_distance
        (m, 2) angles θ1, θ2 on the Klein bottle model, and the distance to it.
    orientation
        Histogram of the orientations.
    long_bars
        Number of long bars per homology dimension.
    persistence
        Per dimension, the persistences longest first.
    verdict
        What the barcodes and model fits say, in words.
    filters
        The ``FilterVectors`` the points came from, or None for points given directly.
    sampled
        Which filter vectors ``points`` are, when a sample was drawn.
    null_h1
        Top H1 persistence of each null draw.
    moved
        Median cosine distance of a filter to its initial value, when known.
    robustness
        The verdict at neighbouring (k, p, contrast cut), when asked.
    bootstrap
        A ``Stability``: the verdict over resamples of the networks, when asked.
    notes
        Remarks on the run, in words.
    circular, circle_correlation, loop
        From the longest H1 bar when it counts as long: the circular coordinate of every
        core point, its absolute circular correlation with ``circle_theta``, and the
        filters on a representative loop.

    Examples
    --------
    >>> import fasttda
    >>> a = fasttda.analyze(fasttda.datasets.filter_like(2000), n_null=0, n_landmarks=50)
    >>> a.points.shape, len(a.core), len(a.landmarks), a.verdict
    ((2000, 8), 600, 50, 'primary circle')
    """

    params: dict
    points: np.ndarray  # (n, 8) all filter vectors kept
    core: np.ndarray  # indices of the dense core X(k, p) in points, densest first
    density: np.ndarray  # codensity of each core point, in the order of core (small = dense)
    landmarks: np.ndarray  # indices into core of the max-min landmarks
    cover_radius: float
    barcodes: dict  # ripser.py format: {"dgms": [H0, H1, ...], ...}
    graph: MapperGraph  # Mapper graph of the core, node_values["density"], node_filters
    node_filters: np.ndarray  # (n_nodes, 3, 3) mean filter of each node
    circle_theta: np.ndarray  # angle of each core point on the primary circle
    circle_distance: np.ndarray
    three_circle_distance: np.ndarray
    klein_theta: np.ndarray  # (m, 2) θ1, θ2 on the Klein bottle model
    klein_distance: np.ndarray
    orientation: dict
    long_bars: list[int]  # per homology dimension
    persistence: list[np.ndarray]  # per dimension, longest first
    verdict: str
    filters: FilterVectors | None = None
    sampled: np.ndarray | None = None  # which filter vectors `points` are, when a sample was drawn
    null_h1: np.ndarray = field(default_factory=lambda: np.empty(0))  # top H1 persistence of each null draw
    moved: float | None = None  # median cosine distance of a filter to its initial value, when known
    robustness: list[dict] | None = None  # the verdict at neighbouring (k, p, contrast cut), when asked
    bootstrap: object | None = None  # a Stability: the verdict over resamples of the networks, when asked
    notes: list[str] = field(default_factory=list)
    # From the longest H1 bar, when it counts as long (fasttda.circular): the circular coordinate of every core
    # point, its |circular correlation| with circle_theta, and the filters on a representative loop.
    circular: np.ndarray | None = None
    circle_correlation: float | None = None
    loop: dict | None = None

    def __repr__(self) -> str:  # a line, never the arrays; Jupyter shows a table and figures (display.py)
        return analysis_repr(self)

    def show(self, interactive: bool = False, **kwargs):
        """The notebook figure, or with ``interactive=True`` the Mapper page (``fasttda.plot.mapper_html``)."""
        return show(self, interactive, **kwargs)

    @property
    def null_h1_mean(self) -> float | None:
        """Mean top H1 persistence of untrained filters (None without a null model)."""
        return float(np.mean(self.null_h1)) if len(self.null_h1) else None

    @property
    def null_h1_std(self) -> float | None:
        """Spread (standard deviation over draws) of the untrained filters' top H1 persistence."""
        if not len(self.null_h1):
            return None
        return float(np.std(self.null_h1, ddof=1)) if len(self.null_h1) > 1 else 0.0

    def stability(self, n_boot: int = 100, seed: int = 0, **kwargs):
        """Resample the networks and rerun the pipeline: how sure the verdict is (``fasttda.stability``)."""
        from .stability import stability

        return stability(self, n_boot, seed=seed, **kwargs)

    @property
    def robust(self) -> bool | None:
        """Whether the verdict holds at every neighbouring parameter setting tried (None: not tried)."""
        if self.robustness is None:
            return None
        return all(r["verdict"] in (None, self.verdict) for r in self.robustness)

    @property
    def space(self) -> str:
        """ "dct" (3×3 filters on S⁷, where the models apply) or "pixel" (other k×k filters)."""
        return self.filters.space if self.filters is not None else "dct"

    @property
    def shares(self) -> dict:
        if self.space == "pixel":
            return {"circle": None, "three_circle": None, "klein": None}
        tol = self.params["tolerance"]
        return {
            "circle": float(np.mean(self.circle_distance <= tol)),
            "three_circle": float(np.mean(self.three_circle_distance <= tol)),
            "klein": float(np.mean(self.klein_distance <= tol)),
        }

    @property
    def plane_share(self) -> float:
        """Median share of a core filter's energy in the primary circle's plane (e1, e2)."""
        if self.space == "pixel":
            return None
        return plane_share(self.points[self.core])

    @property
    def largest_gap(self) -> float:
        """Widest arc (degrees) of the primary circle with no core point's angle in it."""
        if self.space == "pixel":
            return None
        return largest_gap(self.circle_theta)

    def summary(self) -> str:
        """The verdict and the numbers behind it, in a few lines of text.

        Returns
        -------
        str
            The verdict with the long H1 bars, the evidence (null model, movement, resamples,
            neighbouring settings), the dense core, the model fits (3×3 filters; other sizes are
            analysed in pixel space, where they do not apply) and the Mapper graph.
        """
        p = self.params
        h1 = self.persistence[1] if len(self.persistence) > 1 else np.empty(0)
        h1_long = self.long_bars[1] if len(self.long_bars) > 1 else 0
        top = ", ".join(f"{x:.2f}" for x in h1[: max(h1_long + 1, 2)])
        lines = [
            f"{self.verdict}: {h1_long} long H1 bar(s) (persistence, longest first: {top or 'none'}).",
            *self._evidence(h1),
            f"Dense core X({p['k']}, {p['p']:.0%}) of {len(self.points)} filter vectors: {len(self.core)} points, "
            f"{len(self.landmarks)} landmarks (covering radius {self.cover_radius:.2f}).",
        ]
        if self.space == "pixel":  # k×k filters, k ≠ 3: topology only, no 3×3 model
            k = self.filters.kernel
            lines.append(
                f"{k}x{k} filters, analysed in pixel space ({k * k} mean-zero pixel values of unit contrast): "
                "the 3x3 models (primary circle, three circles, Klein bottle) and the edge orientations do "
                "not apply."
            )
        else:
            s = self.shares
            lines += [
                f"Within {p['tolerance']} of the model: primary circle {s['circle']:.0%}, three circles "
                f"{s['three_circle']:.0%}, Klein bottle {s['klein']:.0%} of the core.",
                f"The primary circle's plane holds a median {self.plane_share:.0%} of a core filter's energy; "
                f"the widest arc of orientations with no core point is {self.largest_gap:.0f} degrees.",
                f"Horizontal and vertical edges {self.orientation['axis_ratio']:.1f}x as frequent as diagonal ones "
                f"(1.0 = uniform).",
            ]
        lines.append(
            f"Mapper graph: {self.graph.n_nodes} nodes, {self.graph.n_edges} edges, "
            f"{len(self.graph.connected_components())} component(s), {self.graph.betti1()} loop(s)."
        )
        if self.filters is not None and self.filters.n_dropped:
            lines.append(f"{self.filters.n_dropped} of {self.filters.n_slices} slices dropped for low contrast.")
        if self.circle_correlation is not None:
            lines.append(
                f"Circular coordinate {_following(self.circle_correlation)} the primary circle's angle: correlation "
                f"{self.circle_correlation:.2f} (a loop of {len(self.loop['core'])} filters)."
            )
        lines += self.notes
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """A JSON-able digest: parameters, verdict, numbers, barcodes and the Mapper graph."""
        dgms = jsonable(list(self.barcodes["dgms"]))  # essential bars die at None
        return {
            "params": self.params,
            "verdict": self.verdict,
            "long_bars": self.long_bars,
            "n_points": int(len(self.points)),
            "n_core": int(len(self.core)),
            "n_landmarks": int(len(self.landmarks)),
            "cover_radius": self.cover_radius,
            "shares": self.shares,
            "plane_share": self.plane_share,
            "largest_gap_degrees": self.largest_gap,
            "orientation": {
                "counts": self.orientation["counts"].tolist(),
                "axis_ratio": self.orientation["axis_ratio"],
            },
            "barcodes": dgms,
            "null_h1": [float(x) for x in self.null_h1],
            "null_h1_mean": self.null_h1_mean,
            "null_h1_std": self.null_h1_std,
            "null_cut": null_cut(self.null_h1) if len(self.null_h1) else None,
            "moved": self.moved,
            "robustness": self.robustness,
            "stability": None if self.bootstrap is None else self.bootstrap.to_dict(),
            "graph": self.graph.to_dict(),
            "circular": None if self.circular is None else jsonable(self.circular),
            "circle_correlation": self.circle_correlation,
            "loop": None if self.loop is None else jsonable(self.loop),
            "summary": self.summary(),
        }

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def _evidence(self, h1: np.ndarray) -> list[str]:
        """The summary's lines on how much the verdict can be trusted: the null, movement, resamples, the grid."""
        lines = []
        if self.null_h1_mean is not None:
            m, k_m = self.params.get("null_points"), self.params.get("null_k")
            scaled = (
                f" of {m:,} points at k = {k_m}, the analysed scale" if m is not None and m < len(self.points) else ""
            )
            lines.append(
                f"Top H1 bar {h1[0] if len(h1) else 0:.2f} against {self.null_h1_mean:.2f} ± "
                f"{self.null_h1_std:.2f} for untrained filters ({len(self.null_h1)} draws{scaled}; a bar counts "
                f"above {null_cut(self.null_h1):.2f})."
            )
        h1_long = self.long_bars[1] if len(self.long_bars) > 1 else 0
        if h1_long == 0 and len(h1) and null_cut(self.null_h1) < h1[0] <= self.cover_radius:
            # The floor of long_bars is the larger of the two: name the one that held the bar back.
            lines.append(
                f"The top H1 bar stands clear of {'the null' if len(self.null_h1) else 'the noise floor'} but "
                f"not of the landmarks' covering radius ({self.cover_radius:.2f}), the length of a landmark "
                f"sample's own noise bars, so no bar counts as long; more landmarks (n_landmarks above "
                f"{len(self.landmarks)}) cover the core more finely and may resolve it."
            )
        if self.moved is not None:
            lines.append(
                f"The filters moved a median cosine distance of {self.moved:.2f} from their initial values "
                f"(0 = unchanged, 1 = orthogonal)."
            )
        if self.bootstrap is not None:
            lines.append(self.bootstrap.summary(self.verdict)[0].upper() + self.bootstrap.summary(self.verdict)[1:])
        if self.robustness is not None:
            flips = [r for r in self.robustness if r["verdict"] not in (None, self.verdict)]
            tried = [r for r in self.robustness if r["verdict"] is not None]
            if not flips:
                lines.append(f"The verdict holds at all {len(tried)} neighbouring settings of (k, p, contrast cut).")
            else:
                said = "; ".join(f"{r['verdict']} at k={r['k']}, p={r['p']:.2g}, top={r['top']}" for r in flips)
                lines.append(f"The verdict flips at {len(flips)} of {len(tried)} neighbouring settings: {said}.")
        return lines


def _verdict(
    n_long: int,
    shares: dict,
    circle_distance: np.ndarray,
    three_distance: np.ndarray,
    tolerance: float,
    plane: float,
    gap: float,
    top: float = np.inf,
    nulls=(),
) -> str:
    if len(nulls) and top <= null_cut(np.asarray(nulls)):
        return INDISTINGUISHABLE
    if n_long == 0:
        return "no dominant loop"
    # One loop is the primary circle when the core lies near it, or when (as for CNN filters,
    # whose edges carry more higher-frequency energy than photo patches) most of each filter lies
    # in the circle's plane and the orientations go all the way round.
    if n_long == 1 and (np.median(circle_distance) <= tolerance or (plane >= PLANE_SHARE and gap <= MAX_GAP)):
        return "primary circle"
    if n_long in (3, 4, 5) and np.median(three_distance) <= tolerance and shares["three_circle"] > shares["circle"]:
        return "three-circle model"
    return "one loop" if n_long == 1 else f"{n_long} loops"


def plane_share(points: np.ndarray) -> float:
    """Median share of a unit filter vector's energy in the plane (e1, e2) of the primary circle.

    Parameters
    ----------
    points
        (n, 8) unit vectors in DCT coordinates.

    Returns
    -------
    float
        In [0, 1]; 0 for no points.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.analysis import plane_share
    >>> plane_share(np.eye(8)[:3])
    1.0
    """
    return float(np.median((points[:, :2].astype(np.float64) ** 2).sum(axis=1))) if len(points) else 0.0


def largest_gap(theta: np.ndarray) -> float:
    """The widest arc of the circle, in degrees, that no angle falls in.

    Parameters
    ----------
    theta
        Angles in radians, any range.

    Returns
    -------
    float
        In degrees; 360 for no angles.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.analysis import largest_gap
    >>> round(largest_gap(np.radians([0.0, 90.0, 180.0])), 6)
    180.0
    """
    if len(theta) == 0:
        return 360.0
    t = np.sort(np.mod(theta, 2 * np.pi))
    return float(np.degrees(np.max(np.diff(np.append(t, t[0] + 2 * np.pi)))))


def _as_filter_points(weights, norm: str, min_contrast: float, top, n_threads):
    """(points, FilterVectors or None): (n, 8) arrays are taken as DCT points already.

    The door of the pipeline: the points come out checked once, C-contiguous float32 or float64 and
    finite (``as_points``, or ``filter_vectors``, which checks the weights and makes unit vectors), so
    the stages after it run unchecked."""
    if isinstance(weights, FilterVectors):
        return as_points(weights.points, "points"), weights
    arr = weights
    if not (hasattr(arr, "detach") or isinstance(arr, (list, tuple))):
        arr = np.asarray(arr)
        if arr.ndim == 2 and arr.shape[1] == 8:
            arr = as_points(arr, "points")
            length = np.linalg.norm(arr, axis=1, keepdims=True)
            if (length == 0).any():
                raise ValueError(f"{int((length == 0).sum())} points are zero vectors: they have no direction")
            return np.ascontiguousarray(arr / length, dtype=np.float32), None
    fv = filter_vectors(weights, norm=norm, min_contrast=min_contrast, top=top, n_threads=n_threads)
    return fv.points, fv


def default_k(n: int) -> int:
    """k of the dense core X(k, p) for n points: the 2008 paper's 300, or a tenth of the points when fewer.

    Parameters
    ----------
    n
        Number of points.

    Returns
    -------
    int
        min(300, max(1, n // 10)).

    Examples
    --------
    >>> from fasttda.analysis import default_k
    >>> default_k(50_000), default_k(2000), default_k(5)
    (300, 200, 1)
    """
    return int(min(300, max(1, n // 10)))


def default_p(n: int) -> float:
    """p of the dense core X(k, p) for n points: the paper's 30% up to 10,000 points, then a core of about
    3,000 points, but never under 10%. Measured on 24 MNIST networks (benchmarks/RESULTS.md): the 49,152
    slices of layer 2 show the primary circle in X(300, 10%) and nothing in X(300, 30%), where the
    densest tenth is diluted by filters still near their random start.

    Parameters
    ----------
    n
        Number of points.

    Returns
    -------
    float
        In [0.1, 0.3].

    Examples
    --------
    >>> from fasttda.analysis import default_p
    >>> default_p(2000), default_p(20_000), default_p(100_000)
    (0.3, 0.15, 0.1)
    """
    return float(min(0.3, max(0.1, 3000 / max(n, 1))))


@dataclass
class _Topology:
    """The pipeline's shape-finding part on one point set: dense core, landmarks, barcodes."""

    core: np.ndarray
    density: np.ndarray
    landmarks: np.ndarray
    radius: float
    barcodes: dict

    def h1(self) -> np.ndarray:
        """H1 persistences, longest first (essential bars cut at the largest finite death)."""
        if len(self.barcodes["dgms"]) < 2:
            return np.empty(0)
        d = self.barcodes["dgms"][1]
        return np.sort(np.minimum(d[:, 1], _cap(self.barcodes)) - d[:, 0])[::-1]


def topology(points, k, p, n_landmarks, maxdim, coeff, seed, n_threads, client=None) -> _Topology:
    """Dense core, landmarks and barcodes of points already checked at the door (``_as_filter_points``):
    the stages run unchecked, on row subsets that stay C-contiguous and finite. Shared with
    ``stability`` and the null model; not part of the public API (see ``__all__``). With a Dask
    ``client`` (or scheduler address) the codensity is computed on the cluster."""
    if client is None:
        core, density = _dense_core(points, k, p, n_threads)
    else:
        core, density = dense_core(points, k, p, return_codensity=True, n_threads=n_threads, client=client)
    X = points[core]
    landmarks, radius = _maxmin(X, min(n_landmarks, len(core)), seed, n_threads)
    return _Topology(core, density, landmarks, float(radius), _rips_points(X[landmarks], maxdim, coeff, n_threads))


def _sample(points, sample, seed):
    """(points, kept indices or None): a seeded random sample of at most `sample` rows, in order."""
    if sample is None or len(points) <= sample:
        return points, None
    keep = np.sort(np.random.default_rng(seed).choice(len(points), sample, replace=False))
    return points[keep], keep


def null_scale(n: int, k: int, null_size: int | None) -> tuple[int, int]:
    """(points, k) of a null draw standing for n analysed points at k: the same scale in fewer points.

    A draw of m < n points with k scaled to k·m/n keeps the same fraction of the points in each
    neighbourhood, so about the same neighbourhood radius. It is not quite the null of n points:
    its dense core is sparser under the same landmarks, and measured, its top H1 bar is longer
    (0.22 against 0.21 for 10^5 against 10^6 points; benchmarks/RESULTS.md, "The null model at the
    analysed scale"), a stricter null. m is at most ``null_size``, with k·m/n rounded down and m
    then chosen so that the fraction is k/n to within rounding; when that leaves k below
    NULL_MIN_K, m grows instead until the scaled k is NULL_MIN_K (or m reaches n).

    Parameters
    ----------
    n
        Number of points analysed.
    k
        k of the analysed dense core X(k, p).
    null_size
        Most points of a draw; None for draws of n points at k.

    Returns
    -------
    m : int
        Points of a null draw (n when n ≤ null_size).
    k_m : int
        k of the null's dense core (k when m = n).

    Examples
    --------
    >>> from fasttda.analysis import null_scale
    >>> null_scale(50_000, 300, 100_000), null_scale(10**6, 300, 100_000), null_scale(10**7, 300, 100_000)
    ((50000, 300), (100000, 30), (333333, 10))
    """
    if null_size is None or n <= null_size or k <= NULL_MIN_K:
        return n, k
    k_m = max(k * null_size // n, NULL_MIN_K)
    return min(n, int(round(k_m * n / k))), k_m


# Each null draw's top bar, by everything the draw depends on: a study analysing many checkpoints
# or seeds of one layer shape draws its null once. The draws are seeded, so a remembered value is
# the one a new draw would give. Custom init functions are not remembered (not hashable by value).
_NULL_DRAWS: dict[tuple, float] = {}
_NULL_DRAWS_MAX = 4096


def _null_init(init):
    if callable(init):
        return init
    if init == "uniform":  # PyTorch's default for conv weights (Kaiming-uniform, a=√5): U(−b, b)
        return lambda rng, shape: rng.uniform(-1.0, 1.0, shape)
    if init == "normal":  # Kaiming- or Glorot-normal inits (torchvision's VGG, Keras' he_normal)
        return lambda rng, shape: rng.standard_normal(shape)
    raise ValueError(f"null_init must be 'uniform', 'normal' or a function (rng, shape) -> array, got {init!r}")


def null_model(
    fv: FilterVectors | None,
    n_points: int,
    *,
    k: int,
    p: float,
    norm: str,
    n_landmarks: int,
    coeff: int,
    min_contrast: float,
    top,
    sample,
    n_null: int = 3,
    init="uniform",
    seed: int = 0,
    n_threads=None,
    null_size: int | None = None,
) -> np.ndarray:
    """The longest H1 persistence of the same pipeline on untrained filters, one per draw.

    Each draw takes as many k×k slices as the layer has, from the initialisation
    distribution ``init`` (i.i.d. entries: ``"uniform"``, PyTorch's default for conv
    layers and so of every built-in network, ``"normal"``, or a function
    ``(rng, shape) -> array``), and runs them through the same contrast cut,
    sample, dense core, landmarks and barcodes. For points given directly (no
    slices), a draw is ``n_points`` uniform points on S⁷. The scale of the draw
    does not matter: the contrast cut is relative and the points are normalised.
    When a sample of the layer is analysed, a draw needs only enough slices to
    fill the same sample after the same cut, so large layers cost no more than small.
    With ``null_size``, a draw standing for more points than that holds fewer
    (``null_scale``), and its dense core takes k scaled to keep the analysed
    scale. A draw depends only on the layer's shape and these settings, not on
    its weights, so each is remembered for the life of the process: analysing
    many checkpoints or seeds of one layer shape draws the null once.

    Parameters
    ----------
    fv
        The layer's ``FilterVectors``, or None for points given directly.
    n_points
        Number of points analysed (the sample's size when one is drawn); a draw
        has that many points when ``fv`` is None.
    k, p, norm, n_landmarks, coeff, min_contrast, top, sample
        As for ``analyze``.
    n_null
        Number of draws.
    init
        ``"uniform"``, ``"normal"`` or a function ``(rng, shape) -> array``.
    seed
        Seed of the draws.
    n_threads
        Threads; None uses every core.
    null_size
        Most points of a draw (see ``null_scale``); None (default) draws as
        many points as are analysed, at k.

    Returns
    -------
    numpy.ndarray
        (n_null,) longest H1 persistence of each draw (0 where there is no bar).

    Raises
    ------
    ValueError
        When ``init`` is not one of the above, or ``null_size`` is below 3.

    Examples
    --------
    >>> from fasttda.analysis import null_model
    >>> tops = null_model(None, 500, k=50, p=0.3, norm="L2", n_landmarks=50, coeff=2,
    ...                   min_contrast=0.01, top=None, sample=None, n_null=2)
    >>> tops.shape, bool((tops >= 0).all())
    ((2,), True)
    """
    draw = _null_init(init)
    if null_size is not None:
        null_size = as_int(null_size, "null_size", low=3)
    m, k = null_scale(n_points, k, null_size)
    if m < n_points:  # a draw of m points stands for the analysed n_points, at the same scale
        sample = m
    tops = np.empty(n_null)
    shape = None if fv is None else (fv.n_slices, fv.kernel, len(fv) if sample is not None else None)
    key = None
    if isinstance(init, str):
        key = (shape, m, k, p, norm, n_landmarks, coeff, min_contrast, top, sample, init, seed)
        try:
            hash(key)
        except TypeError:  # a setting given as an unhashable value: draw afresh
            key = None
    for i in range(n_null):
        if key is not None and (key, i) in _NULL_DRAWS:
            tops[i] = _NULL_DRAWS[key, i]
            continue
        rng = np.random.default_rng([seed, 0x0D11, i])
        if fv is None:
            pts = rng.standard_normal((m, 8))
            pts = (pts / np.linalg.norm(pts, axis=1, keepdims=True)).astype(np.float32)
        else:
            n_slices = fv.n_slices
            if sample is not None and len(fv) > sample:
                n_slices = min(n_slices, int(np.ceil(1.05 * sample * fv.n_slices / len(fv))) + 1)
            slices = np.asarray(draw(rng, (n_slices, fv.kernel, fv.kernel)), dtype=np.float32)
            pts = filter_vectors(slices, norm=norm, min_contrast=min_contrast, top=top, n_threads=n_threads).points
            pts, _ = _sample(pts, sample, seed)
        kk = min(k, len(pts) - 1)
        h1 = topology(pts, kk, p, n_landmarks, 1, coeff, seed, n_threads).h1()
        tops[i] = h1[0] if len(h1) else 0.0
        if key is not None:
            if len(_NULL_DRAWS) >= _NULL_DRAWS_MAX:
                _NULL_DRAWS.pop(next(iter(_NULL_DRAWS)))  # the oldest
            _NULL_DRAWS[key, i] = float(tops[i])
    return tops


def movement(weights, initial) -> np.ndarray:
    """Cosine distance of each mean-centred k×k slice to its initial value (0 = same direction).

    Parameters
    ----------
    weights
        Conv weights (..., k, k), or slices (n, k²).
    initial
        The initial weights, of the same shape.

    Returns
    -------
    numpy.ndarray
        One distance in [0, 2] per slice, leaving out slices that are constant in either.

    Raises
    ------
    ValueError
        When the shapes differ or the weights hold no k×k slices.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.analysis import movement
    >>> w = np.arange(18.0).reshape(2, 3, 3)
    >>> movement(w, w).round(6) + 0.0, movement(w, -w).round(6)
    (array([0., 0.]), array([2., 2.]))
    """
    a, b = (_slices(w) for w in (weights, initial))
    if a.shape != b.shape:
        raise ValueError(
            f"initial weights must have the shape of the weights: {b.shape[0]} slices of "
            f"{b.shape[1]} values against {a.shape[0]} of {a.shape[1]}"
        )
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    ok = (na > 0) & (nb > 0)
    return 1.0 - np.einsum("ij,ij->i", a[ok], b[ok]) / (na[ok] * nb[ok])


def _slices(w) -> np.ndarray:
    w = as_array(w).astype(np.float64, copy=False)
    if w.ndim < 2:
        raise ValueError(f"weights must hold k×k slices, got shape {w.shape}")
    k = w.shape[-1]
    return w.reshape(-1, k * w.shape[-2]) if w.ndim >= 3 else w


def analyze(
    weights,
    *,
    k: int | None = None,
    p: float | None = None,
    norm: str = "L2",
    n_landmarks: int = 300,
    maxdim: int = 1,
    coeff: int = 2,
    lens="pca2",
    n_intervals: int = 10,
    overlap: float = 0.3,
    min_contrast: float = 0.01,
    top: float | None = None,
    tolerance: float = TOLERANCE,
    sample: int | None = 50_000,
    n_null: int = 3,
    null_init="uniform",
    null_size: int | None = None,
    initial=None,
    robustness: bool = False,
    n_boot: int = 0,
    seed: int = 0,
    n_threads: int | None = None,
    client=None,
) -> Analysis:
    """Dense core, landmarks, barcodes, Mapper graph and model fits of a layer's 3×3 filters,
    judged against untrained filters.

    Filters of other sizes (5×5, 7×7, …) are analysed in pixel space (the k²
    mean-zero pixel values at unit contrast): core, landmarks, barcodes, null
    model and Mapper graph as for 3×3, but no model fit or orientation count,
    which are defined on the 3×3 DCT sphere only; the verdict then counts loops.

    Parameters
    ----------
    weights
        Conv weights in any form ``filter_vectors`` accepts, a ``FilterVectors``,
        or points already in DCT coordinates, shape (n, 8) (e.g. the natural
        patches); with the last, pass the norm they were made with (``"D"`` for
        the 2008 patches) so the Klein bottle fit uses matching coordinates.
    k, p
        The dense core X(k, p): the fraction p of points with the smallest
        distance to their k-th neighbour. k defaults to ``default_k(n)``, the
        2008 paper's 300 or n/10 when fewer (300 shows the primary circle of the
        natural patches, 15 the three circles); p to ``default_p(n)``, the
        paper's 30% for up to 10,000 points and less for more, down to 10%.
    top
        Keep only this fraction of highest-contrast slices, as the 2008 paper
        keeps the top 20% of its patches; None (default) keeps all above
        ``min_contrast``. On CNN filters the cut does not help: untrained filters
        cut to their top 20% already show H1 bars as long as trained ones
        (benchmarks/RESULTS.md), and the null model says so.
    n_landmarks
        Max–min landmarks of the core for the Rips barcodes.
    lens, n_intervals, overlap
        The Mapper lens over the core (``"pca2"``, ``"circle_angle"`` (cos θ,
        sin θ of the primary-circle angle), any built-in lens of ``mapper``, or an array).
    tolerance
        Distance to a model within which a point counts as lying on it.
    sample
        Analyse a random sample of at most this many filter vectors (drawn with
        ``seed``), as Carlsson et al. analyse 50,000 of their 4.5 million
        patches: k and p keep the meaning they have in that setting. None
        analyses every vector.
    n_null, null_init
        The null model: the same pipeline on ``n_null`` draws of untrained
        filters from ``null_init`` (see ``null_model``). A bar counts only when
        it stands clear of the null's top bar; a layer whose top bar does not is
        "indistinguishable from initialisation". ``n_null=0`` turns it off.
    null_size
        Most points of a null draw; None (default) draws as many points as are
        analysed. A layer of n > ``null_size`` analysed points is then judged
        against draws of about ``null_size`` points whose dense core takes
        k·null_size/n neighbours: the same fraction of the points per
        neighbourhood, so the scale analysed (``null_scale``; never a k below
        10, for which the draw grows instead). For n ≤ ``null_size`` nothing
        changes. Much cheaper for large n (a draw of 10^6 points costs 28 CPU
        seconds, one of 10^5 at the same scale 0.9), but not the same null: a
        smaller draw has a sparser dense core under the same landmarks, and
        its top bar is longer (at 10^6 against 10^5: 0.22 against 0.21,
        benchmarks/RESULTS.md), so the cut is stricter and a bar just above
        the full null's cut may not count. ``params["null_points"]`` and
        ``params["null_k"]`` record what the null used.
    initial
        The layer's initial weights (the same shape as ``weights``), when known:
        the analysis then says how far the filters moved from them.
    robustness
        Also rerun the verdict on a small grid of (k, p, contrast cut) around the
        chosen one, each against its own null, and say whether it holds.
    n_boot
        Also resample the networks this many times and rerun the pipeline on
        each (``Analysis.stability``): the share of resamples with each verdict
        and a confidence band for the H1 diagram. 0 (default) skips it.
    client
        A ``dask.distributed.Client`` or a scheduler's address: the dense core's
        codensity is computed on that cluster (``dense_core(client=...)``), with
        the same result as here.

    Returns
    -------
    Analysis

    Examples
    --------
    >>> import fasttda
    >>> a = fasttda.analyze(fasttda.datasets.natural_patches(), k=300, norm="D")  # doctest: +SKIP
    >>> a.verdict  # doctest: +SKIP
    'primary circle'
    """
    n_threads = as_threads(n_threads)
    n_null = as_int(n_null, "n_null", low=0)
    if null_size is not None:
        null_size = as_int(null_size, "null_size", low=3)
    points, fv = _as_filter_points(weights, norm, min_contrast, top, n_threads)
    notes = []
    if sample is not None:
        sample = as_int(sample, "sample", low=3)
    n_all = len(points)
    points, keep = _sample(points, sample, seed)
    if keep is not None:
        notes.append(f"Analysed a random sample of {sample} of the {n_all} filter vectors.")
    n = len(points)
    if n < 3:
        raise ValueError(f"there are only {n} filter vectors: too few to have a shape")
    chosen = [name for name, v in (("k", k), ("p", p)) if v is None]  # left to the defaults for n
    k = default_k(n) if k is None else as_int(k, "k", low=1)
    p = default_p(n) if p is None else as_real(p, "p")
    if k >= n:
        raise ValueError(f"k must be smaller than the number of filter vectors (k={k}, n={n})")
    n_landmarks = as_int(n_landmarks, "n_landmarks", low=1)

    topo = topology(points, k, p, n_landmarks, maxdim, coeff, seed, n_threads, client)
    core, density, landmarks, radius, barcodes = topo.core, topo.density, topo.landmarks, topo.radius, topo.barcodes
    X = points[core]
    X64 = X.astype(np.float64)  # the model fits and node means work in float64: convert once
    nulls = (
        null_model(
            fv,
            n,
            k=k,
            p=p,
            norm=norm,
            n_landmarks=n_landmarks,
            coeff=coeff,
            min_contrast=min_contrast,
            top=top,
            sample=sample,
            n_null=n_null,
            init=null_init,
            seed=seed,
            n_threads=n_threads,
            null_size=null_size,
        )
        if n_null and maxdim >= 1
        else np.empty(0)
    )

    pixel = fv is not None and fv.space == "pixel"
    if pixel:  # k×k filters, k ≠ 3: the 3×3 models and orientations do not apply (see Analysis.summary)
        theta = circle_d = three_d = t1 = t2 = klein_d = np.empty(0)
    else:
        theta, circle_d = models.circle_fit(X64)
        three_d = models.three_circle_distance(X64)
        t1, t2, klein_d = models.klein_fit(X64, norm, n_threads=n_threads)
    graph = _mapper(
        X,
        lens,
        n_intervals=n_intervals,
        overlap=overlap,
        triangles=True,
        values={"density": density},
        n_threads=n_threads,
    )
    if pixel:
        node_filters = (
            graph.node_mean(X64).reshape(-1, fv.kernel, fv.kernel)
            if graph.n_nodes
            else np.empty((0, fv.kernel, fv.kernel))
        )
    else:
        node_filters = dct_patches(graph.node_mean(X64), norm) if graph.n_nodes else np.empty((0, 3, 3))

    counted = _counted(topo, nulls)
    n_long = [c for c, _ in counted]
    null_points, null_k = null_scale(n, k, null_size) if len(nulls) else (None, None)
    params = {
        "k": k,
        "p": p,
        "norm": norm,
        "n_landmarks": int(len(landmarks)),
        "maxdim": maxdim,
        "coeff": coeff,
        "lens": lens if isinstance(lens, str) else "array",
        "n_intervals": n_intervals,
        "overlap": overlap,
        "tolerance": tolerance,
        "top": top,
        "min_contrast": min_contrast,
        "sample": sample,
        "n_null": n_null,
        "null_init": null_init if isinstance(null_init, str) else "function",
        "null_size": null_size,
        "null_points": null_points,
        "null_k": null_k,
        "seed": seed,
        "defaulted": chosen,
    }
    result = Analysis(
        params=params,
        points=points,
        core=core,
        density=density,
        landmarks=landmarks,
        cover_radius=float(radius),
        barcodes=barcodes,
        graph=graph,
        node_filters=node_filters,
        circle_theta=theta,
        circle_distance=circle_d,
        three_circle_distance=three_d,
        klein_theta=np.stack([t1, t2], axis=1),
        klein_distance=klein_d,
        orientation=(
            {"counts": np.zeros(0, np.int64), "axis_ratio": None} if pixel else models.orientation_histogram(theta)
        ),
        long_bars=n_long,
        persistence=[p_ for _, p_ in counted],
        verdict="",
        filters=fv,
        sampled=keep,
        null_h1=nulls,
        notes=notes,
    )
    if pixel:
        result.verdict = judge(X, topo, params, nulls)[0]
    else:
        result.verdict = _verdict(
            n_long[1] if maxdim >= 1 else 0,
            result.shares,
            circle_d,
            three_d,
            tolerance,
            result.plane_share,
            result.largest_gap,
            _top(result.persistence),
            nulls,
        )
    if maxdim >= 1 and n_long[1] >= 1:  # a long loop: its circular coordinate and the filters on it
        _circular(result)
    if initial is not None:
        moved = movement(weights.points if isinstance(weights, FilterVectors) else weights, initial)
        result.moved = float(np.median(moved)) if len(moved) else 0.0
    if robustness:
        result.robustness = _robustness(weights, result, fv, n_threads)
    if as_int(n_boot, "n_boot", low=0):
        result.bootstrap = result.stability(n_boot, seed=seed, n_threads=n_threads)
    return result


def _following(rho: float) -> str:
    """How closely a circular coordinate follows the primary circle's angle, in words: Fisher and Lee's
    |ρ| is near 0 for unrelated angles, so only a high one says the loop is the primary circle."""
    if rho >= 0.8:
        return "follows"
    if rho >= 0.5:
        return "loosely follows"
    return "does not follow"


def _circular(a: Analysis) -> None:
    """Fills ``circular``, ``circle_correlation`` and ``loop`` from the longest H1 bar, or says why not."""
    try:
        a.circular, a.circle_correlation, a.loop = circular.of_analysis(a)
    except circular.NoBarError as e:  # no H1 bar over the odd prime the cocycles need
        a.notes.append(f"No circular coordinate: {e}.")


def _counted(topo: _Topology, nulls) -> list[tuple[int, np.ndarray]]:
    """(long bars, persistences longest first) per dimension: noise bars of a landmark sample are about its
    covering radius long, and no bar counts that does not stand clear of the null."""
    floor = max(topo.radius, null_cut(nulls))
    cap = _cap(topo.barcodes)
    return [long_bars(d, cap=cap, floor=floor) for d in topo.barcodes["dgms"]]


def judge(X: np.ndarray, topo: _Topology, params: dict, nulls) -> tuple[str, np.ndarray]:
    """(verdict, H1 persistences longest first) of a dense core X with its barcodes, as ``analyze`` judges.

    Parameters
    ----------
    X
        The dense core's points, (m, 8) in DCT coordinates (any other width: pixel space).
    topo
        The core, landmarks and barcodes from which X came.
    params
        The run's parameters; ``params["tolerance"]`` is read.
    nulls
        Top H1 persistence of each null draw (empty for none).

    Returns
    -------
    verdict : str
        As ``Analysis.verdict``.
    h1 : numpy.ndarray
        H1 persistences, longest first.

    Examples
    --------
    >>> import fasttda
    >>> from fasttda.analysis import judge, topology
    >>> X = fasttda.datasets.filter_like(2000)
    >>> topo = topology(X, 200, 0.3, 50, 1, 2, 0, None)
    >>> verdict, h1 = judge(X[topo.core], topo, {"tolerance": 0.5}, [])
    >>> verdict, bool(h1[0] > 0.5)
    ('primary circle', True)
    """
    counted = _counted(topo, nulls)
    pers = [p_ for _, p_ in counted]
    h1 = pers[1] if len(pers) > 1 else np.empty(0)
    if X.shape[1] != 8:  # pixel space: no 3×3 model, the loops are counted
        loops = counted[1][0] if len(counted) > 1 else 0
        return (
            INDISTINGUISHABLE
            if len(nulls) and _top(pers) <= null_cut(np.asarray(nulls))
            else "no dominant loop"
            if loops == 0
            else "one loop"
            if loops == 1
            else f"{loops} loops"
        ), h1
    theta, circle_d = models.circle_fit(X)
    three_d = models.three_circle_distance(X)
    tol = params["tolerance"]
    shares = {"circle": float(np.mean(circle_d <= tol)), "three_circle": float(np.mean(three_d <= tol))}
    verdict = _verdict(
        counted[1][0] if len(counted) > 1 else 0,
        shares,
        circle_d,
        three_d,
        tol,
        plane_share(X),
        largest_gap(theta),
        _top(pers),
        nulls,
    )
    return verdict, h1


def _top(persistence) -> float:
    h1 = persistence[1] if len(persistence) > 1 else np.empty(0)
    return float(h1[0]) if len(h1) else 0.0


def null_cut(nulls: np.ndarray) -> float:
    """The persistence a bar must exceed to stand clear of the null's top bars (MIN_PERSISTENCE without one).

    Parameters
    ----------
    nulls
        Top H1 persistence of each null draw.

    Returns
    -------
    float
        max(mean + NULL_SIGMAS std, NULL_RATIO mean, MIN_PERSISTENCE).

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.analysis import null_cut
    >>> null_cut(np.empty(0)), null_cut(np.array([0.2, 0.2]))
    (0.05, 0.30000000000000004)
    """
    if len(nulls) == 0:
        return MIN_PERSISTENCE
    m, s = float(np.mean(nulls)), float(np.std(nulls, ddof=1)) if len(nulls) > 1 else 0.0
    return max(m + NULL_SIGMAS * s, NULL_RATIO * m, MIN_PERSISTENCE)


def _robustness(weights, a: "Analysis", fv, n_threads) -> list[dict]:
    """The verdict at the neighbours of the chosen (k, p, contrast cut): k/2 and 2k, p/2 and 2p, the other
    cut (the paper's top 20% against every slice), each judged against its own null.

    Each neighbour reruns only what its verdict needs (core, landmarks, barcodes, null and ``judge``, as
    ``analyze`` judges), on the analysed points; only the other cut makes new filter vectors."""
    P = a.params
    k, p, top = P["k"], P["p"], P["top"]
    grid = [{"k": max(2, k // 2)}, {"k": 2 * k}, {"p": p / 2}, {"p": min(1.0, 2 * p)}]
    slices = fv is not None and not isinstance(weights, FilterVectors)
    if slices:
        grid.append({"top": 0.2 if top is None else None})
    init = P["null_init"] if P["null_init"] != "function" else "uniform"
    rows = []
    for change in grid:
        setting = {"k": k, "p": p, "top": top if slices else None, **change}
        if "top" in change:  # another cut keeps another number of points: defaults follow it
            setting.update({name: None for name in P.get("defaulted", ())})
        try:
            if "top" in change:
                points, fv_b = _as_filter_points(weights, P["norm"], P["min_contrast"], setting["top"], n_threads)
                points, _ = _sample(points, P["sample"], P["seed"])
            else:
                points, fv_b = a.points, fv
            n = len(points)
            if n < 3:
                raise ValueError(f"there are only {n} filter vectors: too few to have a shape")
            kb = default_k(n) if setting["k"] is None else setting["k"]
            pb = default_p(n) if setting["p"] is None else setting["p"]
            if kb >= n:
                raise ValueError(f"k must be smaller than the number of filter vectors (k={kb}, n={n})")
            topo = topology(points, kb, pb, P["n_landmarks"], 1, P["coeff"], P["seed"], n_threads)
            nulls = (
                null_model(
                    fv_b,
                    n,
                    k=kb,
                    p=pb,
                    norm=P["norm"],
                    n_landmarks=P["n_landmarks"],
                    coeff=P["coeff"],
                    min_contrast=P["min_contrast"],
                    top=setting["top"],
                    sample=P["sample"],
                    n_null=P["n_null"],
                    init=init,
                    seed=P["seed"],
                    n_threads=n_threads,
                    null_size=P.get("null_size"),
                )
                if P["n_null"]
                else np.empty(0)
            )
            verdict, h1 = judge(points[topo.core], topo, P, nulls)
            rows.append(
                {
                    **setting,
                    "k": kb,
                    "p": pb,
                    "verdict": verdict,
                    "top_h1": float(h1[0]) if len(h1) else 0.0,
                    "null_cut": null_cut(nulls),
                }
            )
        except ValueError as e:  # e.g. 2k is too large for a small layer
            rows.append({**setting, "verdict": None, "error": str(e)})
    return rows


def _cap(barcodes: dict) -> float:
    """Where essential bars are cut for measuring: the largest finite death (or 1 on S⁷)."""
    finite = [d[np.isfinite(d[:, 1]), 1] for d in barcodes["dgms"]]
    finite = np.concatenate(finite) if finite else np.empty(0)
    return float(finite.max()) if len(finite) else 1.0
