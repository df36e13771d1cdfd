"""A study on disk, read back: ``load_study(DIR)`` → :class:`Study`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..display import RichDisplay
from . import store as _store
from .config import StudyConfig


class Study(RichDisplay):
    """The study in a folder: its config, which seeds are finished, their accuracies and filters.

    Parameters
    ----------
    path : str or path-like
        The study's folder (``study.json`` and ``filters.zarr``), as ``fasttda study run`` writes it.

    Raises
    ------
    FileNotFoundError
        The folder, its manifest or its filter store is missing.
    ValueError
        The path is a file, or the manifest or the filters are damaged.

    Attributes
    ----------
    path : the folder.
    config : the :class:`StudyConfig` it was trained with.
    seeds, checkpoints, layers : what the study covers (lists of ints).
    done : the finished seeds, in the order of ``seeds``; everything below reads only these.
    accuracy : {seed: {iteration: test accuracy}} of the finished seeds, at every checkpoint and
        at the last iteration.
    manifest : the raw ``study.json`` contents.

    Examples
    --------
    >>> from fasttda.study import load_study
    >>> study = load_study("runs/mnist")  # doctest: +SKIP
    >>> study.analyze(layer=1, checkpoint=1000, k=15).verdict  # doctest: +SKIP
    'primary circle'
    """

    def __init__(self, path):
        self.path = Path(path)
        self.manifest = _store.read_manifest(self.path)
        self.config = _store.manifest_config(self.manifest)
        self.layer_shapes = {int(k): tuple(v) for k, v in self.manifest["layers"].items()}
        self._arrays = _store.FilterArrays(self.path, self.config, self.layer_shapes)

    # ------------------------------------------------------------------ what the study holds

    @property
    def seeds(self) -> list[int]:
        return list(self.config.seeds)

    @property
    def checkpoints(self) -> list[int]:
        return list(self.config.checkpoints)

    @property
    def layers(self) -> list[int]:
        return sorted(self.layer_shapes)

    @property
    def done(self) -> list[int]:
        return list(self.manifest["done"])

    @property
    def complete(self) -> bool:
        return len(self.done) == len(self.seeds)

    @property
    def accuracy(self) -> dict[int, dict[int, float]]:
        fin = self.manifest["finished"]
        return {s: {int(it): float(a) for it, a in fin[str(s)]["accuracy"].items()} for s in self.done}

    def accuracy_at(self, checkpoint: int | None = None) -> np.ndarray:
        """Test accuracy of every finished seed at one checkpoint (default the last iteration)."""
        it = self.config.iterations if checkpoint is None else self.check_checkpoint(checkpoint)
        return np.array([self.accuracy[s][it] for s in self.done])

    # ------------------------------------------------------------------ filters and analyses

    def check_layer(self, layer) -> int:
        """``layer`` as an int, or a ValueError naming the study's layers when it holds no such layer."""
        if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or int(layer) not in self.layer_shapes:
            raise ValueError(
                f"layer {layer!r} is not in the study {self.path}; it has layers {', '.join(map(str, self.layers))}"
            )
        return int(layer)

    def check_checkpoint(self, checkpoint) -> int:
        """``checkpoint`` as an int (None: the last one), or a ValueError naming the study's checkpoints."""
        if checkpoint is None:
            return self.checkpoints[-1]
        if (
            isinstance(checkpoint, bool)
            or not isinstance(checkpoint, (int, np.integer))
            or int(checkpoint) not in self.checkpoints
        ):
            raise ValueError(
                f"checkpoint {checkpoint!r} is not in the study {self.path}; it has checkpoints "
                f"{', '.join(map(str, self.checkpoints))}"
            )
        return int(checkpoint)

    def _seed_indices(self, seeds) -> list[int]:
        if seeds is None:
            seeds = self.done
        else:
            seeds = [int(s) for s in (seeds if np.ndim(seeds) else [seeds])]
            missing = [s for s in seeds if s not in self.done]
            if missing:
                raise ValueError(f"seeds {missing} are not finished in {self.path}; finished: {self.done}")
        if not seeds:
            raise ValueError(f"no seed of the study in {self.path} has finished yet")
        index = {s: i for i, s in enumerate(self.seeds)}
        return [index[s] for s in seeds]

    def weights(self, layer: int, checkpoint: int | None = None, *, seeds=None) -> np.ndarray:
        """(seeds, out, in, k, k) float32 conv weights of ``layer`` at ``checkpoint`` (default the last),
        for the finished seeds (or the given ones), in the order of ``self.seeds``."""
        layer, cp = self.check_layer(layer), self.check_checkpoint(checkpoint)
        return self._arrays.read(layer, self._seed_indices(seeds), self.checkpoints.index(cp))

    def filters(self, layer: int, checkpoint: int | None = None, *, seeds=None, channels: str | None = None):
        """The weights as the study's analyses read them: ``channels="mean"`` (default ``config.channels``)
        averages each filter over its input channels, giving (seeds, out, 1, k, k)."""
        w = self.weights(layer, checkpoint, seeds=seeds)
        channels = self.config.channels if channels is None else channels
        if channels == "mean":
            return w.mean(axis=2, keepdims=True)
        if channels != "each":
            raise ValueError(f"channels must be 'each' or 'mean', got {channels!r}")
        return w

    def analyze(self, layer: int, checkpoint: int | None = None, *, seeds=None, channels: str | None = None, **kwargs):
        """``fasttda.analyze`` of the layer's filters at ``checkpoint``, pooled over the finished seeds;
        ``kwargs`` (k, p, n_landmarks, lens, …) go to ``analyze``. When the study kept the initial filters
        (checkpoint 0), the analysis also says how far the filters moved from them."""
        from ..analysis import analyze

        cp = self.check_checkpoint(checkpoint)
        if 0 in self.checkpoints and cp != 0 and "initial" not in kwargs:
            kwargs["initial"] = self.filters(layer, 0, seeds=seeds, channels=channels)
        return analyze(self.filters(layer, cp, seeds=seeds, channels=channels), **kwargs)

    def evolution(
        self, layers=None, checkpoints=None, *, n_halves: int = 8, seed: int = 0, analyses=None, **kwargs
    ) -> list[dict]:
        """How each layer's top H1 persistence grows over training, against untrained filters.

        For every (layer, checkpoint): the pooled analysis' top H1 bar and its null model, and the top
        bar of ``n_halves`` analyses of random halves of the finished seeds (drawn with ``seed``) as the
        spread over networks. ``kwargs`` go to ``analyze``; ``analyses`` ({(layer, checkpoint): Analysis})
        are pooled analyses already made with them. Returns one dict per cell, the rows that
        ``fasttda.plot.evolution`` draws."""
        from ..analysis import null_cut

        layers = self.layers if layers is None else [self.check_layer(layer) for layer in layers]
        checkpoints = self.checkpoints if checkpoints is None else [self.check_checkpoint(c) for c in checkpoints]
        rng = np.random.default_rng(seed)
        done = self.done
        halves = [sorted(rng.choice(done, max(1, len(done) // 2), replace=False).tolist()) for _ in range(n_halves)]
        rows = []
        for layer in layers:
            for cp in checkpoints:
                a = (analyses or {}).get((layer, cp)) or self.analyze(layer, cp, **kwargs)
                h1 = a.persistence[1] if len(a.persistence) > 1 else np.empty(0)
                tops = []
                for half in halves if len(done) > 1 else []:
                    b = self.analyze(layer, cp, seeds=half, **{**kwargs, "n_null": 0})
                    tops.append(float(b.persistence[1][0]) if len(b.persistence[1]) else 0.0)
                rows.append(
                    {
                        "layer": layer,
                        "checkpoint": cp,
                        "verdict": a.verdict,
                        "top_h1": float(h1[0]) if len(h1) else 0.0,
                        "null_h1_mean": a.null_h1_mean,
                        "null_h1_std": a.null_h1_std,
                        "null_cut": null_cut(a.null_h1) if len(a.null_h1) else None,
                        "halves_top_h1": tops,
                        "moved": a.moved,
                    }
                )
        return rows

    def compare(self, metric: str = "bottleneck", dim: int = 1, layers=None, checkpoints=None, **kwargs):
        """Diagram distances between this study's checkpoints (per layer), layers (per checkpoint) and seeds
        (each analysed alone, by default only at the last checkpoint): a :class:`~fasttda.study.compare.Comparison`.
        ``kwargs`` (seed_checkpoints, order, internal_p, and analyze's k, p, …) as in
        :func:`fasttda.study.compare.compare`."""
        from .compare import compare

        return compare(self, metric, dim, layers, checkpoints, **kwargs)

    def saved_analysis(self, layer: int, checkpoint: int | None = None) -> dict | None:
        """What ``study run`` stored for (layer, checkpoint): {"layer", "checkpoint", "seeds", "channels",
        "kwargs", and "analysis" (``Analysis.to_dict``) or "error"}; None when nothing (readable) is stored."""
        path = _store.analysis_path(self.path, self.check_layer(layer), self.check_checkpoint(checkpoint))
        try:
            entry = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return None
        return entry if isinstance(entry, dict) else None

    def __repr__(self) -> str:
        c = self.config
        return (
            f"Study({str(self.path)!r}: {c.model} on {c.dataset}, {len(self.done)}/{len(self.seeds)} seeds done, "
            f"{c.iterations} iterations, checkpoints {self.checkpoints}, layers {self.layers})"
        )


def load_study(path) -> Study:
    """The study in folder ``path``.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Study

    Raises
    ------
    FileNotFoundError
        When the folder or its manifest is missing.
    ValueError
        When the manifest or the filter store is corrupt (naming the path).

    Examples
    --------
    >>> from fasttda.study import load_study
    >>> study = load_study("runs/mnist")  # doctest: +SKIP
    >>> study.weights(layer=1, checkpoint=1000).shape  # doctest: +SKIP
    (24, 64, 1, 3, 3)
    """
    return Study(path)


__all__ = ["Study", "StudyConfig", "load_study"]
