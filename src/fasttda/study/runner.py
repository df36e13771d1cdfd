"""``run_study``: train every seed, keep its filters at the checkpoints, analyse each (layer, checkpoint).

Work is cut into fixed groups of seeds (``StudyConfig.groups``); each group is one call of
``train_group`` on some executor, which trains the group as one batched ensemble and sends
back its weights and accuracies. Only this process writes the folder: as each group comes
back its seeds' filters go into ``filters.zarr``, then the manifest marks them done (an atomic
replace). Rerunning the same study resumes: groups whose seeds are all done are skipped, the
others are trained again whole, so every seed sees the same batch composition (and float
rounding) as in an uninterrupted run.
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

from .._json import jsonable
from .._progress import Progress
from . import store as _store
from .config import StudyConfig, default_group_size
from .executors import Executor, LocalExecutor, report_progress

__all__ = ["analyze_study", "run_study"]

log = logging.getLogger(__name__)

REPORT_EVERY = 0.5  # seconds between a training task's progress reports


@lru_cache(maxsize=2)
def _dataset(name: str, data_dir: str | None):
    """Worker processes keep the dataset between units of work."""
    from ..nets import datasets

    return datasets.load(name, data_dir)


def layer_shapes(config: StudyConfig) -> dict[int, tuple[int, ...]]:
    """{layer: weight shape} of the study's layers, from a parameter-free (meta) copy of the model."""
    import torch

    from ..nets import models

    with torch.device("meta"):
        convs = models.conv_layers(models.build(config.model))
    layers = config.layers if config.layers is not None else list(convs)
    missing = [layer for layer in layers if layer not in convs]
    if missing:
        raise ValueError(f"{config.model} has conv layers 1..{len(convs)}; layers {missing} do not exist")
    return {layer: tuple(convs[layer][1].weight.shape) for layer in layers}


def train_group(config: dict, seeds: list[int]) -> dict:
    """One unit of work: the seeds trained together; their conv weights at every checkpoint and accuracies.

    Returns {"seeds", "weights": {layer: (seeds, checkpoints, out, in, k, k) float32},
    "accuracy": {seed: {checkpoint: accuracy}}, "seconds", "device"}.
    Every ``REPORT_EVERY`` seconds of training it reports ``(tuple(seeds), iterations done)`` through
    ``report_progress`` (and always after the last iteration).
    """
    from ..nets import train

    cfg = StudyConfig.from_dict(config)
    start = time.perf_counter()
    key, last = tuple(seeds), [float("-inf")]

    def step(it):
        now = time.monotonic()
        if now - last[0] >= REPORT_EVERY or it == cfg.iterations:
            last[0] = now
            report_progress(key, it)

    ens = train.train_ensemble(
        cfg.model,
        _dataset(cfg.dataset, cfg.data_dir),
        seeds=seeds,
        iterations=cfg.iterations,
        batch_size=cfg.batch_size,
        optimizer=cfg.optimizer,
        lr=cfg.lr,
        momentum=cfg.momentum,
        weight_decay=cfg.weight_decay,
        checkpoints=cfg.checkpoints,
        layers=cfg.layers,
        device=cfg.device,
        callback=step,
    )
    weights = {layer: np.stack([ens.weights(layer, it) for it in cfg.checkpoints], axis=1) for layer in ens.layers}
    accuracy = {s: {int(it): float(acc[i]) for it, acc in sorted(ens.accuracy.items())} for i, s in enumerate(seeds)}
    return {
        "seeds": list(seeds),
        "weights": weights,
        "accuracy": accuracy,
        "seconds": time.perf_counter() - start,
        "device": str(train.pick_device(cfg.device)),
    }


def default_lr(optimizer: str) -> float:
    """The learning rate ``train_ensemble`` uses for ``optimizer`` when given none (read from the trainer)."""
    import torch

    from ..nets import train

    opt = train.make_optimizer(optimizer, [torch.zeros(1, requires_grad=True)], None, 0.0, 0.0)
    return float(opt.param_groups[0]["lr"])


