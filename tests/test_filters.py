"""Filter vectors: normalisation, DCT coordinates, provenance, contrast cut, input forms."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fasttda.filters import DCT_EIGENVALUES, DCT_UNIT, dct_coordinates, dct_patches, filter_vectors, grid_laplacian

YY, XX = np.mgrid[-1:2, -1:2].astype(float)


def gradients(theta, offset=0.0):
    return np.cos(theta)[:, None, None] * XX + np.sin(theta)[:, None, None] * YY + offset


def test_dct_basis_diagonalises_the_grid_laplacian():
    D = grid_laplacian(3)
    np.testing.assert_allclose(DCT_UNIT @ DCT_UNIT.T, np.eye(8), atol=1e-12)
    np.testing.assert_allclose(DCT_UNIT @ D @ DCT_UNIT.T, np.diag(DCT_EIGENVALUES), atol=1e-12)
    assert np.allclose(DCT_UNIT.sum(axis=1), 0)  # every basis patch is mean-zero


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["L2", "D"]), st.sampled_from([np.float32, np.float64]))
def test_points_are_unit_vectors_of_the_centred_slices(seed, norm, dtype):
    rng = np.random.default_rng(seed)
    W = (rng.normal(size=(7, 5, 3, 3)) + rng.normal(size=(7, 5, 1, 1))).astype(dtype)
    fv = filter_vectors(W, norm=norm, min_contrast=0.0)
    assert fv.points.shape == (35, 8) and fv.points.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(fv.points, axis=1), 1, atol=1e-5)
    # Each point maps back to its slice, up to the constant and the scale.
    net, o, i = fv.source[5]
    x = W[o, i].ravel().astype(float)
    x -= x.mean()
    D = grid_laplacian(3)
    contrast = np.sqrt(x @ D @ x) if norm == "D" else np.linalg.norm(x)
    np.testing.assert_allclose(fv.points[5], dct_coordinates(norm) @ x / contrast, atol=1e-5)
    assert fv.contrast[5] == pytest.approx(contrast)
    np.testing.assert_allclose(dct_patches(fv.points[5:6], norm).ravel(), x / contrast, atol=1e-5)


def test_linear_gradients_land_on_the_primary_circle():
    theta = np.linspace(0, 2 * np.pi, 100, endpoint=False)
    fv = filter_vectors(gradients(theta, offset=3.0))
    np.testing.assert_allclose(np.linalg.norm(fv.points[:, :2], axis=1), 1, atol=1e-6)
    # A horizontal gradient x is -e1 (e1 decreases to the right).
    np.testing.assert_allclose(fv.points[0], [-1, 0, 0, 0, 0, 0, 0, 0], atol=1e-6)


def test_input_forms_agree_and_provenance_is_kept():
    rng = np.random.default_rng(1)
    W = rng.normal(size=(3, 4, 2, 3, 3))  # networks, out, in, k, k
    stacked = filter_vectors(W)
    listed = filter_vectors([W[0], W[1], W[2]])
    np.testing.assert_array_equal(stacked.points, listed.points)
    np.testing.assert_array_equal(stacked.source, listed.source)
    assert stacked.networks == 3 and stacked.n_slices == 24
    assert tuple(stacked.source[-1]) == (2, 3, 1)
    flat = filter_vectors(W.reshape(-1, 9))
    cube = filter_vectors(W.reshape(-1, 3, 3))
    np.testing.assert_array_equal(flat.points, stacked.points)
    np.testing.assert_array_equal(cube.points, stacked.points)


def test_constant_and_low_contrast_slices_are_dropped_and_counted():
    theta = np.linspace(0, 2 * np.pi, 50, endpoint=False)
    W = np.concatenate(
        [gradients(theta) * np.arange(1, 51)[:, None, None], np.full((5, 3, 3), 2.0), 1e-6 * gradients(theta[:3])]
    )
    fv = filter_vectors(W)
    assert fv.n_slices == 58 and fv.n_dropped == 8 and len(fv) == 50
    assert np.isfinite(fv.points).all()
    top = filter_vectors(W, top=0.5)
    assert len(top) == 29 and top.contrast.min() >= fv.contrast.min()


def test_other_kernel_sizes_stay_in_pixel_space():
    W = np.random.default_rng(2).normal(size=(6, 2, 5, 5))
    fv = filter_vectors(W)
    assert fv.space == "pixel" and fv.points.shape == (12, 25) and fv.notes
    np.testing.assert_allclose(fv.points.sum(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(fv.points, axis=1), 1, atol=1e-5)


def test_torch_tensors_are_accepted():
    torch = pytest.importorskip("torch")
    W = torch.randn(8, 3, 3, 3)
    np.testing.assert_array_equal(filter_vectors(W).points, filter_vectors(W.numpy()).points)


@pytest.mark.parametrize(
    "weights, kwargs, error, message",
    [
        (np.zeros((4, 3, 3)), {}, ValueError, "every one of the 4 slices"),
        (np.full((2, 2, 3, 3), np.nan), {}, ValueError, "NaN"),
        (np.zeros((2, 3)), {}, ValueError, "not a square"),
        (np.zeros((2, 2, 3, 2)), {}, ValueError, "square"),
        (np.zeros((0, 1, 3, 3)), {}, ValueError, "no slices"),
        (np.zeros(9), {}, ValueError, "got shape"),
        ([], {}, ValueError, "empty list"),
        ([np.ones((1, 1, 3, 3)), np.ones((1, 1, 5, 5))], {}, ValueError, "same kernel size"),
        (np.ones((2, 1, 3, 3)), {"norm": "L1"}, ValueError, "norm"),
        (np.ones((2, 1, 3, 3)), {"space": "fourier"}, ValueError, "space"),
        (np.ones((2, 1, 3, 3)), {"min_contrast": 2}, ValueError, "min_contrast"),
        (np.array([["a"] * 9]), {}, TypeError, "real numbers"),
    ],
)
def test_bad_input(weights, kwargs, error, message):
    with pytest.raises(error, match=message):
        filter_vectors(weights, **kwargs)
