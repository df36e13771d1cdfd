"""The ``fasttda`` command line: help, study run/info, analyze, and one-line errors that change nothing."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fasttda
from fasttda import cli

RUN = [
    "study",
    "run",
    "--seeds",
    "2",
    "--iterations",
    "20",
    "--checkpoints",
    "10,20",
    "--layers",
    "1,2",
    "--batch-size",
    "16",
    "--lr",
    "0.05",
    "--device",
    "cpu",
]


def fasttda_subprocess(*args, timeout=120):
    src = str(Path(fasttda.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "fasttda", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def run_cli(capsys, *args):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, *fragments):
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fasttda: error: "), err
    assert "Traceback" not in err
    for f in fragments:
        assert f in lines[0], lines[0]


def snapshot(folder):
    return {p: p.read_bytes() for p in Path(folder).rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("zarr")
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("cli") / "study"
    try:
        assert cli.main(RUN + ["--out", str(out), "--quiet"]) == 0
    finally:
        torch.set_num_threads(threads)
    return out


# ---------------------------------------------------------------- help


@pytest.mark.parametrize(
    "command", [[], ["demo"], ["study"], ["study", "run"], ["study", "info"], ["analyze"], ["report"]]
)
def test_help_of_every_command(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(command + ["--help"])
    assert exit_.value.code == 0
    assert "usage: fasttda" in capsys.readouterr().out


def test_module_entry_point_and_usage_errors():
    r = fasttda_subprocess("--help")
    assert r.returncode == 0 and "study" in r.stdout and "analyze" in r.stdout
    r = fasttda_subprocess("study", "run", "--seeds", "2", "--iteratons", "5", "--out", "x")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [r.stderr.strip()] and "--iteratons" in r.stderr
    assert not Path("x").exists()
    r = fasttda_subprocess("analyze", "no/such/study", "--layer", "1")
    assert r.returncode == 2 and r.stderr.strip() == "fasttda: error: no study folder or weights file at no/such/study"


# ---------------------------------------------------------------- study run, info, analyze


def test_study_run_and_info(study_dir, capsys):
    from fasttda.study import load_study

    study = load_study(study_dir)
    assert study.done == [0, 1] and study.checkpoints == [10, 20] and study.layers == [1, 2]
    assert study.weights(layer=1, checkpoint=20).shape == (2, 64, 1, 3, 3)
    assert all(study.saved_analysis(layer, it) for layer in (1, 2) for it in (10, 20))
    code, out, _ = run_cli(capsys, "study", "info", study_dir)
    assert code == 0 and "seeds done: 2 of 2" in out and "test accuracy at iteration 20" in out
    code, out, _ = run_cli(capsys, "study", "info", study_dir, "--json")
    info = json.loads(out)
    assert code == 0 and info["done"] == [0, 1] and info["complete"] and set(info["accuracy"]) == {"10", "20"}
    # rerunning the finished study changes nothing
    before = snapshot(study_dir)
    code, out, _ = run_cli(capsys, *RUN, "--out", study_dir)
    assert code == 0 and "seeds done: 2 of 2" in out
    assert snapshot(study_dir) == before


def test_analyze_study_json(study_dir, capsys):
    code, out, err = run_cli(capsys, "analyze", study_dir, "--layer", "1", "--checkpoint", "20", "--k", "8", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["layer"] == 1 and result["checkpoint"] == 20 and result["seeds"] == [0, 1]
    assert result["params"]["k"] == 8 and result["summary"] and "graph" in result and "barcodes" in result
    code, out, _ = run_cli(capsys, "analyze", study_dir, "--layer", "2", "--channels", "mean")
    assert code == 0 and "layer 2 at iteration 20 (2 seeds)" in out and "Dense core" in out


def test_analyze_weights_files(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w1 = rng.standard_normal((64, 1, 3, 3)).astype(np.float32)
    w2 = rng.standard_normal((32, 64, 3, 3)).astype(np.float32)
    np.save(tmp_path / "w.npy", w2)
    np.savez(tmp_path / "named.npz", layer1=w1, layer2=w2)
    np.savez(tmp_path / "plain.npz", a=w1, b=np.zeros(3), c=w2)
    from fasttda.nets import mnist2

    net = mnist2()
    torch.save(net.state_dict(), tmp_path / "net.pt")
    torch.save({"state_dict": net.state_dict()}, tmp_path / "wrapped.pth")
    want = {1: fasttda.analyze(net.conv1.weight.detach().numpy(), k=5).to_dict(), 2: fasttda.analyze(w2, k=5).to_dict()}
    for name, layer, expected in [
        ("w.npy", None, 2),
        ("named.npz", 2, 2),
        ("plain.npz", 2, 2),
        ("net.pt", 1, 1),
        ("wrapped.pth", 1, 1),
    ]:
        args = ["analyze", tmp_path / name, "--k", "5", "--json"] + ([] if layer is None else ["--layer", layer])
        code, out, err = run_cli(capsys, *args)
        assert code == 0, (name, err)
        got = json.loads(out)
        assert got["n_points"] == want[expected]["n_points"] and got["verdict"] == want[expected]["verdict"], name
    code, _, err = run_cli(capsys, "analyze", tmp_path / "net.pt", "--layer", "3")
    assert_one_line_error(code, err, "conv layers 1..2", "no layer 3")
    code, _, err = run_cli(capsys, "analyze", tmp_path / "net.pt")
    assert_one_line_error(code, err, "--layer")
    (tmp_path / "junk.pt").write_bytes(b"not torch")
    code, _, err = run_cli(capsys, "analyze", tmp_path / "junk.pt", "--layer", "1")
    assert_one_line_error(code, err, "not a readable PyTorch weights file")
    code, _, err = run_cli(capsys, "analyze", tmp_path / "w.npy", "--checkpoint", "3")
    assert_one_line_error(code, err, "--checkpoint applies to study folders")


# ---------------------------------------------------------------- errors: one line, exit 2, nothing overwritten


def test_errors_on_study_folders(study_dir, tmp_path, capsys):
    code, _, err = run_cli(capsys, "analyze", tmp_path / "missing", "--layer", "1")
    assert_one_line_error(code, err, "no study folder or weights file")
    code, _, err = run_cli(capsys, "study", "info", tmp_path / "missing")
    assert_one_line_error(code, err, "does not exist")
    before = snapshot(study_dir)
    code, _, err = run_cli(capsys, "analyze", study_dir, "--layer", "3")
    assert_one_line_error(code, err, "layer 3 is not in the study", "1, 2")
    code, _, err = run_cli(capsys, "analyze", study_dir, "--layer", "1", "--checkpoint", "15")
    assert_one_line_error(code, err, "checkpoint 15 is not in the study", "10, 20")
    code, _, err = run_cli(capsys, "analyze", study_dir)
    assert_one_line_error(code, err, "--layer")
    code, _, err = run_cli(capsys, *RUN[:-4], "--lr", "0.1", "--device", "cpu", "--out", study_dir)
    assert_one_line_error(code, err, "holds a different study", "lr")
    assert snapshot(study_dir) == before

    corrupt = tmp_path / "corrupt"
    shutil.copytree(study_dir, corrupt)
    (corrupt / "study.json").write_text('{"format": "fasttda-study", "config": {')
    before = snapshot(corrupt)
    for args in (["analyze", corrupt, "--layer", "1"], ["study", "info", corrupt], [*RUN, "--out", corrupt]):
        code, _, err = run_cli(capsys, *args)
        assert_one_line_error(code, err, "study.json is corrupt")
    assert snapshot(corrupt) == before

    lost = tmp_path / "lost"
    shutil.copytree(study_dir, lost)
    shutil.rmtree(lost / "filters.zarr" / "layer1" / "c" / "0")
    code, _, err = run_cli(capsys, "analyze", lost, "--layer", "1")
    assert_one_line_error(code, err, "holds no filters of seeds [0]")


def test_study_run_takes_a_shipped_study_by_name(tmp_path, capsys):
    # the name resolves to the shipped file and flags override it: the error names its 2,000 iterations
    code, _, err = run_cli(
        capsys, "study", "run", "--config", "natural_evolution", "--checkpoints", "5000", "--out", tmp_path / "out"
    )
    assert_one_line_error(code, err, "checkpoints [5000] come after the last iteration (2000)")
    code, _, err = run_cli(capsys, "study", "run", "no_such_study", "--out", tmp_path / "out")
    assert_one_line_error(code, err, "not the name of a shipped study", "natural_evolution")
    assert not (tmp_path / "out").exists()


def test_config_file_errors(tmp_path, capsys):
    cfg = tmp_path / "study.toml"
    cfg.write_text('model = "mnist2"\nseeds = 2\niteration = 20\n')
    code, _, err = run_cli(capsys, "study", "run", "--config", cfg, "--out", tmp_path / "out")
    assert_one_line_error(code, err, "unknown key 'iteration'", "did you mean 'iterations'")
    cfg.write_text('model = "mnist2"\nseeds = 2\niterations = 20\ncheckpoints = [10, 40]\n')
    code, _, err = run_cli(capsys, "study", "run", cfg, "--out", tmp_path / "out")  # CONFIG, positional
    assert_one_line_error(code, err, "checkpoints [40] come after the last iteration")
    code, _, err = run_cli(capsys, "study", "run", cfg, "--config", cfg, "--out", tmp_path / "out")
    assert_one_line_error(code, err, "config file once")
    code, _, err = run_cli(capsys, "study", "run", "--model", "resnet", "--out", tmp_path / "out")
    assert_one_line_error(code, err, "unknown model 'resnet'")
    code, _, err = run_cli(capsys, "study", "run", "--seeds", "two", "--out", tmp_path / "out")
    assert_one_line_error(code, err, "seeds must be")
    code, _, err = run_cli(
        capsys, "study", "run", "--dataset", "mnist", "--data-dir", tmp_path / "idx", "--out", tmp_path / "out"
    )
    assert_one_line_error(code, err, "data folder", "does not exist")
    assert not (tmp_path / "out").exists()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    code, _, err = run_cli(capsys, *RUN, "--out", foreign)
    assert_one_line_error(code, err, "not empty")
    assert [p.name for p in foreign.iterdir()] == ["keep.txt"]


def test_report_of_a_study(study_dir, tmp_path, capsys):
    out = tmp_path / "report"
    code, stdout, err = run_cli(
        capsys, "report", study_dir, "--out", out, "--k", "10", "--n-landmarks", "50", "--quiet"
    )
    assert code == 0, err
    assert stdout.strip() == str(out / "index.html")
    page = (out / "index.html").read_text()
    assert "mnist2 on mnist5k" in page
    for layer in (1, 2):
        for it in (10, 20):
            assert (out / "figures" / f"layer{layer}_ckpt{it}_mapper.png").stat().st_size > 0
    assert page.count("data:image/png;base64,") >= 2 * 2 * 4  # four figures per (layer, checkpoint)
    assert "evolution" in page.lower()
    # Heatmaps of the diagram distances: between checkpoints (one per layer), layers (one per
    # checkpoint) and seeds (each layer at the last checkpoint).
    assert "Distances between diagrams" in page
    heatmaps = sorted(p.stem for p in (out / "figures").glob("distances_*"))
    assert len(heatmaps) == 2 + 2 + 2
    assert "Layer 1, between checkpoints" in page and "Layer 2 at iteration 20, between seeds" in page


def test_report_errors_write_nothing(study_dir, tmp_path, capsys):
    out = tmp_path / "report"
    code, _, err = run_cli(capsys, "report", tmp_path / "missing", "--out", out)
    assert_one_line_error(code, err, "missing")
    code, _, err = run_cli(capsys, "report", study_dir, "--out", out, "--layers", "7")
    assert_one_line_error(code, err, "layer")
    code, _, err = run_cli(capsys, "report", study_dir, "--out", out, "--checkpoints", "10,x")
    assert_one_line_error(code, err, "--checkpoints")
    assert not out.exists()


def test_interactive_report_of_a_study(study_dir, tmp_path, capsys):
    out = tmp_path / "report"
    code, _, err = run_cli(
        capsys,
        "report",
        study_dir,
        "--out",
        out,
        "--k",
        "10",
        "--n-landmarks",
        "50",
        "--layers",
        "1",
        "--checkpoints",
        "20",
        "--interactive",
        "--quiet",
    )
    assert code == 0, err
    page = (out / "index.html").read_text()
    assert 'href="mapper_layer1_ckpt20.html"' in page
    mapper = (out / "mapper_layer1_ckpt20.html").read_text()
    assert mapper.startswith("<!DOCTYPE html>") and '<svg id="graph"' in mapper


# ---------------------------------------------------------------- every layer of a weights file


def ramps(n, k, seed):
    """n k×k linear ramps at evenly spread angles, with noise: a circle of filters."""
    rng = np.random.default_rng(seed)
    theta = rng.permutation(np.linspace(0, 2 * np.pi, n, endpoint=False))
    c = np.arange(k) - (k - 1) / 2
    x, y = np.meshgrid(c, c)
    W = np.cos(theta)[:, None, None] * x + np.sin(theta)[:, None, None] * y + rng.normal(0, 0.05, (n, k, k))
    return W.astype(np.float32)


@pytest.fixture(scope="module")
def network_file(tmp_path_factory):
    """Four conv layers in an order that is not alphabetical: 3x3, 1x1, 5x5, 3x3 (noise)."""
    path = tmp_path_factory.mktemp("net") / "net.npz"
    rng = np.random.default_rng(1)
    np.savez(
        path,
        zconv=ramps(1200, 3, 0).reshape(120, 10, 3, 3),
        proj=rng.standard_normal((8, 120, 1, 1)).astype(np.float32),
        stem5=ramps(900, 5, 1).reshape(300, 3, 5, 5),
        aconv=rng.standard_normal((40, 30, 3, 3)).astype(np.float32),
    )
    return path


def test_analyze_every_layer_of_a_weights_file(network_file, capsys):
    code, out, err = run_cli(capsys, "analyze", network_file, "--layers", "all", "--n-landmarks", "40")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 5 and lines[0].startswith(f"{network_file}: 4 conv layers")
    for line, (i, name, shape) in zip(
        lines[1:],
        [(1, "zconv", "120x10x3x3"), (2, "proj", "8x120x1x1"), (3, "stem5", "300x3x5x5"), (4, "aconv", "40x30x3x3")],
    ):
        assert line.split()[:3] == [str(i), name, shape], line
    assert "primary circle" in lines[1] and "H1 " in lines[1]
    assert "skipped: 1x1 kernels have no spatial shape" in lines[2]
    assert "one loop" in lines[3] and "indistinguishable from initialisation" in lines[4]

    code, out, err = run_cli(capsys, "analyze", network_file, "--layers", "all", "--n-landmarks", "40", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["layer"] for r in rows] == ["zconv", "proj", "stem5", "aconv"]
    assert rows[1]["verdict"] is None and rows[1]["barcodes"] is None and "1x1" in rows[1]["skipped"]
    with np.load(network_file) as z:
        for row in (rows[0], rows[2], rows[3]):
            want = fasttda.analyze(z[row["layer"]], n_landmarks=40)
            assert row["verdict"] == want.verdict and row["shape"] == list(z[row["layer"]].shape)
            assert row["barcodes"] == want.to_dict()["barcodes"]

    code, out, _ = run_cli(capsys, "analyze", network_file, "--layers", "aconv,1", "--n-landmarks", "40", "--json")
    assert code == 0 and [r["layer"] for r in json.loads(out)] == ["zconv", "aconv"]
    code, out, _ = run_cli(capsys, "analyze", network_file, "--layers", "2-3", "--n-landmarks", "40")
    assert code == 0 and [line.split()[1] for line in out.strip().splitlines()[1:]] == ["proj", "stem5"]


def test_analyze_layers_errors(network_file, study_dir, capsys):
    code, _, err = run_cli(capsys, "analyze", network_file, "--layers", "9")
    assert_one_line_error(code, err, "out of range", "1..4")
    code, _, err = run_cli(capsys, "analyze", network_file, "--layers", "nope")
    assert_one_line_error(code, err, "no layer named 'nope'", "zconv, proj, stem5, aconv")
    code, _, err = run_cli(capsys, "analyze", network_file, "--layers", "all", "--layer", "1")
    assert_one_line_error(code, err, "not both")
    code, _, err = run_cli(capsys, "analyze", study_dir, "--layers", "all")
    assert_one_line_error(code, err, "is a folder", "fasttda report")
    code, _, err = run_cli(capsys, "analyze", network_file.with_name("gone.onnx"), "--layers", "all")
    assert_one_line_error(code, err, "does not exist")


def test_layer_line_shows_the_null_model_when_the_analysis_has_one():
    class WithNull:
        verdict, persistence, null_h1_mean, null_h1_std = "one loop", [np.empty(0), np.array([0.61, 0.1])], 0.12, 0.03

    line = cli.layer_line(2, "conv2", (8, 4, 3, 3), WithNull(), None, 6)
    assert line.split()[:4] == ["2", "conv2", "8x4x3x3", "one"]
    assert line.endswith("H1 0.61, 0.10  against 0.12 ± 0.03 for untrained filters")
    WithNull.null_h1_mean = None
    assert "untrained" not in cli.layer_line(2, "conv2", (8, 4, 3, 3), WithNull(), None)


def test_report_of_a_weights_file(network_file, tmp_path, capsys):
    out = tmp_path / "report"
    code, stdout, err = run_cli(capsys, "report", network_file, "--out", out, "--n-landmarks", "40", "--quiet")
    assert code == 0, err
    assert stdout.strip() == str(out / "index.html")
    page = (out / "index.html").read_text()
    figures = out / "figures"
    assert (figures / "layer_grid.png").stat().st_size > 0
    for name in ("zconv", "stem5", "aconv"):
        assert (figures / f"layer{name}_mapper.png").stat().st_size > 0
    assert (figures / "layerzconv_orientations.png").exists()
    assert not (figures / "layerstem5_orientations.png").exists()  # 5x5 in pixel space: no primary circle
    # the network's order, not the alphabet's; the 1x1 layer named as skipped
    assert page.index("Layer zconv") < page.index("Layer stem5") < page.index("Layer aconv")
    assert "Layer proj 8x120x1x1 skipped: 1x1 kernels have no spatial shape." in page
    code, _, err = run_cli(capsys, "report", network_file, "--out", tmp_path / "r2", "--checkpoints", "3")
    assert_one_line_error(code, err, "--checkpoints applies to study folders")
    assert not (tmp_path / "r2").exists()


def test_analyze_flags_for_the_null_model_and_the_robustness_grid(tmp_path, capsys):
    from conftest import gradients

    f = tmp_path / "edges.npy"
    np.save(f, gradients(3000, 0.1, 0).astype(np.float32))
    assert cli.main(["analyze", str(f), "--n-null", "2", "--robustness", "--n-landmarks", "100"]) == 0
    out = capsys.readouterr().out
    assert "primary circle" in out and "(2 draws;" in out and "neighbouring settings" in out
    assert cli.main(["analyze", str(f), "--n-null", "0", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["null_h1"] == [] and d["robustness"] is None
    assert cli.main(["analyze", str(f), "--n-null", "2", "--null-size", "1000", "--n-landmarks", "60", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["params"]["null_size"] == 1000 and d["params"]["null_points"] <= 1000 and len(d["null_h1"]) == 2


# ---------------------------------------------------------------- version, logging, closed pipes, workers


def test_version():
    r = fasttda_subprocess("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"fasttda {fasttda.__version__}" and r.stderr == ""


def test_log_level_decides_what_reaches_stderr(study_dir, capsys):
    # rerunning the finished study trains nothing and finds its analyses stored: one progress line
    code, _, err = run_cli(capsys, *RUN, "--out", study_dir)
    assert code == 0 and "analysing: 4/4 cell (100%)" in err and "fasttda.study" not in err
    code, out, err = run_cli(capsys, "--log-level", "warning", *RUN, "--out", study_dir)
    assert code == 0 and err == "" and "seeds done: 2 of 2" in out
    code, _, err = run_cli(capsys, "-v", *RUN, "--out", study_dir)  # DEBUG, lines carry time and logger
    assert code == 0 and "fasttda.study.runner INFO: analysing: 4/4 cell" in err
    code, _, err = run_cli(capsys, *RUN, "--out", study_dir, "--quiet")  # --quiet: no progress, warnings only
    assert code == 0 and err == ""
    with pytest.raises(SystemExit) as exit_:  # a usage error, in one line
        cli.main(["--log-level", "LOUD", "study", "info", str(study_dir)])
    assert exit_.value.code == 2 and "argument --log-level: invalid choice: 'LOUD'" in capsys.readouterr().err
    import logging

    assert not logging.getLogger("fasttda").handlers  # main() leaves the logging as it found it


def closed_pipe_run(*args):
    """Runs fasttda with stdout piped into a process that has already exited, as `fasttda ... | head` does
    when head is done first."""
    reader = subprocess.Popen([sys.executable, "-c", "pass"], stdin=subprocess.PIPE)
    reader.wait()
    src = str(Path(fasttda.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    try:
        writer = subprocess.run(
            [sys.executable, "-m", "fasttda", *args],
            stdout=reader.stdin,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
    finally:
        reader.stdin.close()
    return writer


@pytest.mark.parametrize("args", [["--help"], ["study", "info", "STUDY"], ["analyze", "STUDY", "--layer", "1"]])
def test_closed_stdout_ends_quietly(study_dir, args):
    r = closed_pipe_run(*[str(study_dir) if a == "STUDY" else a for a in args])
    # 141 = 128 + SIGPIPE, as a tool killed by the signal; argparse's help swallows the error itself and exits 0
    assert r.returncode == (0 if args == ["--help"] else 141) and r.stderr == ""


def test_workers_are_chosen_for_the_machine_and_said(monkeypatch, tmp_path):
    from fasttda.study import StudyConfig
    from fasttda.study.executors import choose_workers

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    config = StudyConfig(seeds=24, device="cpu")
    assert choose_workers(config, tmp_path / "new") == (2, "chosen for 2 core(s) (--workers N to change)")
    assert config.group_size == 6  # four groups of 6: no worker idles while the other trains the last group
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    config = StudyConfig(seeds=24, device="cpu")
    assert choose_workers(config, tmp_path / "new")[0] == 12 and config.group_size == 2
    config = StudyConfig(seeds=24, device="cpu", group_size=8)  # given: kept, and no more workers than groups
    assert choose_workers(config, tmp_path / "new")[0] == 3 and config.group_size == 8
    assert choose_workers(StudyConfig(seeds=24, device="cuda"), tmp_path / "new") == (
        1,
        "training on cuda (--workers N to change)",
    )


def test_study_run_says_its_workers_and_shows_progress_as_it_trains(tmp_path):
    # stderr is a pipe, not a terminal: progress comes as log lines, the first as soon as training starts
    out = tmp_path / "study"
    r = fasttda_subprocess(
        "study",
        "run",
        "--seeds",
        "2",
        "--iterations",
        "40",
        "--layers",
        "1",
        "--batch-size",
        "16",
        "--device",
        "cpu",
        "--no-analysis",
        "--out",
        str(out),
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    cores = os.cpu_count()
    workers = min(cores, 2)
    where = "in this process" if workers == 1 else f"on {workers} local worker processes"
    said = [line for line in lines if "training 2 of 2 seeds" in line]
    assert len(said) == 1 and where in said[0] and f"chosen for {cores} core(s)" in said[0], lines
    progress = [line for line in lines if line.startswith("training: ")]
    assert len(progress) >= 2 and progress[-1].startswith("training: 80/80 seed-it (100%)"), lines
    assert "seed-it/s" in progress[-1] and "in all" in progress[-1]
    first = int(progress[0].split()[1].split("/")[0])
    assert 0 < first < 80  # reported while training, not when a group finished
    assert "seeds done: 2 of 2" in r.stdout
    stored = json.loads((out / "study.json").read_text())["config"]
    from fasttda.study.runner import default_lr

    assert stored["group_size"] == (1 if workers == 2 else 2)
    assert stored["lr"] == default_lr(stored["optimizer"]) > 0  # the rate used, not None
