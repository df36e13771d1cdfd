"""A study in words and in one HTML report: the summary ``fasttda study info`` prints, and the report
``fasttda report`` writes of every (layer, checkpoint)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["describe_study", "study_summary", "write_study_report"]


def study_summary(study) -> dict:
    """A JSON-able digest of a study: its config, progress, test accuracy and stored verdicts.

    Parameters
    ----------
    study : Study
        A study loaded with ``fasttda.study.load_study``.

    Returns
    -------
    dict
        ``path``, ``config``, ``done`` (finished seeds), ``complete``, ``accuracy`` ({iteration:
        {"mean", "min", "max"}} over the finished seeds) and ``analyses`` ({"layer{L}_it{I}": verdict
        or error} of the analyses stored in the study).

    Examples
    --------
    >>> from fasttda.study import load_study
    >>> study_summary(load_study("runs/mnist"))["complete"]  # doctest: +SKIP
    True
    """
    acc = {}
    for it in sorted({it for a in study.accuracy.values() for it in a}):
        vals = np.array([a[it] for a in study.accuracy.values() if it in a])
        acc[it] = {"mean": float(vals.mean()), "min": float(vals.min()), "max": float(vals.max())}
    analyses = {}
    for layer in study.layers:
        for it in study.checkpoints:
            entry = study.saved_analysis(layer, it)
            if entry is not None:
                analyses[f"layer{layer}_it{it}"] = entry.get("error") or entry["analysis"]["verdict"]
    return {
        "path": str(study.path),
        "config": study.config.to_dict(),
        "done": study.done,
        "complete": study.complete,
        "accuracy": acc,
        "analyses": analyses,
    }


def describe_study(study) -> str:
    """``study_summary`` in lines of text: the network and data, seeds done, accuracy per checkpoint, verdicts.

    Parameters
    ----------
    study : Study

    Returns
    -------
    str

    Examples
    --------
    >>> from fasttda.study import load_study
    >>> print(describe_study(load_study("runs/mnist")))  # doctest: +SKIP
    study runs/mnist: mnist2 on mnist5k, 1000 iterations, checkpoints 400,1000, layers 1,2
    seeds done: 24 of 24
    ...
    """
    s = study_summary(study)
    c = study.config
    lines = [
        f"study {study.path}: {c.model} on {c.dataset}, {c.iterations} iterations, "
        f"checkpoints {','.join(map(str, study.checkpoints))}, layers {','.join(map(str, study.layers))}",
        f"seeds done: {len(study.done)} of {len(study.seeds)}",
    ]
    for it, a in s["accuracy"].items():
        lines.append(
            f"  test accuracy at iteration {it}: mean {a['mean']:.3f} (min {a['min']:.3f}, max {a['max']:.3f})"
        )
    for key, verdict in s["analyses"].items():
        lines.append(f"  {key}: {verdict}")
    return "\n".join(lines)


def write_study_report(
    study,
    out,
    kwargs: dict | None = None,
    *,
    layers=None,
    checkpoints=None,
    progress: bool = True,
    interactive: bool = False,
) -> tuple[Path, dict]:
    """Analyse every (layer, checkpoint) of a study and write the HTML report into ``out``.

    Parameters
    ----------
    study : Study
        A study loaded with ``fasttda.study.load_study``.
    out : str or Path
        The report folder (created).
    kwargs : dict, optional
        Keywords of ``fasttda.analyze`` for every analysis.
    layers, checkpoints : list of int, optional
        The cells to include (default every layer and checkpoint of the study).
    progress : bool
        Show the analyses advance (a bar on a terminal, log lines otherwise).
    interactive : bool
        Also write an interactive Mapper page per analysis, linked from the report.

    Returns
    -------
    (Path, dict)
        The report's ``index.html`` and the analyses, ``{(layer, checkpoint): Analysis}``.

    Raises
    ------
    ValueError
        When a layer or checkpoint is not in the study (before anything is analysed).

    Examples
    --------
    >>> from fasttda.study import load_study
    >>> path, analyses = write_study_report(load_study("runs/mnist"), "report", {"k": 15})  # doctest: +SKIP
    """
    from .. import report
    from .runner import progress_bar

    kwargs = dict(kwargs or {})
    layers = layers or study.layers
    checkpoints = checkpoints or study.checkpoints
    for layer in layers:
        study.check_layer(layer)
    for checkpoint in checkpoints:
        study.check_checkpoint(checkpoint)
    cells = [(layer, checkpoint) for layer in layers for checkpoint in checkpoints]
    analyses = {}
    with progress_bar(progress, total=len(cells), desc="analyses", unit="analysis") as bar:
        for layer, checkpoint in cells:
            analyses[(layer, checkpoint)] = study.analyze(layer, checkpoint, **kwargs)
            bar.update()
    c = study.config
    accuracy = {checkpoint: study.accuracy_at(checkpoint).tolist() for checkpoint in checkpoints}
    evolution = (
        study.evolution(layers, checkpoints, n_halves=4, analyses=analyses, **kwargs) if len(checkpoints) >= 2 else None
    )
    # Diagram distances between checkpoints, layers and seeds, for the heatmaps; the extra
    # verdict checks change no diagram, so the seeds' own analyses skip them.
    plain = {k: v for k, v in kwargs.items() if k not in ("robustness", "n_boot")}
    comparison = study.compare(layers=layers, checkpoints=checkpoints, analyses=analyses, **plain)
    path = report.write_report(
        Path(out),
        analyses,
        title=f"fasttda study: {c.model} on {c.dataset}",
        params={"study": str(study.path), "seeds done": len(study.done), **c.to_dict()},
        accuracy=accuracy,
        interactive=interactive,
        evolution=evolution,
        comparison=comparison,
    )
    return path, analyses
