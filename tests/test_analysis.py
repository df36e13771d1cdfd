"""analyze: the published answers on the natural patches, synthetic circles and noise, bad input."""

import json

import numpy as np
import pytest

import fasttda
from fasttda.filters import filter_vectors

YY, XX = np.mgrid[-1:2, -1:2].astype(float)


@pytest.fixture(scope="module")
def patches():
    return fasttda.datasets.natural_patches()


def test_natural_patches_k300_is_the_primary_circle(patches):
    a = fasttda.analyze(patches, k=300, p=0.3, norm="D")
    assert a.long_bars[1] == 1, a.summary()
    assert a.verdict == "primary circle"
    assert len(a.core) == 15_000
    assert a.orientation["axis_ratio"] > 1.5
    text = a.summary()
    assert "primary circle" in text and "long H1 bar" in text
    json.loads(a.to_json())


def test_natural_patches_k15_is_the_three_circle_model(patches):
    a = fasttda.analyze(patches, k=15, p=0.3, norm="D")
    assert a.long_bars[1] == 5, a.summary()
    assert a.verdict == "three-circle model"


def noisy_gradients(n, noise, seed):
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0, 2 * np.pi, n)
    W = np.cos(theta)[:, None, None] * XX + np.sin(theta)[:, None, None] * YY
    return W + noise * rng.normal(size=W.shape)


def test_filters_on_the_primary_circle_give_a_circle():
    a = fasttda.analyze(noisy_gradients(4000, 0.15, 0).reshape(40, 100, 3, 3), n_landmarks=200)
    assert a.verdict == "primary circle", a.summary()
    assert a.shares["circle"] > 0.8
    assert len(a.graph.cycles()) >= 1
    assert a.node_filters.shape == (a.graph.n_nodes, 3, 3)
    assert "density" in a.graph.node_values


def test_random_filters_have_no_dominant_bar():
    W = np.random.default_rng(1).normal(size=(50, 60, 3, 3))
    a = fasttda.analyze(W, n_landmarks=200)
    assert a.long_bars[1] == 0, a.summary()
    assert a.verdict == "no dominant loop"


def test_filter_vectors_and_points_are_accepted():
    W = noisy_gradients(2000, 0.1, 2)
    fv = filter_vectors(W)
    a = fasttda.analyze(fv, n_landmarks=100)
    b = fasttda.analyze(fv.points, n_landmarks=100)
    assert a.verdict == b.verdict == "primary circle"
    assert a.filters is fv and b.filters is None


@pytest.mark.parametrize(
    "weights, kwargs, message",
    [
        (np.zeros((10, 3, 3)), {}, "every one of the 10 slices"),
        (np.full((5, 5, 3, 3), np.nan), {}, "NaN"),
        (np.random.default_rng(0).normal(size=(2, 1, 3, 3)), {}, "too few"),
        (np.random.default_rng(0).normal(size=(20, 1, 3, 3)), {"k": 25}, "k must be smaller"),
        (np.zeros((5, 8)), {}, "zero vectors"),
    ],
)
def test_bad_input(weights, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fasttda.analyze(weights, **kwargs)


def _loop(plane, offset, n=3000, seed=0):
    """Unit points on a circle in the coordinate plane `plane`, pushed off it by `offset` along e8."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, n)
    X = rng.normal(0, 0.03, (n, 8))
    X[:, plane[0]] += np.sqrt(1 - offset**2) * np.cos(t)
    X[:, plane[1]] += np.sqrt(1 - offset**2) * np.sin(t)
    X[:, 7] += offset
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_a_loop_in_the_primary_plane_is_the_primary_circle_even_off_the_ideal_circle():
    a = fasttda.analyze(_loop((0, 1), offset=0.6), k=30, n_landmarks=150)
    assert np.median(a.circle_distance) > a.params["tolerance"]  # farther than the tolerance from the ideal circle
    assert a.plane_share > 0.5 and a.largest_gap < 45
    assert a.verdict == "primary circle", a.summary()
    b = fasttda.analyze(_loop((2, 3), offset=0.0), k=30, n_landmarks=150)  # a loop of other patterns
    assert b.plane_share < 0.1 and b.long_bars[1] == 1
    assert b.verdict == "one loop", b.summary()
