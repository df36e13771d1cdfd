"""How objects show themselves: a short repr, and HTML and PNG for Jupyter, without pyplot."""

import base64
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import fasttda  # noqa: E402
from conftest import gradients  # noqa: E402
from fasttda import display  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def analysis():
    return fasttda.analyze(gradients(800, 0.15, 0).reshape(2, 400, 1, 3, 3), k=20, n_landmarks=50)


def inline_pngs(page):
    return [base64.b64decode(s) for s in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)]


def test_analysis_repr_is_one_short_line(analysis):
    text = repr(analysis)
    h1 = [round(float(x), 2) for x in analysis.persistence[1][: max(analysis.long_bars[1] + 1, 2)]]
    assert text == (f"Analysis(verdict={analysis.verdict!r}, n_points=800, core={len(analysis.core)}, H1={h1})")
    assert "\n" not in text and "array" not in text and len(text) < 120
    assert str(analysis) == text


def test_analysis_html_and_png(analysis):
    page = analysis._repr_html_()
    assert "<table" in page and analysis.verdict in page
    assert f'<td style="text-align: left">{len(analysis.core)} points</td>' in page
    assert "summary</summary>" in page and analysis.summary().splitlines()[0] in page
    (img,) = inline_pngs(page)
    assert img[:8] == PNG and len(img) > 5000
    data = analysis._repr_png_()
    assert data[:8] == PNG and data == img  # the same figure, drawn the same way
    bundle = analysis._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", "image/png"}
    assert bundle["text/plain"] == repr(analysis) and bundle["image/png"] == img
    assert set(analysis._repr_mimebundle_(include=["text/html"])) == {"text/html"}
    assert "image/png" not in analysis._repr_mimebundle_(exclude=["image/png"])


def test_graph_and_filters(analysis):
    g = analysis.graph
    page = g._repr_html_()
    assert f'<td style="text-align: left">{g.n_nodes}</td>' in page and "loops (betti1)" in page
    assert inline_pngs(page)[0][:8] == PNG and g._repr_png_()[:8] == PNG
    fv = analysis.filters
    page = fv._repr_html_()
    assert "800 of dimension 8" in page and "2 network(s)" in page
    assert fv._repr_png_()[:8] == PNG and len(inline_pngs(page)) == 1
    assert repr(fv).startswith("FilterVectors(800 points")
    # Pixel-space filters (5x5) and an empty graph show too.
    pixel = fasttda.filter_vectors(np.random.default_rng(0).normal(size=(30, 1, 5, 5)))
    assert pixel.space == "pixel" and pixel._repr_png_()[:8] == PNG
    empty = fasttda.MapperGraph([])
    assert "<table" in empty._repr_html_() and empty._repr_png_()[:8] == PNG


def test_filters_sample_is_spread_and_drawn_as_3x3(analysis):
    pick = display._spread(analysis.filters.points, 24)
    assert len(np.unique(pick)) == 24
    fig = display._filters_figure(analysis.filters)
    (image,) = fig.axes[0].get_images()
    mosaic = np.asarray(image.get_array())
    assert mosaic.shape == (2 * 4 - 1, 12 * 4 - 1)  # 24 filters in 2 rows of 12, a gap between them
    assert np.isclose(np.nanmax(np.abs(mosaic)), 1.0)


def test_show_and_bad_objects(analysis):
    fig = analysis.show()
    assert type(fig).__name__ == "Figure" and len(fig.axes) == 2
    with pytest.raises(TypeError, match="not ndarray"):
        display.to_html(np.zeros(3))


def test_no_pyplot(tmp_path):
    """Showing objects never imports pyplot (so no global figure state, no window)."""
    script = textwrap.dedent("""
        import sys
        import numpy as np
        import fasttda
        a = fasttda.analyze(fasttda.datasets.filter_like(1500), k=15, n_landmarks=40)
        a._repr_mimebundle_(); a._repr_html_(); a._repr_png_(); a.graph._repr_mimebundle_()
        fasttda.filter_vectors(np.random.default_rng(0).normal(size=(40, 1, 3, 3)))._repr_mimebundle_()
        a.show(); a.show(interactive=True)._repr_html_()
        print("pyplot" if "matplotlib.pyplot" in sys.modules else "no pyplot")
    """)
    src = str(Path(fasttda.__file__).resolve().parents[1])
    run = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": src},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "no pyplot"
