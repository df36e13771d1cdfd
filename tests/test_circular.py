"""Circular coordinates, representative loops and the circular correlation, alone and inside analyze."""

import io
import json

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import fasttda
from conftest import gradients
from fasttda import circular, models
from fasttda.circular import (
    circular_coordinates,
    circular_correlation,
    h1_cocycle,
    representative_loop,
)


def noisy_circle(n, noise, seed):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, n)
    return np.c_[np.cos(t), np.sin(t)] + noise * rng.normal(size=(n, 2)), t


def primary_circle(n, noise, seed):
    """Noisy points of S⁷ near the primary circle cos θ·e1 + sin θ·e2, and their θ."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, n)
    X = np.zeros((n, 8))
    X[:, 0], X[:, 1] = np.cos(t), np.sin(t)
    X += noise * rng.normal(size=X.shape)
    return X / np.linalg.norm(X, axis=1, keepdims=True), t


def landmarks_of(X, m):
    return fasttda.maxmin(X, m, seed=0)


def pairing(cocycle, walk, prime):
    """⟨cocycle, closed walk⟩ mod prime, from the raw rows (i, j, value): i → j carries value, j → i −value."""
    value = {}
    for i, j, v in np.asarray(cocycle).tolist():
        value[(i, j)] = v
        value[(j, i)] = -v
    return sum(value.get((int(a), int(b)), 0) for a, b in zip(walk, np.roll(walk, -1))) % prime


# ---- circular coordinates --------------------------------------------------------------------------


@pytest.mark.parametrize("noise", [0.0, 0.1, 0.2])
def test_circle_in_the_plane(noise):
    X, t = noisy_circle(800, noise, 1)
    lm = landmarks_of(X, 80)
    birth, death, z = h1_cocycle(X[lm])
    theta = circular_coordinates(X, z, birth, death, landmarks=lm)
    assert theta.shape == (800,) and theta.min() >= 0 and theta.max() < 2 * np.pi
    polar = np.arctan2(X[:, 1], X[:, 0])  # the angle of the noisy point itself: noise moves it off t
    assert abs(circular_correlation(theta, polar)) > 0.95


@pytest.mark.parametrize("noise", [0.05, 0.15])
def test_the_model_primary_circle_on_the_sphere(noise):
    X, t = primary_circle(1500, noise, 2)
    assert abs(circular_correlation(models.circle_fit(X)[0], t)) > 0.95  # the model's own angle, a sanity check
    lm = landmarks_of(X, 120)
    c = circular.circle_coordinates(X, lm)
    assert abs(circular_correlation(c.angle, t)) > 0.95
    assert np.array_equal(c.landmark_angle, c.angle[lm]) and c.birth < c.radius < c.death


def test_the_coordinate_winds_once_and_is_smooth_along_the_circle():
    X, t = noisy_circle(600, 0.05, 3)
    lm = landmarks_of(X, 60)
    birth, death, z = h1_cocycle(X[lm])
    theta = circular_coordinates(X, z, birth, death, landmarks=lm)
    order = np.argsort(t)
    steps = np.angle(np.exp(1j * np.diff(theta[np.r_[order, order[:1]]])))
    assert abs(abs(steps.sum()) - 2 * np.pi) < 1e-6  # one turn, either way round
    assert np.abs(steps).max() < 0.5  # no jumps between neighbours on the circle


def test_the_lifted_cocycle_is_a_cocycle_and_the_smoothed_one_harmonic():
    X, _ = noisy_circle(300, 0.1, 4)
    L = X[landmarks_of(X, 50)]
    birth, death, z = h1_cocycle(L, prime=47)
    zl, _, _ = circular._check_bar(z, birth, death, len(L), 47)
    assert np.abs(zl[:, 2]).max() <= 23
    Z = circular._cochain(zl, len(L))
    t = circular.smoothing_radius(birth, death)
    D = np.linalg.norm(L[:, None] - L[None], axis=-1)
    A = D < t
    # The cocycle condition z(a→b) + z(b→c) = z(a→c) mod p on every triangle of the complex at t.
    for a, b, c in zip(*np.nonzero(A[:, :, None] & A[:, None, :] & A[None, :, :])):
        if a < b < c:
            assert (Z[a, b] + Z[b, c] - Z[a, c]) % 47 == 0
    near = (D < t / 2).sum(axis=1)
    np.fill_diagonal(A, False)
    for weighted, W in ((False, np.ones_like(D)), (True, 1 / np.outer(near, near))):
        f, T = circular._harmonic(L, Z, t, weighted)
        assert np.allclose(T, -T.T) and np.all(T[~A] == 0)
        i, j = np.nonzero(np.triu(A, 1))
        assert np.allclose(T[i, j], Z[i, j] + (f[j] - f[i]))  # cohomologous to Z
        # Harmonic: orthogonal (in the weighted inner product) to every coboundary, i.e. no divergence.
        assert np.abs((W * T).sum(axis=1)).max() < 1e-6 * np.abs(W * T).sum(axis=1).max()


def test_uncovered_points_take_the_nearest_landmark_or_raise():
    X, _ = noisy_circle(300, 0.05, 5)
    lm = landmarks_of(X, 40)
    birth, death, z = h1_cocycle(X[lm])
    far = np.vstack([X, [[10.0, 0.0]]])
    theta = circular_coordinates(far, z, birth, death, landmarks=lm)
    nearest = lm[np.argmin(np.linalg.norm(X[lm] - [10.0, 0.0], axis=1))]
    assert theta[-1] == pytest.approx(theta[nearest])
    with pytest.raises(ValueError, match="farther than the ball radius"):
        circular_coordinates(far, z, birth, death, landmarks=lm, uncovered="raise")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"cocycle": np.zeros((3, 2), dtype=int)}, "rows"),
        ({"cocycle": np.array([[0, 100, 1]])}, "outside"),
        ({"cocycle": np.array([[1, 1, 1]])}, "two vertices"),
        ({"birth": 1.0, "death": 0.5}, "birth < death"),
        ({"prime": 2}, "at least 3"),
        ({"prime": 9}, "odd prime"),
        ({"perc": 1.0}, "perc"),
        ({"uncovered": "drop"}, "uncovered"),
        ({"landmarks": np.array([0, 500])}, "index"),
    ],
)
def test_circular_coordinates_bad_input(kwargs, message):
    X, _ = noisy_circle(100, 0.05, 6)
    args = {"cocycle": np.array([[1, 0, 1]]), "birth": 0.1, "death": 1.0, **kwargs}
    with pytest.raises(ValueError, match=message):
        circular_coordinates(X, args.pop("cocycle"), args.pop("birth"), args.pop("death"), **args)


def test_h1_cocycle_of_fewer_points_than_coordinates():
    # A loop of 6 points in R⁸ (and 8 points in R⁸, which a point cloud reader might take for a distance matrix).
    for n in (6, 8):
        s = np.linspace(0, 2 * np.pi, n, endpoint=False)
        X = np.zeros((n, 8))
        X[:, 0], X[:, 1] = np.cos(s), np.sin(s)
        birth, death, z = h1_cocycle(X)
        assert birth == pytest.approx(2 * np.sin(np.pi / n), rel=1e-6) and death > birth
        assert sorted(representative_loop(X, z, birth, death).vertices.tolist()) == list(range(n))


def test_h1_cocycle_without_a_bar():
    with pytest.raises(circular.NoBarError, match="no bar number"):
        h1_cocycle(np.random.default_rng(0).normal(size=(4, 3)), index=3)


# ---- representative loops --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_loop_is_a_closed_walk_that_pairs_nonzero_with_the_cocycle(seed):
    X, t = noisy_circle(500, 0.1, seed)
    lm = landmarks_of(X, 60)
    L = X[lm]
    birth, death, z = h1_cocycle(L, prime=41)
    loop = representative_loop(L, z, birth, death, prime=41)
    v = loop.vertices
    assert len(v) >= 3 and len(set(v.tolist())) == len(v)  # a simple cycle
    lengths = np.linalg.norm(L[v] - L[np.roll(v, -1)], axis=1)
    assert birth <= loop.radius < death and lengths.max() <= loop.radius + 1e-9  # edges of the 1-skeleton
    assert loop.length == pytest.approx(lengths.sum())
    assert pairing(z, v, 41) != 0 and loop.pairing % 41 == pairing(z, v, 41)
    # It goes round the hole: the true angles along it wind once.
    steps = np.angle(np.exp(1j * np.diff(t[lm][np.r_[v, v[:1]]])))
    assert abs(abs(steps.sum()) - 2 * np.pi) < 1e-6


def test_the_loop_of_a_sampled_circle_visits_every_sample():
    s = np.linspace(0, 2 * np.pi, 30, endpoint=False)
    X = np.c_[np.cos(s), np.sin(s)]
    birth, death, z = h1_cocycle(X)
    loop = representative_loop(X, z, birth, death)
    assert sorted(loop.vertices.tolist()) == list(range(30))
    assert abs(loop.pairing) == 1


def test_a_cocycle_that_is_a_coboundary_has_no_loop():
    X, _ = noisy_circle(100, 0.05, 7)
    L = X[landmarks_of(X, 30)]
    birth, death, _ = h1_cocycle(L)
    coboundary = np.array([[i, 0, 1] for i in range(1, 30)])  # δ of the indicator of vertex 0
    with pytest.raises(ValueError, match="pairs nonzero"):
        representative_loop(L, coboundary, birth, death)


# ---- circular correlation --------------------------------------------------------------------------


def brute_force_fisher_lee(a, b):
    i, j = np.triu_indices(len(a), 1)
    sa, sb = np.sin(a[i] - a[j]), np.sin(b[i] - b[j])
    return (sa * sb).sum() / np.sqrt((sa**2).sum() * (sb**2).sum())


def spread(x):
    return np.sum(np.sin(np.subtract.outer(x, x)) ** 2)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_correlation_matches_the_pairwise_formula_and_its_invariances(data):
    n = data.draw(st.integers(3, 40))
    a, b = (
        np.array(data.draw(st.lists(st.floats(-20, 20, allow_nan=False), min_size=n, max_size=n))) for _ in range(2)
    )
    c, d = data.draw(st.floats(-10, 10)), data.draw(st.floats(-10, 10))
    assume(spread(a) > 1e-3 and spread(b) > 1e-3)  # both samples vary (else a ValueError, tested below)
    rho = circular_correlation(a, b)
    assert -1 <= rho <= 1
    assert rho == pytest.approx(brute_force_fisher_lee(a, b), abs=1e-7)
    assert circular_correlation(a + c, b + d) == pytest.approx(rho, abs=1e-7)  # rotations
    assert circular_correlation(a, -b) == pytest.approx(-rho, abs=1e-7)  # reflection
    assert circular_correlation(b, a) == pytest.approx(rho, abs=1e-7)  # symmetry
    perm = np.random.default_rng(n).permutation(n)
    assert circular_correlation(a[perm], b[perm]) == pytest.approx(rho, abs=1e-7)
    assert circular_correlation(a + 2 * np.pi, b - 4 * np.pi) == pytest.approx(rho, abs=1e-7)


def test_correlation_known_cases():
    rng = np.random.default_rng(8)
    a = rng.uniform(0, 2 * np.pi, 5000)
    assert circular_correlation(a, a) == pytest.approx(1.0)
    assert circular_correlation(a, a + 2.5) == pytest.approx(1.0)
    assert circular_correlation(a, 1.0 - a) == pytest.approx(-1.0)
    assert abs(circular_correlation(a, rng.uniform(0, 2 * np.pi, 5000))) < 0.05
    noisy = circular_correlation(a, a + 0.3 * rng.normal(size=5000))
    assert 0.8 < noisy < 1.0


@pytest.mark.parametrize(
    "a, b, message",
    [
        ([0.0, 1.0], [0.0], "paired"),
        ([0.0], [0.0], "at least 2"),
        ([0.0, np.nan], [0.0, 1.0], "NaN"),
        ([1.0, 1.0, 1.0 + np.pi], [0.0, 1.0, 2.0], "does not vary"),
        (np.zeros((2, 2)), np.zeros((2, 2)), "1-D"),
    ],
)
def test_correlation_bad_input(a, b, message):
    with pytest.raises(ValueError, match=message):
        circular_correlation(np.asarray(a), np.asarray(b))


# ---- inside analyze -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def circle_layer():
    W = gradients(2400, 0.15, 0).reshape(24, 100, 1, 3, 3)  # 24 networks of 100 edge filters
    return W, fasttda.analyze(W, n_landmarks=150, n_null=2)


@pytest.fixture(scope="module")
def noise_layer():
    W = np.random.default_rng(1).uniform(-1, 1, size=(8, 64, 2, 3, 3))
    return fasttda.analyze(W, n_landmarks=100, n_null=2)


def test_analyze_gives_the_circular_coordinate_and_the_loop(circle_layer):
    W, a = circle_layer
    assert a.verdict == "primary circle", a.summary()
    assert a.circular.shape == (len(a.core),)
    assert a.circle_correlation > 0.9
    assert a.circle_correlation == pytest.approx(abs(circular_correlation(a.circular, a.circle_theta)))
    loop = a.loop
    m = len(loop["core"])
    assert m >= 3 and loop["filters"].shape == (m, 3, 3) and loop["source"].shape == (m, 3)
    assert np.all(np.isin(loop["core"], a.landmarks)) and np.allclose(loop["angle"], a.circular[loop["core"]])
    # The loop pairs with the landmarks' cocycle as it says (its walk in landmark positions).
    birth, death, z = h1_cocycle(a.points[a.core][a.landmarks])
    walk = np.array([int(np.flatnonzero(a.landmarks == c)[0]) for c in loop["core"]])
    assert pairing(z, walk, 47) == loop["pairing"] % 47 != 0 and loop["bar"] == (birth, death)
    # In angle order: the walk starts at its smallest angle and the angle goes up along it, one turn.
    steps = np.angle(np.exp(1j * np.diff(loop["angle"][np.r_[np.arange(m), 0]])))
    assert loop["angle"][0] == loop["angle"].min() and steps.sum() == pytest.approx(2 * np.pi)
    # Each source names the slice the filter came from: the slice, mean-centred, is the filter up to scale.
    for patch, (net, out, inp) in zip(loop["filters"], loop["source"]):
        s = W[net, out, inp] - W[net, out, inp].mean()
        assert np.allclose(s / np.linalg.norm(s), patch / np.linalg.norm(patch), atol=1e-5)
    assert "Circular coordinate follows the primary circle's angle: correlation" in a.summary()
    # The words follow the value: a low correlation is not called following.
    for rho, words in ((0.62, "loosely follows"), (0.2, "does not follow")):
        a.circle_correlation = rho
        assert f"Circular coordinate {words} the primary circle's angle: correlation {rho:.2f}" in a.summary()
    d = json.loads(a.to_json())
    assert d["circle_correlation"] == pytest.approx(a.circle_correlation)
    assert len(d["circular"]) == len(a.core) and d["loop"]["source"] == loop["source"].tolist()


def test_analyze_of_noise_has_no_loop(noise_layer):
    a = noise_layer
    assert a.long_bars[1] == 0, a.summary()
    assert a.circular is None and a.circle_correlation is None and a.loop is None
    d = json.loads(a.to_json())
    assert d["circular"] is None and d["loop"] is None
    assert "Circular coordinate" not in a.summary()


def test_analyze_of_points_has_no_sources():
    X, _ = primary_circle(3000, 0.1, 9)
    a = fasttda.analyze(X, n_landmarks=120, n_null=0)
    assert a.loop is not None and a.loop["source"] is None and a.circle_correlation > 0.95


# ---- the figure ------------------------------------------------------------------------------------


def test_loop_filters_draws_the_loop(circle_layer):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    a = circle_layer[1]
    fig = fasttda.plot.loop_filters(a, max_filters=12)
    assert isinstance(fig, Figure)
    thumbs = [x for x in fig.findobj() if x.get_gid() == "filter"]
    labels = [x for x in fig.findobj() if x.get_gid() == "source"]
    assert 0.75 * min(12, len(a.loop["core"])) <= len(thumbs) <= 12 and len(thumbs) == len(labels)
    assert "correlation with the primary circle's angle" in fig.axes[0].get_title()
    fig.savefig(io.BytesIO(), format="png")
    assert "loop_filters" in fasttda.plot.__all__
    every = fasttda.plot.loop_filters(a, max_filters=len(a.loop["core"]), labels=False)
    assert len([x for x in every.findobj() if x.get_gid() == "filter"]) == len(a.loop["core"])
    assert not [x for x in every.findobj() if x.get_gid() == "source"]


def test_loop_filters_without_a_loop_and_bad_input(noise_layer):
    pytest.importorskip("matplotlib")
    fig = fasttda.plot.loop_filters(noise_layer)
    assert "no loop" in fig.axes[0].texts[0].get_text()
    fig.savefig(io.BytesIO(), format="png")
    with pytest.raises(TypeError, match="Analysis"):
        fasttda.plot.loop_filters(np.zeros(3))
    with pytest.raises(ValueError, match="max_filters"):
        fasttda.plot.loop_filters(noise_layer, max_filters=0)
