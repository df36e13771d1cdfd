"""fasttda.sklearn: scikit-learn's estimator checks, parameters, the vectorisers against GUDHI, persim
and hand computations, and a Pipeline classifying point clouds by their H1."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sklearn = pytest.importorskip("sklearn")

from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import fasttda
from fasttda.sklearn import (
    DenseCore,
    FilterVectorizer,
    PersistenceImage,
    PersistenceLandscape,
    RipsPersistence,
    expected_failed_checks,
)

ESTIMATORS = [FilterVectorizer(), DenseCore(), RipsPersistence(), PersistenceImage(), PersistenceLandscape()]


# The checks that feed a 2-D feature matrix are expected to fail (strictly: one that passes is an error,
# so the list in fasttda.sklearn stays true); every other check must pass.
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks, xfail_strict=True)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


OTHER_PARAMS = {
    FilterVectorizer: {"norm": "D", "min_contrast": 0.1, "top": 0.5, "space": "pixel", "n_threads": 1},
    DenseCore: {"k": 4, "p": 0.5, "n_threads": 2},
    RipsPersistence: {"maxdim": 2, "coeff": 3, "n_landmarks": 20, "seed": 7, "thresh": 2.0, "n_threads": 1},
    PersistenceImage: {
        "homology_dimensions": (0, 1),
        "n_pixels": (3, 4),
        "sigma": 0.2,
        "weight": "uniform",
        "birth_range": (0, 1),
        "pers_range": (0, 2),
    },
    PersistenceLandscape: {"homology_dimensions": (1, 2), "n_layers": 2, "n_bins": 7, "sample_range": (0, 3)},
}


@pytest.mark.parametrize("cls", list(OTHER_PARAMS))
def test_params_round_trip_and_clone(cls):
    est = cls()
    defaults = est.get_params()
    assert est.set_params(**OTHER_PARAMS[cls]) is est
    assert est.get_params() == {**defaults, **OTHER_PARAMS[cls]}
    twin = clone(est)
    assert twin is not est and twin.get_params() == est.get_params()
    assert cls(**OTHER_PARAMS[cls]).get_params() == est.get_params()
    assert not [name for name in vars(twin) if name.endswith("_")]  # nothing fitted is cloned


# ---------------------------------------------------------------- each stage does what its function does


def test_stages_wrap_the_library():
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((32, 2, 3, 3)).astype(np.float32) for _ in range(3)]
    clouds = FilterVectorizer(top=0.8).fit_transform(weights)
    for w, c in zip(weights, clouds):
        np.testing.assert_array_equal(c, fasttda.filter_vectors(w, top=0.8).points)
    cores = DenseCore(k=5, p=0.4).fit_transform(clouds)
    for c, core in zip(clouds, cores):
        np.testing.assert_array_equal(core, c[fasttda.dense_core(c, 5, 0.4)])
    dgms = RipsPersistence(maxdim=1, n_landmarks=15, seed=3).fit_transform(cores)
    for core, d in zip(cores, dgms):
        expected = fasttda.rips(core[fasttda.maxmin(core, 15, seed=3)], maxdim=1)["dgms"]
        assert len(d) == 2 and all(np.array_equal(a, b) for a, b in zip(d, expected))
    # more landmarks than points: every point; k beyond a small cloud: k = n - 1
    small = [rng.standard_normal((6, 3))]
    np.testing.assert_array_equal(
        RipsPersistence(n_landmarks=50).transform(small)[0][0], fasttda.rips(small[0])["dgms"][0]
    )
    np.testing.assert_array_equal(
        DenseCore(k=15, p=0.5).transform(small)[0], small[0][fasttda.dense_core(small[0], 5, 0.5)]
    )


def test_input_errors_are_one_sentence():
    with pytest.raises(ValueError, match="expected a list of point clouds .* got a 2-D array"):
        DenseCore().fit(np.zeros((10, 3)))
    with pytest.raises(ValueError, match="expected a list of conv weights .* got a 2-D array"):
        FilterVectorizer().fit_transform(np.zeros((10, 9)))
    with pytest.raises(ValueError, match="non-empty"):
        RipsPersistence().fit([])
    with pytest.raises(ValueError, match="sample 1 must be a point cloud"):
        RipsPersistence().fit_transform([np.zeros((4, 2)), np.zeros(4)])
    with pytest.raises(ValueError, match="p must be a fraction"):
        DenseCore(p=1.5).fit([np.zeros((4, 2))])
    with pytest.raises(ValueError, match="NaN"):
        PersistenceImage(homology_dimensions=0).fit([[np.array([[0.0, np.nan]])]])
    with pytest.raises(ValueError, match="dies before it is born"):
        PersistenceLandscape(homology_dimensions=0).fit([[np.array([[1.0, 0.5]])]])
    with pytest.raises(ValueError, match="not of dimension 2"):
        PersistenceLandscape(homology_dimensions=2).fit([[np.zeros((0, 2)), np.zeros((0, 2))]])
    with pytest.raises(NotFittedError):
        PersistenceImage().transform([[np.zeros((0, 2)), np.zeros((0, 2))]])
    with pytest.raises(ValueError, match="n_pixels"):
        PersistenceImage(n_pixels=0).fit([[np.zeros((0, 2)), np.zeros((0, 2))]])


# ---------------------------------------------------------------- the vectorisers, by hand and against references


def test_landscape_by_hand():
    # bars (0, 4) and (1, 3): tents peaking at t=2 with heights 2 and 1; an essential bar is left out
    dgm = [np.zeros((0, 2)), np.array([[0.0, 4.0], [1.0, 3.0], [0.5, np.inf]])]
    land = PersistenceLandscape(n_layers=3, n_bins=5, sample_range=(0, 4)).fit_transform([dgm])
    t = [0, 1, 2, 3, 4]
    first = [min(x, 4 - x) for x in t]  # 0 1 2 1 0
    second = [max(0, min(x - 1, 3 - x)) for x in t]  # 0 0 1 0 0
    np.testing.assert_allclose(land[0], first + second + [0] * 5)


def test_image_by_hand():
    # one bar (0.25, 0.75): birth 0.25, persistence 0.5, weight 0.5 / 1 (linear); a 2x2 image of [0,1]^2
    s = 0.3
    image = PersistenceImage(
        homology_dimensions=0, n_pixels=2, sigma=s, birth_range=(0, 1), pers_range=(0, 1)
    ).fit_transform([[np.array([[0.25, 0.75]])]])

    def mass(lo, hi, mu):  # the normal distribution's mass in [lo, hi]
        return 0.5 * (math.erf((hi - mu) / (s * math.sqrt(2))) - math.erf((lo - mu) / (s * math.sqrt(2))))

    expected = [0.5 * mass(bx, bx + 0.5, 0.25) * mass(py, py + 0.5, 0.5) for bx in (0, 0.5) for py in (0, 0.5)]
    np.testing.assert_allclose(image[0], expected, rtol=1e-12)


diagrams = st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=0, max_size=12).map(
    lambda bars: np.array([[b, b + p] for b, p in bars]).reshape(-1, 2)
)


@settings(max_examples=40, deadline=None)
@given(diagrams, st.integers(1, 4), st.integers(2, 30))
def test_landscape_matches_gudhi(dgm, layers, bins):
    gudhi = pytest.importorskip("gudhi.representations")
    ours = PersistenceLandscape(homology_dimensions=0, n_layers=layers, n_bins=bins, sample_range=(0, 2)).fit_transform(
        [[dgm]]
    )
    if not len(dgm):
        assert not ours.any()
        return
    theirs = gudhi.Landscape(
        num_landscapes=layers, resolution=bins, sample_range=[0, 2], keep_endpoints=True
    ).fit_transform([dgm])
    # GUDHI samples the tents in the rotated (birth+death, death-birth)/sqrt(2) frame: sqrt(2) times Bubenik's
    np.testing.assert_allclose(ours, theirs / np.sqrt(2), atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(diagrams, st.floats(0.02, 0.5))
def test_image_matches_persim(dgm, sigma):
    persim = pytest.importorskip("persim")
    # a 16 x 8 image of births in [0, 2] and persistences in [0, 1], pixels of 1/8, weight = persistence
    ours = PersistenceImage(
        homology_dimensions=0,
        n_pixels=(16, 8),
        sigma=sigma,
        weight=lambda b, p: p,
        birth_range=(0, 2),
        pers_range=(0, 1),
    ).fit_transform([[dgm]])
    imager = persim.PersistenceImager(
        birth_range=(0, 2),
        pers_range=(0, 1),
        pixel_size=0.125,
        weight="persistence",
        weight_params={"n": 1.0},
        kernel_params={"sigma": [[sigma**2, 0], [0, sigma**2]]},
    )
    theirs = imager.transform(dgm) if len(dgm) else np.zeros((16, 8))
    assert np.shape(theirs) == (16, 8)
    np.testing.assert_allclose(ours[0], np.asarray(theirs).ravel(), atol=1e-12)


def test_ranges_are_learned_in_fit_and_kept():
    train = [[np.zeros((0, 2)), np.array([[0.2, 0.9], [0.4, 0.5]])], [np.zeros((0, 2)), np.array([[0.1, 0.3]])]]
    image = PersistenceImage(n_pixels=5).fit(train)
    assert image.birth_range_ == {1: (0.1, 0.4)} and image.pers_range_[1] == pytest.approx((0.0, 0.7))
    assert image.sigma_[1] == pytest.approx(0.7 / 5) and image.n_features_out_ == 25
    land = PersistenceLandscape(n_layers=2, n_bins=4).fit(train)
    assert land.sample_range_ == {1: (0.1, 0.9)} and land.transform(train).shape == (2, 8)
    # a bar far outside the learned range adds (almost) nothing: the features keep their meaning
    far = [[np.zeros((0, 2)), np.array([[50.0, 60.0]])]]
    assert image.transform(far).max() < 1e-12 and land.transform(far).max() == 0


# ---------------------------------------------------------------- a pipeline that learns


def toy_clouds(n_per_class=12, seed=0):
    """Noisy circles (one long H1 bar) and Gaussian blobs (none), 60 points each in the plane."""
    rng = np.random.default_rng(seed)
    clouds, labels = [], []
    for i in range(2 * n_per_class):
        if i % 2 == 0:
            t = rng.uniform(0, 2 * np.pi, 60)
            cloud = np.c_[np.cos(t), np.sin(t)] * rng.uniform(0.9, 1.1) + rng.normal(0, 0.05, (60, 2))
        else:
            cloud = rng.normal(0, 0.5, (60, 2))
        clouds.append(cloud)
        labels.append(i % 2)
    return clouds, np.array(labels)


@pytest.mark.parametrize("vectoriser", [PersistenceImage(n_pixels=6), PersistenceLandscape(n_layers=2, n_bins=20)])
def test_pipeline_classifies_circles_from_blobs(vectoriser):
    clouds, labels = toy_clouds()
    pipe = make_pipeline(
        DenseCore(k=5, p=0.9),
        RipsPersistence(maxdim=1, n_landmarks=40),
        vectoriser,
        StandardScaler(),
        LogisticRegression(max_iter=1000),
    )
    scores = cross_val_score(pipe, clouds, labels, cv=3)
    assert scores.mean() >= 0.9, scores
    # and with the labels shuffled there is nothing to learn
    shuffled = np.random.default_rng(1).permutation(labels)
    assert cross_val_score(pipe, clouds, shuffled, cv=3).mean() < scores.mean()


def test_pipeline_from_conv_weights():
    # weights whose slices lie on the primary circle (oriented edges) against weights of noise
    rng = np.random.default_rng(0)
    e1 = np.array([[-1, 0, 1]] * 3, float)
    e2 = e1.T.copy()

    def sample(circle):
        if not circle:
            return rng.standard_normal((48, 1, 3, 3))
        t = rng.uniform(0, 2 * np.pi, 48)
        w = np.cos(t)[:, None, None] * e1 + np.sin(t)[:, None, None] * e2
        return (w + rng.normal(0, 0.05, w.shape))[:, None]

    weights = [sample(i % 2 == 0) for i in range(16)]
    labels = np.arange(16) % 2
    pipe = make_pipeline(
        FilterVectorizer(),
        RipsPersistence(maxdim=1),
        PersistenceImage(n_pixels=5),
        StandardScaler(),
        LogisticRegression(max_iter=1000),
    )
    assert cross_val_score(pipe, weights, labels, cv=4).mean() >= 0.9
