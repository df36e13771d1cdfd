"""scikit-learn transformers: conv weights → filter points → dense core → barcodes → a feature matrix.

Each stage is a transformer that follows scikit-learn's conventions (parameters stored as given
by ``__init__`` and checked in ``fit``, ``get_params``/``set_params``/``clone``, fitted
attributes with a trailing underscore), so that a ``Pipeline`` ending in a classifier works::

    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from fasttda.sklearn import DenseCore, FilterVectorizer, PersistenceImage, RipsPersistence

    pipe = make_pipeline(FilterVectorizer(), DenseCore(k=10, p=0.5), RipsPersistence(n_landmarks=100),
                         PersistenceImage(homology_dimensions=(1,)), LogisticRegression())
    pipe.fit(weights, labels)     # weights: a list, one conv weight array (out, in, 3, 3) per sample

Samples are not rows of a 2-D matrix until the last stage: ``FilterVectorizer`` takes a list of
conv weights and gives a list of point clouds, ``DenseCore`` and ``RipsPersistence`` take and give
lists (one point cloud, one list of diagrams per sample), and ``PersistenceImage`` /
``PersistenceLandscape`` turn the diagrams into a fixed-length (n_samples, n_features) matrix.
scikit-learn's estimator checks feed 2-D feature matrices, which the first three stages refuse
(a row of numbers is not a point cloud); ``expected_failed_checks(estimator)`` names the checks
that cannot apply and why, for ``parametrize_with_checks(..., expected_failed_checks=...)``.

Needs scikit-learn (``pip install "fasttda[sklearn]"``).
"""

from __future__ import annotations

import numbers

import numpy as np

try:
    from sklearn.base import BaseEstimator, TransformerMixin
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("fasttda.sklearn needs scikit-learn: pip install 'fasttda[sklearn]'") from e

from .filters import filter_vectors
from .homology import rips
from .neighbours import dense_core, maxmin

__all__ = [
    "MATRIX_INPUT_CHECKS",
    "DenseCore",
    "FilterVectorizer",
    "PersistenceImage",
    "PersistenceLandscape",
    "RipsPersistence",
    "expected_failed_checks",
]


# ---------------------------------------------------------------- input checks


def _samples(X, what: str) -> list:
    """X as a list of samples; a 2-D numeric matrix (rows of features) is refused in one sentence."""
    if isinstance(X, np.ndarray) and X.ndim <= 2:
        raise ValueError(
            f"expected a list of {what} (one per sample), got a {X.ndim}-D array of shape {X.shape}; "
            "an array of samples needs more axes: (samples, points, dimension) for point clouds, "
            "(samples, out, in, k, k) for conv weights"
        )
    if isinstance(X, (str, bytes, dict)) or not hasattr(X, "__len__") or not hasattr(X, "__getitem__"):
        raise TypeError(f"expected a list of {what} (one per sample), got {type(X).__name__}")
    if len(X) == 0:
        raise ValueError(f"expected a non-empty list of {what}, got none")
    return [X[i] for i in range(len(X))]


def _cloud(x, i: int) -> np.ndarray:
    a = np.asarray(x)
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0 or not np.issubdtype(a.dtype, np.number):
        raise ValueError(f"sample {i} must be a point cloud (n_points, dimension) of numbers, got shape {a.shape}")
    return a


def _int_param(value, name: str, low: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral,)) or value < low:
        raise ValueError(f"{name} must be an integer of at least {low}, got {value!r}")
    return int(value)


