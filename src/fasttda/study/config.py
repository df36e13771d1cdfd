"""What a study trains: a ``StudyConfig`` read from flags, JSON or TOML, checked before any work starts.

Unknown keys are errors (a typo such as ``iteration = 1000`` must not silently fall back to a
default), and the message names the closest valid key. Everything here is plain Python, so
reading a study's manifest needs neither torch nor zarr.
"""

from __future__ import annotations

import dataclasses
import difflib
import heapq
import json
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["StudyConfig", "config_path", "default_group_size", "shipped_studies"]

# Datasets read from a local folder, and the input channels of each dataset and model
# (so a mismatch is reported before any worker starts).
FOLDER_DATASETS = ("mnist", "cifar10")
DATASET_CHANNELS = {"mnist5k": 1, "mnist": 1, "cifar10": 3, "natural10": 3, "natural_rotation": 3}
MODEL_CHANNELS = {"mnist2": 1, "cifar2": 3, "vgg16": 3, "vgg_small": 3}
# the networks with a circle or Klein bottle first layer (fasttda.nets.CircleConv2d / KleinConv2d),
# with learned angles, or with the localised second layer (LocalisedConv2d)
MODEL_CHANNELS.update(
    {
        f"{base}_{first}{learned}": MODEL_CHANNELS[base]
        for base in ("mnist2", "cifar2")
        for first in ("circle", "klein")
        for learned in ("", "_learned", "_local")
    }
)
OPTIMIZERS = ("sgd", "adam")
CHANNELS = ("each", "mean")

# Studies that ship with the package, found by name: ``fasttda study run --config natural_evolution``.
SHIPPED_STUDIES = Path(__file__).resolve().parent.parent / "data" / "studies"

# Fields that say where and how fast the work runs, not what it computes: a resumed study may
# change them. group_size is not among them: it changes the float rounding of batched training.
EXECUTION_FIELDS = ("device",)


