"""The interactive Mapper page: one self-contained, offline HTML file to explore a Mapper graph.

``mapper_html`` lays the graph out in Python (``plot.spring_layout``, the same
picture as ``plot.mapper_graph`` for the same seed) and writes a page of plain
JavaScript and SVG, with no library and no network request: pan and zoom,
nodes sized by members and coloured by a value picked from a menu, a node's
mean filter, member count and source networks on hover or click, a selection
exported as JSON, and SVG/PNG export of the drawing for papers.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np

from ._checks import as_array

__all__ = ["mapper_html"]

WIDTH = 1000.0  # layout units across the drawing; node radii and edge widths are in the same units
MARGIN = 40.0
TOP_SOURCES = 6  # networks and channels listed per node


def _node_values(graph, extra: dict, reverse: set, labels: dict) -> dict:
    values = {}
    for name, v in graph.node_values.items():
        v = np.asarray(v, dtype=np.float64)
        if v.ndim == 1:
            values[name] = v
    if "density" in values:
        reverse.add("density")
        labels["density"] = "codensity (low = dense)"
    values["members"] = graph.size.astype(np.float64)
    if graph.lens_mean is not None:
        L = np.asarray(graph.lens_mean, dtype=np.float64).reshape(graph.n_nodes, -1)
        for j in range(L.shape[1]):
            values[f"lens {j + 1}"] = L[:, j]
    values.update(extra)
    return values


def _per_point(name, v, graph, analysis) -> np.ndarray:
    """A per-point array as one value per point of the graph: given per graph point, per point of
    the Analysis (indexed by its core), or per filter vector (indexed through its sample and core)."""
    v = as_array(v)
    if v.ndim != 1 or v.dtype.kind not in "fiub":
        raise ValueError(f"values[{name!r}] must be a 1-D array of numbers, got shape {v.shape}, dtype {v.dtype}")
    v = v.astype(np.float64)
    if len(v) == graph.n_points:
        return v
    if analysis is not None:
        if len(v) == len(analysis.points):
            return v[analysis.core]
        if analysis.filters is not None and len(v) == len(analysis.filters):
            rows = analysis.core if analysis.sampled is None else analysis.sampled[analysis.core]
            return v[rows]
    sizes = f"{graph.n_points} (graph points)"
    if analysis is not None:
        sizes += f", {len(analysis.points)} (analysed points)" + (
            "" if analysis.filters is None else f" or {len(analysis.filters)} (filter vectors)"
        )
    raise ValueError(f"values[{name!r}] has {len(v)} entries; it needs one per point: {sizes}")


def _sources(members, filter_of, source) -> dict:
    """The networks and (network, out, in) channels a node's members come from, most frequent first."""
    src = source[filter_of[members]]
    nets, counts = np.unique(src[:, 0], return_counts=True)
    order = np.argsort(-counts, kind="stable")[:TOP_SOURCES]
    chans, ccounts = np.unique(src, axis=0, return_counts=True)
    corder = np.argsort(-ccounts, kind="stable")[:TOP_SOURCES]
    return {
        "nets": [[int(nets[i]), int(counts[i])] for i in order],
        "n_nets": int(len(nets)),
        "chans": [[*map(int, chans[i]), int(ccounts[i])] for i in corder],
        "n_chans": int(len(chans)),
    }


