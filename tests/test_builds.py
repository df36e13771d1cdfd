"""The core's builds per instruction set: chosen by CPU and FASTTDA_CORE, and equal to the last bit."""

import importlib
import os
import subprocess
import sys
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fasttda
from conftest import clouds
from fasttda import _core, _core_portable

pytestmark = pytest.mark.kernels  # the sanitizer build reruns these

try:
    from fasttda import _core_avx2
except ModuleNotFoundError:  # built without it (not x86-64); a build that fails to import is an error
    _core_avx2 = None

HAVE_AVX2 = _core_avx2 is not None and _core_portable.cpu_has_avx2()
needs_avx2 = pytest.mark.skipif(not HAVE_AVX2, reason="this CPU or build has no AVX2 core to compare")


def test_the_best_build_is_chosen():
    assert _core.isa == ("avx2" if HAVE_AVX2 else "portable")
    assert _core_portable.isa == "portable"


def core_in(env_value: str):
    env = {**os.environ, "FASTTDA_CORE": env_value}
    return subprocess.run(
        [sys.executable, "-c", "import fasttda._core as c; print(c.isa)"], capture_output=True, text=True, env=env
    )


def test_environment_overrides_the_choice():
    assert core_in("portable").stdout.strip() == "portable"
    bad = core_in("sse9")
    assert bad.returncode != 0 and "FASTTDA_CORE must be auto, portable or avx2" in bad.stderr
    forced = core_in("avx2")
    if HAVE_AVX2:
        assert forced.stdout.strip() == "avx2"
    else:
        assert forced.returncode != 0 and "FASTTDA_CORE=avx2" in forced.stderr


@contextmanager
def using(build):
    """Runs fasttda's wrappers on one build of the core."""
    modules = [importlib.import_module(f"fasttda.{name}") for name in ("neighbours", "homology", "mapper")]
    before = [m._core for m in modules]
    for m in modules:
        m._core = build
    try:
        yield
    finally:
        for m, b in zip(modules, before):
            m._core = b


def both(call):
    with using(_core_portable):
        a = call()
    with using(_core_avx2):
        b = call()
    return a, b


def assert_identical(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            assert_identical(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_identical(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
    else:
        assert a == b


@needs_avx2
@settings(max_examples=40, deadline=None)
@given(X=clouds(max_n=300), data=st.data())
def test_neighbourhoods_are_identical(X, data):
    k = data.draw(st.integers(1, len(X) - 1))
    p = data.draw(st.floats(0.01, 1.0))
    m = data.draw(st.integers(1, len(X)))
    r = data.draw(st.floats(0.0, 2.0))
    for call in (
        lambda: fasttda.knn(X, k),
        lambda: fasttda.codensity(X, k),
        lambda: fasttda.dense_core(X, k, p, return_codensity=True),
        lambda: fasttda.maxmin(X, m, seed=3, return_radius=True),
        lambda: fasttda.radius_graph(X, r),
    ):
        assert_identical(*both(call))


@needs_avx2
@pytest.mark.parametrize("d", [8, 9, 5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_clouds_are_identical(d, dtype):
    # Large enough for the sampled dense-core radius and many leaves per search.
    X = fasttda.datasets.filter_like(6000, seed=d) if d == 8 else np.random.default_rng(d).normal(size=(6000, d))
    X = X.astype(dtype)
    assert_identical(*both(lambda: fasttda.dense_core(X, 60, 0.2, return_codensity=True)))
    assert_identical(*both(lambda: fasttda.knn(X, 7)))
    assert_identical(*both(lambda: fasttda.maxmin(X, 300, return_radius=True)))


@needs_avx2
@pytest.mark.filterwarnings("ignore:The input:UserWarning")  # rips warns, as ripser.py, on square or wide clouds
@settings(max_examples=15, deadline=None)
@given(X=clouds(min_n=3, max_n=60))
def test_barcodes_and_mapper_graphs_are_identical(X):
    assert_identical(*both(lambda: fasttda.rips(X, maxdim=2)["dgms"]))
    graphs = both(lambda: fasttda.mapper(X, "pca1", n_intervals=4, overlap=0.4, triangles=True))
    assert_identical(*(g.to_dict() for g in graphs))
