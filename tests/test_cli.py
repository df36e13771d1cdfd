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


def test_study_run_takes_a_shipped_study_by_name(tmp_path, capsys):
    # the name resolves to the shipped file and flags override it: the error names its 2,000 iterations
    code, _, err = run_cli(capsys, "study", "run", "--config", "natural_evolution", "--checkpoints", "5000",
                           "--out", tmp_path / "out")
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
