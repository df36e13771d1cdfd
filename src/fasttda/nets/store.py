"""Where conv weights are kept: a small store keyed by (run, iteration, layer).

The ensemble trainer and :class:`~fasttda.nets.WeightRecorder` both write here, and the
extraction functions read from here, so one interface serves all three:

``store.put(iteration, {layer: array (out, in, k, k)}, run=0)``
    record the weights of some conv layers of one network (a seed, a run) at one iteration;
``store.get(iteration, layer, run=0)``
    one weight array back, as float32 numpy;
``store.keys()``
    the sorted (run, iteration, layer) triples held; ``runs()``, ``iterations()``, ``layers()``
    the distinct values.

``WeightStore()`` keeps everything in memory; ``WeightStore(path)`` writes one
``run{run:05d}_it{iteration:09d}.npz`` file per ``put`` (arrays named ``layer1``,
``layer2``, …) into the folder ``path`` and reads lazily, so a long study holds
only the array it is working on. Opening an existing folder picks up what is there.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

__all__ = ["WeightStore"]

_NAME = re.compile(r"^run(\d+)_it(\d+)\.npz$")


def _as_array(w) -> np.ndarray:
    if hasattr(w, "detach"):
        w = w.detach().to("cpu")
        return w.numpy().astype(np.float32, copy=True)
    return np.array(w, dtype=np.float32, copy=True)


class WeightStore:
    """Conv weights keyed by (run, iteration, layer); in memory, or one .npz per record in a folder.

    Parameters
    ----------
    path : str or path-like, optional
        None (default): keep everything in memory. A folder: write one
        ``run{run:05d}_it{iteration:09d}.npz`` per ``put`` there (created when missing) and read
        lazily; the records already in it are picked up.

    Raises
    ------
    NotADirectoryError
        ``path`` exists and is not a folder.

    Examples
    --------
    >>> import numpy as np
    >>> from fasttda.nets.store import WeightStore
    >>> store = WeightStore()
    >>> store.put(100, {1: np.ones((8, 1, 3, 3)), 2: np.ones((4, 8, 3, 3))}, run=3)
    >>> store.keys(), store.get(100, 2, run=3).dtype
    ([(3, 100, 1), (3, 100, 2)], dtype('float32'))
    """

    def __init__(self, path=None):
        self.path = None if path is None else Path(path)
        self._mem: dict[tuple[int, int], dict[int, np.ndarray]] = {}
        self._files: dict[tuple[int, int], Path] = {}
        self._layers: dict[tuple[int, int], tuple[int, ...]] = {}
        if self.path is not None:
            if self.path.exists() and not self.path.is_dir():
                raise NotADirectoryError(f"weight store {self.path} exists and is not a folder")
            self.path.mkdir(parents=True, exist_ok=True)
            for f in sorted(self.path.iterdir()):
                m = _NAME.match(f.name)
                if m:
                    key = (int(m.group(1)), int(m.group(2)))
                    self._files[key] = f
                    with np.load(f) as z:
                        self._layers[key] = tuple(sorted(int(n[5:]) for n in z.files if n.startswith("layer")))

    def put(self, iteration: int, weights: dict, run: int = 0) -> None:
        """Records {layer: weight (out, in, k, k)} of one network at one iteration (replacing any earlier record)."""
        iteration, run = int(iteration), int(run)
        if iteration < 0 or run < 0:
            raise ValueError(f"iteration and run must be non-negative, got iteration={iteration}, run={run}")
        if not weights:
            raise ValueError("weights is empty: give {layer: array} for at least one layer")
        arrays = {}
        for layer, w in weights.items():
            a = _as_array(w)
            if a.ndim != 4:
                raise ValueError(f"layer {layer}: a conv weight must be (out, in, k, k), got shape {a.shape}")
            arrays[int(layer)] = a
        key = (run, iteration)
        self._layers[key] = tuple(sorted(arrays))
        if self.path is None:
            self._mem[key] = arrays
        else:
            f = self.path / f"run{run:05d}_it{iteration:09d}.npz"
            np.savez(f, **{f"layer{k}": v for k, v in arrays.items()})
            self._files[key] = f

    def get(self, iteration: int, layer: int, run: int = 0) -> np.ndarray:
        """The weight of ``layer`` of network ``run`` at ``iteration``."""
        key = (int(run), int(iteration))
        if key not in self._layers or int(layer) not in self._layers[key]:
            raise KeyError(
                f"the store holds no layer {layer} of run {run} at iteration {iteration}; "
                f"it holds runs {self.runs()}, iterations {self.iterations()}, layers {self.layers()}"
            )
        if self.path is None:
            return self._mem[key][int(layer)]
        with np.load(self._files[key]) as z:
            return z[f"layer{int(layer)}"]

    def keys(self) -> list[tuple[int, int, int]]:
        return sorted((r, it, layer) for (r, it), layers in self._layers.items() for layer in layers)

    def runs(self) -> list[int]:
        return sorted({r for r, _ in self._layers})

    def iterations(self, run: int | None = None) -> list[int]:
        return sorted({it for r, it in self._layers if run is None or r == run})

    def layers(self) -> list[int]:
        return sorted({layer for ls in self._layers.values() for layer in ls})

    def __len__(self) -> int:
        return len(self._layers)

    def __repr__(self) -> str:
        where = "in memory" if self.path is None else f"in {self.path}"
        return (
            f"WeightStore({len(self)} records {where}: runs {self.runs()[:8]}{'…' if len(self.runs()) > 8 else ''}, "
            f"iterations {self.iterations()[:8]}{'…' if len(self.iterations()) > 8 else ''}, layers {self.layers()})"
        )
