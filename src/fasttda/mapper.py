"""Mapper graphs (Singh, Mémoli & Carlsson 2007): lens → overlapping cover →
clusters of each preimage → nerve.

``mapper`` checks the input, computes a built-in lens if asked, and runs the
cover, the clustering and the nerve in the C++ core; ``MapperGraph`` holds the
result with its node attributes and exports it to networkx and JSON.
"""

from __future__ import annotations

import numbers
from collections import deque

import numpy as np

from . import _core
from ._checks import INT64_MAX, as_array, as_int, as_points, as_threads
from ._graph import components
from ._json import jsonable
from .display import RichDisplay

__all__ = ["MapperGraph", "euclidean_mst", "make_lens", "mapper", "principal_components"]

LENSES = ("pca1", "pca2", "codensity", "circle_angle")
COVERS = ("uniform", "balanced")
CLUSTERERS = ("single_linkage", "dbscan")
CLUSTER_PARAMS = {
    "single_linkage": {"height": None, "bins": 10, "prim_max": None, "k": 15},
    "dbscan": {"eps": 0.5, "min_samples": 5, "k": 15},
}


def mapper(
    X,
    lens,
    *,
    n_intervals=10,
    overlap=0.3,
    cover: str = "uniform",
    clusterer: str = "single_linkage",
    cluster_params: dict | None = None,
    min_points: int = 1,
    triangles: bool = False,
    values: dict | None = None,
    n_threads: int | None = None,
) -> "MapperGraph":
    """The Mapper graph of the point cloud X seen through a lens.

    Parameters
    ----------
    X
        Points, shape (n, d).
    lens
        An (n,) or (n, d) array with d = 1..3, or a built-in lens: ``"pca1"``,
        ``"pca2"`` (projections on the first principal axes of X, each axis
        signed so that its largest coordinate is positive) or ``"codensity"``
        (distance to the k-th nearest neighbour, k = ``cluster_params["k"]``,
        default 15) or ``"circle_angle"`` ((cos θ, sin θ) of the angle θ on the
        primary circle, for 3×3 filters in DCT coordinates).
    n_intervals, overlap
        Per lens coordinate (a number, or one value per coordinate). Cover
        ``"uniform"``: the coordinate's range [min, max] is covered by
        ``n_intervals`` closed intervals of equal length L, and consecutive
        intervals share ``overlap``·L, so they start L(1 - overlap) apart and
        L = (max - min) / (1 + (n_intervals - 1)(1 - overlap)). With overlap
        0.3 a point near a boundary is in two intervals, one in the middle of
        an interval in one. (KeplerMapper's ``perc_overlap`` is also the
        fraction of a cube shared with its neighbour, but its cubes sit on a
        fixed grid of centres range/n apart and overhang [min, max]; they are
        range/(n(1 - overlap)) long, so a little longer than these.) Cover
        ``"balanced"``: the same construction on the ranks 0..n-1 of the sorted
        values, so each interval holds about n / (1 + (n_intervals - 1)(1 -
        overlap)) points; ties always fall in the same intervals. Points on a boundary
        belong to every interval containing them; every point, the extreme
        ones included, is in at least one interval; a constant coordinate gets
        a single interval. Cubes are products of intervals.
    clusterer, cluster_params
        ``"single_linkage"``: single linkage on the exact Euclidean minimum
        spanning tree of each preimage, cut at ``{"height": h}`` (merge at
        distance <= h) or, by default, at the first gap of the merge heights
        (the heuristic of Singh, Mémoli & Carlsson): the MST edge lengths are
        put in ``{"bins": 10}`` equal bins over [shortest edge, diameter of
        the preimage] and edges in the bins below the first empty bin are
        merged (no empty bin: one cluster). A gap thus splits a preimage only
        when it is wide compared with the preimage's own size.
        The first gap needs no tree either by default: the shortest MST edge
        is the closest pair, and the bins holding MST edges follow from the
        number of components of the graph of pairs within each bin's upper
        edge (usually one or two such searches per preimage; the same
        clusters as the cut tree). ``{"prim_max": m}`` reads the gap off an
        explicit tree instead: preimages up to m points get it from Prim's
        O(m²) algorithm, larger ones from Borůvka on a kd-tree (same result).
        With a height no tree is needed: the clusters are the components of
        the graph joining points within the height, found by a depth-first
        search (the same partition as the cut tree).
        ``"dbscan"``: ``{"eps": 0.5, "min_samples": 5}``; core points have at
        least min_samples points within distance <= eps (themselves included)
        and are joined when within eps; a border point joins the cluster of its
        nearest core point; noise points belong to no node.
    min_points
        Clusters with fewer points are dropped.
    triangles
        Also list the 2-simplices of the nerve (triples of nodes with a common point).
    values
        ``{"name": per-point array}``: per-node means, in ``graph.node_values``.
    n_threads
        Threads; None uses every core.

    Returns
    -------
    MapperGraph
        The nodes, edges (with the number of shared points), optional triangles and node attributes.

    Raises
    ------
    ValueError
        On invalid points, an unknown lens, cover or clusterer, a lens of the wrong shape, or
        out-of-range cover or cluster parameters.
    TypeError
        On parameters of the wrong type (a lens that does not hold real numbers, for one).

    Notes
    -----
    Nodes are ordered by cube (row-major over the interval indices), then by
    smallest member; the graph does not depend on ``n_threads``.

    Examples
    --------
    >>> import numpy as np, fasttda
    >>> t = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    >>> X = np.c_[np.cos(t), np.sin(t)]
    >>> g = fasttda.mapper(X, X[:, 0], n_intervals=4, overlap=0.3)
    >>> g.n_nodes, g.n_edges
    (6, 6)
    """
    return _mapper(
        as_points(X),
        lens,
        n_intervals=n_intervals,
        overlap=overlap,
        cover=cover,
        clusterer=clusterer,
        cluster_params=cluster_params,
        min_points=min_points,
        triangles=triangles,
        values=values,
        n_threads=n_threads,
    )