def _script_json(data) -> str:
    """JSON that is safe inside a <script> element (no '<', '>' or '&' characters)."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _finite(v: np.ndarray) -> list:
    return [float(x) if np.isfinite(x) else None for x in np.asarray(v, dtype=np.float64)]


def page_data(
    result, *, color="density", seed: int = 0, node_filters=None, values: dict | None = None, title: str | None = None
) -> dict:
    """The data the page draws (positions in layout units, radii, colours, filters, members, sources)."""
    from .analysis import Analysis
    from .mapper import MapperGraph
    from .plot import node_positions

    analysis = result if isinstance(result, Analysis) else None
    if analysis is not None:
        graph = analysis.graph
        node_filters = analysis.node_filters if node_filters is None else node_filters
    elif isinstance(result, MapperGraph):
        graph = result
    else:
        raise TypeError(f"mapper_html takes an Analysis or a MapperGraph, not {type(result).__name__}")
    n = graph.n_nodes
    if node_filters is not None:
        node_filters = np.asarray(node_filters, dtype=np.float64)
        if node_filters.ndim != 3 or len(node_filters) != n or node_filters.shape[1] != node_filters.shape[2]:
            raise ValueError(
                f"node_filters must be ({n}, k, k), one square filter per node, got shape {node_filters.shape}"
            )
        if not np.isfinite(node_filters).all():
            raise ValueError("node_filters contain NaN or infinite values")
    if values is not None and not isinstance(values, dict):
        raise TypeError(f"values must be a dict of name -> per-point array, not {type(values).__name__}")

    reverse, labels, extra = set(), {}, {}
    filter_of = source = None
    if analysis is not None:
        extra["distance to circle"] = graph.node_mean(analysis.circle_distance)
        labels["distance to circle"] = "distance to the primary circle model"
        if analysis.filters is not None:
            source = analysis.filters.source
            filter_of = analysis.core if analysis.sampled is None else analysis.sampled[analysis.core]
            net = source[filter_of, 0].astype(np.float64)
            if analysis.filters.networks > 1 and n:
                extra["network"] = graph.node_mean(net)
                labels["network"] = "network (mean index of the members)"
                extra["networks in node"] = np.array([len(np.unique(net[m])) for m in graph.nodes], dtype=np.float64)
    for name, v in (values or {}).items():
        extra[str(name)] = graph.node_mean(_per_point(name, v, graph, analysis))
    node_values = _node_values(graph, extra, reverse, labels)
    if isinstance(color, str):
        if color == "density" and color not in node_values:  # the default, on a graph made without it
            color = "members"
        if color not in node_values:
            raise ValueError(f"no node value {color!r} to colour by: choose one of {', '.join(map(repr, node_values))}")
        default = color
    else:
        default = "custom"
        node_values = {"custom": np.asarray(color, dtype=np.float64), **node_values}
        if node_values["custom"].shape != (n,):
            raise ValueError(
                f"color must be a value name or one number per node ({n}), got shape {node_values['custom'].shape}"
            )

    pos = node_positions(graph, "spring", seed) if n else np.empty((0, 2))
    span = pos.max(axis=0) * WIDTH if n else np.zeros(2)  # the unit box: the longer side is WIDTH
    box = np.maximum(span, WIDTH / 5)  # a single node or a line of nodes still gets a drawing area
    width, height = (float(x) for x in box + 2 * MARGIN)
    offset = MARGIN + (box - span) / 2
    xy = np.column_stack([offset[0] + pos[:, 0] * WIDTH, height - offset[1] - pos[:, 1] * WIDTH])  # y down
    size = graph.size.astype(np.float64)
    unit = WIDTH / 504.0  # plot.mapper_graph draws 7 inches (504 points) wide: the same sizes here
    radius = unit * np.sqrt((20 + 280 * size / max(size.max(), 1.0)) / np.pi) if n else size
    weights = graph.edge_weights.astype(np.float64)
    edge_w = unit * (0.5 + 2.0 * np.sqrt(weights / max(weights.max(), 1.0))) if len(weights) else weights

    nodes = []
    for v in range(n):
        node = {
            "x": round(float(xy[v, 0]), 2),
            "y": round(float(xy[v, 1]), 2),
            "r": round(float(radius[v]), 2),
            "size": int(size[v]),
            "members": graph.nodes[v].tolist(),
            "filter": None if node_filters is None else [round(float(x), 5) for x in node_filters[v].ravel()],
        }
        if source is not None:
            node.update(_sources(graph.nodes[v], filter_of, source))
        nodes.append(node)
    from matplotlib import colormaps

    cmap = np.round(colormaps["viridis"](np.linspace(0, 1, 32))[:, :3] * 255).astype(int).tolist()
    if title is None:
        title = f"Mapper graph: {analysis.verdict}" if analysis is not None else "Mapper graph"
    return {
        "title": str(title),
        "width": round(width, 2),
        "height": round(height, 2),
        "k": (int(node_filters.shape[1]) if node_filters is not None else 0),
        "nodes": nodes,
        "edges": [
            [int(a), int(b), round(float(w), 2), int(c)]
            for (a, b), w, c in zip(graph.edges.tolist(), edge_w, graph.edge_weights.tolist())
        ],
        "values": {name: _finite(v) for name, v in node_values.items()},
        "labels": {name: labels.get(name, name) for name in node_values},
        "reverse": sorted(reverse & set(node_values)),
        "color": default,
        "cmap": cmap,
        "point_of": None if analysis is None else analysis.core.tolist(),
        "filter_of": None if filter_of is None else filter_of.tolist(),
        "n_points": int(graph.n_points),
    }


def mapper_html(
    result,
    path=None,
    *,
    color="density",
    seed: int = 0,
    node_filters=None,
    values: dict | None = None,
    title: str | None = None,
) -> str:
    """An interactive, self-contained HTML page of a Mapper graph; written to ``path`` when given.

    The page needs no network and no library: plain JavaScript and SVG. It
    shows the graph with pan (drag) and zoom (wheel, buttons); nodes sized by
    their member count and coloured by a value picked from a menu; on hover
    or click a node's mean filter (a grid of grey cells, mid-grey = 0), its
    member count, its values and the networks and (network, out, in) channels
    its filters come from. Click selects a node, shift-click adds one; the
    selection's node ids and members are shown as JSON (``members`` index the
    graph's points, ``points`` the Analysis's ``points``, ``filter_vectors``
    its ``filters``) with a "copy as JSON" button. "SVG" and "PNG" download
    the drawing with its colour bar.

    Parameters
    ----------
    result : Analysis or MapperGraph
        An Analysis (its graph, mean filters, core, and the sources of its
        filters), or a MapperGraph with ``node_filters``.
    path : str or Path, optional
        Where to write the page (UTF-8). None writes nothing.
    color : str or array, default "density"
        The value the nodes are first coloured by: a name from the menu
        (``"density"``, ``"members"``, ``"lens 1"``, ``"distance to circle"``,
        ``"network"`` when several networks are pooled, a key of ``values``),
        or one number per node.
    seed : int, default 0
        Seed of the spring layout: the same seed gives the same picture as
        ``plot.mapper_graph(result, seed=seed)``.
    node_filters : (n_nodes, k, k) array, optional
        Mean filter of each node (default: the Analysis's ``node_filters``).
    values : dict, optional
        More colourings, ``{name: per-point array}`` (e.g. the layer, seed or
        checkpoint of each filter): one number per graph point, per point of
        the Analysis, or per filter vector; each node shows its members' mean.
    title : str, optional
        The page's heading (default: the verdict).

    Returns
    -------
    str
        The page.

    Raises
    ------
    TypeError
        If ``result`` is neither an Analysis nor a MapperGraph.
    ValueError
        If ``color`` names no value, or an array has the wrong shape.

    Examples
    --------
    >>> import fasttda
    >>> a = fasttda.analyze(fasttda.datasets.filter_like(3000), k=30)
    >>> page = fasttda.plot.mapper_html(a)
    >>> page.startswith("<!DOCTYPE html>")
    True
    """
    data = page_data(result, color=color, seed=int(seed), node_filters=node_filters, values=values, title=title)
    parts = {"TITLE": html.escape(data["title"]), "CSS": CSS, "DATA": _script_json(data), "SCRIPT": SCRIPT}
    page = re.sub(r"__(TITLE|CSS|DATA|SCRIPT)__", lambda m: parts[m.group(1)], PAGE)  # one pass: no re-expansion
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
    return page


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>__CSS__</style>
</head>
<body>
<header>
<h1>__TITLE__</h1>
<div class="controls">
<label>colour by <select id="color"></select></label>
<button id="zoom-in" title="zoom in">+</button><button id="zoom-out" title="zoom out">&minus;</button>
<button id="fit" title="fit the graph into the view">fit</button>
<span class="sep"></span>
<button id="export-svg" title="download the drawing as SVG">SVG</button>
<button id="export-png" title="download the drawing as PNG">PNG</button>
</div>
</header>
<main>
<div id="stage"><svg id="graph" xmlns="http://www.w3.org/2000/svg">
<g id="viewport"><g id="edges"></g><g id="nodes"></g></g><g id="legend"></g></svg>
<p id="hint">drag to pan, wheel to zoom; hover a node to see it, click to select, shift-click to add</p></div>
<aside>
<section id="info">
<h2 id="node-title">Hover over a node</h2>
<div id="filter-panel" hidden>
<svg id="filter" width="156" height="156"></svg>
<div class="caption">mean filter (mid-grey = 0)</div>
</div>
<table id="node-table"></table>
<div id="sources"></div>
</section>
<section id="selection">
<h2>Selection</h2>
<p id="selection-count">Nothing selected.</p>
<button id="copy-json">copy as JSON</button> <button id="clear">clear</button>
<textarea id="selection-json" readonly rows="6"></textarea>
</section>
</aside>
</main>
<p id="status" data-state="pending"></p>
<script id="data" type="application/json">__DATA__</script>
<script>__SCRIPT__</script>
</body>
</html>
"""

CSS = """
html, body { height: 100%; margin: 0; }
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
       display: flex; flex-direction: column; font-size: 14px; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5em 1.5em; padding: .4em .8em;
         border-bottom: 1px solid #ddd; }
h1 { font-size: 1.15em; margin: 0; } h2 { font-size: 1em; margin: .2em 0 .4em; }
.controls { display: flex; align-items: center; gap: .3em; }
.sep { width: .8em; }
button { font: inherit; padding: .1em .6em; cursor: pointer; }
main { flex: 1; display: flex; min-height: 0; }
#stage { flex: 1; position: relative; min-width: 0; }
#graph { width: 100%; height: 100%; display: block; cursor: grab; background: #fff; }
#graph.dragging { cursor: grabbing; }
#hint { position: absolute; right: .8em; bottom: .2em; margin: 0; font-size: .8em; color: #888; }
aside { width: 300px; border-left: 1px solid #ddd; padding: .5em .8em; overflow-y: auto; }
section { margin-bottom: 1em; }
.node { cursor: pointer; }
.node.selected { stroke: #e4572e; stroke-width: 3; }
.node.focus { stroke: #000; stroke-width: 2.5; }
table { border-collapse: collapse; font-size: .9em; margin: .4em 0; }
td { padding: .05em .6em .05em 0; vertical-align: top; }
td:first-child { color: #666; }
#sources { font-size: .85em; }
.caption { font-size: .8em; color: #666; }
textarea { width: 100%; box-sizing: border-box; font-family: ui-monospace, monospace; font-size: .8em;
           margin-top: .4em; }
#status { display: none; }
"""

SCRIPT = r"""
(function () {
  "use strict";
  var errors = 0;
  window.addEventListener("error", function () { errors += 1; });
  var D = JSON.parse(document.getElementById("data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var svg = document.getElementById("graph"), viewport = document.getElementById("viewport");
  var nodesG = document.getElementById("nodes"), edgesG = document.getElementById("edges");
  var legendG = document.getElementById("legend"), menu = document.getElementById("color");
  var view = {k: 1, x: 0, y: 0};
  var selected = [], focus = -1, hover = -1, current = D.color;
  var reverse = {};
  D.reverse.forEach(function (name) { reverse[name] = true; });

  function make(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var key in attrs) { e.setAttribute(key, attrs[key]); }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function fmt(v) {
    if (v === null || v === undefined) { return "n/a"; }
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) { return v.toExponential(2); }
    return String(Number(v.toPrecision(4)));
  }
  function viridis(t) {
    var s = D.cmap, n = s.length - 1;
    t = Math.min(1, Math.max(0, t));
    var i = Math.min(n - 1, Math.floor(t * n)), f = t * n - i, a = s[i], b = s[i + 1], out = [];
    for (var c = 0; c < 3; c++) { out.push(Math.round(a[c] + f * (b[c] - a[c]))); }
    return "rgb(" + out.join(",") + ")";
  }
  function range(vals) {
    var lo = Infinity, hi = -Infinity;
    vals.forEach(function (v) { if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    return lo <= hi ? [lo, hi] : [0, 1];
  }
  function fill(name, v) {
    if (v === null) { return "#cccccc"; }
    var r = range(D.values[name]), t = r[1] > r[0] ? (v - r[0]) / (r[1] - r[0]) : 0.5;
    return viridis(reverse[name] ? 1 - t : t);
  }
  function grey(value, lim) {
    var g = Math.round(255 * (lim > 0 ? (value / lim + 1) / 2 : 0.5));
    return "rgb(" + g + "," + g + "," + g + ")";
  }

  // ---- the drawing
  D.edges.forEach(function (e) {
    var a = D.nodes[e[0]], b = D.nodes[e[1]];
    make("line", {x1: a.x, y1: a.y, x2: b.x, y2: b.y, stroke: "#8c8c8c", "stroke-width": e[2],
                  "data-shared": e[3]}, edgesG);
  });
  var circles = D.nodes.map(function (nd, i) {
    var c = make("circle", {cx: nd.x, cy: nd.y, r: nd.r, "class": "node", stroke: "#222", "stroke-width": 0.8,
                            "data-node": i}, nodesG);
    c.addEventListener("mouseenter", function () { hover = i; showNode(i); });
    c.addEventListener("mouseleave", function () { hover = -1; showNode(focus); });
    c.addEventListener("click", function (ev) { ev.stopPropagation(); choose(i, ev.shiftKey); });
    return c;
  });

  function legend(group, x, y, name) {
    while (group.firstChild) { group.removeChild(group.firstChild); }
    if (!D.nodes.length) { return; }
    var r = range(D.values[name]), w = 180, h = 10, grad = "grad-" + group.id;
    var defs = make("defs", {}, group);
    var lg = make("linearGradient", {id: grad, x1: "0", x2: "1", y1: "0", y2: "0"}, defs);
    for (var i = 0; i <= 10; i++) {
      make("stop", {offset: (i * 10) + "%", "stop-color": viridis(reverse[name] ? 1 - i / 10 : i / 10)}, lg);
    }
    var g = make("g", {transform: "translate(" + x + "," + y + ")"}, group);
    make("rect", {x: -6, y: -20, width: w + 12, height: h + 38, fill: "#fff", "fill-opacity": 0.85}, g);
    var label = make("text", {x: 0, y: -6, "font-size": 12, "font-family": "sans-serif", fill: "#333"}, g);
    label.textContent = D.labels[name];
    make("rect", {x: 0, y: 0, width: w, height: h, fill: "url(#" + grad + ")", stroke: "#999", "stroke-width": 0.5}, g);
    var lo = make("text", {x: 0, y: h + 13, "font-size": 11, "font-family": "sans-serif", fill: "#333"}, g);
    lo.textContent = fmt(r[0]);
    var hi = make("text", {x: w, y: h + 13, "font-size": 11, "font-family": "sans-serif", fill: "#333",
                           "text-anchor": "end"}, g);
    hi.textContent = fmt(r[1]);
  }
  function recolour(name) {
    current = name;
    circles.forEach(function (c, i) { c.setAttribute("fill", fill(name, D.values[name][i])); });
    legend(legendG, 14, svg.clientHeight - 34, name);
    showNode(hover >= 0 ? hover : focus);
  }
  Object.keys(D.values).forEach(function (name) {
    var o = document.createElement("option");
    o.value = name; o.textContent = D.labels[name];
    menu.appendChild(o);
  });
  menu.value = current;
  menu.addEventListener("change", function () { recolour(menu.value); });

  // ---- pan and zoom
  function apply() {
    viewport.setAttribute("transform", "translate(" + view.x + "," + view.y + ") scale(" + view.k + ")");
  }
  function fit() {
    var cw = svg.clientWidth || 800, ch = svg.clientHeight || 600;
    view.k = Math.min(cw / D.width, ch / D.height);
    view.x = (cw - D.width * view.k) / 2; view.y = (ch - D.height * view.k) / 2;
    apply();
  }
  function zoom(f, px, py) {
    view.x = px - (px - view.x) * f; view.y = py - (py - view.y) * f; view.k *= f;
    apply();
  }
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var box = svg.getBoundingClientRect();
    zoom(Math.exp(-ev.deltaY * 0.0015), ev.clientX - box.left, ev.clientY - box.top);
  }, {passive: false});
  var drag = null;
  svg.addEventListener("pointerdown", function (ev) {
    if (ev.target.classList && ev.target.classList.contains("node")) { return; }
    drag = {x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y, moved: false};
    svg.classList.add("dragging");
  });
  window.addEventListener("pointermove", function (ev) {
    if (!drag) { return; }
    view.x = drag.vx + ev.clientX - drag.x; view.y = drag.vy + ev.clientY - drag.y;
    drag.moved = drag.moved || Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) > 3;
    apply();
  });
  window.addEventListener("pointerup", function () { drag = null; svg.classList.remove("dragging"); });
  function centreZoom(f) { zoom(f, (svg.clientWidth || 800) / 2, (svg.clientHeight || 600) / 2); }
  document.getElementById("zoom-in").addEventListener("click", function () { centreZoom(1.25); });
  document.getElementById("zoom-out").addEventListener("click", function () { centreZoom(0.8); });
  document.getElementById("fit").addEventListener("click", fit);
  window.addEventListener("resize", function () { fit(); legend(legendG, 14, svg.clientHeight - 34, current); });

  // ---- a node's details
  var filterSvg = document.getElementById("filter"), cells = [];
  if (D.k) {
    var side = 156 / D.k;
    for (var i = 0; i < D.k * D.k; i++) {
      cells.push(make("rect", {id: "cell-" + i, x: (i % D.k) * side, y: Math.floor(i / D.k) * side,
                               width: side, height: side, stroke: "#fff", "stroke-width": 1}, filterSvg));
    }
  }
  function row(table, key, value) {
    var tr = document.createElement("tr"), a = document.createElement("td"), b = document.createElement("td");
    a.textContent = key; b.textContent = value; tr.appendChild(a); tr.appendChild(b); table.appendChild(tr);
  }
  function showNode(i) {
    circles.forEach(function (c, j) { c.classList.toggle("focus", j === i); });
    var title = document.getElementById("node-title"), table = document.getElementById("node-table");
    var panel = document.getElementById("filter-panel"), sources = document.getElementById("sources");
    table.innerHTML = ""; sources.innerHTML = "";
    if (i < 0) { title.textContent = "Hover over a node"; panel.hidden = true; return; }
    var nd = D.nodes[i];
    title.textContent = "Node " + i;
    title.setAttribute("data-node", i);
    row(table, "members", String(nd.size));
    Object.keys(D.values).forEach(function (name) {
      if (name !== "members") { row(table, D.labels[name], fmt(D.values[name][i])); }
    });
    if (nd.filter) {
      var lim = 0;
      nd.filter.forEach(function (v) { lim = Math.max(lim, Math.abs(v)); });
      nd.filter.forEach(function (v, j) {
        cells[j].setAttribute("fill", grey(v, lim));
        cells[j].setAttribute("data-value", v);
      });
      panel.hidden = false;
    } else {
      panel.hidden = true;
    }
    if (nd.nets) {
      var p = document.createElement("p");
      p.textContent = "from " + nd.n_nets + " network(s): " + nd.nets.map(function (x) {
        return "#" + x[0] + " \u00d7" + x[1]; }).join(", ") + (nd.n_nets > nd.nets.length ? ", \u2026" : "");
      sources.appendChild(p);
      var q = document.createElement("p");
      q.textContent = nd.n_chans + " channel(s) (network, out, in): " + nd.chans.map(function (x) {
        return "(" + x[0] + ", " + x[1] + ", " + x[2] + ") \u00d7" + x[3]; }).join(", ") +
        (nd.n_chans > nd.chans.length ? ", \u2026" : "");
      sources.appendChild(q);
    }
  }

  // ---- selection
  function choose(i, add) {
    var at = selected.indexOf(i);
    if (add) {
      if (at >= 0) { selected.splice(at, 1); } else { selected.push(i); }
    } else {
      selected = (at >= 0 && selected.length === 1) ? [] : [i];
    }
    focus = selected.indexOf(i) >= 0 ? i : -1;
    circles.forEach(function (c, j) { c.classList.toggle("selected", selected.indexOf(j) >= 0); });
    showNode(hover >= 0 ? hover : focus);
    exportSelection();
  }
  function exportSelection() {
    var nodes = selected.slice().sort(function (a, b) { return a - b; }), seen = {}, members = [];
    nodes.forEach(function (i) {
      D.nodes[i].members.forEach(function (m) { if (!seen[m]) { seen[m] = true; members.push(m); } });
    });
    members.sort(function (a, b) { return a - b; });
    var out = {nodes: nodes, members: members};
    if (D.point_of) { out.points = members.map(function (m) { return D.point_of[m]; }); }
    if (D.filter_of) { out.filter_vectors = members.map(function (m) { return D.filter_of[m]; }); }
    document.getElementById("selection-json").value = nodes.length ? JSON.stringify(out) : "";
    document.getElementById("selection-count").textContent = nodes.length ?
      nodes.length + " node(s), " + members.length + " distinct member(s)" : "Nothing selected.";
  }
  document.getElementById("clear").addEventListener("click", function () {
    selected = []; focus = -1;
    circles.forEach(function (c) { c.classList.remove("selected"); });
    showNode(-1); exportSelection();
  });
  document.getElementById("copy-json").addEventListener("click", function () {
    var area = document.getElementById("selection-json"), button = this;
    function done(ok) { button.textContent = ok ? "copied" : "select the text and copy it"; }
    function fallback() {
      area.select();
      try { done(document.execCommand("copy")); } catch (e) { done(false); }
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(area.value).then(function () { done(true); }, fallback);
    } else { fallback(); }
  });

  // ---- export: the whole drawing at its own size, with the colour bar
  function drawing() {
    var pad = 60, out = make("svg", {xmlns: NS, width: D.width, height: D.height + pad,
                                     viewBox: "0 0 " + D.width + " " + (D.height + pad)});
    make("rect", {x: 0, y: 0, width: D.width, height: D.height + pad, fill: "#fff"}, out);
    var g = viewport.cloneNode(true);
    g.removeAttribute("id"); g.removeAttribute("transform");
    var nodes = g.querySelectorAll("circle");
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].removeAttribute("class");
      nodes[i].setAttribute("stroke", "#222"); nodes[i].setAttribute("stroke-width", "0.8");
    }
    var ids = g.querySelectorAll("[id]");
    for (var j = 0; j < ids.length; j++) { ids[j].removeAttribute("id"); }
    out.appendChild(g);
    var lg = make("g", {id: "export-legend"}, out);
    legend(lg, 20, D.height + 28, current);
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(out);
  }
  function download(name, blob) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = name;
    document.body.appendChild(a); a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 2000);
  }
  document.getElementById("export-svg").addEventListener("click", function () {
    download("mapper.svg", new Blob([drawing()], {type: "image/svg+xml"}));
  });
  document.getElementById("export-png").addEventListener("click", function () {
    var img = new Image(), scale = 2;
    img.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = img.width * scale; canvas.height = img.height * scale;
      var ctx = canvas.getContext("2d");
      ctx.scale(scale, scale); ctx.drawImage(img, 0, 0);
      canvas.toBlob(function (blob) { download("mapper.png", blob); }, "image/png");
    };
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(drawing());
  });

  // ---- start
  fit();
  recolour(current);
  if (!D.nodes.length) { document.getElementById("node-title").textContent = "The Mapper graph has no node."; }
  var status = document.getElementById("status");
  status.setAttribute("data-nodes", String(D.nodes.length));
  status.setAttribute("data-errors", String(errors));
  status.setAttribute("data-state", "ready");
})();
"""
