"""Figures: the artists each figure holds, layouts, grids and the files save writes."""

import io
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import fasttda  # noqa: E402
from conftest import gradients  # noqa: E402
from fasttda import plot  # noqa: E402
from fasttda.mapper import MapperGraph  # noqa: E402


@pytest.fixture(scope="module")
def circle():
    return fasttda.analyze(gradients(1200, 0.15, 0), k=20, n_landmarks=60)


@pytest.fixture(scope="module")
def noise():
    return fasttda.analyze(np.random.default_rng(1).normal(size=(600, 1, 3, 3)), k=15, n_landmarks=50)


def n_bars(ax):
    return sum(len(c) for c in ax.containers)


def by_gid(fig, gid):
    return [a for a in fig.findobj() if a.get_gid() == gid]


def test_importing_fasttda_leaves_matplotlib_alone():
    code = "import sys, fasttda, fasttda.plot, fasttda.report; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_barcode_draws_every_interval_and_marks_infinite_ones():
    dgms = [np.array([[0, 0.3], [0, 0.5], [0, np.inf]]), np.array([[0.2, 0.4], [0.1, 0.9]]), np.empty((0, 2))]
    fig = plot.barcode({"dgms": dgms}, title="t")
    ax = fig.axes[0]
    assert n_bars(ax) == 5
    assert [t.get_text() for t in ax.get_yticklabels()] == ["H0", "H1", "H2"]
    (marker,) = by_gid(fig, "H0-infinite")
    assert len(marker.get_xdata()) == 1 and marker.get_marker() == ">"
    # The essential bar is on top and runs to the right edge, beyond every finite death.
    h0 = sorted(by_gid(fig, "H0"), key=lambda r: -r.get_y())
    assert h0[0].get_x() + h0[0].get_width() > 0.9 and h0[1].get_width() == pytest.approx(0.5)
    h1 = sorted(by_gid(fig, "H1"), key=lambda r: -r.get_y())
    assert h1[0].get_width() == pytest.approx(0.8)  # longest first
    assert any("no bars" in t.get_text() for t in ax.texts)


def test_barcode_of_an_empty_dimension_alone():
    fig = fasttda.plot.barcode({"dgms": [np.array([[0.0, np.inf]]), np.empty((0, 2))]}, dims=[1])
    assert fig.axes[0].get_xlim()[0] == 0.0  # a layer with no H1 bar (a tiny layer) still draws


def test_barcode_of_an_analysis(circle):
    dgms = circle.barcodes["dgms"]
    fig = plot.barcode(circle.barcodes)
    assert n_bars(fig.axes[0]) == sum(len(d) for d in dgms)
    n_inf = sum(int(np.isinf(d[:, 1]).sum()) for d in dgms)
    assert sum(len(m.get_xdata()) for m in fig.findobj() if str(m.get_gid()).endswith("-infinite")) == n_inf
    fig = plot.barcode(dgms, dims=[1], max_bars=3)
    assert n_bars(fig.axes[0]) == min(3, len(dgms[1]))
    if len(dgms[1]) > 3:
        assert any(f"+{len(dgms[1]) - 3} shorter" in t.get_text() for t in fig.axes[0].texts)