def _mapper(
    X: np.ndarray,
    lens,
    *,
    n_intervals=10,
    overlap=0.3,
    cover: str = "uniform",
    clusterer: str = "single_linkage",
    cluster_params: dict | None = None,
    min_points: int = 1,
    triangles: bool = False,
    values: dict | None = None,
    n_threads: int | None = None,
) -> "MapperGraph":
    """``mapper`` of points that already passed ``as_points`` (the pipeline checks them once)."""
    n = X.shape[0]
    cover = _choice(cover, COVERS, "cover")
    clusterer = _choice(clusterer, CLUSTERERS, "clusterer")
    params = _cluster_params(clusterer, cluster_params)
    L = _make_lens(X, lens, k=params["k"], n_threads=n_threads)
    d = L.shape[1]
    # Types here; the core checks the values (n_intervals >= 1, overlap in [0, 1), min_points >= 1,
    # height >= 0, a finite eps >= 0, a finite lens) and says what is wrong.
    intervals = _per_coordinate(n_intervals, d, "n_intervals", lambda v: _int64(v, "n_intervals"))
    overlaps = _per_coordinate(overlap, d, "overlap", lambda v: _real(v, "overlap"))
    min_points = _int64(min_points, "min_points")
    options = _core.MapperParams(
        n_intervals=intervals,
        overlap=overlaps,
        balanced=cover == "balanced",
        clusterer=clusterer,
        height=None if params.get("height") is None else _real(params["height"], "height"),
        bins=as_int(params.get("bins", 10), "bins", low=1, high=INT64_MAX),
        eps=_real(params.get("eps", 0.0), "eps"),
        min_samples=as_int(params.get("min_samples", 1), "min_samples", low=1, high=INT64_MAX),
        min_points=min_points,
        triangles=bool(triangles),
        prim_max=None
        if params.get("prim_max") is None
        else as_int(params["prim_max"], "prim_max", low=0, high=INT64_MAX),
    )
    r = _core.mapper(X, L, options, as_threads(n_threads))
    members, offset = r["members"], r["node_offset"]
    nodes = np.split(members, offset[1:-1]) if len(r["node_cube"]) else []
    # The means of `values` from the core's flat members (MapperGraph would concatenate the nodes again);
    # the core's lens means need no gathered copy of the lens (3 MB at 10^5 points).
    size = np.diff(offset)
    return MapperGraph(
        nodes,
        r["edges"],
        r["edge_weights"],
        triangles=r["triangles"] if triangles else None,
        n_points=n,
        lens_mean=r["lens_mean"],
        node_values={name: _node_means(v, members, offset[:-1], size, n) for name, v in (values or {}).items()},
        cube=r["node_intervals"],
        cover={"lower": r["lower"], "upper": r["upper"]},
        params={
            "lens": lens if isinstance(lens, str) else "array",
            "n_intervals": intervals,
            "overlap": overlaps,
            "cover": cover,
            "clusterer": clusterer,
            "cluster_params": {k: v for k, v in params.items() if k != "prim_max"},
            "min_points": min_points,
        },
    )


