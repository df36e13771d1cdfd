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

RUN = ["study", "run", "--seeds", "2", "--iterations", "20", "--checkpoints", "10,20", "--layers", "1,2",
       "--batch-size", "16", "--lr", "0.05", "--device", "cpu"]


def fasttda_subprocess(*args, timeout=120):
    src = str(Path(fasttda.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "fasttda", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


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

@pytest.mark.parametrize("command", [[], ["demo"], ["study"], ["study", "run"], ["study", "info"], ["analyze"], ["report"]])
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
    code, out, err = run_cli(capsys, "analyze", study_dir, "--layer", "1", "--checkpoint", "20", "--k", "8",
                             "--json")
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
    want = {1: fasttda.analyze(net.conv1.weight.detach().numpy(), k=5).to_dict(),
            2: fasttda.analyze(w2, k=5).to_dict()}
    for name, layer, expected in [("w.npy", None, 2), ("named.npz", 2, 2), ("plain.npz", 2, 2),
                                  ("net.pt", 1, 1), ("wrapped.pth", 1, 1)]:
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
    assert_one_line_error(code, err, "not a readable torch weights file")
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
    code, _, err = run_cli(capsys, "study", "run", "--dataset", "mnist", "--data-dir", tmp_path / "idx",
                           "--out", tmp_path / "out")
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
    code, stdout, err = run_cli(capsys, "report", study_dir, "--out", out, "--k", "10", "--n-landmarks", "50",
                                "--quiet")
    assert code == 0, err
    assert stdout.strip() == str(out / "index.html")
    page = (out / "index.html").read_text()
    assert "mnist2 on mnist5k" in page
    for layer in (1, 2):
        for it in (10, 20):
            assert (out / "figures" / f"layer{layer}_ckpt{it}_mapper.png").stat().st_size > 0
    assert page.count("data:image/png;base64,") >= 2 * 2 * 4  # four figures per (layer, checkpoint)
    assert "evolution" in page.lower()


def test_report_errors_write_nothing(study_dir, tmp_path, capsys):
    out = tmp_path / "report"
    code, _, err = run_cli(capsys, "report", tmp_path / "missing", "--out", out)
    assert_one_line_error(code, err, "missing")
    code, _, err = run_cli(capsys, "report", study_dir, "--out", out, "--layers", "7")
    assert_one_line_error(code, err, "layer")
    code, _, err = run_cli(capsys, "report", study_dir, "--out", out, "--checkpoints", "10,x")
    assert_one_line_error(code, err, "--checkpoints")
    assert not out.exists()


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
        writer = subprocess.run([sys.executable, "-m", "fasttda", *args], stdout=reader.stdin,
                                stderr=subprocess.PIPE, text=True, env=env, timeout=120, check=False)
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
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    config = StudyConfig(seeds=24, device="cpu")
    assert cli.choose_workers(config, tmp_path / "new") == (2, "chosen for 2 core(s) (--workers N to change)")
    assert config.group_size == 6  # four groups of 6: no worker idles while the other trains the last group
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    config = StudyConfig(seeds=24, device="cpu")
    assert cli.choose_workers(config, tmp_path / "new")[0] == 12 and config.group_size == 2
    config = StudyConfig(seeds=24, device="cpu", group_size=8)  # given: kept, and no more workers than groups
    assert cli.choose_workers(config, tmp_path / "new")[0] == 3 and config.group_size == 8
    assert cli.choose_workers(StudyConfig(seeds=24, device="cuda"), tmp_path / "new") == (
        1, "training on cuda (--workers N to change)")


def test_study_run_says_its_workers_and_shows_progress_as_it_trains(tmp_path):
    # stderr is a pipe, not a terminal: progress comes as log lines, the first as soon as training starts
    out = tmp_path / "study"
    r = fasttda_subprocess("study", "run", "--seeds", "2", "--iterations", "40", "--layers", "1", "--batch-size",
                           "16", "--device", "cpu", "--no-analysis", "--out", str(out), timeout=300)
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
