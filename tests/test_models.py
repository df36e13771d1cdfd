"""Fits to the primary circle, the three-circle model and the Klein bottle."""

import numpy as np
import pytest

import fasttda
from fasttda import models
from fasttda.filters import filter_vectors

YY, XX = np.mgrid[-1:2, -1:2].astype(float)


def klein_patches(theta1, theta2):
    u = np.cos(theta1)[:, None, None] * XX + np.sin(theta1)[:, None, None] * YY
    return np.sin(theta2)[:, None, None] * u + np.cos(theta2)[:, None, None] * u * u


@pytest.mark.parametrize("norm", ["L2", "D"])
def test_model_patches_fit_their_model_exactly(norm):
    rng = np.random.default_rng(0)
    t1, t2 = rng.uniform(0, 2 * np.pi, 400), rng.uniform(0, 2 * np.pi, 400)
    on_klein = filter_vectors(klein_patches(t1, t2), norm=norm, min_contrast=0).points
    assert models.klein_fit(on_klein, norm)[2].max() < 0.02  # grid of half a degree in θ1
    edges = filter_vectors(klein_patches(t1, np.full(400, np.pi / 2)), norm=norm).points
    theta, dist = models.circle_fit(edges)
    assert dist.max() < 1e-5
    lines = filter_vectors(klein_patches(rng.choice([0, np.pi / 2], 400), t2), norm=norm, min_contrast=0).points
    assert models.three_circle_distance(lines).max() < 1e-5


def test_circle_angle_follows_the_gradient_direction():
    theta = np.linspace(0, 2 * np.pi, 73)[:-1]
    points = filter_vectors(klein_patches(theta, np.full(72, np.pi / 2))).points
    fitted, _ = models.circle_fit(points)
    # u = cos θ x + sin θ y is -(cos θ e1 + sin θ e2): the angle is θ + π.
    np.testing.assert_allclose(np.mod(fitted - theta - np.pi + 1, 2 * np.pi) - 1, 0, atol=1e-6)


def test_random_points_are_far_from_every_model():
    R = np.random.default_rng(1).normal(size=(2000, 8))
    R /= np.linalg.norm(R, axis=1, keepdims=True)
    assert np.median(models.circle_fit(R)[1]) > 0.9
    assert np.median(models.klein_fit(R)[2]) > 0.6


def test_orientation_histogram_axis_ratio():
    rng = np.random.default_rng(2)
    uniform = models.orientation_histogram(rng.uniform(0, 2 * np.pi, 100_000))
    assert uniform["axis_ratio"] == pytest.approx(1.0, abs=0.03)
    assert uniform["counts"].sum() == 100_000
    axes = models.orientation_histogram(rng.choice([0, np.pi / 2, np.pi], 1000) + rng.normal(0, 0.05, 1000))
    assert axes["axis_ratio"] > 50


def test_natural_patches_prefer_horizontal_and_vertical_edges():
    X = fasttda.datasets.natural_patches()
    core = X[fasttda.dense_core(X, 300, 0.3)]
    theta, dist = models.circle_fit(core)
    assert np.median(dist) < 0.5  # random points on S⁷ lie at about 1.04
    assert models.orientation_histogram(theta)["axis_ratio"] > 1.5
