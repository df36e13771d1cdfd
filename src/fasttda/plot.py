"""Figures: barcodes, persistence diagrams, Mapper graphs with their mean filters, orientation
histograms, and the seed's grids over layers and checkpoints.

Every function draws on the given ``ax`` or on a new Figure and returns the
Figure. matplotlib is imported inside the functions, so ``import fasttda``
does not import it; new figures are plain ``matplotlib.figure.Figure`` objects
rendered by Agg, never pyplot windows, so a study can draw thousands of them
without a display and without pyplot keeping them alive.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._graph import component_labels
from .interactive import mapper_html

__all__ = [
    "barcode",
    "diagram",
    "distance_matrix",
    "evolution",
    "evolution_grid",
    "layer_grid",
    "loop_filters",
    "mapper_graph",
    "mapper_html",
    "orientations",
    "save",
    "spring_layout",
]

DIM_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")  # H0, H1, H2, H3
THUMB_POINTS = 20.0  # side of a filter thumbnail, in points


def _figure(ax, figsize):
    """(figure, axes): the given axes, or a new Agg figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def new_figure(figsize):
    """A matplotlib Figure with constrained layout, drawn without pyplot (no global state)."""
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def _diagrams(dgms) -> list[np.ndarray]:
    """ripser.py's ``{'dgms': [...]}`` or a list of (m, 2) arrays, checked, as float arrays."""
    if isinstance(dgms, dict):
        if "dgms" not in dgms:
            raise ValueError("a barcode dict must hold the diagrams under 'dgms', as ripser.py returns them")
        dgms = dgms["dgms"]
    if hasattr(dgms, "barcodes"):  # an Analysis
        dgms = dgms.barcodes["dgms"]
    if isinstance(dgms, np.ndarray) and dgms.ndim == 2:
        dgms = [dgms]
    out = []
    for d, dgm in enumerate(dgms):
        arr = np.asarray(dgm, dtype=np.float64)
        if arr.size == 0:
            arr = arr.reshape(0, 2)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ValueError(f"diagram H{d} must be an (m, 2) array of (birth, death), got shape {arr.shape}")
        if np.isnan(arr).any():
            raise ValueError(f"diagram H{d} contains NaN")
        out.append(arr)
    return out


def _dims(dgms, dims) -> list[int]:
    if dims is None:
        return list(range(len(dgms)))
    dims = [int(d) for d in np.atleast_1d(dims)]
    bad = [d for d in dims if not 0 <= d < len(dgms)]
    if bad:
        raise ValueError(f"no diagram for dimension(s) {bad}: there are {len(dgms)} (H0..H{len(dgms) - 1})")
    return dims


def _right_edge(dgms, dims) -> float:
    """Where infinite bars end: a little beyond the largest finite value shown."""
    vals = [d[np.isfinite(d)] for d in (dgms[i] for i in dims) if len(d)]
    vals = np.concatenate(vals) if vals else np.empty(0)
    top = float(vals.max()) if len(vals) else 0.0
    return top * 1.1 if top > 0 else 1.0


def barcode(dgms, *, ax=None, dims=None, title=None, max_bars: int | None = None, xmax: float | None = None):
    """Persistence barcodes, one stacked group per homology dimension, longest bar on top.

    ``dgms``: ripser.py's ``{'dgms': [H0, H1, ...]}`` or the list itself
    (``inf`` deaths for essential classes). Infinite bars run to the right edge
    and end in a ▶ marker. ``dims`` picks the dimensions (default: all);
    ``max_bars`` keeps the longest bars of each dimension and notes how many
    shorter ones were left out (default: all bars). ``xmax`` fixes the right
    edge, where infinite bars end (default: a little beyond the largest finite
    value), so that barcodes side by side share one scale.

    Parameters
    ----------
    dgms : dict or list of (m, 2) arrays
    ax : matplotlib Axes, optional
        Draw into it (default: a new figure).
    dims : list of int, optional
    title : str, optional
    max_bars : int, optional
    xmax : float, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np, fasttda
    >>> X = np.random.default_rng(0).normal(size=(100, 2))
    >>> fig = fasttda.plot.barcode(fasttda.rips(X), max_bars=20)
    """
    dgms = _diagrams(dgms)
    dims = _dims(dgms, dims)
    shown = [len(dgms[d]) if max_bars is None else min(len(dgms[d]), int(max_bars)) for d in dims]
    fig, ax = _figure(ax, (6, min(1.0 + sum(0.5 + 0.012 * min(s, 200) for s in shown), 9.0)))
    edge = _right_edge(dgms, dims) if xmax is None else float(xmax)
    y, ticks, labels = 0.0, [], []
    for d, m in zip(dims, shown):
        dgm = dgms[d]
        colour = DIM_COLOURS[d % len(DIM_COLOURS)]
        births, deaths = dgm[:, 0], dgm[:, 1]
        infinite = ~np.isfinite(deaths)
        ends = np.where(infinite, edge, deaths)
        order = np.lexsort((births, -(ends - births)))[:m]  # longest first, essential ones on top
        rows = y - np.arange(m)
        if m:
            # An edge stroke keeps bars visible when hundreds share a few centimetres.
            bars = ax.barh(
                rows,
                (ends - births)[order],
                left=births[order],
                height=0.8,
                color=colour,
                edgecolor=colour,
                linewidth=0.4,
                label=f"H{d}",
            )
            for bar in bars:
                bar.set_gid(f"H{d}")
            n_inf = int(infinite[order].sum())
            if n_inf:
                ax.plot(
                    np.full(n_inf, edge),
                    rows[:n_inf],
                    linestyle="none",
                    marker=">",
                    color=colour,
                    markersize=7,
                    clip_on=False,
                    gid=f"H{d}-infinite",
                )
        if m < len(dgm):
            ax.text(
                edge,
                y - m + 1,
                f"+{len(dgm) - m} shorter H{d} bars not shown",
                ha="right",
                va="top",
                fontsize=7,
                color="0.4",
            )
        elif not m:
            ax.text(0.0, y, "  no bars", va="center", fontsize=8, color="0.4")
        height = max(m, 1)
        gap = max(1.0, 0.15 * height)
        ticks.append(y - (height - 1) / 2)
        labels.append(f"H{d}")
        y -= height + gap
        if d != dims[-1]:
            ax.axhline(y + gap / 2 + 0.5, color="0.85", linewidth=0.8)
    ax.set_yticks(ticks, labels)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(y + 0.5, 1.0)
    ax.set_xlim(min([0.0, *(float(dgms[d][:, 0].min()) for d in dims if len(dgms[d]))]), edge * 1.04)
    ax.set_xlabel("filtration value (distance)")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if title is not None:
        ax.set_title(title)
    return fig