def _fraction(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not 0 < value <= 1:
        raise ValueError(f"{name} must be a fraction in (0, 1], got {value!r}")
    return float(value)


class _ListTransformer(TransformerMixin, BaseEstimator):
    """A transformer of a list of samples that learns nothing: ``fit`` checks the parameters and the input."""

    def fit(self, X, y=None):
        """Checks the parameters and X; learns nothing.

        Parameters
        ----------
        X : list, one sample each (see the class).
        y : ignored.

        Returns
        -------
        self
        """
        self._check_params()
        self._check_input(X)
        self.n_samples_fit_ = len(X)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False  # transform needs nothing learned
        tags.transformer_tags.preserves_dtype = []
        return tags


# ---------------------------------------------------------------- conv weights → points


class FilterVectorizer(_ListTransformer):
    """Conv weights → their spatial slices as points on the unit sphere (S⁷ for 3×3 slices in DCT space).

    Wraps :func:`fasttda.filter_vectors`: each sample's slices are mean-centred, normalised and,
    for 3×3 kernels, written in the 8 DCT coordinates; slices of low contrast are dropped.

    Parameters
    ----------
    norm : "L2" (default) or "D" (the D-norm of Carlsson et al. 2008).
    min_contrast : drop slices below this fraction of the sample's median contrast.
    top : keep only this fraction of each sample's highest-contrast slices (None: all above the cut).
    space : "dct" (3×3 only) or "pixel".
    n_threads : threads (None: all cores).

    Input: a list, one conv weight per sample, each (out, in, k, k), a stack (networks, out, in, k, k)
    or slices (n, k, k). Output: a list of (n_points, 8) float32 point clouds.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.sklearn import FilterVectorizer
    >>> w = np.random.default_rng(0).standard_normal((2, 16, 1, 3, 3))   # two samples of 16 filters
    >>> [c.shape for c in FilterVectorizer().fit_transform(list(w))]
    [(16, 8), (16, 8)]
    """

    def __init__(self, norm="L2", min_contrast=0.01, top=None, space="dct", n_threads=None):
        self.norm = norm
        self.min_contrast = min_contrast
        self.top = top
        self.space = space
        self.n_threads = n_threads

    def _check_params(self):
        pass  # filter_vectors checks its own arguments, in one sentence each

    def _check_input(self, X):
        return _samples(X, "conv weights")

    def transform(self, X):
        """The filter points of each sample.

        Parameters
        ----------
        X : list of conv weights, one per sample.

        Returns
        -------
        list of (n_points, dim) float32 arrays.

        Raises
        ------
        ValueError
            For a sample that is not a conv weight, or a parameter that ``filter_vectors`` refuses.
        """
        return [
            filter_vectors(
                w,
                norm=self.norm,
                min_contrast=self.min_contrast,
                top=self.top,
                space=self.space,
                n_threads=self.n_threads,
            ).points
            for w in self._check_input(X)
        ]


# ---------------------------------------------------------------- points → dense core


class DenseCore(_ListTransformer):
    """Each point cloud → its dense core X(k, p): the fraction p of its points of smallest codensity.

    Wraps :func:`fasttda.dense_core` (Carlsson et al. 2008); the codensity of a point is the distance
    to its k-th nearest neighbour.

    Parameters
    ----------
    k : the neighbour of the codensity; a cloud of n ≤ k points uses k = n − 1.
    p : the fraction of points kept, in (0, 1].
    n_threads : threads (None: all cores).

    Input and output: a list of (n_points, dim) point clouds; the core keeps the input's rows,
    densest first.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.sklearn import DenseCore
    >>> clouds = [np.random.default_rng(s).standard_normal((100, 3)) for s in range(2)]
    >>> [c.shape for c in DenseCore(k=10, p=0.3).fit_transform(clouds)]
    [(30, 3), (30, 3)]
    """

    def __init__(self, k=15, p=0.3, n_threads=None):
        self.k = k
        self.p = p
        self.n_threads = n_threads

    def _check_params(self):
        _int_param(self.k, "k", 1)
        _fraction(self.p, "p")

    def _check_input(self, X):
        return [_cloud(x, i) for i, x in enumerate(_samples(X, "point clouds"))]

    def transform(self, X):
        """The dense core of each point cloud.

        Parameters
        ----------
        X : list of (n_points, dim) point clouds.

        Returns
        -------
        list of (ceil(p n_points), dim) arrays, the core's points densest first.

        Raises
        ------
        ValueError
            For a sample that is not a point cloud, a cloud of one point, or bad k or p.
        """
        self._check_params()
        out = []
        for i, cloud in enumerate(self._check_input(X)):
            if len(cloud) < 2:
                raise ValueError(f"sample {i} has {len(cloud)} point: a dense core needs at least 2")
            out.append(cloud[dense_core(cloud, min(self.k, len(cloud) - 1), self.p, n_threads=self.n_threads)])
        return out


# ---------------------------------------------------------------- points → persistence diagrams


class RipsPersistence(_ListTransformer):
    """Each point cloud → its Vietoris–Rips persistence diagrams H0 … H_maxdim.

    Wraps :func:`fasttda.rips`, optionally on max–min landmarks (:func:`fasttda.maxmin`, de Silva and
    Carlsson 2004) so that large clouds stay cheap.

    Parameters
    ----------
    maxdim : the highest homology dimension.
    coeff : the prime of the coefficient field Z/coeff.
    n_landmarks : use this many max–min landmarks of each cloud (all points when the cloud has
        fewer); None uses every point.
    seed : the first landmark's random choice.
    thresh : the largest edge of the filtration (inf: all).
    n_threads : threads (None: all cores).

    Input: a list of (n_points, dim) point clouds. Output: a list, per sample, of maxdim + 1
    diagrams, each (n_bars, 2) of (birth, death), ``inf`` for essential classes — ripser.py's
    ``dgms``.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.sklearn import RipsPersistence
    >>> t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    >>> circle = np.c_[np.cos(t), np.sin(t)]
    >>> dgms = RipsPersistence(maxdim=1).fit_transform([circle])[0]
    >>> len(dgms), dgms[1].shape
    (2, (1, 2))
    """

    def __init__(self, maxdim=1, coeff=2, n_landmarks=None, seed=0, thresh=np.inf, n_threads=None):
        self.maxdim = maxdim
        self.coeff = coeff
        self.n_landmarks = n_landmarks
        self.seed = seed
        self.thresh = thresh
        self.n_threads = n_threads

    def _check_params(self):
        _int_param(self.maxdim, "maxdim", 0)
        if self.n_landmarks is not None:
            _int_param(self.n_landmarks, "n_landmarks", 1)

    def _check_input(self, X):
        return [_cloud(x, i) for i, x in enumerate(_samples(X, "point clouds"))]

    def transform(self, X):
        """The persistence diagrams of each point cloud.

        Parameters
        ----------
        X : list of (n_points, dim) point clouds.

        Returns
        -------
        list (one per sample) of lists of maxdim + 1 arrays (n_bars, 2).

        Raises
        ------
        ValueError
            For a sample that is not a point cloud or a parameter that ``rips`` refuses.
        """
        self._check_params()
        out = []
        for cloud in self._check_input(X):
            if self.n_landmarks is not None and self.n_landmarks < len(cloud):
                cloud = cloud[maxmin(cloud, self.n_landmarks, seed=self.seed, n_threads=self.n_threads)]
            out.append(
                rips(cloud, maxdim=self.maxdim, thresh=self.thresh, coeff=self.coeff, n_threads=self.n_threads)["dgms"]
            )
        return out


# ---------------------------------------------------------------- diagrams → feature vectors


def _diagrams(X, dims) -> list[list[np.ndarray]]:
    """[[finite bars of dimension d of sample i for d in dims] for i]: each (n, 2) float64, inf deaths left out."""
    out = []
    for i, sample in enumerate(_samples(X, "persistence diagrams")):
        if isinstance(sample, dict):
            sample = sample.get("dgms")
        if isinstance(sample, np.ndarray) and sample.ndim == 2:
            sample = [sample]  # one diagram: it stands for every dimension asked for
        if sample is None or not hasattr(sample, "__len__"):
            raise TypeError(f"sample {i} must be a list of diagrams (one per dimension) or one diagram")
        per_dim = []
        for d in dims:
            if len(sample) == 1:
                dgm = sample[0]
            elif d < len(sample):
                dgm = sample[d]
            else:
                raise ValueError(f"sample {i} has diagrams of dimensions 0..{len(sample) - 1}, not of dimension {d}")
            dgm = np.asarray(dgm, dtype=np.float64).reshape(-1, 2) if np.size(dgm) else np.empty((0, 2))
            if np.isnan(dgm).any():
                raise ValueError(f"sample {i} has a NaN in its diagram of dimension {d}")
            if (dgm[:, 1] < dgm[:, 0]).any():
                raise ValueError(f"sample {i} has a bar that dies before it is born in dimension {d}")
            per_dim.append(dgm[np.isfinite(dgm).all(axis=1)])
        out.append(per_dim)
    return out


def _dims(value) -> tuple[int, ...]:
    dims = (value,) if isinstance(value, numbers.Integral) else tuple(value)
    if not dims or any(isinstance(d, (bool, np.bool_)) or not isinstance(d, numbers.Integral) or d < 0 for d in dims):
        raise ValueError(f"homology_dimensions must be non-negative integers, got {value!r}")
    return tuple(int(d) for d in dims)


def _span(lo, hi) -> tuple[float, float]:
    """A range of positive width around [lo, hi] (a single value gets a unit-width range)."""
    if not hi > lo:
        return float(lo) - 0.5, float(hi) + 0.5
    return float(lo), float(hi)


class _DiagramVectorizer(TransformerMixin, BaseEstimator):
    def _check_params(self):
        raise NotImplementedError

    def fit(self, X, y=None):
        """Learns, for each homology dimension, the range of the training diagrams that the features cover.

        Parameters
        ----------
        X : list, per sample, of diagrams (a list indexed by dimension, ripser.py's dict, or one (n, 2) array).
        y : ignored.

        Returns
        -------
        self
        """
        self._check_params()
        self._fit(_diagrams(X, _dims(self.homology_dimensions)))
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags


class PersistenceImage(_DiagramVectorizer):
    """Persistence diagrams → persistence images (Adams et al. 2017), flattened into feature rows.

    Each finite bar (b, d) becomes the point (b, d − b) in birth–persistence coordinates, carrying a
    Gaussian of standard deviation ``sigma`` and a weight that grows with persistence; a pixel's
    value is the weighted sum of the Gaussians' integrals over the pixel (exact, from the normal
    CDF). Bars with an infinite death are left out.

    Parameters
    ----------
    homology_dimensions : the dimensions whose diagrams are imaged (features of each follow one another).
    n_pixels : pixels along the birth and the persistence axis (an int for both, or a pair).
    sigma : the Gaussian's standard deviation; None: one pixel (the larger side).
    weight : "linear" (persistence / the largest persistence of the image's range, at most 1; bars
        near the diagonal count little), "uniform" (1), or a function (birth, persistence) → weights.
    birth_range, pers_range : the image's extent; None: learned in ``fit`` from the training diagrams
        (their smallest and largest birth; persistence from 0 to the largest).

    Attributes
    ----------
    birth_range_, pers_range_ : {dimension: (low, high)} the extent used.
    sigma_ : {dimension: sigma} the standard deviation used.
    n_features_out_ : the row length, len(homology_dimensions) × n_birth × n_persistence.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.sklearn import PersistenceImage
    >>> dgm = [np.empty((0, 2)), np.array([[0.2, 1.0], [0.3, 0.4]])]       # H0 (empty), H1
    >>> PersistenceImage(n_pixels=4, birth_range=(0, 1), pers_range=(0, 1)).fit_transform([dgm]).shape
    (1, 16)
    """

    def __init__(
        self, homology_dimensions=(1,), n_pixels=10, sigma=None, weight="linear", birth_range=None, pers_range=None
    ):
        self.homology_dimensions = homology_dimensions
        self.n_pixels = n_pixels
        self.sigma = sigma
        self.weight = weight
        self.birth_range = birth_range
        self.pers_range = pers_range

    def _shape(self) -> tuple[int, int]:
        n = self.n_pixels
        pair = (n, n) if isinstance(n, numbers.Integral) else tuple(n)
        if len(pair) != 2:
            raise ValueError(f"n_pixels must be an int or a pair of ints, got {n!r}")
        return _int_param(pair[0], "n_pixels", 1), _int_param(pair[1], "n_pixels", 1)

    def _check_params(self):
        _dims(self.homology_dimensions)
        self._shape()
        if self.sigma is not None and not (isinstance(self.sigma, numbers.Real) and self.sigma > 0):
            raise ValueError(f"sigma must be a positive number or None, got {self.sigma!r}")
        if not callable(self.weight) and self.weight not in ("linear", "uniform"):
            raise ValueError(f"weight must be 'linear', 'uniform' or a function, got {self.weight!r}")
        for name in ("birth_range", "pers_range"):
            r = getattr(self, name)
            if r is not None and (len(r) != 2 or not float(r[1]) > float(r[0])):
                raise ValueError(f"{name} must be a pair (low, high) with low < high, got {r!r}")

    def _fit(self, diagrams):
        nb, npers = self._shape()
        self.birth_range_, self.pers_range_, self.sigma_ = {}, {}, {}
        for j, d in enumerate(_dims(self.homology_dimensions)):
            bars = np.concatenate([s[j] for s in diagrams])
            if self.birth_range is not None:
                birth = (float(self.birth_range[0]), float(self.birth_range[1]))
            else:
                birth = _span(bars[:, 0].min(), bars[:, 0].max()) if len(bars) else (0.0, 1.0)
            if self.pers_range is not None:
                pers = (float(self.pers_range[0]), float(self.pers_range[1]))
            else:
                pers = _span(0.0, (bars[:, 1] - bars[:, 0]).max()) if len(bars) else (0.0, 1.0)
            self.birth_range_[d], self.pers_range_[d] = birth, pers
            pixel = max((birth[1] - birth[0]) / nb, (pers[1] - pers[0]) / npers)
            self.sigma_[d] = float(self.sigma) if self.sigma is not None else pixel
        self.n_features_out_ = len(self.birth_range_) * nb * npers

    def _weights(self, birth, pers, d) -> np.ndarray:
        if callable(self.weight):
            w = np.asarray(self.weight(birth, pers), dtype=np.float64)
            if w.shape != birth.shape:
                raise ValueError(f"the weight function must return one weight per bar, got shape {w.shape}")
            return w
        if self.weight == "uniform":
            return np.ones_like(pers)
        return np.clip(pers / self.pers_range_[d][1], 0.0, 1.0)

    def transform(self, X):
        """The persistence images of each sample, flattened (birth index major) and side by side per dimension.

        Parameters
        ----------
        X : list, per sample, of diagrams.

        Returns
        -------
        (n_samples, n_features_out_) float64 array.

        Raises
        ------
        ValueError
            For a diagram with NaNs, a bar that dies before it is born, or a missing dimension.
        """
        from scipy.special import ndtr
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "n_features_out_")
        nb, npers = self._shape()
        diagrams = _diagrams(X, _dims(self.homology_dimensions))
        out = np.zeros((len(diagrams), self.n_features_out_))
        for j, d in enumerate(self.birth_range_):
            bx = np.linspace(*self.birth_range_[d], nb + 1)
            py = np.linspace(*self.pers_range_[d], npers + 1)
            s = self.sigma_[d]
            for i, sample in enumerate(diagrams):
                bars = sample[j]
                if not len(bars):
                    continue
                birth, pers = bars[:, 0], bars[:, 1] - bars[:, 0]
                w = self._weights(birth, pers, d)
                # the Gaussian's mass in each pixel, separable: (bars, nb) and (bars, npers)
                gx = np.diff(ndtr((bx[None, :] - birth[:, None]) / s), axis=1)
                gy = np.diff(ndtr((py[None, :] - pers[:, None]) / s), axis=1)
                image = np.einsum("k,ki,kj->ij", w, gx, gy)
                out[i, j * nb * npers : (j + 1) * nb * npers] = image.ravel()
        return out


