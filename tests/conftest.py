from pathlib import Path

import numpy as np
import pytest
from hypothesis import strategies as st

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

try:
    from ripser import ripser
except ImportError:  # only the comparisons need it
    ripser = None
needs_ripser = pytest.mark.skipif(ripser is None, reason="ripser.py is not installed")


def theirs(*args, **kwargs):
    """ripser.py, with the warnings it raises on its own inputs (scikit-learn's conversions) silenced."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ripser(*args, **kwargs)


def load_mat(folder: str, name: str) -> np.ndarray:
    """A matrix from the shared reference data, or a clean skip when it is absent.

    Only what fasttda does not ship needs it: the published cores nk300c30Dct and nk15c30Dct
    (and the .mat original of n50000Dct, to check the shipped copy); the patches themselves come
    from ``fasttda.datasets.natural_patches()``.
    """
    path = SHARED_DATA / folder / f"{name}.mat"
    if not path.exists():
        pytest.skip(f"reference data {path.name} is not present")
    from scipy.io import loadmat

    return loadmat(path)[name]


def sq_dists(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """All squared distances, summed coordinate by coordinate in X's dtype as the core does."""
    D = np.zeros((len(X), len(Y)), dtype=X.dtype)
    for j in range(X.shape[1]):
        t = X[:, None, j] - Y[None, :, j]
        D += t * t
    return D


def assert_interrupted(call, *, after: float = 0.3, within: float = 2.0):
    """Sends SIGINT `after` seconds into call() and checks it raises KeyboardInterrupt within `within` s."""
    import os
    import signal
    import threading
    import time

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")
    timer = threading.Timer(after, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        call()
    timer.join()
    assert time.perf_counter() - start < within


def gradients(n: int, noise: float, seed: int) -> np.ndarray:
    """n noisy 3×3 linear-gradient (edge) filters at uniform angles, shaped (n, 1, 3, 3): a primary circle."""
    yy, xx = np.mgrid[-1:2, -1:2].astype(float)
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0, 2 * np.pi, n)
    W = np.cos(theta)[:, None, None] * xx + np.sin(theta)[:, None, None] * yy
    return (W + noise * rng.normal(size=W.shape)).reshape(-1, 1, 3, 3)


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread: as the Dask and subprocess workers use, so runs round alike, and on a small shared
    machine the default two spend more time waiting than computing."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@st.composite
def clouds(draw, min_n=2, max_n=80):
    """Random clouds: uniform, integer grids (many exact ties and duplicates), clusters, spheres."""
    n = draw(st.integers(min_n, max_n))
    d = draw(st.integers(1, 10))
    kind = draw(st.sampled_from(["uniform", "grid", "clusters", "sphere"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "uniform":
        X = rng.uniform(-1, 1, (n, d))
    elif kind == "grid":
        X = rng.integers(0, 3, (n, d)).astype(float)
    elif kind == "clusters":
        centres = rng.normal(0, 5, (3, d))
        X = centres[rng.integers(0, 3, n)] + rng.normal(0, 0.01, (n, d))
    else:
        X = rng.normal(size=(n, d))
        X /= np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    return X.astype(dtype)


@pytest.fixture(autouse=True)
def _fresh_null_draws():
    """Each test draws its own null: analyze remembers null draws for the process, and tests that
    count the pipeline's calls would otherwise see another test's draws."""
    import fasttda.analysis

    fasttda.analysis._NULL_DRAWS.clear()
    yield
