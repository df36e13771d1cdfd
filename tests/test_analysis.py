"""analyze: the published answers on the natural patches, synthetic circles and noise, bad input."""

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fasttda
from fasttda.analysis import MIN_PERSISTENCE, default_k, default_p, movement, null_cut, null_model
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


def test_random_filters_are_indistinguishable_from_initialisation():
    W = np.random.default_rng(1).normal(size=(50, 60, 3, 3))
    a = fasttda.analyze(W, n_landmarks=200, null_init="normal")
    assert a.long_bars[1] == 0, a.summary()
    assert a.verdict == "indistinguishable from initialisation"
    assert len(a.null_h1) == 3 and a.persistence[1][0] <= null_cut(a.null_h1)
    assert "for untrained filters" in a.summary()
    # Without a null the same layer is judged by the bars alone.
    b = fasttda.analyze(W, n_landmarks=200, n_null=0)
    assert b.verdict == "no dominant loop" and b.null_h1_mean is None


def test_untrained_layers_of_many_networks_are_indistinguishable_from_initialisation():
    # PyTorch's default conv init, 24 networks of 64 3x3 filters: the null model's own distribution.
    W = np.random.default_rng(5).uniform(-1 / 3, 1 / 3, size=(24, 64, 1, 3, 3))
    a = fasttda.analyze(W)
    assert a.verdict == "indistinguishable from initialisation", a.summary()
    assert abs(a.persistence[1][0] - a.null_h1_mean) < 0.1


def test_a_trained_looking_circle_stands_clear_of_the_null():
    a = fasttda.analyze(noisy_gradients(4000, 0.15, 0).reshape(40, 100, 3, 3), n_landmarks=200, n_null=4)
    assert a.verdict == "primary circle", a.summary()
    assert a.persistence[1][0] > null_cut(a.null_h1) > a.null_h1_mean > 0
    d = json.loads(a.to_json())
    assert len(d["null_h1"]) == 4 and d["null_h1_mean"] == pytest.approx(a.null_h1_mean)
    assert f"against {a.null_h1_mean:.2f} ± {a.null_h1_std:.2f} for untrained filters" in a.summary()


def test_a_bar_clear_of_the_null_but_within_the_covering_radius_is_said_to_be_unresolved():
    # Seven landmarks cover the circle's core coarsely: its loop (0.46) clears the null's cut but not the
    # covering radius (0.75), so no bar is long and the summary must say which floor held it back.
    W = noisy_gradients(4000, 0.15, 0).reshape(40, 100, 3, 3)
    a = fasttda.analyze(W, n_landmarks=7, n_null=3)
    top = a.persistence[1][0]
    assert a.verdict == "no dominant loop" and null_cut(a.null_h1) < top <= a.cover_radius, a.summary()
    assert f"not of the landmarks' covering radius ({a.cover_radius:.2f})" in a.summary()
    assert "n_landmarks above 7" in a.summary()
    # With enough landmarks the same loop is resolved, and the line goes.
    b = fasttda.analyze(W, n_landmarks=200, n_null=3)
    assert b.verdict == "primary circle" and "not of the landmarks' covering radius" not in b.summary()


def test_the_null_cut_needs_both_spreads_and_ratio():
    assert null_cut(np.array([0.2, 0.2, 0.2])) == pytest.approx(0.3)  # no spread: the ratio decides
    assert null_cut(np.array([0.1, 0.3])) == pytest.approx(0.2 + 3 * np.std([0.1, 0.3], ddof=1))
    assert null_cut(np.empty(0)) == MIN_PERSISTENCE


def test_null_draws_of_a_sampled_layer_are_no_larger_than_the_sample_needs():
    fv = filter_vectors(np.random.default_rng(0).uniform(-1, 1, (200_000, 3, 3)), top=0.2)
    seen = []

    def init(rng, shape):
        seen.append(shape)
        return rng.uniform(-1, 1, shape)

    tops = null_model(
        fv,
        5000,
        k=50,
        p=0.3,
        norm="L2",
        n_landmarks=100,
        coeff=2,
        min_contrast=0.01,
        top=0.2,
        sample=5000,
        n_null=2,
        init=init,
    )
    assert len(tops) == 2 and np.all(tops > 0)
    assert all(s[0] < 30_000 for s in seen)  # 5,000 after keeping 20% needs about 25,000, not 200,000


def test_null_init_is_checked():
    with pytest.raises(ValueError, match="null_init must be"):
        fasttda.analyze(noisy_gradients(500, 0.1, 0), null_init="xavier")


