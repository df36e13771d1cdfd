"""The interactive Mapper page: its data, and the page itself driven in headless Chromium by Playwright."""

import io
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import fasttda  # noqa: E402
from conftest import gradients  # noqa: E402
from fasttda import interactive, plot, report  # noqa: E402
from fasttda.display import MapperPage  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def analysis():
    # Four "networks" of 250 edge filters each, so nodes hold filters of several networks and channels.
    return fasttda.analyze(gradients(1000, 0.15, 0).reshape(4, 250, 1, 3, 3), k=20, n_landmarks=50)


def page_json(page: str) -> dict:
    text = re.search(r'<script id="data" type="application/json">(.*?)</script>', page, re.DOTALL).group(1)
    return json.loads(text)


def test_page_data_matches_the_analysis(analysis):
    a, g = analysis, analysis.graph
    page = plot.mapper_html(a)
    assert page.startswith("<!DOCTYPE html>") and page == fasttda.plot.mapper_html(a, seed=0)
    d = page_json(page)
    assert len(d["nodes"]) == g.n_nodes and len(d["edges"]) == g.n_edges
    for v, node in enumerate(d["nodes"]):
        assert node["members"] == g.nodes[v].tolist() and node["size"] == g.size[v]
        assert np.allclose(node["filter"], a.node_filters[v].ravel(), atol=1e-5)
        # The networks and channels of the members, counted independently.
        src = a.filters.source[a.core[g.nodes[v]]]
        nets, counts = np.unique(src[:, 0], return_counts=True)
        assert node["n_nets"] == len(nets) and sum(c for _, c in node["nets"]) == min(
            counts.sum(), sum(sorted(counts)[::-1][: interactive.TOP_SOURCES])
        )
        assert dict(map(tuple, node["nets"])).items() <= dict(zip(nets.tolist(), counts.tolist())).items()
        assert node["n_chans"] == len(np.unique(src, axis=0))
    assert np.allclose(d["values"]["density"], g.node_values["density"])
    assert np.allclose(d["values"]["distance to circle"], g.node_mean(a.circle_distance))
    assert np.allclose(d["values"]["network"], g.node_mean(a.filters.source[a.core, 0]))
    assert d["values"]["members"] == g.size.tolist() and d["color"] == "density"
    assert d["point_of"] == a.core.tolist() and d["filter_of"] == a.core.tolist()  # no sample was drawn
    # The layout is plot's spring layout for the same seed: same picture, up to scale and a flipped y.
    pos = plot.node_positions(g, "spring", 0)
    xy = np.array([[n["x"], n["y"]] for n in d["nodes"]])
    scale = (xy[:, 0].max() - xy[:, 0].min()) / np.ptp(pos[:, 0])
    assert np.allclose((xy[:, 0] - xy[:, 0].min()) / scale, pos[:, 0] - pos[:, 0].min(), atol=1e-3)
    assert np.allclose((xy[:, 1].max() - xy[:, 1]) / scale, pos[:, 1] - pos[:, 1].min(), atol=1e-3)
    assert page_json(plot.mapper_html(a, seed=1))["nodes"] != d["nodes"]
    assert np.isclose(d["width"], 2 * interactive.MARGIN + scale * np.ptp(pos[:, 0]), atol=0.1)
    assert max(d["width"], d["height"]) == 2 * interactive.MARGIN + interactive.WIDTH


def test_small_graphs_get_a_drawing_area():
    for nodes, edges in (([[0]], []), ([[0, 1], [1, 2]], [[0, 1]]), ([[0], [1], [2]], [])):
        d = page_json(plot.mapper_html(fasttda.MapperGraph(nodes, edges)))
        xy = np.array([[n["x"], n["y"]] for n in d["nodes"]])
        assert np.isfinite(xy).all() and d["width"] >= 200 and d["height"] >= 200
        assert (xy >= interactive.MARGIN).all() and (xy[:, 0] <= d["width"] - interactive.MARGIN).all()
        assert (xy[:, 1] <= d["height"] - interactive.MARGIN).all()


def test_values_sample_and_graph_input(analysis, tmp_path):
    a = fasttda.analyze(gradients(2000, 0.15, 1).reshape(2, 1000, 1, 3, 3), k=20, n_landmarks=50, sample=1500)
    layer = np.where(np.arange(2000) < 1000, 1.0, 2.0)  # per filter vector: which "layer" it came from
    d = page_json(plot.mapper_html(a, values={"layer": layer, "rank": np.arange(len(a.points))}, color="layer"))
    rows = a.sampled[a.core]
    assert d["filter_of"] == rows.tolist() and d["color"] == "layer"
    assert np.allclose(d["values"]["layer"], a.graph.node_mean(layer[rows]))
    assert np.allclose(d["values"]["rank"], a.graph.node_mean(a.core.astype(float)))
    # A bare MapperGraph with its filters; a value per graph point.
    g = analysis.graph
    d = page_json(plot.mapper_html(g, node_filters=analysis.node_filters, values={"x": np.ones(g.n_points)}))
    assert d["point_of"] is None and d["filter_of"] is None and "nets" not in d["nodes"][0]
    assert np.allclose(d["values"]["x"], 1.0)
    out = tmp_path / "sub" / "page.html"
    assert plot.mapper_html(g, out) == out.read_text(encoding="utf-8")
    empty = plot.mapper_html(fasttda.MapperGraph([]))
    assert page_json(empty)["nodes"] == []