class PersistenceLandscape(_DiagramVectorizer):
    """Persistence diagrams → persistence landscapes (Bubenik 2015), sampled on a grid, as feature rows.

    The k-th landscape at t is the k-th largest of max(0, min(t − b, d − t)) over the finite bars
    (b, d) (0 where fewer than k bars cover t); landscapes 1 … n_layers are sampled at ``n_bins``
    evenly spaced t from the smallest birth to the largest death of the training diagrams (or
    ``sample_range``). Bars with an infinite death are left out.

    Parameters
    ----------
    homology_dimensions : the dimensions whose diagrams are used (features of each follow one another).
    n_layers : landscapes kept (λ1 … λ_n_layers).
    n_bins : sample points along t.
    sample_range : (low, high) of t; None: learned in ``fit``.

    Attributes
    ----------
    sample_range_ : {dimension: (low, high)} the t range sampled.
    n_features_out_ : len(homology_dimensions) × n_layers × n_bins.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.sklearn import PersistenceLandscape
    >>> dgm = [np.empty((0, 2)), np.array([[0.0, 2.0]])]
    >>> PersistenceLandscape(n_layers=1, n_bins=5, sample_range=(0, 2)).fit_transform([dgm])
    array([[0. , 0.5, 1. , 0.5, 0. ]])
    """

    def __init__(self, homology_dimensions=(1,), n_layers=5, n_bins=100, sample_range=None):
        self.homology_dimensions = homology_dimensions
        self.n_layers = n_layers
        self.n_bins = n_bins
        self.sample_range = sample_range

    def _check_params(self):
        _dims(self.homology_dimensions)
        _int_param(self.n_layers, "n_layers", 1)
        _int_param(self.n_bins, "n_bins", 1)
        r = self.sample_range
        if r is not None and (len(r) != 2 or not float(r[1]) > float(r[0])):
            raise ValueError(f"sample_range must be a pair (low, high) with low < high, got {r!r}")

    def _fit(self, diagrams):
        self.sample_range_ = {}
        for j, d in enumerate(_dims(self.homology_dimensions)):
            bars = np.concatenate([s[j] for s in diagrams])
            if self.sample_range is not None:
                self.sample_range_[d] = (float(self.sample_range[0]), float(self.sample_range[1]))
            else:
                self.sample_range_[d] = _span(bars[:, 0].min(), bars[:, 1].max()) if len(bars) else (0.0, 1.0)
        self.n_features_out_ = len(self.sample_range_) * self.n_layers * self.n_bins

    def transform(self, X):
        """The sampled landscapes of each sample: λ1 at every t, then λ2 …, side by side per dimension.

        Parameters
        ----------
        X : list, per sample, of diagrams.

        Returns
        -------
        (n_samples, n_features_out_) float64 array.

        Raises
        ------
        ValueError
            For a diagram with NaNs, a bar that dies before it is born, or a missing dimension.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "n_features_out_")
        diagrams = _diagrams(X, _dims(self.homology_dimensions))
        width = self.n_layers * self.n_bins
        out = np.zeros((len(diagrams), self.n_features_out_))
        for j, d in enumerate(self.sample_range_):
            t = np.linspace(*self.sample_range_[d], self.n_bins)
            for i, sample in enumerate(diagrams):
                bars = sample[j]
                if not len(bars):
                    continue
                tents = np.maximum(0.0, np.minimum(t[None, :] - bars[:, :1], bars[:, 1:] - t[None, :]))
                tents = -np.sort(-tents, axis=0)[: self.n_layers]  # largest first, per t
                layers = np.zeros((self.n_layers, self.n_bins))
                layers[: len(tents)] = tents
                out[i, j * width : (j + 1) * width] = layers.ravel()
        return out


# ---------------------------------------------------------------- scikit-learn's estimator checks

# The checks that feed a 2-D matrix of numbers (dense, sparse, read-only, of objects, with NaNs, of
# one sample or one feature …) and expect it to be fitted and transformed, or refused in
# scikit-learn's own words: a row of numbers is neither a point cloud nor a conv weight nor a
# persistence diagram, so these transformers refuse every such input, in one sentence of their own.
# The API checks (get_params/set_params, clone, repr, nothing set in __init__, tags, unfitted
# transform refused) pass; tests/test_sklearn.py runs them all, these as strict expected failures.
MATRIX_INPUT_CHECKS = (
    "check_complex_data",
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimator_sparse_array",
    "check_estimator_sparse_matrix",
    "check_estimators_dtypes",
    "check_estimators_empty_data_messages",
    "check_estimators_fit_returns_self",
    "check_estimators_nan_inf",
    "check_estimators_overwrite_params",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_fit2d_1feature",
    "check_fit2d_1sample",
    "check_fit2d_predict1d",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_fit_score_takes_y",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_pipeline_consistency",
    "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
    "check_transformer_data_not_an_array",
    "check_transformer_general",
)


def expected_failed_checks(estimator) -> dict[str, str]:
    """{check name: why} of scikit-learn's estimator checks that cannot apply to ``estimator``, for
    ``parametrize_with_checks(..., expected_failed_checks=expected_failed_checks)``.

    Parameters
    ----------
    estimator : estimator
        One of this module's transformers (any other estimator gets an empty dict).

    Returns
    -------
    dict of str to str

    Examples
    --------
    >>> from fasttda.sklearn import FilterVectorizer, expected_failed_checks
    >>> checks = expected_failed_checks(FilterVectorizer())
    >>> checks["check_transformers_unfitted_stateless"]
    'its input is a list of conv weights, not a 2-D feature matrix'
    >>> expected_failed_checks(object())
    {}
    """
    if isinstance(estimator, _DiagramVectorizer):
        why = "its input is a list of persistence diagrams, not a 2-D feature matrix"
        return dict.fromkeys(MATRIX_INPUT_CHECKS, why)
    if isinstance(estimator, _ListTransformer):
        what = "conv weights" if isinstance(estimator, FilterVectorizer) else "point clouds"
        why = f"its input is a list of {what}, not a 2-D feature matrix"
        # and, needing no fit, it is checked to transform without one -- which feeds a matrix too
        return {**dict.fromkeys(MATRIX_INPUT_CHECKS, why), "check_transformers_unfitted_stateless": why}
    return {}