def make_lens(X, lens, *, k: int = 15, n_threads: int | None = None) -> np.ndarray:
    """The (n, d) float64 lens: a built-in one by name, or an array of the right shape as a float64 copy.

    Parameters
    ----------
    X
        Points, shape (n, d).
    lens
        ``"pca1"``, ``"pca2"``, ``"codensity"`` or ``"circle_angle"`` (see ``mapper``), or an
        (n,) or (n, d) array of real numbers with d = 1, 2 or 3.
    k
        The neighbour of the ``"codensity"`` lens (at most n - 1).
    n_threads
        Threads; None uses every core.

    Returns
    -------
    numpy.ndarray
        (n, d) float64, C-contiguous.

    Raises
    ------
    ValueError
        On invalid points, an unknown lens name, a lens array of the wrong shape, or
        ``"circle_angle"`` on points without 8 coordinates.
    TypeError
        When a lens array does not hold real numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.mapper import make_lens
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
    >>> make_lens(X, "codensity", k=1)
    array([[1.],
           [1.],
           [2.]])
    >>> make_lens(X, [1, 2, 3]).shape
    (3, 1)
    """
    return _make_lens(as_points(X), lens, k=k, n_threads=n_threads)


def _make_lens(X: np.ndarray, lens, *, k: int = 15, n_threads: int | None = None) -> np.ndarray:
    """``make_lens`` of points that already passed ``as_points``."""
    n = X.shape[0]
    if isinstance(lens, str):
        if lens in ("pca1", "pca2"):
            return principal_components(X, int(lens[-1]))
        if lens == "codensity":
            from .neighbours import _codensity

            if n < 2:
                raise ValueError("the codensity lens needs at least 2 points")
            k = min(as_int(k, "k", low=1), n - 1)
            return _codensity(X, k, as_threads(n_threads)).astype(np.float64)[:, None]
        if lens == "circle_angle":
            # (cos θ, sin θ) of the angle on the primary circle: a 2-D lens, so the cover
            # does not cut the circle open where a 1-D angle would wrap around.
            if X.shape[1] != 8:
                raise ValueError("the circle_angle lens needs 3x3 filters in DCT coordinates (8 columns)")
            theta = np.arctan2(X[:, 1], X[:, 0]).astype(np.float64)
            return np.stack([np.cos(theta), np.sin(theta)], axis=1)
        raise ValueError(
            f"unknown lens {lens!r}: the built-in lenses are {', '.join(map(repr, LENSES))}, "
            "or pass an (n,) or (n, d) array"
        )
    L = as_array(lens)
    if L.dtype.kind not in "fiub":
        raise TypeError(f"the lens must hold real numbers, got dtype {L.dtype}")
    if L.ndim == 1:
        L = L[:, None]
    if L.ndim != 2 or not 1 <= L.shape[1] <= 3:
        raise ValueError(f"the lens must be an (n,) or (n, d) array with d = 1, 2 or 3, got shape {np.shape(lens)}")
    if L.shape[0] != n:
        raise ValueError(f"the lens has {L.shape[0]} values but X has {n} points")
    return np.ascontiguousarray(L, dtype=np.float64)  # its values are checked by the core


