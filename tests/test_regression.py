"""Every kernel's output on fixed inputs equals, bit for bit, the one recorded in data/regression.npz.

The file was written by data/make_regression.py; a change of the core that is
meant to leave every result alone must keep this test green.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.kernels  # the sanitizer build reruns these


DATA = Path(__file__).with_name("data")


@pytest.fixture(scope="module")
def recorded():
    with np.load(DATA / "regression.npz") as f:
        return {k: f[k] for k in f.files}


@pytest.fixture(scope="module")
def recomputed(recorded):
    spec = importlib.util.spec_from_file_location("make_regression", DATA / "make_regression.py")
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    inputs = {k.removeprefix("input."): v for k, v in recorded.items() if k.startswith("input.")}
    return maker.outputs(inputs)


def test_inputs_are_recorded(recorded):
    assert {k for k in recorded if k.startswith("input.")} == {
        "input.filters",
        "input.gauss5",
        "input.grid3",
        "input.circle",
        "input.torus",
    }


def test_every_output_is_bit_identical(recorded, recomputed):
    want = {k: v for k, v in recorded.items() if not k.startswith("input.")}
    assert sorted(recomputed) == sorted(want)
    for name, value in want.items():
        got = recomputed[name]
        assert got.dtype == value.dtype and got.shape == value.shape, name
        assert np.array_equal(got, value), name