def test_bad_input(analysis):
    with pytest.raises(TypeError, match="Analysis or a MapperGraph"):
        plot.mapper_html(np.zeros((3, 8)))
    with pytest.raises(ValueError, match="no node value 'colour'"):
        plot.mapper_html(analysis, color="colour")
    with pytest.raises(ValueError, match="one number per node"):
        plot.mapper_html(analysis, color=np.zeros(3))
    with pytest.raises(ValueError, match="one square filter per node"):
        plot.mapper_html(analysis.graph, node_filters=np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="needs one per point"):
        plot.mapper_html(analysis, values={"x": np.zeros(7)})
    with pytest.raises(TypeError, match="values must be a dict"):
        plot.mapper_html(analysis, values=[1, 2])


def test_text_is_escaped(analysis):
    page = plot.mapper_html(analysis, title="</script><b>x</b> & y __DATA__")
    assert "</script><b>" not in page and "&lt;/script&gt;&lt;b&gt;x&lt;/b&gt; &amp; y __DATA__" in page
    assert page_json(page)["title"] == "</script><b>x</b> & y __DATA__"
    assert page.count('<script id="data"') == 1


def test_notebook_view(analysis):
    view = analysis.show(interactive=True)
    assert isinstance(view, MapperPage)
    frame = view._repr_html_()
    assert frame.startswith('<iframe srcdoc="') and "&lt;!DOCTYPE html&gt;" in frame
    assert '"' not in frame.split('srcdoc="', 1)[1].split('" style=')[0]  # the page is attribute-escaped
    assert view.html == plot.mapper_html(analysis)
    with pytest.raises(TypeError, match="interactive=True"):
        analysis.show(color="members")


def test_report_links_interactive_pages(analysis, tmp_path):
    index = report.write_report(tmp_path, {(1, 10): analysis, (1, 20): analysis}, interactive=True)
    page = index.read_text(encoding="utf-8")
    links = re.findall(r'href="([^"#][^"]*)"', page)
    assert sorted(links) == ["mapper_layer1_ckpt10.html", "mapper_layer1_ckpt20.html"]
    for link in links:
        assert page_json((tmp_path / link).read_text(encoding="utf-8"))["title"].endswith(analysis.verdict)
    plain = report.write_report(tmp_path / "plain", {1: analysis}).read_text(encoding="utf-8")
    assert "mapper_" not in plain and not list((tmp_path / "plain").glob("*.html"))[1:]


# ---- in the browser ---------------------------------------------------------------------------------