def principal_components(X: np.ndarray, m: int) -> np.ndarray:
    """Coordinates of X on its first m principal axes, each signed so its largest entry is positive.

    Parameters
    ----------
    X
        Points, shape (n, d); not checked.
    m
        Number of axes; columns beyond d are zero.

    Returns
    -------
    numpy.ndarray
        (n, m) float64 coordinates of the centred points.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.mapper import principal_components
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    >>> principal_components(X, 1)
    array([[-1.],
           [ 0.],
           [ 1.]])
    """
    Xc = X.astype(np.float64) - X.mean(axis=0, dtype=np.float64)
    w, V = np.linalg.eigh(Xc.T @ Xc)  # d×d: cheap for any n
    V = V[:, np.argsort(w)[::-1][:m]]
    V *= np.sign(V[np.argmax(np.abs(V), axis=0), np.arange(V.shape[1])])
    out = Xc @ V
    if out.shape[1] < m:  # fewer coordinates than components asked for
        out = np.hstack([out, np.zeros((len(X), m - out.shape[1]))])
    return np.ascontiguousarray(out)


def euclidean_mst(X, *, method: str = "auto", n_threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The exact Euclidean minimum spanning tree: (edges (n-1, 2) with i < j, lengths), sorted by length.

    ``method``: ``"prim"`` (O(n²) time, O(n) memory), ``"boruvka"`` (kd-tree)
    or ``"auto"`` (Prim up to 2048 points in up to 5 dimensions, 131072 above).

    Parameters
    ----------
    X
        Points, shape (n, d).
    method
        ``"auto"``, ``"prim"`` or ``"boruvka"``; the tree is the same.
    n_threads
        Threads; None uses every core.

    Returns
    -------
    edges : numpy.ndarray
        (n - 1, 2) int64, i < j, sorted by length.
    lengths : numpy.ndarray
        (n - 1,), the length of each edge.

    Raises
    ------
    ValueError
        On empty, non-finite or non-2-D points, or an unknown method.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.mapper import euclidean_mst
    >>> edges, lengths = euclidean_mst(np.array([[0.0], [1.0], [3.0]]))
    >>> edges, lengths
    (array([[0, 1],
           [1, 2]]), array([1., 2.]))
    """
    X = as_points(X)
    if method not in ("auto", "prim", "boruvka"):
        raise ValueError(f"unknown method {method!r}: use 'auto', 'prim' or 'boruvka'")
    prim_max = {"auto": None, "prim": X.shape[0], "boruvka": 0}[method]
    return _core.euclidean_mst(X, prim_max, as_threads(n_threads))


class MapperGraph(RichDisplay):
    """A Mapper graph: nodes (member index arrays), weighted edges, optional triangles, node attributes.

    ``size`` and ``lens_mean`` are per-node arrays; ``node_values[name]`` are
    the per-node means of the per-point arrays passed as ``values``;
    ``cube[v]`` is node v's interval index in each lens coordinate and
    ``cover`` the nominal interval ends ({"lower", "upper"}, one list per
    coordinate).

    Parameters
    ----------
    nodes
        Member indices of each node, a sequence of integer arrays.
    edges
        (m, 2) node pairs; None for none.
    edge_weights
        (m,) weight of each edge; None counts the points the two nodes share.
    triangles
        (t, 3) node triples, or None.
    n_points
        Number of points; None takes one more than the largest member.
    lens
        (n,) or (n, d) per-point lens, averaged per node into ``lens_mean``.
    lens_mean
        Per-node lens means, used when ``lens`` is None.
    values
        ``{"name": per-point array}``, averaged per node into ``node_values``.
    node_values
        ``{"name": per-node array}``, kept as given.
    cube
        Per-node interval index in each lens coordinate, or None.
    cover
        The nominal interval ends, or None.
    params
        The parameters that built the graph.

    Raises
    ------
    ValueError
        When a per-point array in ``lens`` or ``values`` does not have one row per point.

    Examples
    --------
    >>> from fasttda.mapper import MapperGraph
    >>> g = MapperGraph([[0, 1], [1, 2], [3]], [[0, 1]])
    >>> g.n_points, g.n_nodes, g.edge_weights, g.size
    (4, 3, array([1]), array([2, 2, 1]))
    """

    def __init__(
        self,
        nodes,
        edges=None,
        edge_weights=None,
        *,
        triangles=None,
        n_points: int | None = None,
        lens=None,
        lens_mean=None,
        values: dict | None = None,
        node_values: dict | None = None,
        cube=None,
        cover: dict | None = None,
        params: dict | None = None,
    ):
        self.nodes = [np.asarray(v, dtype=np.int64) for v in nodes]
        self.n_points = (
            int(n_points)
            if n_points is not None
            else (int(max((v.max() for v in self.nodes if len(v)), default=-1)) + 1)
        )
        self.edges = np.asarray(edges if edges is not None else np.empty((0, 2)), dtype=np.int64).reshape(-1, 2)
        self.edge_weights = (
            np.asarray(edge_weights, dtype=np.int64) if edge_weights is not None else self._shared_counts()
        )
        self.triangles = None if triangles is None else np.asarray(triangles, dtype=np.int64).reshape(-1, 3)
        self.size = np.array([len(v) for v in self.nodes], dtype=np.int64)
        self.cube = None if cube is None else np.asarray(cube, dtype=np.int64)
        self.cover = cover
        self.params = dict(params or {})
        self.lens_mean = (
            self.node_mean(lens)
            if lens is not None
            else (None if lens_mean is None else np.asarray(lens_mean, dtype=np.float64))
        )
        self.node_values = {name: np.asarray(v) for name, v in (node_values or {}).items()}
        for name, v in (values or {}).items():
            self.node_values[name] = self.node_mean(v)

    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        return len(self.edges)

    def node_mean(self, values) -> np.ndarray:
        """Per-node means of a per-point (n,) or (n, k) array: (n_nodes,) or (n_nodes, k)."""
        members = np.concatenate(self.nodes) if self.nodes else np.empty(0, np.int64)
        return _node_means(values, members, np.concatenate([[0], np.cumsum(self.size)[:-1]]), self.size, self.n_points)

    def _shared_counts(self) -> np.ndarray:
        sets = [set(v.tolist()) for v in self.nodes]
        return np.array([len(sets[a] & sets[b]) for a, b in self.edges], dtype=np.int64)

    def adjacency(self) -> list[list[int]]:
        adj = [[] for _ in range(self.n_nodes)]
        for a, b in self.edges.tolist():
            adj[a].append(b)
            adj[b].append(a)
        return adj

    def connected_components(self) -> list[np.ndarray]:
        """Node index arrays of the connected components, ordered by their smallest node."""
        return components(self.n_nodes, self.edges)

    def cycles(self) -> list[list[int]]:
        """A cycle basis of the graph: one cycle (a closed list of nodes) per edge outside a BFS spanning forest.

        There are n_edges - n_nodes + n_components of them (the first Betti
        number of the graph); triangles, if computed, are not used to fill any.
        """
        parent = np.full(self.n_nodes, -1)
        depth = np.full(self.n_nodes, -1)
        adj = self.adjacency()
        tree = set()
        for s in range(self.n_nodes):
            if depth[s] >= 0:
                continue
            depth[s] = 0
            todo = deque([s])
            while todo:
                u = todo.popleft()
                for w in adj[u]:
                    if depth[w] < 0:
                        depth[w], parent[w] = depth[u] + 1, u
                        tree.add((min(u, w), max(u, w)))
                        todo.append(w)
        out = []
        for a, b in self.edges.tolist():
            if (a, b) in tree:
                continue
            left, right = [a], [b]
            while left[-1] != right[-1]:  # climb to the common ancestor
                if depth[left[-1]] >= depth[right[-1]]:
                    left.append(int(parent[left[-1]]))
                else:
                    right.append(int(parent[right[-1]]))
            out.append(left + right[-2::-1])
        return out

    def betti1(self) -> int:
        """Independent loops, over Z/2: of the nerve's 2-skeleton when triangles were computed, else of the graph.

        In a 2-D cover four cubes meet at a corner and their clusters form a
        clique whose graph cycles are not holes; the triangles fill them, so
        with ``triangles=True`` this counts only the loops of the data.
        """
        c = len(self.connected_components())
        graph_loops = self.n_edges - self.n_nodes + c
        if self.triangles is None or not len(self.triangles):
            return graph_loops
        edge_id = {(a, b): i for i, (a, b) in enumerate(self.edges.tolist())}
        pivots = {}  # leading edge → reduced boundary, as bit sets in Python ints
        for a, b, d in self.triangles.tolist():
            col = (1 << edge_id[(a, b)]) | (1 << edge_id[(a, d)]) | (1 << edge_id[(b, d)])
            while col:
                top = col.bit_length() - 1
                if top not in pivots:
                    pivots[top] = col
                    break
                col ^= pivots[top]
        return graph_loops - len(pivots)

    def to_networkx(self):
        """An undirected networkx.Graph: node attributes members, size, cube, lens_mean and node_values; edge weight."""
        import networkx as nx

        G = nx.Graph(triangles=None if self.triangles is None else self.triangles.tolist(), **self.params)
        for v, members in enumerate(self.nodes):
            attrs = {"members": members.tolist(), "size": int(self.size[v])}
            if self.cube is not None:
                attrs["cube"] = tuple(self.cube[v].tolist())
            if self.lens_mean is not None:
                attrs["lens_mean"] = self.lens_mean[v].tolist()
            for name, vals in self.node_values.items():
                attrs[name] = vals[v].tolist()
            G.add_node(v, **attrs)
        for (a, b), w in zip(self.edges.tolist(), self.edge_weights.tolist()):
            G.add_edge(a, b, weight=w)
        return G

    def to_dict(self) -> dict:
        """Plain lists, numbers and strings: ``json.dumps`` takes it, ``from_dict`` reads it back."""
        return {
            "n_points": self.n_points,
            "nodes": [v.tolist() for v in self.nodes],
            "edges": self.edges.tolist(),
            "edge_weights": self.edge_weights.tolist(),
            "triangles": None if self.triangles is None else self.triangles.tolist(),
            "cube": None if self.cube is None else self.cube.tolist(),
            "lens_mean": None if self.lens_mean is None else self.lens_mean.tolist(),
            "node_values": {k: v.tolist() for k, v in self.node_values.items()},
            "cover": self.cover,
            "params": jsonable(self.params),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "MapperGraph":
        return cls(
            d["nodes"],
            d["edges"],
            d["edge_weights"],
            triangles=d.get("triangles"),
            n_points=d.get("n_points"),
            lens_mean=d.get("lens_mean"),
            node_values=d.get("node_values"),
            cube=d.get("cube"),
            cover=d.get("cover"),
            params=d.get("params"),
        )

    def __repr__(self) -> str:
        c = len(self.connected_components())
        cycles = self.n_edges - self.n_nodes + c
        tri = "" if self.triangles is None else f", {len(self.triangles)} triangles, betti1={self.betti1()}"
        return (
            f"MapperGraph({self.n_nodes} nodes, {self.n_edges} edges, {c} component{'s' * (c != 1)}, "
            f"{cycles} independent cycle{'s' * (cycles != 1)}{tri}, {self.n_points} points)"
        )


def _node_means(values, members, starts, size, n_points) -> np.ndarray:
    """Per-node means of a per-point (n,) or (n, k) array, the nodes' members laid end to end in
    ``members`` (node v's from ``starts[v]``, ``size[v]`` of them)."""
    values = as_array(values)
    if values.ndim not in (1, 2) or values.shape[0] != n_points:
        raise ValueError(f"values must have one row per point ({n_points}), got shape {values.shape}")
    values = values.astype(np.float64, copy=False)
    if not len(size):
        return np.empty((0,) + values.shape[1:])
    # np.take, not values[members]: the fancy index of a 2-D array's rows costs 10x more (2 ms at 10^5)
    sums = np.add.reduceat(np.take(values, members, axis=0), starts, axis=0)
    return sums / (size if values.ndim == 1 else size[:, None])


def _choice(value, options, name):
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"unknown {name} {value!r}: use one of {', '.join(map(repr, options))}")
    return value


def _cluster_params(clusterer, given):
    params = dict(CLUSTER_PARAMS[clusterer])
    given = {} if given is None else dict(given)
    unknown = sorted(set(given) - set(params))
    if unknown:
        raise ValueError(f"unknown cluster_params {unknown} for {clusterer!r}: known ones are {sorted(params)}")
    params.update(given)
    return params


def _per_coordinate(value, d, name, check):
    if isinstance(value, (numbers.Number, np.number)):
        return [check(value)] * d
    values = list(value)
    if len(values) != d:
        raise ValueError(f"{name} needs one value per lens coordinate ({d}), got {len(values)}")
    return [check(v) for v in values]


def _real(v, name):
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Real, np.floating)):
        raise TypeError(f"{name} must be a number, got {v!r}")
    return float(v)


def _int64(v, name):
    return as_int(v, name, low=-INT64_MAX, high=INT64_MAX)
