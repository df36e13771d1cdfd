"""Studies: many seeds of one network trained, their filters stored by (seed, checkpoint, layer), analysed.

    from fasttda.study import StudyConfig, run_study, load_study
    cfg = StudyConfig(model="mnist2", dataset="mnist5k", seeds=24, iterations=1000,
                      checkpoints=[400, 1000], layers=[1, 2])
    run_study(cfg, "runs/mnist")                 # resumable; see runner.py
    study = load_study("runs/mnist")
    study.weights(layer=1, checkpoint=1000)      # (24, 64, 1, 3, 3)
    study.analyze(layer=1, checkpoint=1000, k=15)
    study.compare(k=15)                          # bottleneck distances between checkpoints, layers, seeds

Reading a study needs numpy and zarr only; running one imports torch.
"""

from .compare import Comparison, StudiesComparison, compare_studies
from .config import StudyConfig
from .executors import DaskExecutor, Executor, LocalExecutor, WorkerError
from .results import Study, load_study


def run_study(config, out, *, executor=None, progress=True, analyze=True):
    """Trains (or resumes) a study into the folder ``out``; see :func:`fasttda.study.runner.run_study`.

    Parameters
    ----------
    config : StudyConfig
    out : str or Path
        The study folder (created, or resumed).
    executor : Executor, optional
        Where the groups of seeds train (default: this process).
    progress, analyze : bool
        Show progress; analyse every (layer, checkpoint) after training.

    Returns
    -------
    Study

    Examples
    --------
    >>> from fasttda.study import StudyConfig, run_study
    >>> cfg = StudyConfig(model="mnist2", dataset="mnist5k", seeds=4, iterations=200)  # doctest: +SKIP
    >>> study = run_study(cfg, "runs/mnist")  # doctest: +SKIP
    """
    from .runner import run_study as run

    return run(config, out, executor=executor, progress=progress, analyze=analyze)


__all__ = [
    "Comparison",
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "StudiesComparison",
    "Study",
    "StudyConfig",
    "WorkerError",
    "compare_studies",
    "load_study",
    "run_study",
]