@dataclass
class StudyConfig:
    """One study: a network trained from many seeds, its conv filters kept at checkpoints.

    Parameters
    ----------
    model, dataset : str
        Names as in ``fasttda.nets`` (``mnist2`` on ``mnist5k`` …); the model's input channels
        must match the dataset's.
    data_dir : str or path-like, optional
        The local folder of the ``mnist`` or ``cifar10`` files (nothing is downloaded); only for
        those two datasets, and required by them.
    seeds : int or list of int
        An int n (seeds 0 … n−1) or a list of distinct non-negative seeds.
    iterations : int
        Optimizer steps per seed (at least 1).
    checkpoints : list of int, optional
        The steps at which filters are kept (0 = initialisation); default the initialisation and
        the last step.
    layers : list of int, optional
        Conv layers to keep (1 = first conv); None = all of the model's.
    batch_size, optimizer, lr, momentum, weight_decay
        Training, as ``train_ensemble`` takes them (optimizer "adam" or "sgd"; lr None = 0.01 for
        SGD, 1e-3 for Adam).
    device : str
        "auto" (CUDA when available), "cpu", "cuda", "cuda:1", …
    group_size : int, optional
        Seeds trained together in one unit of work (one batched ensemble). The seeds are
        cut into fixed groups in order, so a resumed study trains exactly the groups an
        uninterrupted one would, with the same float rounding. None: chosen when the study is
        created (``default_group_size``, so that no worker idles at the end) and stored with it.
    channels : {"each", "mean"}
        How the study's analyses read a layer: "each" (every (out, in) slice is a filter)
        or "mean" (one filter per output channel, averaged over its inputs).

    Raises
    ------
    ValueError
        An unknown model, dataset or optimizer, a model and dataset whose channels differ, a
        missing or unneeded ``data_dir``, or a number out of range (a checkpoint after the last
        iteration, repeated seeds …).

    Examples
    --------
    >>> from fasttda.study import StudyConfig
    >>> cfg = StudyConfig(model="mnist2", dataset="mnist5k", seeds=24, iterations=1000, checkpoints=[400, 1000])
    >>> cfg.seeds[:3], cfg.checkpoints
    ([0, 1, 2], [400, 1000])
    """

    model: str = "mnist2"
    dataset: str = "mnist5k"
    data_dir: str | None = None
    seeds: list[int] | int = 8
    iterations: int = 1000
    checkpoints: list[int] | None = None
    layers: list[int] | None = None
    batch_size: int = 64
    optimizer: str = "adam"  # measured: plain SGD leaves layer 1 at its random start for 1,000 steps (RESULTS.md)
    lr: float | None = None
    momentum: float = 0.0
    weight_decay: float = 0.0
    device: str = "auto"
    group_size: int | None = None
    channels: str = "each"

    def __post_init__(self):
        self.validate()

    # ------------------------------------------------------------------ construction

    @classmethod
    def keys(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def from_dict(cls, values: dict, source: str = "config") -> "StudyConfig":
        """A config from a mapping; unknown keys raise ValueError naming the closest valid key."""
        cls.check_keys(values, source)
        return cls(**values)

    @classmethod
    def check_keys(cls, values, source: str = "config") -> None:
        if not isinstance(values, dict):
            raise ValueError(f"{source} must be a table of settings, got {type(values).__name__}")
        valid = cls.keys()
        for key in values:
            if key not in valid:
                close = difflib.get_close_matches(str(key), valid, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; valid keys are {', '.join(valid)}"
                raise ValueError(f"unknown key {key!r} in {source}{hint}")

    @classmethod
    def from_file(cls, path, **overrides) -> "StudyConfig":
        """A config from a ``.json`` or ``.toml`` file; ``overrides`` (not None) replace its values."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"config file {path} does not exist")
        text = path.read_bytes()
        try:
            if path.suffix.lower() == ".toml":
                try:
                    import tomllib
                except ImportError:  # Python 3.10
                    import tomli as tomllib
                values = tomllib.loads(text.decode("utf-8"))
            else:
                values = json.loads(text)
        except (ValueError, UnicodeDecodeError) as e:  # TOMLDecodeError and JSONDecodeError are ValueErrors
            kind = "TOML" if path.suffix.lower() == ".toml" else "JSON"
            raise ValueError(f"config file {path} is not valid {kind}: {e}") from None
        if isinstance(values, dict) and isinstance(values.get("study"), dict) and len(values) == 1:
            values = values["study"]  # a TOML file may put everything under [study]
        cls.check_keys(values, source=f"config file {path}")  # typos in the file are reported as the file's
        merged = {**values, **{k: v for k, v in overrides.items() if v is not None}}
        return cls.from_dict(merged, source=f"config file {path}")

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.keys()}

    def replace(self, **changes) -> "StudyConfig":
        return StudyConfig.from_dict({**self.to_dict(), **changes})

    def identity(self) -> dict:
        """The fields that decide the stored results (what a resumed run must agree on)."""
        return {k: v for k, v in self.to_dict().items() if k not in EXECUTION_FIELDS}

    def differences(self, other: "StudyConfig") -> list[str]:
        a, b = self.identity(), other.identity()
        return [f"{k}: {a[k]!r} vs {b[k]!r}" for k in a if a[k] != b[k]]

    # ------------------------------------------------------------------ checks

    def validate(self) -> None:
        """Normalises the fields (seeds to a list, checkpoints sorted …) and raises ValueError on bad ones."""
        self.model = _name(self.model, "model", MODEL_CHANNELS)
        self.dataset = _name(self.dataset, "dataset", DATASET_CHANNELS)
        if MODEL_CHANNELS[self.model] != DATASET_CHANNELS[self.dataset]:
            raise ValueError(
                f"model {self.model} takes {MODEL_CHANNELS[self.model]}-channel images but dataset "
                f"{self.dataset} has {DATASET_CHANNELS[self.dataset]} channels"
            )
        if self.dataset in FOLDER_DATASETS:
            if self.data_dir is None:
                raise ValueError(f"dataset {self.dataset} is read from a local folder: give data_dir (--data-dir)")
        if self.data_dir is not None:
            self.data_dir = os.fspath(self.data_dir)
            if self.dataset not in FOLDER_DATASETS:
                raise ValueError(
                    f"data_dir is only for the folder datasets {', '.join(FOLDER_DATASETS)}, not {self.dataset}"
                )
        self.iterations = _int(self.iterations, "iterations", low=1)
        self.seeds = _seeds(self.seeds)
        if self.checkpoints is None:  # the initial filters too: the analyses measure how far they moved
            self.checkpoints = [0, self.iterations]
        self.checkpoints = _int_list(self.checkpoints, "checkpoints", low=0)
        late = [c for c in self.checkpoints if c > self.iterations]
        if late:
            raise ValueError(f"checkpoints {late} come after the last iteration ({self.iterations})")
        if self.layers is not None:
            self.layers = _int_list(self.layers, "layers", low=1)
        self.batch_size = _int(self.batch_size, "batch_size", low=1)
        if self.group_size is not None:
            self.group_size = _int(self.group_size, "group_size", low=1)
        if not isinstance(self.optimizer, str) or self.optimizer.lower() not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        self.optimizer = self.optimizer.lower()
        if self.lr is not None:
            self.lr = _float(self.lr, "lr", positive=True)
        self.momentum = _float(self.momentum, "momentum")
        self.weight_decay = _float(self.weight_decay, "weight_decay")
        if not isinstance(self.device, str) or not self.device:
            raise ValueError(f"device must be a name such as 'auto', 'cpu' or 'cuda', got {self.device!r}")
        if self.channels not in CHANNELS:
            raise ValueError(f"channels must be one of {', '.join(CHANNELS)}, got {self.channels!r}")

    def groups(self) -> list[list[int]]:
        """The units of work: the seeds cut, in order, into groups of ``group_size``
        (None: ``default_group_size`` for one worker)."""
        s, g = self.seeds, self.group_size or default_group_size(len(self.seeds), 1)
        return [s[i : i + g] for i in range(0, len(s), g)]


def shipped_studies() -> list[str]:
    """Names of the study configs that ship with the package (``data/studies/<name>.toml``).

    Parameters
    ----------
    None

    Returns
    -------
    list of str

    Examples
    --------
    >>> from fasttda.study.config import shipped_studies
    >>> "natural_evolution" in shipped_studies()
    True
    """
    return sorted(p.stem for p in SHIPPED_STUDIES.glob("*.toml"))


def config_path(value) -> Path:
    """The config file ``value`` names: a path to a file, or the name of a shipped study.

    Parameters
    ----------
    value : str or Path

    Returns
    -------
    Path

    Raises
    ------
    FileNotFoundError
        Naming the shipped studies, when it is neither.

    Examples
    --------
    >>> from fasttda.study.config import config_path
    >>> config_path("natural_evolution").name
    'natural_evolution.toml'
    """
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"a config must be a file path or a shipped study's name, got {type(value).__name__}")
    path = Path(value)
    if path.is_file():
        return path
    if path.parent == Path(".") and path.suffix in ("", ".toml"):
        shipped = SHIPPED_STUDIES / (path.stem + ".toml")
        if shipped.is_file():
            return shipped
    raise FileNotFoundError(
        f"config file {path} does not exist, and it is not the name of a shipped study "
        f"({', '.join(shipped_studies()) or 'none'})"
    )


MAX_GROUP_SIZE = 8  # the largest default group: the group size studies used before it was chosen per machine


def default_group_size(n_seeds: int, n_workers: int, largest: int = MAX_GROUP_SIZE) -> int:
    """The group size that keeps ``n_workers`` busy to the end: of the sizes 1 … ``largest``, the
    largest (fewest, most batched groups) among those whose groups, handed out in order to whichever
    worker is free, finish soonest (counting the time of a group as its number of seeds).

    24 seeds on 2 workers: groups of 6 (two rounds of two), where groups of 8 leave one worker idle
    for the last third; 24 on 1 worker: groups of 8.

    Parameters
    ----------
    n_seeds, n_workers : int
    largest : int
        The largest group size allowed.

    Returns
    -------
    int

    Examples
    --------
    >>> from fasttda.study.config import default_group_size
    >>> default_group_size(24, 2), default_group_size(24, 1)
    (6, 8)
    """
    n_seeds, n_workers = int(n_seeds), int(n_workers)
    if n_seeds < 1 or n_workers < 1:
        raise ValueError(f"n_seeds and n_workers must be at least 1, got {n_seeds} and {n_workers}")
    return min(range(1, min(largest, n_seeds) + 1), key=lambda g: (_finish(n_seeds, g, n_workers), -g))


def _finish(n_seeds: int, group: int, n_workers: int) -> int:
    """When the last of n_seeds in groups of ``group`` finishes on n_workers, in seed-times."""
    loads = [0] * min(n_workers, n_seeds)
    for start in range(0, n_seeds, group):
        heapq.heapreplace(loads, loads[0] + min(group, n_seeds - start))
    return max(loads)


def _name(value, what, known) -> str:
    if not isinstance(value, str) or value not in known:
        close = difflib.get_close_matches(str(value), list(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown {what} {value!r}{hint}; choose one of {', '.join(known)}")
    return value


def _int(value, what, low=None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    try:
        out = int(value)
    except ValueError:
        raise ValueError(f"{what} must be an integer, got {value!r}") from None
    if isinstance(value, float) and value != out:
        raise ValueError(f"{what} must be an integer, got {value!r}")
    if low is not None and out < low:
        raise ValueError(f"{what} must be at least {low}, got {out}")
    return out


def _float(value, what, positive=False) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, got {value!r}")
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {value!r}") from None
    if out != out or out in (float("inf"), float("-inf")) or out < 0 or (positive and out == 0):
        raise ValueError(f"{what} must be a {'positive' if positive else 'non-negative'} finite number, got {value!r}")
    return out


def _int_list(values, what, low=None) -> list[int]:
    if isinstance(values, (int, str)) and not isinstance(values, bool):
        values = parse_list(values, what) if isinstance(values, str) else [values]
    if not isinstance(values, (list, tuple, range)):
        raise ValueError(f"{what} must be a list of integers, got {values!r}")
    out = sorted({_int(v, what, low) for v in values})
    if not out:
        raise ValueError(f"{what} is empty")
    return out


def _seeds(value) -> list[int]:
    if isinstance(value, str):
        value = parse_seeds(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise ValueError(f"seeds must be a positive count or a list of seeds, got {value}")
        return list(range(value))
    if not isinstance(value, (list, tuple, range)):
        raise ValueError(f"seeds must be a count or a list of seeds, got {value!r}")
    out = [_int(v, "seeds", low=0) for v in value]
    if not out:
        raise ValueError("seeds is empty")
    if len(set(out)) != len(out):
        raise ValueError(f"seeds must be distinct, got {out}")
    return out


def parse_list(text: str, what: str) -> list[int]:
    """'400,1000' → [400, 1000]."""
    try:
        return [int(t) for t in str(text).replace(" ", "").split(",") if t]
    except ValueError:
        raise ValueError(f"{what} must be integers separated by commas, got {text!r}") from None


def parse_seeds(text: str):
    """'24' → 24 (seeds 0…23); '3,5,8' → [3, 5, 8]; '10-19' → seeds 10…19."""
    text = str(text).replace(" ", "")
    try:
        if "," in text:
            return [int(t) for t in text.split(",") if t]
        if "-" in text[1:]:
            lo, hi = text.split("-", 1)
            return list(range(int(lo), int(hi) + 1))
        return int(text)
    except ValueError:
        raise ValueError(f"seeds must be a count (24), a list (3,5,8) or a range (10-19), got {text!r}") from None
