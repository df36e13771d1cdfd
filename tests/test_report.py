"""The HTML report: self-contained, escaped, every figure inlined, and rendering in headless Chromium."""

import base64
import html
import io
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import fasttda  # noqa: E402
from conftest import gradients  # noqa: E402
from fasttda import report  # noqa: E402

FIGURES_PER_ANALYSIS = 4  # Mapper graph, barcode, diagram, orientations


@pytest.fixture(scope="module")
def analyses():
    early = fasttda.analyze(np.random.default_rng(1).normal(size=(600, 1, 3, 3)), k=15, n_landmarks=40)
    late = fasttda.analyze(gradients(1000, 0.15, 0), k=20, n_landmarks=50)
    return {(1, 100): early, (1, 2000): late}


@pytest.fixture(scope="module")
def written(analyses, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    index = report.write_report(
        out,
        analyses,
        title="Layer 1 <of> mnist2 & friends",
        params={"network": "mnist2", "dataset": "mnist5k", "seeds": 8},
        accuracy={100: [0.41, 0.45], 2000: [0.97, 0.96]},
        notes=["<b>not bold</b>", "second note"],
    )
    return index, index.read_text(encoding="utf-8")


def attributes(page, name):
    return re.findall(rf'\b{name}\s*=\s*"([^"]*)"', page, flags=re.IGNORECASE)


def test_report_files(written, analyses):
    index, _ = written
    assert index.name == "index.html"
    files = sorted((index.parent / "figures").iterdir())
    # One file per figure, in one format: no figure is written twice.
    assert len(files) == len({f.stem for f in files}) == FIGURES_PER_ANALYSIS * len(analyses) + 1  # + the grid
    assert {f.suffix for f in files} <= {".png", ".svg"}
    assert {f.stem for f in files} >= {"evolution_grid", "layer1_ckpt100_mapper", "layer1_ckpt2000_barcode"}
    for f in files:
        assert f.stat().st_size > 1000
        if f.suffix == ".png":
            assert f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        else:
            assert ET.parse(f).getroot().tag == "{http://www.w3.org/2000/svg}svg"


def test_figures_lose_nothing_visible(analyses):
    """A palette PNG only where it matches the full-colour rendering to within a few levels; a figure
    with a colour bar (which a palette would band) stays in true colour."""
    from PIL import Image

    from fasttda import plot

    a = analyses[(1, 2000)]
    kinds = {}
    for name, fig in (
        ("barcode", plot.barcode(a.barcodes)),
        ("diagram", plot.diagram(a.barcodes)),
        ("orientations", plot.orientations(a)),
        ("mapper", plot.mapper_graph(a)),
    ):
        full = report._render(fig, report.DPI)
        small = report._palette(full)
        kinds[name] = None if small is None else small.mode
        if small is not None:
            error = np.abs(np.asarray(small.convert("RGB"), dtype=np.int16) - np.asarray(full, dtype=np.int16))
            assert np.percentile(error.max(axis=2), 99.9) <= report.PALETTE_ERROR
        png = Image.open(io.BytesIO(report._png(fig)))
        assert png.mode == ("RGB" if small is None else "P")
        assert png.width == fig.get_figwidth() * (report.TRUE_COLOUR_DPI if small is None else report.DPI)
    assert kinds == {"barcode": "P", "diagram": "P", "orientations": "P", "mapper": None}  # its colour bar


def test_report_is_self_contained(written):
    _, page = written
    sources = attributes(page, "src")
    assert sources and all(re.fullmatch(r"data:image/(png|svg\+xml);base64,[A-Za-z0-9+/=]+", s) for s in sources)
    assert all(h.startswith("#") for h in attributes(page, "href"))
    without_data = re.sub(r"data:image/(png|svg\+xml);base64,[A-Za-z0-9+/=]+", "", page)
    for external in ("http://", "https://", "//", "url(", "@import", "<link", "<iframe", "<object"):
        assert external not in without_data.lower(), external


def test_report_inlines_every_figure(written, analyses):
    index, page = written
    sources = attributes(page, "src")
    assert len(sources) == FIGURES_PER_ANALYSIS * len(analyses) + 1
    inlined = {base64.b64decode(s.split(",", 1)[1]) for s in sources}
    on_disk = {p.read_bytes() for p in (index.parent / "figures").iterdir()}
    assert inlined == on_disk


def test_report_text(written, analyses):
    _, page = written
    for a in analyses.values():
        assert html.escape(a.summary()) in page
        assert html.escape(a.verdict) in page
    assert "Layer 1 &lt;of&gt; mnist2 &amp; friends" in page and "<of>" not in page
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page and "second note" in page
    assert "<td>network</td><td>mnist2</td>" in page
    assert "<td>analyze: p</td><td>0.3</td>" in page
    assert "<td>analyze: k</td><td>varies, see below</td>" in page  # 15 and 20
    assert "0.9650 ± 0.0050" in page  # checkpoint 2000: mean ± sd over seeds
    assert 'id="status"' in page and "<script>" in page


def test_single_analysis_report(tmp_path, analyses):
    a = analyses[(1, 2000)]
    index = report.write_report(tmp_path / "one", {3: a}, accuracy={0: 0.98, 1: 0.97})
    page = index.read_text(encoding="utf-8")
    assert len(attributes(page, "src")) == FIGURES_PER_ANALYSIS  # no grid for a single analysis
    assert "Layer 3" in page and "checkpoint" not in page.split("<h2>Summary</h2>")[1].split("</table>")[0]
    assert "<td>0</td><td>0.9800</td>" in page and "0.9750 ± 0.0050" in page
    with pytest.raises(ValueError, match="no analyses"):
        report.write_report(tmp_path / "none", {})


def find_chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail("CI must render the report in headless Chromium, but no chromium is installed")
    pytest.skip("chromium is not installed")


def headless(chromium, tmp_path, *args):
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=5000",
        *args,
    ]
    # Chromium writes harmless warnings (dbus, GPU) to stderr: only the exit code and stdout matter.
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_report_renders_in_headless_chromium(written, tmp_path):
    chromium = find_chromium()
    index, page = written
    url = index.resolve().as_uri()
    dom = headless(chromium, tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    match = re.search(r'<p id="status"[^>]*>', dom.stdout)
    assert match, dom.stdout[:2000]
    status = dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(0)))
    n_figures = len(attributes(page, "src"))
    assert status.get("data-state") == "loaded"
    assert status.get("data-images") == str(n_figures)
    assert status.get("data-images-ok") == str(n_figures)
    assert status.get("data-errors") == "0"

    shot = tmp_path / "page.png"
    run = headless(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1200,1600", url)
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[0] >= 1000 and pixels.shape[1] >= 1000
    assert pixels[..., :3].std() > 0.05  # text and figures, not a blank page
    assert len(np.unique(pixels[..., :3].reshape(-1, 3), axis=0)) > 100  # figures bring many colours


def test_deep_network_report_has_a_layer_grid(tmp_path, analyses):
    a = analyses[(1, 2000)]
    index = report.write_report(tmp_path / "deep", {(layer, 500): a for layer in (1, 2, 3)})
    page = index.read_text(encoding="utf-8")
    assert (tmp_path / "deep" / "figures" / "layer_grid.png").stat().st_size > 0  # a colour bar: PNG
    assert "Layer by layer" in page and "each layer at checkpoint 500" in page
    assert len(attributes(page, "src")) == 3 * FIGURES_PER_ANALYSIS + 2  # and the evolution grid
