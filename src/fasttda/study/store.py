"""A study's folder: the manifest ``study.json`` and the filters in ``filters.zarr``.

Layout::

    DIR/study.json                 the manifest (below), replaced atomically on every change
    DIR/filters.zarr/layer{L}      float32 (seeds, checkpoints, out, in, k, k), one chunk per
                                   (seed, checkpoint): a seed's write touches only its own chunk
                                   files, and reading one checkpoint reads nothing else
    DIR/analysis/layer{L}_it{I}.json   ``Analysis.to_dict`` of each (layer, checkpoint)

Manifest fields: ``format``, ``format_version``, ``config`` (a ``StudyConfig`` as a dict),
``layers`` ({layer: weight shape}), ``versions`` (fasttda, torch, numpy, zarr, python at
creation), ``created``, ``updated``, ``done`` (the finished seeds, in the order of
``config.seeds``) and ``finished`` ({seed: {"accuracy": {checkpoint: test accuracy}, "seconds",
"device", "time"}}).

Zarr rather than HDF5: a chunk is a file of its own written by temp-file-and-rename, so a killed
writer can damage at most the chunk it was writing, never the arrays around it; HDF5 keeps one
file whose internal metadata a kill mid-write can corrupt. Only one process (the study's
driver) ever writes, so no locking is needed, and the order "write a seed's chunks, then mark it
done in the manifest" makes the manifest the single truth of what is finished: a seed killed
half-written is not marked done and is simply trained again.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
from pathlib import Path

import numpy as np

from .config import StudyConfig

__all__ = ["FilterArrays", "analysis_path", "manifest_config", "new_manifest", "read_manifest"]

MANIFEST = "study.json"
FILTERS = "filters.zarr"
ANALYSES = "analysis"
FORMAT = "fasttda-study"
FORMAT_VERSION = 1


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


def _fsync(path, flags=os.O_RDONLY) -> None:
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some filesystems cannot fsync a directory
        pass
    finally:
        os.close(fd)


def sync_tree(folder) -> None:
    """Flushes every file under ``folder``, and the folders themselves, to disk."""
    folder = Path(folder)
    for root, dirs, files in os.walk(folder, topdown=False):
        for name in files:
            _fsync(os.path.join(root, name))
        _fsync(root)
    _fsync(folder.parent)


def write_json_atomic(path, obj) -> None:
    """Writes JSON to a temporary file beside ``path``, flushes it to disk and renames it over ``path``:
    a reader (or a rerun after a kill) sees the old file or the new one, never a torn one."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    data = json.dumps(obj, indent=1, allow_nan=False).encode()
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync(path.parent)  # make the rename itself durable


def versions() -> dict:
    import fasttda

    out = {"fasttda": fasttda.__version__, "numpy": np.__version__, "python": platform.python_version()}
    for name in ("torch", "zarr"):
        try:
            out[name] = __import__(name).__version__
        except ImportError:
            out[name] = None
    return out


def new_manifest(config: StudyConfig, layer_shapes: dict) -> dict:
    """The ``study.json`` of a new study: format, config, layer shapes, versions, no seed done yet.

    Parameters
    ----------
    config : StudyConfig
    layer_shapes : dict
        {layer: shape of its weight}.

    Returns
    -------
    dict

    Examples
    --------
    >>> from fasttda.study import StudyConfig
    >>> from fasttda.study.store import new_manifest
    >>> new_manifest(StudyConfig(seeds=2), {1: (64, 1, 3, 3)})["layers"]
    {'1': [64, 1, 3, 3]}
    """
    t = now()
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "config": config.to_dict(),
        "layers": {str(k): list(v) for k, v in layer_shapes.items()},
        "versions": versions(),
        "created": t,
        "updated": t,
        "done": [],
        "finished": {},
    }


def read_manifest(folder) -> dict:
    """The manifest of the study in ``folder``, checked.

    Parameters
    ----------
    folder : str or Path

    Returns
    -------
    dict

    Raises
    ------
    FileNotFoundError, ValueError
        Naming the path: a missing folder or manifest, or a corrupt one.

    Examples
    --------
    >>> from fasttda.study.store import read_manifest
    >>> read_manifest("runs/mnist")["done"]  # doctest: +SKIP
    [0, 1, 2, 3]
    """
    folder = Path(folder)
    if not folder.exists():
        raise FileNotFoundError(f"study folder {folder} does not exist")
    if not folder.is_dir():
        raise ValueError(f"{folder} is a file, not a study folder")
    path = folder / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{folder} is not a fasttda study: it has no {MANIFEST}")
    try:
        manifest = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"{path} is corrupt (not valid JSON: {e})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"{path} is not a fasttda study manifest (its 'format' is not {FORMAT!r})")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{path} has format version {manifest.get('format_version')!r}; this fasttda reads version {FORMAT_VERSION}"
        )
    missing = [k for k in ("config", "layers", "done", "finished") if k not in manifest]
    if missing:
        raise ValueError(f"{path} is corrupt: it lacks {', '.join(missing)}")
    try:
        config = StudyConfig.from_dict(manifest["config"], source=f"the config in {path}")
    except (TypeError, ValueError) as e:
        raise ValueError(f"{path} is corrupt: {e}") from None
    done, finished = manifest["done"], manifest["finished"]
    if (
        not isinstance(done, list)
        or not isinstance(finished, dict)
        or not set(done) <= set(config.seeds)
        or any(str(s) not in finished for s in done)
    ):
        raise ValueError(f"{path} is corrupt: its list of finished seeds does not match the config")
    manifest["config"] = config.to_dict()
    return manifest


