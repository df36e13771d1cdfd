"""fasttda in Jupyter: a notebook built in code, run by a real kernel, shows every object as HTML with
inline PNG figures, and raises nothing."""

import base64
import os
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

import fasttda  # noqa: E402

CELLS = [
    # The 2008 paper's circle, on a sample of the natural patches to stay fast.
    "import fasttda, numpy as np\n"
    "patches = fasttda.analyze(fasttda.datasets.natural_patches(), k=30, norm='D', sample=6000, n_landmarks=100)\n"
    "patches",
    "patches.graph",
    "print(repr(patches))",
    # An MNIST-like first layer at initialisation: 16 networks of 32 channels, drawn as torch initialises a
    # Conv2d(1, 32, 3) (uniform in ±1/sqrt(fan in) = ±1/3), without importing torch into the kernel.
    "weights = np.random.default_rng(0).uniform(-1 / 3, 1 / 3, size=(16, 32, 1, 3, 3))\n"
    "layer = fasttda.analyze(weights, k=15, n_landmarks=60)\n"
    "layer",
    "layer.filters",
    "layer.show(interactive=True)",
]


def test_notebook_shows_fasttda_objects(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    # The kernel imports the same fasttda as this test, whether installed or from a source tree.
    root = str(Path(fasttda.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
    env.pop("MPLBACKEND", None)
    start = time.perf_counter()
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}})
    client.execute(env=env)
    print(f"notebook ran in {time.perf_counter() - start:.1f} s")

    outputs = [cell.outputs for cell in nb.cells]
    for cell, out in zip(CELLS, outputs):
        assert not [o for o in out if o.output_type == "error"], (cell, out)
        assert not [o for o in out if o.output_type == "stream" and o.name == "stderr"], (cell, out)
    rich = [outputs[i][0] for i in (0, 1, 3, 4)]  # Analysis, MapperGraph, Analysis, FilterVectors
    for out in rich:
        assert out.output_type == "execute_result"
        page = out.data["text/html"]
        assert '<img alt="' in page and "data:image/png;base64," in page
        inline = base64.b64decode(page.split("data:image/png;base64,", 1)[1].split('"', 1)[0])
        assert inline[:8] == b"\x89PNG\r\n\x1a\n" and len(inline) > 2000
        assert base64.b64decode(out.data["image/png"]) == inline  # one rendering for both formats
        assert "<table" in page and "array(" not in out.data["text/plain"]
    assert "primary circle" in rich[0].data["text/html"]
    assert rich[0].data["text/plain"].startswith("Analysis(verdict='primary circle', n_points=6000, core=1800")
    assert rich[1].data["text/plain"].startswith("MapperGraph(")
    assert rich[3].data["text/plain"].startswith("FilterVectors(512 points")
    assert outputs[2][0].text.startswith("Analysis(verdict=") and len(outputs[2][0].text) < 200
    frame = outputs[5][0].data["text/html"]
    assert frame.startswith("<iframe srcdoc=") and "&lt;svg id=&quot;graph&quot;" in frame
