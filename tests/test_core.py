"""The compiled core and its thread team: real extension, errors, interrupts."""

import threading
import time

import numpy as np
import pytest

import fasttda
from conftest import assert_interrupted
from fasttda import _core

pytestmark = pytest.mark.kernels  # the sanitizer build reruns these


def test_version_and_public_api():
    assert fasttda.__version__ and fasttda.__version__ != "0+unknown"
    for name in ["codensity", "knn", "dense_core", "maxmin", "radius_graph"]:
        assert callable(getattr(fasttda, name))


def test_test_hooks_stay_out_of_the_public_surface():
    assert not hasattr(_core, "spin")
    assert callable(_core._testing.spin) and callable(_core._testing.dense_core)
    with pytest.raises(TypeError):
        _core.dense_core(np.zeros((5, 2)), 2, 3, None, 0.5)  # no radius parameter in the shipped kernel


def test_extension_is_compiled():
    assert _core.__file__.endswith((".so", ".pyd")), _core.__file__
    assert _core.build_type == "release"
    assert _core.hardware_threads() >= 1


def test_spin_runs_on_several_threads():
    start = time.perf_counter()
    _core._testing.spin(0.05, n_threads=4)
    assert time.perf_counter() - start >= 0.05


@pytest.mark.parametrize("thread", [0, 2])
def test_worker_exception_is_rethrown_after_join(thread):
    with pytest.raises(RuntimeError, match=f"worker {thread} failed"):
        _core._testing.spin(5.0, n_threads=3, throw_on_thread=thread)


def test_interrupt_stops_a_long_kernel():
    assert_interrupted(lambda: _core._testing.spin(30.0, n_threads=2))
    _core._testing.spin(0.01)  # the interpreter and the core are still usable


def test_interrupt_stops_codensity():
    X = fasttda.datasets.filter_like(300_000, seed=1)
    assert_interrupted(lambda: fasttda.codensity(X, 200, n_threads=1))


def test_gil_is_released():
    done = []
    worker = threading.Thread(target=lambda: (_core._testing.spin(0.5, n_threads=1), done.append(1)))
    worker.start()
    ticks = 0
    while worker.is_alive():
        ticks += 1
        time.sleep(0.01)
    assert done and ticks > 10