def browser_or_skip():
    """(playwright module, chromium path); skips, saying what is missing, unless on CI, which has both."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright import sync_api
    except ImportError:
        sync_api = None
    missing = [name for name, found in (("chromium", chromium), ("playwright", sync_api)) if not found]
    if missing:
        reason = f"{' and '.join(missing)} not installed: the Mapper page is not tested in a browser"
        if os.environ.get("CI"):
            pytest.fail(f"CI must test the Mapper page in headless Chromium, but {reason}")
        pytest.skip(reason)
    return sync_api, chromium


@pytest.fixture(scope="module")
def browser():
    sync_api, chromium = browser_or_skip()
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        yield b
        b.close()


@pytest.fixture
def opened(browser, analysis, tmp_path):
    """The page loaded from a file, every request checked and every console error collected."""
    path = tmp_path / "mapper.html"
    plot.mapper_html(analysis, path)
    context = browser.new_context(viewport={"width": 1200, "height": 800}, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    problems, requests = [], []

    def route(r):
        url = r.request.url
        requests.append(url)
        if url.startswith(("file:", "data:", "blob:")):
            r.continue_()
        else:
            problems.append(f"request leaving the file: {url}")
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(path.as_uri())
    page.wait_for_selector('#status[data-state="ready"]', state="attached")
    yield page, problems, requests
    context.close()


def fills(page):
    return page.eval_on_selector_all("#nodes circle", "cs => cs.map(c => c.getAttribute('fill'))")


def visible_node(page, n):
    """A node whose centre is not covered by another one (the mouse lands on it), the last drawn first."""
    return next((v for v in range(n - 1, -1, -1) if visible_node_is(page, v)), -1)


def rgb(text):
    return [int(x) for x in re.fullmatch(r"rgb\((\d+),(\d+),(\d+)\)", text).groups()]


def test_page_in_chromium(opened, analysis, tmp_path):
    page, problems, requests = opened
    g = analysis.graph
    assert page.get_attribute("#status", "data-errors") == "0"
    assert page.locator("#nodes circle").count() == g.n_nodes
    assert page.locator("#edges line").count() == g.n_edges
    assert None not in fills(page)

    # Hover shows the node's mean filter: 9 grey cells, mid-grey = 0, scaled to the largest |value|.
    v = visible_node(page, g.n_nodes)
    assert v >= 0
    assert page.is_hidden("#filter-panel")
    page.hover(f'#nodes circle[data-node="{v}"]')
    assert page.is_visible("#filter-panel")
    assert page.get_attribute("#node-title", "data-node") == str(v)
    f = analysis.node_filters[v].ravel()
    expected = np.round(255 * (f / np.abs(f).max() + 1) / 2)
    shown = [rgb(page.get_attribute(f"#cell-{i}", "fill")) for i in range(9)]
    assert all(r == gg == b for r, gg, b in shown)
    assert np.abs(np.array([s[0] for s in shown]) - expected).max() <= 1
    assert page.locator("#node-table").inner_text().startswith(f"members\t{g.size[v]}")
    assert "network(s)" in page.inner_text("#sources")

    # Click selects, shift-click adds: the JSON lists the union of the members, in every indexing.
    page.click(f'#nodes circle[data-node="{v}"]')
    chosen = json.loads(page.input_value("#selection-json"))
    assert chosen["nodes"] == [v] and chosen["members"] == g.nodes[v].tolist()
    assert chosen["points"] == analysis.core[g.nodes[v]].tolist() == chosen["filter_vectors"]
    w = next(u for u in range(g.n_nodes) if u != v and visible_node_is(page, u))
    page.click(f'#nodes circle[data-node="{w}"]', modifiers=["Shift"])
    chosen = json.loads(page.input_value("#selection-json"))
    assert chosen["nodes"] == sorted([v, w])
    assert chosen["members"] == np.union1d(g.nodes[v], g.nodes[w]).tolist()
    assert page.locator("circle.selected").count() == 2
    page.click("#copy-json")
    page.wait_for_function("document.getElementById('copy-json').textContent === 'copied'", timeout=5000)
    assert page.evaluate("navigator.clipboard.readText()") == page.input_value("#selection-json")
    page.click("#clear")
    assert page.input_value("#selection-json") == "" and page.locator("circle.selected").count() == 0

    # The colour menu recolours the nodes; by members the largest node takes the top of the colour map.
    before = fills(page)
    page.select_option("#color", "members")
    after = fills(page)
    assert after != before
    top = page_json(plot.mapper_html(analysis))["cmap"][-1]
    assert rgb(after[int(np.argmax(g.size))]) == top
    options = page.eval_on_selector_all("#color option", "os => os.map(o => o.value)")
    assert {"density", "members", "lens 1", "lens 2", "distance to circle", "network"} <= set(options)

    # Zoom and pan move the viewport.
    t0 = page.get_attribute("#viewport", "transform")
    page.mouse.move(300, 300)
    page.mouse.wheel(0, -300)
    t1 = page.get_attribute("#viewport", "transform")
    page.mouse.move(20, 700)
    page.mouse.down()
    page.mouse.move(120, 650)
    page.mouse.up()
    assert len({t0, t1, page.get_attribute("#viewport", "transform")}) == 3

    # Export: an SVG of the whole drawing (every node, the colour bar) and a PNG.
    with page.expect_download() as download:
        page.click("#export-svg")
    svg_path = tmp_path / "export.svg"
    download.value.save_as(svg_path)
    root = ET.parse(svg_path).getroot()
    assert root.tag == f"{SVG}svg" and download.value.suggested_filename == "mapper.svg"
    assert len(root.findall(f".//{SVG}circle")) == g.n_nodes
    assert len(root.findall(f".//{SVG}line")) == g.n_edges
    assert any(t.text == "members" for t in root.iter(f"{SVG}text"))
    with page.expect_download() as download:
        page.click("#export-png")
    png_path = tmp_path / "export.png"
    download.value.save_as(png_path)
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    assert not problems, problems
    assert requests and all(u.startswith(("file:", "data:", "blob:")) for u in requests)


def visible_node_is(page, v):
    return page.evaluate(
        """v => {
        const c = document.querySelector(`#nodes circle[data-node="${v}"]`), b = c.getBoundingClientRect();
        return document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2) === c;
    }""",
        v,
    )


def test_page_in_a_notebook_iframe(browser, analysis, tmp_path):
    """The notebook view (an iframe whose srcdoc is the page) runs the page as it is."""
    host = tmp_path / "notebook.html"
    host.write_text(
        f"<!DOCTYPE html><html><body>{analysis.show(interactive=True)._repr_html_()}</body></html>", encoding="utf-8"
    )
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(host.as_uri())
    frame = page.frame_locator("iframe")
    frame.locator('#status[data-state="ready"]').wait_for(state="attached")
    assert frame.locator("#nodes circle").count() == analysis.graph.n_nodes
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50  # the drawing is there, not a blank frame
    assert not problems, problems
    page.close()