@pytest.mark.parametrize(
    "dgms, kwargs, message",
    [
        ([np.zeros((3, 3))], {}, r"\(m, 2\)"),
        ([np.array([[0, np.nan]])], {}, "NaN"),
        ([np.zeros((1, 2))], {"dims": [2]}, "no diagram"),
        ({"bars": []}, {}, "'dgms'"),
    ],
)
def test_barcode_bad_input(dgms, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot.barcode(dgms, **kwargs)


def test_diagram_points_infinity_line_and_legend(circle):
    dgms = circle.barcodes["dgms"]
    fig = plot.diagram(circle.barcodes)
    ax = fig.axes[0]
    for d, dgm in enumerate(dgms):
        finite = np.isfinite(dgm[:, 1])
        (points,) = by_gid(fig, f"H{d}")
        assert len(points.get_offsets()) == finite.sum()
        inf = by_gid(fig, f"H{d}-infinite")
        assert sum(len(c.get_offsets()) for c in inf) == (~finite).sum()
    assert ax.get_yticklabels()[-1].get_text() == "∞"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [f"H{d}" for d in range(len(dgms))]
    fig = plot.diagram([np.array([[0.0, 1.0], [0.5, 0.7]])])  # nothing essential: no ∞ line
    assert "∞" not in [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert not by_gid(fig, "H0-infinite")


def test_mapper_graph_nodes_edges_filters_colourbar(circle):
    g = circle.graph
    fig = plot.mapper_graph(circle, max_filters=10)
    (nodes,) = by_gid(fig, "nodes")
    assert len(nodes.get_offsets()) == g.n_nodes
    np.testing.assert_allclose(nodes.get_array(), g.node_values["density"])
    (edges,) = by_gid(fig, "edges")
    assert len(edges.get_segments()) == g.n_edges
    thumbs = by_gid(fig, "filter")
    assert 1 <= len(thumbs) <= 10
    assert nodes.colorbar is not None and len(fig.axes) == 2
    fig.savefig(io.BytesIO(), format="png")


def test_mapper_graph_options(circle):
    g = circle.graph
    fig = plot.mapper_graph(g, color=np.arange(g.n_nodes), layout="lens")
    assert not by_gid(fig, "filter")  # a bare graph has no filters unless given
    fig = plot.mapper_graph(g, node_filters=circle.node_filters, color=None, max_filters=0)
    (nodes,) = by_gid(fig, "nodes")
    assert nodes.colorbar is None and not by_gid(fig, "filter")
    pos = np.random.default_rng(0).uniform(size=(g.n_nodes, 2))
    plot.mapper_graph(circle, layout=pos, max_filters=3)
    bare = MapperGraph(g.nodes, g.edges)  # no density: coloured by members
    (nodes,) = by_gid(plot.mapper_graph(bare), "nodes")
    np.testing.assert_array_equal(nodes.get_array(), g.size)
    assert nodes.colorbar.ax.get_ylabel() == "members"
    with pytest.raises(ValueError, match="no node attribute 'colour'"):
        plot.mapper_graph(g, color="colour")
    with pytest.raises(ValueError, match="one number per node"):
        plot.mapper_graph(g, color=np.zeros(g.n_nodes + 1))
    with pytest.raises(ValueError, match="unknown layout"):
        plot.mapper_graph(g, layout="circle")


def test_mapper_graph_with_networkx_layout(circle):
    pytest.importorskip("networkx")
    fig = plot.mapper_graph(circle, layout="networkx", max_filters=4)
    assert len(by_gid(fig, "nodes")[0].get_offsets()) == circle.graph.n_nodes


@pytest.mark.parametrize(
    "graph", [MapperGraph([]), MapperGraph([[0, 1, 2]]), MapperGraph([[0], [1]], node_values={"density": [0.5, 0.5]})]
)
def test_mapper_graph_tiny_graphs(graph):
    filters = np.ones((graph.n_nodes, 3, 3)) if graph.n_nodes else None
    fig = plot.mapper_graph(graph, node_filters=filters, color="density" if graph.node_values else None)
    fig.savefig(io.BytesIO(), format="png")
    if graph.n_nodes == 0:
        assert any("empty" in t.get_text() for t in fig.axes[0].texts)
    else:
        assert len(by_gid(fig, "nodes")[0].get_offsets()) == graph.n_nodes


def test_spring_layout_is_deterministic_and_keeps_components_apart():
    # two triangles and a lone node
    edges = [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)]
    a = plot.spring_layout(7, edges, seed=3)
    b = plot.spring_layout(7, edges, seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (7, 2) and np.isfinite(a).all()
    assert a.min() >= -1e-12 and a.max() <= 1 + 1e-12
    boxes = [(a[c].min(axis=0), a[c].max(axis=0)) for c in ([0, 1, 2], [3, 4, 5], [6])]
    for i in range(3):
        for j in range(i):
            (lo1, hi1), (lo2, hi2) = boxes[i], boxes[j]
            assert (lo1 > hi2).any() or (lo2 > hi1).any()  # components do not overlap
    assert plot.spring_layout(0, []).shape == (0, 2)


def test_orientations_from_analysis_and_angles(circle):
    fig = plot.orientations(circle, bins=12)
    bars = fig.axes[0].patches
    heights = [p.get_height() for p in bars if p.get_height() > 0 and p.get_width() == pytest.approx(30)]
    assert sum(heights) == len(circle.circle_theta)
    assert "as frequent as diagonal" in fig.axes[0].get_title()
    assert len(by_gid(fig, "edge-key")) == 8
    fig = plot.orientations(np.array([0.0, np.pi / 2, np.pi, 0.01]), bins=4)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert any("horizontal" in t for t in labels) and any("vertical" in t for t in labels)
    with pytest.raises(ValueError, match="NaN"):
        plot.orientations(np.array([np.nan]))


def test_evolution_grid_rows_columns_and_blank_cells(circle, noise):
    analyses = {(1, 100): noise, (1, 500): circle, (2, 500): circle}
    fig = plot.evolution_grid(analyses, title="evolution")
    gids = {ax.get_gid() for ax in fig.axes}
    assert {"graph-0-0", "graph-0-1", "graph-1-1", "missing-1-0"} <= gids
    assert {"barcode-0-0", "barcode-0-1", "barcode-1-1"} <= gids
    assert "not analysed" in " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert [ax.get_title() for ax in fig.axes if ax.get_gid() == "graph-0-1"][0].startswith("layer 1, iteration 500")
    # each barcode cell shows H1 only
    bax = [ax for ax in fig.axes if ax.get_gid() == "barcode-0-1"][0]
    assert [t.get_text() for t in bax.get_yticklabels()] == ["H1"]
    limits = {ax.get_xlim() for ax in fig.axes if str(ax.get_gid()).startswith("barcode-")}
    assert len(limits) == 1  # one scale for all barcodes
    fig = plot.evolution_grid(analyses, layers=[2, 1], checkpoints=[500])
    assert {ax.get_gid() for ax in fig.axes if ax.get_gid()} == {"graph-0-0", "barcode-0-0", "graph-1-0", "barcode-1-0"}
    with pytest.raises(ValueError, match="layer, checkpoint"):
        plot.evolution_grid({1: circle})


def test_layer_grid(circle, noise):
    fig = plot.layer_grid({1: circle, 2: noise, 3: None}, max_filters=5)
    panels = [ax for ax in fig.axes if str(ax.get_gid()).startswith("layer-")]
    assert len(panels) == 3
    assert panels[0].get_title().startswith("layer 1: ")
    assert len(by_gid(fig, "filter")) <= 10


def test_drawing_on_given_axes(circle):
    from matplotlib.figure import Figure

    fig = Figure()
    axes = fig.subplots(1, 3)
    assert plot.barcode(circle.barcodes, ax=axes[0]) is fig
    assert plot.diagram(circle.barcodes, ax=axes[1]) is fig
    assert plot.orientations(circle, ax=axes[2]) is fig


def test_save_writes_png_and_svg(tmp_path, circle):
    png, svg = plot.save(plot.mapper_graph(circle, max_filters=5), tmp_path / "deep" / "er" / "layer1.ckpt0.5")
    assert png.name == "layer1.ckpt0.5.png" and svg.name == "layer1.ckpt0.5.svg"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 1000
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert len(root.findall(".//{http://www.w3.org/2000/svg}image")) >= 1  # the filter thumbnails