def manifest_config(manifest: dict) -> StudyConfig:
    """The StudyConfig a manifest holds.

    Parameters
    ----------
    manifest : dict

    Returns
    -------
    StudyConfig

    Examples
    --------
    >>> from fasttda.study import StudyConfig
    >>> from fasttda.study.store import manifest_config, new_manifest
    >>> manifest_config(new_manifest(StudyConfig(seeds=2), {})).seeds
    [0, 1]
    """
    return StudyConfig.from_dict(manifest["config"])


class FilterArrays:
    """The ``filters.zarr`` group: one array per layer, indexed (seed index, checkpoint index).

    Parameters
    ----------
    folder : str or path-like
        The study folder; the group is ``folder/filters.zarr``.
    config : StudyConfig
        The study's config: its seeds and checkpoints size the first two axes.
    layer_shapes : dict
        {layer: weight shape (out, in, k, k)}.
    create : bool
        True: open for writing, creating the group and missing arrays (NaN-filled) and growing
        the seed axis when seeds were added. False (default): open an existing group read-only.

    Raises
    ------
    FileNotFoundError
        ``create`` is False and the group is missing.
    ValueError
        The group is unreadable, or an array's shape differs from what the config and
        ``layer_shapes`` say.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.study import StudyConfig
    >>> from fasttda.study.store import FilterArrays
    >>> cfg = StudyConfig(seeds=2, iterations=10)  # checkpoints 0 and 10
    >>> arrays = FilterArrays("study", cfg, {1: (4, 1, 3, 3)}, create=True)
    >>> arrays.write_seed(1, {1: np.ones((2, 4, 1, 3, 3))})
    >>> arrays.read(1, [1], cp_index=1).shape
    (1, 4, 1, 3, 3)
    """

    def __init__(self, folder, config: StudyConfig, layer_shapes: dict, *, create: bool = False):
        import zarr

        self.path = Path(folder) / FILTERS
        self.layers = {int(k): tuple(v) for k, v in layer_shapes.items()}
        n_seeds, n_cps = len(config.seeds), len(config.checkpoints)
        self.seeds, self.checkpoints = list(config.seeds), list(config.checkpoints)
        if not create and not self.path.is_dir():
            raise FileNotFoundError(f"{self.path} is missing: the study's filter store is gone")
        try:
            self.group = zarr.open_group(self.path, mode="a" if create else "r")
            self.arrays = {}
            for layer, shape in self.layers.items():
                name = f"layer{layer}"
                if create and name not in self.group:
                    self.group.create_array(
                        name, shape=(n_seeds, n_cps, *shape), chunks=(1, 1, *shape), dtype="float32", fill_value=np.nan
                    )
                self.arrays[layer] = self.group[name]
                stored = tuple(self.arrays[layer].shape)
                if create and stored[0] < n_seeds and stored[1:] == (n_cps, *shape):  # seeds were added
                    self.arrays[layer].resize((n_seeds, n_cps, *shape))
        except Exception as e:  # noqa: BLE001 - zarr reports damage with many exception types
            raise ValueError(f"{self.path} is corrupt or unreadable: {type(e).__name__}: {e}") from None
        for layer, shape in self.layers.items():
            full = (n_seeds, n_cps, *shape)
            if tuple(self.arrays[layer].shape) != full:
                raise ValueError(
                    f"{self.path}/layer{layer} has shape {tuple(self.arrays[layer].shape)}, the manifest says {full}"
                )

    def write_seed(self, index: int, weights: dict) -> None:
        """Stores one seed's {layer: (checkpoints, out, in, k, k)} weights."""
        for layer, w in weights.items():
            self.arrays[int(layer)][index] = np.asarray(w, dtype=np.float32)
            # The manifest marks the seed done next: its chunks must be on disk first, so that
            # not even a power cut leaves a seed marked done without its filters.
            sync_tree(self.path / f"layer{int(layer)}" / "c" / str(index))

    def read(self, layer: int, indices, cp_index: int) -> np.ndarray:
        """(len(indices), out, in, k, k) weights of some seeds at one checkpoint."""
        arr = self.arrays[int(layer)]
        try:
            out = np.stack([np.asarray(arr[int(i), cp_index]) for i in indices])
        except Exception as e:  # noqa: BLE001 - a damaged chunk
            raise ValueError(f"{self.path}/layer{layer} is corrupt or unreadable: {type(e).__name__}: {e}") from None
        # a chunk file that vanished reads as the fill value (NaN) rather than failing
        empty = [self.seeds[int(i)] for i, w in zip(indices, out) if np.isnan(w).all()]
        if empty:
            raise ValueError(
                f"{self.path}/layer{layer} holds no filters of seeds {empty} at iteration "
                f"{self.checkpoints[cp_index]}, though the manifest marks them done (a lost chunk, "
                "or a training that diverged to NaN)"
            )
        return out


def analysis_path(folder, layer: int, checkpoint: int) -> Path:
    """Where the stored analysis of (layer, checkpoint) lives in a study folder.

    Parameters
    ----------
    folder : str or Path
    layer, checkpoint : int

    Returns
    -------
    Path

    Examples
    --------
    >>> from fasttda.study.store import analysis_path
    >>> analysis_path("runs/mnist", 1, 1000).as_posix()
    'runs/mnist/analysis/layer1_it1000.json'
    """
    return Path(folder) / ANALYSES / f"layer{int(layer)}_it{int(checkpoint)}.json"