def _prepare(config: StudyConfig, out: Path, workers: int = 1) -> dict:
    """The manifest to continue from: a fresh one for a new folder, the existing one for a resumed study.

    A new study stores the values that ``None`` stands for: the group size chosen for ``workers``
    (``default_group_size``) and the trainer's default learning rate; a resumed one takes the stored
    values wherever ``config`` leaves them None."""
    if (out / _store.MANIFEST).exists():
        manifest = _store.read_manifest(out)
        saved = _store.manifest_config(manifest)
        for name in ("layers", "group_size", "lr"):
            if getattr(config, name) is None:
                setattr(config, name, getattr(saved, name))
        diff = saved.differences(config)
        if diff and _adds_seeds(saved, config):
            # More seeds for the same study: the stored seeds' groups stay as they are, the new ones follow.
            manifest["config"] = saved.replace(seeds=config.seeds).to_dict()
            manifest["updated"] = _store.now()
            _store.write_json_atomic(out / _store.MANIFEST, manifest)
            diff = []
        if diff:
            raise ValueError(
                f"{out} holds a different study ({'; '.join(diff)}, stored vs requested); "
                "use another --out folder, or rerun with the stored settings to resume it"
            )
        for stale in out.glob(f".{_store.MANIFEST}.*.tmp"):  # left by a writer killed before its rename
            stale.unlink(missing_ok=True)
        return manifest
    if out.exists():
        if not out.is_dir():
            raise ValueError(f"{out} is a file, not a folder")
        if any(out.iterdir()):
            raise ValueError(f"{out} is not empty and holds no {_store.MANIFEST}; refusing to write a study into it")
    shapes = layer_shapes(config)
    config.layers = sorted(shapes)
    if config.group_size is None:
        config.group_size = default_group_size(len(config.seeds), workers)
    if config.lr is None:
        config.lr = default_lr(config.optimizer)
    out.mkdir(parents=True, exist_ok=True)
    manifest = _store.new_manifest(config, shapes)
    _store.write_json_atomic(out / _store.MANIFEST, manifest)
    return manifest


def _adds_seeds(saved: StudyConfig, config: StudyConfig) -> bool:
    """Whether ``config`` is ``saved`` with seeds appended, every stored group of seeds left whole."""
    old, new = list(saved.seeds), list(config.seeds)
    if len(new) <= len(old) or new[: len(old)] != old or saved.differences(config.replace(seeds=old)):
        return False
    new_groups = {tuple(g) for g in config.groups()}
    return all(tuple(g) in new_groups for g in saved.groups())


def progress_bar(progress, *, total, desc="", unit="it", initial=0) -> Progress:
    """The progress of a study's work: a tqdm bar on a terminal, INFO lines of this module's logger
    otherwise (``fasttda._progress.Progress``); ``progress`` False shows nothing."""
    return Progress(total, desc, unit, initial=initial, enabled=progress, logger=log)