def diagram(dgms, *, ax=None, dims=None, title=None):
    """Persistence diagram: birth against death, one colour per dimension, essential classes on a ∞ line.

    Parameters
    ----------
    dgms : dict or list of (m, 2) arrays
        ripser.py's ``{'dgms': [H0, H1, ...]}`` or the list itself.
    ax : matplotlib Axes, optional
    dims : list of int, optional
        The dimensions to draw (default: all).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np, fasttda
    >>> fig = fasttda.plot.diagram(fasttda.rips(np.random.default_rng(0).normal(size=(100, 2))))
    """
    dgms = _diagrams(dgms)
    dims = _dims(dgms, dims)
    fig, ax = _figure(ax, (4.2, 4.2))
    top = _right_edge(dgms, dims)  # the ∞ line, a little above every finite death
    lo = min(0.0, *(float(dgms[d][:, 0].min()) for d in dims if len(dgms[d])))
    ax.plot([lo, top], [lo, top], color="0.6", linewidth=0.8, zorder=1)
    any_infinite = False
    for d in dims:
        dgm, colour = dgms[d], DIM_COLOURS[d % len(DIM_COLOURS)]
        infinite = ~np.isfinite(dgm[:, 1])
        ax.scatter(
            dgm[~infinite, 0], dgm[~infinite, 1], s=14, color=colour, alpha=0.8, label=f"H{d}", zorder=3, gid=f"H{d}"
        )
        if infinite.any():
            any_infinite = True
            ax.scatter(
                dgm[infinite, 0],
                np.full(int(infinite.sum()), top),
                s=40,
                marker="^",
                color=colour,
                edgecolor="k",
                linewidth=0.5,
                zorder=4,
                clip_on=False,
                gid=f"H{d}-infinite",
            )
    if any_infinite:
        ax.axhline(top, color="0.6", linestyle="--", linewidth=0.8, zorder=1)
        ticks = [t for t in ax.get_yticks() if lo <= t < top * 0.95]
        ax.set_yticks(ticks + [top], [f"{t:g}" for t in ticks] + ["∞"])
    pad = 0.03 * (top - lo)
    ax.set_xlim(lo - pad, top + pad)
    ax.set_ylim(lo - pad, top + pad)
    ax.set_aspect("equal")
    ax.set_xlabel("birth")
    ax.set_ylabel("death")
    ax.legend(loc="lower right", fontsize=8)
    if title is not None:
        ax.set_title(title)
    return fig


# ---- Mapper graphs -------------------------------------------------------------------------------