def test_movement_from_the_initial_filters():
    W = noisy_gradients(300, 0.1, 3)
    assert np.allclose(movement(W, W), 0, atol=1e-12)
    assert np.allclose(movement(W, -W), 2)
    a = fasttda.analyze(W, initial=W + 0.01, n_null=0)
    assert a.moved is not None and a.moved < 0.01
    assert "moved a median cosine distance" in a.summary()
    with pytest.raises(ValueError, match="shape of the weights"):
        fasttda.analyze(W, initial=W[:10], n_null=0)


def test_defaults_scale_with_the_layer():
    assert default_k(50_000) == 300 and default_k(1536) == 153 and default_k(20) == 2
    assert default_p(1536) == 0.3 and default_p(10_000) == 0.3 and default_p(49_152) == 0.1
    assert default_p(20_000) == pytest.approx(0.15)
    a = fasttda.analyze(np.random.default_rng(0).normal(size=(30_000, 1, 3, 3)), n_null=0, n_landmarks=100)
    assert (a.params["k"], a.params["p"], a.params["top"]) == (300, 0.1, None) and len(a.core) == 3000


def test_robustness_grid_reports_the_verdict_around_the_chosen_parameters():
    a = fasttda.analyze(noisy_gradients(10_000, 0.1, 4), n_landmarks=120, robustness=True, n_null=2)
    assert len(a.robustness) == 5  # k/2, 2k, p/2, 2p, the other contrast cut
    assert {r["k"] for r in a.robustness} >= {a.params["k"] // 2, 2 * a.params["k"]}
    assert a.robust, a.summary()
    assert "The verdict holds at all 5 neighbouring settings" in a.summary()


def _full_reruns(weights, a, fv):
    """The robustness grid the slow way: the whole of ``analyze`` at every neighbouring setting."""
    P = a.params
    grid = [{"k": max(2, P["k"] // 2)}, {"k": 2 * P["k"]}, {"p": P["p"] / 2}, {"p": min(1.0, 2 * P["p"])}]
    slices = fv is not None and not isinstance(weights, type(fv))
    if slices:
        grid.append({"top": 0.2 if P["top"] is None else None})
    rows = []
    for change in grid:
        setting = {"k": P["k"], "p": P["p"], "top": P["top"] if slices else None, **change}
        if "top" in change:
            setting.update({name: None for name in P["defaulted"]})
        try:
            b = fasttda.analyze(
                weights,
                **setting,
                norm=P["norm"],
                n_landmarks=P["n_landmarks"],
                coeff=P["coeff"],
                min_contrast=P["min_contrast"],
                sample=P["sample"],
                n_null=P["n_null"],
                seed=P["seed"],
                n_intervals=4,
            )
            h1 = b.persistence[1]
            rows.append(
                {
                    **setting,
                    "k": b.params["k"],
                    "p": b.params["p"],
                    "verdict": b.verdict,
                    "top_h1": float(h1[0]) if len(h1) else 0.0,
                    "null_cut": null_cut(b.null_h1),
                }
            )
        except ValueError as e:
            rows.append({**setting, "verdict": None, "error": str(e)})
    return rows


@pytest.mark.parametrize("case", ["slices", "sampled", "points", "filter_vectors", "pixel", "too_small"])
def test_robustness_judges_each_setting_as_analyze_would(case):
    # The grid reruns only the core, landmarks, barcodes and null of each setting: the same rows as rerunning
    # the whole analysis there.
    W = noisy_gradients(1500, 0.1, 4)
    kwargs = {"n_landmarks": 60, "n_null": 2, "seed": 3}
    weights = {
        "slices": W,
        "sampled": W,
        "points": filter_vectors(W).points,
        "filter_vectors": filter_vectors(W),
        "pixel": np.random.default_rng(1).normal(size=(400, 2, 5, 5)),
        "too_small": noisy_gradients(40, 0.1, 1),
    }[case]
    if case == "sampled":
        kwargs.update(sample=1000, top=0.5)
    if case == "too_small":
        kwargs.update(k=15)  # 2k is more than the points: that setting reports its error
    a = fasttda.analyze(weights, robustness=True, **kwargs)
    assert a.robustness == _full_reruns(weights, a, a.filters)
    assert case != "too_small" or any(r["verdict"] is None and "k must be smaller" in r["error"] for r in a.robustness)


@pytest.mark.parametrize("form", ["points", "filter_vectors", "weights"])
def test_the_points_are_checked_once_per_analysis(monkeypatch, form):
    # Checked once at the door; the stages after it (core, landmarks, barcodes, Mapper, lens, the null
    # draws, the robustness grid, the bootstrap) run on the checked arrays without checking them again.
    import importlib

    from fasttda import _checks, analysis, filters

    checked, scanned = [], []

    def as_points(X, name="X"):
        checked.append(name)
        return _checks.as_points(X, name)

    for name in ("analysis", "homology", "mapper", "neighbours"):  # fasttda.mapper is the function: by name
        monkeypatch.setattr(importlib.import_module(f"fasttda.{name}"), "as_points", as_points)
    real_filter_vectors = filters.filter_vectors

    def filter_vectors_(weights, **kwargs):
        scanned.append(weights)
        return real_filter_vectors(weights, **kwargs)

    monkeypatch.setattr(analysis, "filter_vectors", filter_vectors_)
    W = noisy_gradients(1500, 0.1, 2).reshape(3, 500, 1, 3, 3)
    weights = {"points": real_filter_vectors(W).points, "filter_vectors": real_filter_vectors(W), "weights": W}[form]
    fasttda.analyze(weights, n_landmarks=60, n_null=2, lens="codensity", robustness=True, n_boot=2)
    if form == "weights":  # filter_vectors checks the weights (and the other cut's): its points are unit vectors
        assert checked == [] and sum(w is W for w in scanned) == 2
    else:
        assert checked == ["points"]


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


def test_a_verdict_that_flips_with_the_contrast_cut_says_so():
    # 3,000 edge filters: cut to their top 20% they are too few for their circle to stand clear of the null.
    a = fasttda.analyze(noisy_gradients(3000, 0.1, 4), n_landmarks=120, robustness=True, n_null=2)
    assert a.verdict == "primary circle" and a.robust is False
    flipped = [r for r in a.robustness if r["verdict"] != a.verdict]
    assert [r["top"] for r in flipped] == [0.2]
    assert "The verdict flips at 1 of 5 neighbouring settings" in a.summary()


def test_stability_over_networks():
    W = noisy_gradients(4000, 0.15, 0).reshape(40, 100, 1, 3, 3)  # 40 networks of 100 filters
    a = fasttda.analyze(W, n_landmarks=150, n_null=2, n_boot=12)
    s = a.bootstrap
    assert s.unit == "network" and s.n_boot == 12 and len(s.top_h1) == 12
    assert s.share("primary circle") >= 0.9 and abs(sum(s.verdicts.values()) - 1) < 1e-12
    assert np.all(s.distances >= 0) and s.band == pytest.approx(np.quantile(s.distances, 0.95))
    assert 2 * s.band < a.persistence[1][0]  # the circle's bar stands clear of the band
    assert f"Primary circle in {round(s.share('primary circle') * 12)} of 12 resamples of the networks" in a.summary()
    assert json.loads(a.to_json())["stability"]["n_boot"] == 12
    # The same seed gives the same resamples; the untrained null stays indistinguishable in every one.
    assert np.array_equal(a.stability(12).top_h1, s.top_h1)
    u = fasttda.analyze(np.random.default_rng(2).uniform(-1, 1, (30, 64, 1, 3, 3)), n_null=2)
    assert u.stability(8).share("indistinguishable from initialisation") >= 0.75


def test_stability_of_points_resamples_filters():
    a = fasttda.analyze(_loop((0, 1), offset=0.0, n=1500), k=30, n_landmarks=100, n_null=1)
    s = a.stability(5, per_network=False)
    assert s.unit == "filter" and len(s.distances) == 5 and s.per_network == []


def _topology_calls(monkeypatch):
    """Record (points, k) of every dense core analyze computes: the layer's first, then each null draw's."""
    import fasttda.analysis as analysis

    calls, real = [], analysis.topology

    def spy(points, k, *args, **kwargs):
        calls.append((len(points), k))
        return real(points, k, *args, **kwargs)

    monkeypatch.setattr(analysis, "topology", spy)
    return calls


@pytest.mark.parametrize("weights", ["points", "slices"])
def test_a_null_size_at_or_above_the_layer_changes_nothing(weights):
    W = noisy_gradients(3000, 0.3, 7)
    X = filter_vectors(W).points if weights == "points" else W
    kw = {"n_landmarks": 60, "n_null": 2, "seed": 4}
    before = fasttda.analyze(X, **kw)  # null_size=None: every draw as large as the layer
    for cap in (len(X), 10**6):
        a = fasttda.analyze(X, null_size=cap, **kw)
        assert np.array_equal(a.null_h1, before.null_h1)
        assert a.verdict == before.verdict and a.summary() == before.summary()
        assert (a.params["null_points"], a.params["null_k"]) == (len(before.points), before.params["k"])
    # A sample smaller than the cap: the draws fill the sample, as without a cap.
    s = fasttda.analyze(X, sample=2000, **kw)
    assert np.array_equal(fasttda.analyze(X, sample=2000, null_size=2000, **kw).null_h1, s.null_h1)


def test_a_null_larger_than_null_size_is_drawn_smaller_at_the_same_scale(monkeypatch):
    X = filter_vectors(noisy_gradients(6000, 0.3, 8)).points
    calls = _topology_calls(monkeypatch)
    a = fasttda.analyze(X, k=200, p=0.2, n_landmarks=50, n_null=2, null_size=1500, seed=1)
    assert calls[0] == (6000, 200)
    assert calls[1:] == [(1500, 50), (1500, 50)]  # k·m/n = 200·1500/6000
    assert (a.params["null_size"], a.params["null_points"], a.params["null_k"]) == (1500, 1500, 50)
    assert "2 draws of 1,500 points at k = 50, the analysed scale" in a.summary()
    assert json.loads(a.to_json())["params"]["null_k"] == 50
    # Each draw is the same pipeline on 1,500 uniform points of S⁷, at k = 50.
    from fasttda.analysis import topology

    monkeypatch.undo()
    for i, top in enumerate(a.null_h1):
        pts = np.random.default_rng([1, 0x0D11, i]).standard_normal((1500, 8))
        pts = (pts / np.linalg.norm(pts, axis=1, keepdims=True)).astype(np.float32)
        assert top == topology(pts, 50, 0.2, 50, 1, 2, 1, None).h1()[0]


def test_null_draws_of_slices_keep_the_cap_after_the_contrast_cut(monkeypatch):
    W = noisy_gradients(8000, 0.3, 9).reshape(80, 100, 3, 3)
    calls = _topology_calls(monkeypatch)
    a = fasttda.analyze(W, k=100, n_landmarks=40, n_null=2, null_size=2000)
    assert calls[1:] == [(2000, 25)] * 2
    assert a.params["null_points"] == 2000 and a.params["null_k"] == 25


def test_null_draws_are_remembered_by_everything_they_depend_on(monkeypatch):
    W = noisy_gradients(3000, 0.3, 5).reshape(30, 100, 3, 3)
    kw = {"k": 60, "p": 0.3, "n_landmarks": 40, "seed": 2}
    calls = _topology_calls(monkeypatch)
    first = fasttda.analyze(W, n_null=2, **kw)
    assert len(calls) == 3  # the layer, then two draws
    # Other weights of the same shape (another checkpoint): the layer only; the same null.
    again = fasttda.analyze(noisy_gradients(3000, 0.2, 6).reshape(30, 100, 3, 3), n_null=2, **kw)
    assert len(calls) == 4 and np.array_equal(again.null_h1, first.null_h1)
    # A third draw adds one; the first two are reused.
    three = fasttda.analyze(W, n_null=3, **kw)
    assert len(calls) == 6 and np.array_equal(three.null_h1[:2], first.null_h1)
    # Another seed, p or shape draws afresh.
    fasttda.analyze(W, n_null=2, **{**kw, "seed": 3})
    fasttda.analyze(W, n_null=2, **{**kw, "p": 0.2})
    fasttda.analyze(W[:20], n_null=2, **kw)
    assert len(calls) == 6 + 3 * 3
    # A remembered draw is the value a fresh one gives.
    import fasttda.analysis as analysis

    analysis._NULL_DRAWS.clear()
    assert np.array_equal(fasttda.analyze(W, n_null=3, **kw).null_h1, three.null_h1)
    # A custom init function is not remembered.
    before = len(calls)
    for _ in range(2):
        fasttda.analyze(W, n_null=1, null_init=lambda rng, shape: rng.uniform(-1, 1, shape), **kw)
    assert len(calls) == before + 4


def test_the_scaled_k_never_falls_below_the_minimum():
    from fasttda.analysis import NULL_MIN_K, null_scale

    assert null_scale(10**6, 300, 10**4) == (33_333, NULL_MIN_K)  # k = 3 would be too few: the draw grows
    assert null_scale(10**6, 5, 10**4) == (10**6, 5)  # k at or below the minimum: no smaller draw keeps the scale
    assert null_scale(10**4, 300, None) == (10**4, 300)


@given(
    n=st.integers(3, 10**8),
    k=st.integers(1, 5000),
    cap=st.one_of(st.none(), st.integers(3, 10**7)),
)
def test_null_scale_keeps_the_fraction_of_points_per_neighbourhood(n, k, cap):
    from fasttda.analysis import NULL_MIN_K, null_scale

    m, k_m = null_scale(n, k, cap)
    assert 1 <= m <= n and 1 <= k_m <= k
    if cap is None or n <= cap or k <= NULL_MIN_K:
        assert (m, k_m) == (n, k)
        return
    assert k_m >= NULL_MIN_K
    assert m <= cap or k_m == NULL_MIN_K
    assert abs(k_m / m - k / n) <= k / n * (0.5 / m) * 1.0001 + 1e-15 or m == n


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-5, ValueError), (2.5, TypeError), ("big", TypeError)])
def test_null_size_is_checked(bad, error):
    with pytest.raises(error, match="null_size must be"):
        fasttda.analyze(noisy_gradients(500, 0.1, 0), null_size=bad)