def run_study(
    config: StudyConfig, out, *, executor: Executor | None = None, progress: bool = True, analyze: bool = True
):
    """Trains (or finishes) the study ``config`` into the folder ``out`` and returns it as a :class:`Study`.

    executor : where the groups of seeds run (default: this process); see ``fasttda.study.executors``.
        A new study with ``group_size`` None cuts its seeds into groups that keep the executor's
        workers busy to the end, and stores that group size.
    progress : show how training and analysis advance: a tqdm bar on stderr when it is a terminal,
        INFO lines of the ``fasttda.study.runner`` logger otherwise. Training counts seed-iterations
        as the workers report them (rate and time left), not only finished groups.
    analyze : after training, store ``analyze`` of every (layer, checkpoint) with default parameters,
        skipping those already stored for the same finished seeds.

    Safe to interrupt at any point: rerunning with the same config keeps every finished seed.
    Rerunning with seeds appended (e.g. 32 after 24, with group_size dividing 24) trains only the new ones.
    A folder that holds a different study, or a non-empty folder that is not a study, is refused.

    Parameters
    ----------
    config : StudyConfig
    out : str or Path
    executor : Executor, optional
    progress, analyze : bool
        As above.

    Returns
    -------
    Study

    Raises
    ------
    TypeError
        When ``config`` is not a StudyConfig.
    ValueError, FileNotFoundError
        When ``out`` holds another study or something else, or the dataset's folder is missing.

    Examples
    --------
    >>> from fasttda.study import StudyConfig, run_study
    >>> cfg = StudyConfig(model="mnist2", dataset="mnist5k", seeds=4, iterations=200)  # doctest: +SKIP
    >>> study = run_study(cfg, "runs/mnist")  # doctest: +SKIP
    """
    from .results import Study

    if not isinstance(config, StudyConfig):
        raise TypeError(f"config must be a StudyConfig, got {type(config).__name__}")
    config = config.replace()  # a private copy: layers=None is filled in below
    out = Path(out)
    if config.data_dir is not None and not Path(config.data_dir).is_dir():  # before anything is written
        raise FileNotFoundError(f"data folder {config.data_dir} of dataset {config.dataset} does not exist")
    own = executor is None
    executor = LocalExecutor(1) if own else executor
    try:
        manifest = _prepare(config, out, executor.workers)
    except BaseException:
        if own:
            executor.close()
        raise
    config = _store.manifest_config(manifest).replace(device=config.device)
    shapes = {int(k): tuple(v) for k, v in manifest["layers"].items()}
    arrays = _store.FilterArrays(out, config, shapes, create=True)
    index = {s: i for i, s in enumerate(config.seeds)}
    done = set(manifest["done"])
    pending = [g for g in config.groups() if not set(g) <= done]

    if pending:
        log.info(
            f"{out}: training {sum(len(g) for g in pending)} of {len(config.seeds)} seeds of {config.model} "
            f"on {config.dataset}, {config.iterations} iterations each, in {len(pending)} group(s) of up "
            f"to {config.group_size} {executor.describe()}"
        )
    task_config = config.to_dict()
    its = config.iterations
    seen = {tuple(g): 0 for g in pending}  # iterations each pending group has reported
    kept = sum(len(g) for g in config.groups() if tuple(g) not in seen)  # seeds done in finished groups
    try:
        with progress_bar(
            progress, total=len(config.seeds) * its, initial=kept * its, desc="training", unit="seed-it"
        ) as bar:

            def advance(key, it):
                key = tuple(key)
                if key in seen and it > seen[key]:
                    bar.update((min(it, its) - seen[key]) * len(key))
                    seen[key] = min(it, its)

            tasks = [(task_config, g) for g in pending]
            for (_, seeds), result in executor.map_unordered(train_group, tasks, on_progress=advance):
                new = [s for s in seeds if s not in done]
                for s in new:
                    i = seeds.index(s)
                    arrays.write_seed(index[s], {layer: w[i] for layer, w in result["weights"].items()})
                stamp = _store.now()
                for s in new:  # only now, with its filters on disk, is a seed done
                    manifest["finished"][str(s)] = {
                        "accuracy": {str(k): v for k, v in result["accuracy"][s].items()},
                        "seconds": round(result["seconds"], 3),
                        "device": result["device"],
                        "time": stamp,
                    }
                done |= set(new)
                manifest["done"] = [s for s in config.seeds if s in done]
                manifest["updated"] = stamp
                _store.write_json_atomic(out / _store.MANIFEST, manifest)
                advance(seeds, its)  # a group that reported nothing (e.g. on Dask) counts when it finishes
    finally:
        if own:
            executor.close()

    study = Study(out)
    if analyze:
        analyze_study(study, progress=progress)
    return study


def analyze_study(study, *, progress: bool = True, **kwargs) -> dict:
    """Stores ``analysis/layer{L}_it{I}.json`` for every (layer, checkpoint), skipping those already stored for
    the same finished seeds and parameters. A layer whose filters cannot be analysed (e.g. all constant)
    gets a file with its ``error``.

    Parameters
    ----------
    study : Study
    progress : bool
    **kwargs
        Keywords of ``fasttda.analyze``.

    Returns
    -------
    dict
        {(layer, checkpoint): the stored dict}.

    Examples
    --------
    >>> from fasttda.study import load_study
    >>> from fasttda.study.runner import analyze_study
    >>> stored = analyze_study(load_study("runs/mnist"), k=15)  # doctest: +SKIP
    """
    import warnings

    stored = {}
    jobs = [(layer, it) for layer in study.layers for it in study.checkpoints]
    with progress_bar(progress, total=len(jobs), desc="analysing", unit="cell") as bar:
        for layer, it in jobs:
            key = {
                "layer": layer,
                "checkpoint": it,
                "seeds": study.done,
                "channels": study.config.channels,
                "kwargs": kwargs,
            }
            old = study.saved_analysis(layer, it)
            if old is not None and all(old.get(k) == v for k, v in key.items()):
                stored[layer, it] = old
                bar.update()
                continue
            entry = dict(key)
            try:
                entry["analysis"] = study.analyze(layer, it, **kwargs).to_dict()
            except ValueError as e:
                entry["error"] = str(e)
                warnings.warn(f"layer {layer} at iteration {it}: {e}", stacklevel=2)
            path = _store.analysis_path(study.path, layer, it)
            path.parent.mkdir(exist_ok=True)
            _store.write_json_atomic(path, jsonable(entry))
            stored[layer, it] = jsonable(entry)
            bar.update()
    return stored