def spring_layout(n: int, edges, *, init=None, seed: int = 0, iterations: int = 150) -> np.ndarray:
    """(n, 2) node positions in about the unit square: Fruchterman–Reingold, deterministic for a seed.

    Each connected component is laid out on its own (from ``init`` when
    given, e.g. the node means of a 2-D lens) and the components are packed
    in rows, largest first, with areas proportional to their node counts,
    so small pieces do not push the main graph into a corner.

    Parameters
    ----------
    n : int
        Nodes.
    edges : array of shape (m, 2)
    init : array of shape (n, 2), optional
        Starting positions.
    seed : int
    iterations : int

    Returns
    -------
    ndarray of shape (n, 2)

    Examples
    --------
    >>> from fasttda.plot import spring_layout
    >>> spring_layout(4, [(0, 1), (1, 2), (2, 3), (3, 0)], seed=1).shape
    (4, 2)
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if n == 0:
        return np.empty((0, 2))
    rng = np.random.default_rng(seed)
    start = rng.uniform(-1, 1, (n, 2)) if init is None else np.asarray(init, dtype=np.float64)[:, :2].copy()
    label = component_labels(n, edges)
    comps = sorted((np.flatnonzero(label == c) for c in range(label.max() + 1)), key=lambda c: (-len(c), c[0]))
    pos = np.zeros((n, 2))
    boxes = []
    for nodes in comps:
        local = {int(v): i for i, v in enumerate(nodes)}
        sub = np.array([[local[a], local[b]] for a, b in edges.tolist() if a in local], dtype=np.int64)
        p = _fruchterman_reingold(start[nodes], sub.reshape(-1, 2), rng, iterations)
        side = np.sqrt(len(nodes))
        span = np.ptp(p, axis=0).max() if len(nodes) > 1 else 1.0
        pos[nodes] = (p - p.min(axis=0)) / (span or 1.0) * side * (0.75 if len(nodes) > 1 else 0.0)
        boxes.append((nodes, side))
    # Shelf packing, rows as wide as the largest component or the square root of the total area.
    width = max(boxes[0][1], np.sqrt(sum(s * s for _, s in boxes)) * 1.1)
    x = y = row_h = 0.0
    for nodes, side in boxes:
        if x > 0 and x + side > width + 1e-9:
            x, y, row_h = 0.0, y - row_h, 0.0
        pos[nodes] += [x, y - side]
        x, row_h = x + side, max(row_h, side)
    pos -= pos.min(axis=0)
    return pos / (np.ptp(pos, axis=0).max() or 1.0)


def _fruchterman_reingold(pos, edges, rng, iterations):
    n = len(pos)
    if n == 1:
        return np.zeros((1, 2))
    pos = pos - pos.mean(axis=0)
    pos = pos / (np.abs(pos).max() or 1.0) + 1e-3 * rng.standard_normal(pos.shape)  # split coincident nodes
    k = 1.0 / np.sqrt(n)  # ideal edge length in a unit-sized box
    step = 0.1
    a, b = edges[:, 0], edges[:, 1]
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=-1), 1e-3)
        disp = (delta * (k * k / dist**2)[..., None]).sum(axis=1)  # repulsion k²/d along delta/d
        if len(edges):
            pull = (pos[a] - pos[b]) * (np.linalg.norm(pos[a] - pos[b], axis=1) / k)[:, None]  # d²/k
            np.add.at(disp, a, -pull)
            np.add.at(disp, b, pull)
        disp -= 0.05 * pos / k  # a weak pull to the centre keeps loose ends close
        length = np.maximum(np.linalg.norm(disp, axis=1), 1e-9)
        pos = pos + disp / length[:, None] * np.minimum(length, step)[:, None]
        step *= 0.97
    return pos


def _node_colours(graph, color):
    """(values or None, label) for the node colours."""
    if color is None:
        return None, None
    if isinstance(color, str):
        if color == "density" and color not in graph.node_values:  # the default, on a graph made without it
            return graph.size.astype(np.float64), "members"
        if color not in graph.node_values:
            known = ", ".join(map(repr, graph.node_values)) or "none"
            raise ValueError(f"the graph has no node attribute {color!r}: it has {known}")
        values = np.asarray(graph.node_values[color], dtype=np.float64)
        label = "codensity (low = dense)" if color == "density" else color
    else:
        values, label = np.asarray(color, dtype=np.float64), None
    if values.ndim != 1 or len(values) != graph.n_nodes:
        raise ValueError(f"node colours must be one number per node ({graph.n_nodes}), got shape {values.shape}")
    return values, label


def _pick_spread(pos, size, m) -> np.ndarray:
    """Up to m nodes spread over the drawing: the largest first, then farthest-first, ties to larger nodes."""
    m = min(m, len(pos))
    if m <= 0:
        return np.empty(0, dtype=np.int64)
    chosen = [int(np.argmax(size))]
    gap = np.linalg.norm(pos - pos[chosen[0]], axis=1)
    weight = (size / size.max()) ** 0.25  # prefer larger nodes among ones about as far
    for _ in range(m - 1):
        v = int(np.argmax(gap * weight))
        chosen.append(v)
        gap = np.minimum(gap, np.linalg.norm(pos - pos[v], axis=1))
    return np.array(chosen)


def _thumbnail(ax, patch, xy, offset, edgecolor, zoom):
    from matplotlib.colors import Normalize
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    lim = float(np.abs(patch).max()) or 1.0
    image = OffsetImage(patch, zoom=zoom, cmap="gray", norm=Normalize(-lim, lim), interpolation="nearest")
    box = AnnotationBbox(
        image,
        xy,
        xybox=offset,
        boxcoords="offset points",
        pad=0.0,
        frameon=True,
        bboxprops={"edgecolor": edgecolor, "linewidth": 1.2},
        arrowprops={"arrowstyle": "-", "color": "0.45", "linewidth": 0.6, "shrinkA": 0, "shrinkB": 0, "patchA": None},
    )  # runs under the image: no clipping
    box.set_gid("filter")
    box.set_in_layout(False)  # thumbnails stay inside the margins; measuring each slows layout down
    box.set_zorder(5)
    ax.add_artist(box)
    return box


def mapper_graph(
    graph,
    *,
    node_filters=None,
    color="density",
    ax=None,
    max_filters: int = 40,
    layout="spring",
    seed: int = 0,
    cmap=None,
    colorbar: bool = True,
    title=None,
    thumb_size: float = THUMB_POINTS,
):
    """The Mapper graph with its mean filters, as in Carlsson and Gabrielsson's figures.

    ``graph``: a MapperGraph, or an Analysis (its graph and ``node_filters``).
    Nodes are coloured by ``color`` (a key of ``graph.node_values``, default
    the codensity, low = dense, or the member count when the graph has no
    density; an array with one number per node; or None),
    their area grows with their member count, and edges are lines. Up to
    ``max_filters`` nodes, the largest and then those farthest from the ones
    already shown, get their mean 3×3 filter as a grey thumbnail (mid-grey =
    0) framed in the node's colour. ``layout``: ``"spring"`` (our own
    deterministic force layout, started from the node means of the lens),
    ``"lens"`` (the first two lens coordinates as they are), ``"networkx"``
    (networkx's spring layout, if installed) or an (n_nodes, 2) array.

    Parameters
    ----------
    graph : MapperGraph or Analysis
    node_filters : array of shape (n_nodes, k, k), optional
    color : str, array or None
    ax : matplotlib Axes, optional
    max_filters : int
    layout : str or array
    seed : int
        Of the spring layout.
    cmap : matplotlib colormap, optional
    colorbar : bool
    title : str, optional
    thumb_size : float
        Side of a filter thumbnail, in points.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import fasttda
    >>> a = fasttda.analyze(fasttda.datasets.filter_like(3000), n_landmarks=60, n_null=0)
    >>> fig = fasttda.plot.mapper_graph(a, max_filters=10)
    """
    if hasattr(graph, "graph") and hasattr(graph, "node_filters"):  # an Analysis
        node_filters = graph.node_filters if node_filters is None else node_filters
        graph = graph.graph
    fig, ax = _figure(ax, (7, 6))
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title)
    n = graph.n_nodes
    if n == 0:
        ax.text(
            0.5, 0.5, "empty Mapper graph\n(no node)", ha="center", va="center", color="0.4", transform=ax.transAxes
        )
        return fig
    values, label = _node_colours(graph, color)
    filters = None
    if node_filters is not None:
        filters = np.asarray(node_filters, dtype=np.float64)
        if len(filters) != n or filters.ndim != 3:
            raise ValueError(f"node_filters must be ({n}, k, k), one filter per node, got shape {filters.shape}")
    pos = node_positions(graph, layout, seed)
    size = graph.size.astype(np.float64)

    from matplotlib.collections import LineCollection

    if graph.n_edges:
        width = 0.5 + 2.0 * np.sqrt(graph.edge_weights / max(graph.edge_weights.max(), 1))
        lines = LineCollection(pos[graph.edges], colors="0.55", linewidths=width, zorder=1)
        lines.set_gid("edges")
        ax.add_collection(lines)
    area = (20 + 280 * size / size.max()) * (thumb_size / THUMB_POINTS)  # points² ∝ members; smaller in grids
    if values is None:
        nodes = ax.scatter(pos[:, 0], pos[:, 1], s=area, color="#4c72b0", edgecolor="k", linewidth=0.4, zorder=2)
    else:
        cmap = cmap or ("viridis_r" if isinstance(color, str) and color == "density" else "viridis")
        nodes = ax.scatter(pos[:, 0], pos[:, 1], s=area, c=values, cmap=cmap, edgecolor="k", linewidth=0.4, zorder=2)
        if colorbar:
            bar = fig.colorbar(nodes, ax=ax, shrink=0.6, pad=0.02, aspect=30)
            if label:
                bar.set_label(label)
    nodes.set_gid("nodes")
    pad = 0.12 if filters is not None else 0.05
    ax.set_xlim(-pad, pos[:, 0].max() + pad)
    ax.set_ylim(-pad, pos[:, 1].max() + pad)
    ax.set_aspect("equal", adjustable="box")
    if filters is not None:
        _draw_filters(ax, nodes, pos, size, filters, values, max_filters, thumb_size)
    return fig


def _draw_filters(ax, nodes, pos, size, filters, values, max_filters, thumb_size):
    """Thumbnails of the mean filters of up to max_filters spread-out nodes, none overlapping another.

    Each goes next to its node, pushed away from the centre of the drawing
    when there is room and else in the first free direction around the node.
    """
    fig = ax.figure
    box = ax.get_position()
    scale = min(box.width * fig.get_figwidth(), box.height * fig.get_figheight()) * 72  # points per unit
    pts = pos * scale
    centre = pts.mean(axis=0)
    zoom = thumb_size / filters.shape[1]
    colours = nodes.to_rgba(values) if values is not None else ["#4c72b0"] * len(pos)
    reach = thumb_size * 0.9 + 4
    placed = []  # thumbnail centres, in points
    for v in _pick_spread(pos, size, len(pos)):
        if len(placed) >= max_filters:
            break
        out = pts[v] - centre
        first = np.arctan2(out[1], out[0]) if np.linalg.norm(out) > 1e-9 else np.pi / 2
        for turn in (0, 1, -1, 2, -2, 3, -3, 4):
            angle = first + turn * np.pi / 4
            offset = reach * np.array([np.cos(angle), np.sin(angle)])
            spot = pts[v] + offset
            if all(np.abs(spot - q).max() > thumb_size + 3 for q in placed):
                placed.append(spot)
                _thumbnail(ax, filters[v], pos[v], tuple(offset), colours[v], zoom)
                break


def node_positions(graph, layout, seed) -> np.ndarray:
    """(n_nodes, 2) positions of a Mapper graph's nodes in the unit box: ``layout`` is ``"spring"``,
    ``"lens"``, ``"networkx"`` or an (n_nodes, 2) array."""
    n = graph.n_nodes
    if isinstance(layout, str):
        lens = graph.lens_mean
        init = lens if lens is not None and np.ndim(lens) == 2 and lens.shape[1] >= 2 else None
        if layout == "spring":
            return spring_layout(n, graph.edges, init=init, seed=seed)
        if layout == "lens":
            if lens is None:
                raise ValueError("the graph has no lens means to lay it out by")
            L = np.asarray(lens, dtype=np.float64).reshape(n, -1)
            L = np.hstack([L, np.zeros((n, 1))])[:, :2] if L.shape[1] == 1 else L[:, :2]
            return _unit_box(L)
        if layout == "networkx":
            import networkx as nx

            G = nx.Graph()
            G.add_nodes_from(range(n))
            G.add_edges_from(graph.edges.tolist())
            p = nx.spring_layout(G, seed=seed)
            return _unit_box(np.array([p[v] for v in range(n)]))
        raise ValueError(f"unknown layout {layout!r}: use 'spring', 'lens', 'networkx' or an (n_nodes, 2) array")
    p = np.asarray(layout, dtype=np.float64)
    if p.shape != (n, 2) or not np.isfinite(p).all():
        raise ValueError(f"a layout array must be ({n}, 2) finite positions, got shape {p.shape}")
    return _unit_box(p)


def _unit_box(p):
    p = p - p.min(axis=0)
    return p / (np.ptp(p, axis=0).max() or 1.0)


# ---- orientations ----------------------------------------------------------------------------------


def orientations(analysis_or_angles, *, ax=None, bins: int = 16, title=None):
    """Histogram of the angles θ on the primary circle, with the axis directions marked.

    θ = 0° and 180° are vertical edges (the e1 gradient and its negative),
    90° and 270° horizontal ones; the shaded sectors lie within 22.5° of
    those, the ones ``orientation_histogram`` counts against the diagonals,
    and the dashed line is the uniform level. Takes an Analysis (its core's
    ``circle_theta``) or an array of angles in radians.

    Parameters
    ----------
    analysis_or_angles : Analysis or array of shape (n,)
    ax : matplotlib Axes, optional
    bins : int
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np, fasttda
    >>> fig = fasttda.plot.orientations(np.random.default_rng(0).uniform(0, 2 * np.pi, 500))
    """
    from . import models

    theta = getattr(analysis_or_angles, "circle_theta", analysis_or_angles)
    theta = np.asarray(theta, dtype=np.float64).ravel()
    if not np.isfinite(theta).all():
        raise ValueError("the angles contain NaN or infinite values")
    hist = models.orientation_histogram(theta, bins=int(bins))
    fig, ax = _figure(ax, (6.5, 3.4))
    deg = np.degrees(hist["edges"])
    for centre in (0, 90, 180, 270, 360):
        ax.axvspan(max(centre - 22.5, 0), min(centre + 22.5, 360), color="#fdd9a0", alpha=0.6, zorder=0, linewidth=0)
    ax.bar(
        deg[:-1],
        hist["counts"],
        width=np.diff(deg),
        align="edge",
        color="#4c72b0",
        edgecolor="white",
        linewidth=0.6,
        zorder=2,
    )
    if len(theta):
        ax.axhline(
            len(theta) / len(hist["counts"]), color="0.3", linestyle="--", linewidth=0.9, zorder=3, label="uniform"
        )
    ax.set_xlim(0, 360)
    ax.set_xticks(
        [0, 45, 90, 135, 180, 225, 270, 315, 360],
        [
            "0°\nvertical",
            "45°",
            "90°\nhorizontal",
            "135°",
            "180°\nvertical",
            "225°",
            "270°\nhorizontal",
            "315°",
            "360°",
        ],
    )
    ax.set_ylabel("points of the core")
    ax.set_xlabel("angle θ on the primary circle (edge direction)")
    ratio = hist["axis_ratio"]
    ax.set_title(
        title
        if title is not None
        else f"edge orientations: horizontal/vertical {ratio:.1f}x as frequent as diagonal (1.0 = uniform)",
        fontsize=10,
        pad=24,
    )
    # The edge each marked angle stands for, drawn above the axes.
    from matplotlib.colors import Normalize
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    from .filters import dct_patches

    for angle in (0, 45, 90, 135, 180, 225, 270, 315):
        t = np.radians(angle)
        patch = dct_patches(np.r_[np.cos(t), np.sin(t), np.zeros(6)][None], "L2")[0]
        lim = np.abs(patch).max()
        img = OffsetImage(patch, zoom=16 / 3, cmap="gray", norm=Normalize(-lim, lim), interpolation="nearest")
        box = AnnotationBbox(
            img,
            (angle, 1.0),
            xycoords=("data", "axes fraction"),
            box_alignment=(0.5, -0.15),
            pad=0.0,
            frameon=True,
            bboxprops={"edgecolor": "0.5", "linewidth": 0.6},
        )
        box.set_zorder(4)
        box.set_gid("edge-key")
        ax.add_artist(box)
    if len(theta):
        ax.legend(loc="lower right", fontsize=8)
    return fig


# ---- grids ------------------------------------------------------------------------------------------


def order_key(x):
    """Sort None first, then numbers by value, then anything else by its text."""
    if x is None:
        return (0, 0.0, "")
    if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool):
        return (1, float(x), "")
    return (2, 0.0, str(x))


def _cell_name(prefix, key):
    return "" if key is None else f"{prefix} {key}"


def evolution_grid(
    analyses: dict,
    *,
    layers=None,
    checkpoints=None,
    max_filters: int = 12,
    barcode_dim: int = 1,
    max_bars: int | None = 40,
    checkpoint_label: str = "iteration",
    cell_size=(3.2, 3.6),
    title=None,
):
    """The seed's Figure 5: rows are layers, columns checkpoints; each cell a Mapper graph with its
    H1 barcode (the ``max_bars`` longest bars) below. ``analyses`` maps (layer, checkpoint) to an
    Analysis; cells without one are left blank with a note. ``layers`` / ``checkpoints`` fix the
    order (default: sorted; a None checkpoint first).

    Parameters
    ----------
    analyses : dict
        {(layer, checkpoint): Analysis}.
    layers, checkpoints : list, optional
    max_filters : int
        Mean filters drawn per graph.
    barcode_dim : int
    max_bars : int, optional
    checkpoint_label : str
    cell_size : (float, float)
        Inches per cell.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import fasttda
    >>> from fasttda.study import load_study
    >>> study = load_study("runs/mnist")  # doctest: +SKIP
    >>> cells = {(l, c): study.analyze(l, c) for l in study.layers for c in study.checkpoints}  # doctest: +SKIP
    >>> fig = fasttda.plot.evolution_grid(cells)  # doctest: +SKIP
    """
    analyses = dict(analyses)
    for key in analyses:
        if not (isinstance(key, tuple) and len(key) == 2):
            raise ValueError(f"evolution_grid needs (layer, checkpoint) keys, got {key!r}")
    layers = sorted({k[0] for k in analyses}, key=order_key) if layers is None else list(layers)
    checkpoints = sorted({k[1] for k in analyses}, key=order_key) if checkpoints is None else list(checkpoints)
    rows, cols = max(len(layers), 1), max(len(checkpoints), 1)
    shown = [a for a in analyses.values() if a is not None and barcode_dim < len(a.barcodes["dgms"])]
    # One scale for every barcode, so bar lengths compare across cells.
    xmax = max((_right_edge(_diagrams(a.barcodes), [barcode_dim]) for a in shown), default=None)
    fig = new_figure((cell_size[0] * cols + 0.6, cell_size[1] * rows + (0.5 if title else 0.2)))
    outer = fig.add_gridspec(rows, cols)
    for i, layer in enumerate(layers):
        for j, ckpt in enumerate(checkpoints):
            inner = outer[i, j].subgridspec(2, 1, height_ratios=[3, 1], hspace=0.02)
            gax, bax = fig.add_subplot(inner[0]), fig.add_subplot(inner[1])
            a = analyses.get((layer, ckpt))
            head = ", ".join(s for s in (_cell_name("layer", layer), _cell_name(checkpoint_label, ckpt)) if s)
            if a is None:
                for axis in (gax, bax):
                    axis.set_axis_off()
                gax.text(
                    0.5, 0.5, f"{head}\nnot analysed", ha="center", va="center", color="0.5", transform=gax.transAxes
                )
                gax.set_gid(f"missing-{i}-{j}")
                bax.set_gid(f"missing-barcode-{i}-{j}")
                continue
            mapper_graph(a, ax=gax, max_filters=max_filters, colorbar=False, thumb_size=12)
            gax.set_title(f"{head}\n{a.verdict}", fontsize=8)
            gax.set_gid(f"graph-{i}-{j}")
            dims = [barcode_dim] if barcode_dim < len(a.barcodes["dgms"]) else None
            barcode(a.barcodes, ax=bax, dims=dims, max_bars=max_bars, xmax=xmax if dims else None)
            bax.set_xlabel("")
            bax.tick_params(labelsize=6)
            bax.set_gid(f"barcode-{i}-{j}")
    if title is not None:
        fig.suptitle(title)
    return fig


def layer_grid(
    analyses: dict, *, layers=None, ncols: int | None = None, max_filters: int = 20, cell_size=(4.0, 3.8), title=None
):
    """The seed's Figure 6: one Mapper graph with mean filters per conv layer.

    Parameters
    ----------
    analyses : dict
        {layer: Analysis}.
    layers : list, optional
        Their order (default: sorted).
    ncols : int, optional
    max_filters : int
    cell_size : (float, float)
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import fasttda
    >>> result = fasttda.analyze_layers(fasttda.load_weights("vgg16.pt"))  # doctest: +SKIP
    >>> fig = fasttda.plot.layer_grid(dict(result))  # doctest: +SKIP
    """
    layers = sorted(analyses, key=order_key) if layers is None else list(layers)
    n = max(len(layers), 1)
    ncols = min(n, 3) if ncols is None else max(int(ncols), 1)
    nrows = -(-n // ncols)
    fig = new_figure((cell_size[0] * ncols, cell_size[1] * nrows + (0.5 if title else 0.0)))
    for i, layer in enumerate(layers):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        a = analyses.get(layer)
        ax.set_gid(f"layer-{i}")
        if a is None:
            ax.set_axis_off()
            ax.text(
                0.5, 0.5, f"layer {layer}\nnot analysed", ha="center", va="center", color="0.5", transform=ax.transAxes
            )
            continue
        mapper_graph(a, ax=ax, max_filters=max_filters, colorbar=True, thumb_size=14)
        ax.set_title(f"layer {layer}: {a.verdict}", fontsize=10)
    if title is not None:
        fig.suptitle(title)
    return fig


def save(fig, path_stem, *, dpi: int = 150) -> tuple[Path, Path]:
    """Write ``path_stem.png`` and ``path_stem.svg`` (making parent folders); return both paths.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path_stem : str or Path
        The path without its suffix.
    dpi : int
        Of the PNG.

    Returns
    -------
    (Path, Path)
        The PNG and the SVG.

    Examples
    --------
    >>> import numpy as np, fasttda
    >>> fig = fasttda.plot.diagram(fasttda.rips(np.random.default_rng(0).normal(size=(50, 2))))
    >>> png, svg = fasttda.plot.save(fig, "figures/diagram")  # doctest: +SKIP
    """
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = Path(f"{stem}.png"), Path(f"{stem}.svg")
    fig.savefig(png, dpi=dpi)
    fig.savefig(svg)
    return png, svg


def evolution(rows, *, ax=None, layers=None, title=None, checkpoint_label: str = "iteration"):
    """Each layer's top H1 persistence against the checkpoint, beside the seed's Figure 5 grid.

    ``rows`` are ``Study.evolution``'s dicts (layer, checkpoint, top_h1, null_h1_mean, null_h1_std,
    null_cut, halves_top_h1). Per layer: the pooled analysis as a line with markers, the range over
    random halves of the networks as a shaded band, and the untrained filters' top bar (null mean)
    dashed with the cut a bar must pass to count dotted.

    Parameters
    ----------
    rows : list of dict
    ax : matplotlib Axes, optional
    layers : list, optional
    title : str, optional
    checkpoint_label : str

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import fasttda
    >>> from fasttda.study import load_study
    >>> fig = fasttda.plot.evolution(load_study("runs/mnist").evolution())  # doctest: +SKIP
    """
    fig, ax = _figure(ax, (6.0, 3.6))
    layers = sorted({r["layer"] for r in rows}, key=order_key) if layers is None else list(layers)
    for i, layer in enumerate(layers):
        mine = sorted((r for r in rows if r["layer"] == layer), key=lambda r: r["checkpoint"])
        if not mine:
            continue
        colour = f"C{i % 10}"
        x = np.array([r["checkpoint"] for r in mine], dtype=float)
        ax.plot(x, [r["top_h1"] for r in mine], "o-", color=colour, label=f"layer {layer}", gid=f"top-{layer}")
        spread = [r.get("halves_top_h1") or [r["top_h1"]] for r in mine]
        ax.fill_between(
            x,
            [min(s) for s in spread],
            [max(s) for s in spread],
            color=colour,
            alpha=0.2,
            linewidth=0,
            gid=f"halves-{layer}",
        )
        if all(r.get("null_h1_mean") is not None for r in mine):
            ax.plot(
                x,
                [r["null_h1_mean"] for r in mine],
                "--",
                color=colour,
                alpha=0.8,
                linewidth=1,
                label=f"layer {layer}, untrained",
                gid=f"null-{layer}",
            )
            ax.plot(x, [r["null_cut"] for r in mine], ":", color=colour, alpha=0.8, linewidth=1, gid=f"cut-{layer}")
    ax.set_xlabel(checkpoint_label)
    ax.set_ylabel("top H1 persistence")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7, frameon=False)
    if title is not None:
        ax.set_title(title)
    return fig


def distance_matrix(matrix, labels=None, *, ax=None, title=None, label: str = "distance"):
    """A heatmap of a square distance matrix (``Study.compare``'s, say), rows and columns labelled, with a
    colour bar; infinite entries are left blank.

    Parameters
    ----------
    matrix : array_like, shape (n, n)
        The distances (a `DistanceMatrix` may be passed here, its labels and title then used).
    labels : sequence of str, length n
        The names of the rows (and columns); optional only for a `DistanceMatrix`.
    ax : matplotlib Axes, optional
        Draw into it; by default a new Figure is made.
    title : str, optional
    label : str, default "distance"
        The colour bar's label.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If the matrix is not square, has NaN or negative entries, or the labels do not match it.

    Examples
    --------
    >>> import fasttda
    >>> fig = fasttda.plot.distance_matrix([[0, 1], [1, 0]], ["it 0", "it 10"])
    """
    if hasattr(matrix, "matrix") and hasattr(matrix, "labels"):
        labels = matrix.labels if labels is None else labels
        title = matrix.title if title is None else title
        matrix = matrix.matrix
    M = np.asarray(matrix, dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] == 0:
        raise ValueError(f"matrix must be a non-empty square array, got shape {M.shape}")
    if np.isnan(M).any() or (M < 0).any():
        raise ValueError("matrix must hold distances: no NaN, none negative")
    if labels is None:
        raise ValueError("labels are needed: one name per row of the matrix")
    labels = [str(s) for s in labels]
    if len(labels) != len(M):
        raise ValueError(f"labels has {len(labels)} names for a {len(M)} x {len(M)} matrix")
    n = len(M)
    fig, ax = _figure(ax, (1.2 + 0.5 * n, 0.8 + 0.5 * n))
    image = ax.imshow(np.ma.masked_invalid(M), cmap="viridis", vmin=0, interpolation="nearest")
    ax.set_xticks(range(n), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(n), labels, fontsize=8)
    fig.colorbar(image, ax=ax, label=label)
    if title is not None:
        ax.set_title(title, fontsize=9)
    return fig


# ---- the loop's filters -----------------------------------------------------------------------------


def loop_filters(
    analysis, *, ax=None, max_filters: int = 20, labels: bool = True, title=None, thumb_size: float = 26.0
):
    """The filters on a representative loop of the longest H1 bar, each at its circular coordinate.

    The seed labels parts of the model with the mean of the weight matrices;
    here the labels are exact: the loop's own filters (``Analysis.loop``), placed
    round a ring at their angle (``Analysis.circular``), so the ring reads as the
    circle the layer learned. Up to ``max_filters`` of them, spread evenly round
    the ring, get a thumbnail (mid-grey = 0), with their source (network, output
    channel, input channel) beside it when ``labels``. The title gives the
    circular coordinate's correlation with the primary circle's angle.

    Parameters
    ----------
    analysis : Analysis
        A result of ``fasttda.analyze``; without a loop (no long H1 bar) the
        figure says so.
    ax : matplotlib Axes, optional
        Draw into it; by default a new Figure is made.
    max_filters : int, default 20
        The most thumbnails drawn: every filter of a shorter loop, else the
        loop's filters nearest that many evenly spaced angles.
    labels : bool, default True
        Write each drawn filter's source ("net/out/in") beside it.
    title : str, optional
        Replaces the default title.
    thumb_size : float, default 26
        Side of a thumbnail, in points.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If ``analysis`` is not an Analysis.
    ValueError
        If ``max_filters`` is below 1.

    Examples
    --------
    >>> a = fasttda.analyze(weights)  # doctest: +SKIP
    >>> fig = fasttda.plot.loop_filters(a)  # doctest: +SKIP
    """
    if not hasattr(analysis, "loop") or not hasattr(analysis, "circle_correlation"):
        raise TypeError(f"loop_filters draws an Analysis, got {type(analysis).__name__}")
    if isinstance(max_filters, bool) or not isinstance(max_filters, (int, np.integer)) or max_filters < 1:
        raise ValueError(f"max_filters must be a positive integer, got {max_filters!r}")
    fig, ax = _figure(ax, (6.2, 6.2))
    ax.set_axis_off()
    loop = analysis.loop
    if loop is None:
        ax.text(
            0.5, 0.5, "no long H1 bar:\nno loop to draw", ha="center", va="center", color="0.4", transform=ax.transAxes
        )
        if title is not None:
            ax.set_title(title)
        return fig
    angle = np.asarray(loop["angle"], dtype=np.float64)
    filters = np.asarray(loop["filters"], dtype=np.float64)
    m = len(angle)
    ring = np.linspace(0, 2 * np.pi, 361)
    ax.plot(np.cos(ring), np.sin(ring), color="0.75", linewidth=1.0, zorder=1, gid="ring")
    # The loop itself, vertex by vertex at its circular coordinate.
    xy = np.column_stack([np.cos(angle), np.sin(angle)])
    ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=14,
        c=angle,
        cmap="twilight",
        vmin=0,
        vmax=2 * np.pi,
        edgecolor="k",
        linewidth=0.3,
        zorder=3,
        gid="loop",
    )
    # The vertex nearest each of max_filters evenly spaced angles: spread round the ring, none on another.
    if m <= max_filters:
        shown = np.arange(m)
    else:
        targets = np.linspace(0, 2 * np.pi, int(max_filters), endpoint=False) + angle.min()
        gap = np.abs(np.angle(np.exp(1j * (angle[None, :] - targets[:, None]))))
        shown = np.unique(np.argmin(gap, axis=1))
    zoom = thumb_size / filters.shape[1]
    reach = thumb_size * 1.1
    source = loop.get("source")
    for i in shown:
        offset = (reach * np.cos(angle[i]), reach * np.sin(angle[i]))
        _thumbnail(ax, filters[i], tuple(xy[i]), offset, "0.3", zoom)
        if labels and source is not None:
            net, out, inp = (int(v) for v in source[i])
            ax.annotate(
                f"{net}/{out}/{inp}",
                tuple(xy[i]),
                xytext=(2.05 * offset[0], 2.05 * offset[1]),
                textcoords="offset points",
                ha="center",
                va="center",
                fontsize=6,
                color="0.3",
                gid="source",
            )
    lim = 1.0 + 3.4 * (reach + thumb_size) / (72 * min(fig.get_figwidth(), fig.get_figheight()))
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    if title is None:
        rho = analysis.circle_correlation
        title = (
            f"the loop's {m} filters at their circular coordinate"
            + (f"\ncorrelation with the primary circle's angle {rho:.2f}" if rho is not None else "")
            + ("\nlabels: network/output channel/input channel" if labels and source is not None else "")
        )
    ax.set_title(title, fontsize=9)
    return fig
