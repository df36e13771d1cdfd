"""Studies: config, store, resume, crash safety, executors (local processes and a real Dask cluster)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("zarr")

import fasttda  # noqa: E402
from fasttda import nets  # noqa: E402
from fasttda.study import (  # noqa: E402
    LocalExecutor,
    StudyConfig,
    WorkerError,
    load_study,
    run_study,
    runner,  # noqa: E402
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = dict(
    model="mnist2",
    dataset="mnist5k",
    seeds=3,
    iterations=20,
    checkpoints=[0, 10, 20],
    layers=[1, 2],
    batch_size=16,
    lr=0.05,
    group_size=2,
    device="cpu",
)


@pytest.fixture(scope="module")
def tiny_study(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny") / "study"
    start = time.perf_counter()
    run_study(StudyConfig(**TINY), out, progress=False)
    print(f"tiny study in this process: {time.perf_counter() - start:.1f} s")
    return out


def copy_study(src, dst):
    shutil.copytree(src, dst)
    return dst


# ---------------------------------------------------------------- config


def test_config_normalises_and_checks():
    c = StudyConfig(**TINY)
    assert c.seeds == [0, 1, 2] and c.groups() == [[0, 1], [2]]
    assert StudyConfig(seeds="3,5,8", iterations=5).seeds == [3, 5, 8]
    assert StudyConfig(seeds="10-12", iterations=5, checkpoints="5,0").checkpoints == [0, 5]
    assert StudyConfig(iterations=7).checkpoints == [0, 7]  # the initial filters are kept by default
    assert StudyConfig.from_dict(c.to_dict()) == c
    with pytest.raises(ValueError, match="unknown key 'iteration'.*did you mean 'iterations'"):
        StudyConfig.from_dict({"iteration": 10})
    with pytest.raises(ValueError, match=r"checkpoints \[30\] come after the last iteration"):
        StudyConfig(iterations=20, checkpoints=[10, 30])
    with pytest.raises(ValueError, match="3-channel"):
        StudyConfig(model="cifar2", dataset="mnist5k")
    with pytest.raises(ValueError, match="data_dir"):
        StudyConfig(model="cifar2", dataset="cifar10")
    with pytest.raises(ValueError, match="unknown model 'mnst2'.*did you mean 'mnist2'"):
        StudyConfig(model="mnst2")
    with pytest.raises(ValueError, match="distinct"):
        StudyConfig(seeds=[1, 1])
    with pytest.raises(ValueError, match="iterations must be an integer"):
        StudyConfig(iterations="many")
    with pytest.raises(ValueError, match="optimizer"):
        StudyConfig(optimizer="lbfgs")


def test_config_files(tmp_path):
    toml = tmp_path / "study.toml"
    toml.write_text('model = "mnist2"\nseeds = 4\niterations = 50\ncheckpoints = [10, 50]\nlayers = [1]\n')
    c = StudyConfig.from_file(toml, iterations=60, checkpoints=None)
    assert c.seeds == [0, 1, 2, 3] and c.iterations == 60 and c.checkpoints == [10, 50] and c.layers == [1]
    folder = tmp_path / "idx.toml"
    folder.write_text('dataset = "mnist"\nseeds = 2\n')  # its data folder given by a flag
    assert StudyConfig.from_file(folder, data_dir=str(tmp_path)).data_dir == str(tmp_path)
    section = tmp_path / "section.toml"
    section.write_text("[study]\nseeds = [2, 3]\niterations = 5\n")
    assert StudyConfig.from_file(section).seeds == [2, 3]
    js = tmp_path / "study.json"
    js.write_text(json.dumps({"seeds": 2, "iterations": 5, "batchsize": 8}))
    with pytest.raises(ValueError, match=f"unknown key 'batchsize' in config file {js}.*'batch_size'"):
        StudyConfig.from_file(js)
    js.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        StudyConfig.from_file(js)
    with pytest.raises(FileNotFoundError):
        StudyConfig.from_file(tmp_path / "missing.toml")


def test_shipped_study_configs_are_found_by_name(tmp_path):
    from fasttda.study.config import config_path, shipped_studies

    assert "natural_evolution" in shipped_studies()
    for name in shipped_studies():  # every shipped study is a valid config
        path = config_path(name)
        assert path.is_file() and path.suffix == ".toml" and config_path(name + ".toml") == path
        StudyConfig.from_file(path)
    c = StudyConfig.from_file(config_path("natural_evolution"), seeds=2)
    assert (c.model, c.dataset, c.seeds) == ("cifar2", "natural_rotation", [0, 1])
    assert c.checkpoints == [0, 100, 400, 500, 1000, 2000] and c.layers == [1, 2]
    own = tmp_path / "natural_evolution.toml"  # a file of that name in the working folder wins
    own.write_text("seeds = 1\n")
    assert config_path(own) == own
    with pytest.raises(FileNotFoundError, match="not the name of a shipped study.*natural_evolution"):
        config_path("no_such_study")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        config_path(tmp_path / "missing.toml")
    with pytest.raises(TypeError, match="file path or a shipped study"):
        config_path(3)


# ---------------------------------------------------------------- a study, round trip


def test_round_trip_equals_direct_training(tiny_study):
    study = load_study(tiny_study)
    assert study.config == StudyConfig(**TINY)
    assert study.seeds == study.done == [0, 1, 2] and study.complete
    assert study.checkpoints == [0, 10, 20] and study.layers == [1, 2]
    assert study.weights(layer=1, checkpoint=10).shape == (3, 64, 1, 3, 3)
    assert study.weights(layer=2, checkpoint=20).shape == (3, 32, 64, 3, 3)
    assert study.weights(2).dtype == np.float32
    # the same groups trained directly give the same filters and accuracies
    kw = {k: TINY[k] for k in ("iterations", "checkpoints", "layers", "batch_size", "lr", "device")}
    for group in ([0, 1], [2]):
        ens = nets.train_ensemble("mnist2", "mnist5k", seeds=group, **kw)
        for layer in (1, 2):
            for it in (10, 20):
                np.testing.assert_allclose(study.weights(layer, it, seeds=group), ens.weights(layer, it), atol=1e-5)
        for i, s in enumerate(group):
            assert study.accuracy[s] == {it: pytest.approx(float(a[i])) for it, a in ens.accuracy.items()}
    assert set(study.accuracy) == {0, 1, 2} and study.accuracy_at(20).shape == (3,)
    m = study.manifest
    assert m["versions"]["torch"] == torch.__version__ and m["layers"] == {"1": [64, 1, 3, 3], "2": [32, 64, 3, 3]}


def test_stored_analyses_and_study_analyze(tiny_study):
    study = load_study(tiny_study)
    for layer in study.layers:
        for it in study.checkpoints:
            entry = study.saved_analysis(layer, it)
            assert entry["seeds"] == [0, 1, 2] and entry["layer"] == layer and entry["checkpoint"] == it
            assert "summary" in entry["analysis"] or "error" in entry
    a = study.analyze(layer=1, checkpoint=20, k=8)
    b = fasttda.analyze(study.weights(1, 20), k=8)
    assert a.verdict == b.verdict and np.array_equal(a.core, b.core)
    # The study kept the initial filters: its analyses say how far the filters moved from them.
    assert a.moved == pytest.approx(fasttda.analyze(study.weights(1, 20), k=8, initial=study.weights(1, 0)).moved)
    assert 0 < a.moved < 1 and study.saved_analysis(1, 20)["analysis"]["moved"] == pytest.approx(a.moved, abs=0.2)
    assert study.analyze(layer=1, checkpoint=0, k=8).moved is None
    assert study.filters(2, channels="mean").shape == (3, 32, 1, 3, 3)


def test_evolution_rows_and_plot(tiny_study):
    study = load_study(tiny_study)
    rows = study.evolution(layers=[1], n_halves=2, k=8, n_null=2)
    assert [(r["layer"], r["checkpoint"]) for r in rows] == [(1, 0), (1, 10), (1, 20)]
    for r in rows:
        assert r["top_h1"] >= 0 and len(r["halves_top_h1"]) == 2 and r["null_cut"] >= r["null_h1_mean"] > 0
        a = study.analyze(1, r["checkpoint"], k=8, n_null=2)
        assert r["top_h1"] == pytest.approx(a.persistence[1][0]) and r["verdict"] == a.verdict
    assert rows[0]["moved"] is None and rows[-1]["moved"] > 0
    fig = fasttda.plot.evolution(rows)
    gids = {a.get_gid() for a in fig.axes[0].get_children()}
    assert {"top-1", "halves-1", "null-1", "cut-1"} <= gids


def test_bad_layer_checkpoint_and_folders(tiny_study, tmp_path):
    study = load_study(tiny_study)
    with pytest.raises(ValueError, match="layer 3 is not in the study .* layers 1, 2"):
        study.weights(layer=3, checkpoint=20)
    with pytest.raises(ValueError, match="checkpoint 15 is not in the study .* checkpoints 0, 10, 20"):
        study.weights(layer=1, checkpoint=15)
    with pytest.raises(ValueError, match=r"seeds \[7\] are not finished"):
        study.weights(1, seeds=[7])
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_study(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="no study.json"):
        load_study(tmp_path)
    broken = copy_study(tiny_study, tmp_path / "broken")
    (broken / "study.json").write_text('{"format": "fasttda-study", "conf')
    with pytest.raises(ValueError, match="study.json is corrupt"):
        load_study(broken)
    gone = copy_study(tiny_study, tmp_path / "gone")
    shutil.rmtree(gone / "filters.zarr")
    with pytest.raises(FileNotFoundError, match="filters.zarr is missing"):
        load_study(gone)
    damaged = copy_study(tiny_study, tmp_path / "damaged")
    (damaged / "filters.zarr" / "layer1" / "zarr.json").write_text("{garbage")
    with pytest.raises(ValueError, match="corrupt or unreadable"):
        load_study(damaged)
    lost = copy_study(tiny_study, tmp_path / "lost")
    shutil.rmtree(lost / "filters.zarr" / "layer2" / "c" / "1")  # seed index 1's chunks
    assert load_study(lost).weights(2, 20, seeds=[0, 2]).shape == (2, 32, 64, 3, 3)
    with pytest.raises(ValueError, match=r"holds no filters of seeds \[1\] at iteration 20"):
        load_study(lost).weights(2, 20)


# ---------------------------------------------------------------- resume


class CountingTrain:
    def __init__(self):
        self.groups = []

    def __call__(self, config, seeds):
        self.groups.append(list(seeds))
        return REAL_TRAIN_GROUP(config, seeds)


REAL_TRAIN_GROUP = runner.train_group


def test_rerun_trains_nothing_and_resume_trains_only_unfinished_groups(tiny_study, tmp_path, monkeypatch):
    out = copy_study(tiny_study, tmp_path / "study")
    counter = CountingTrain()
    monkeypatch.setattr(runner, "train_group", counter)
    before = (out / "study.json").read_bytes()
    run_study(StudyConfig(**TINY), out, progress=False)
    assert counter.groups == [] and (out / "study.json").read_bytes() == before

    # as if killed before seed 1's group was marked done: that group is trained again, whole
    m = json.loads(before)
    m["done"] = [0, 2]
    del m["finished"]["1"]
    (out / "study.json").write_text(json.dumps(m))
    again = run_study(StudyConfig(**TINY), out, progress=False)
    assert counter.groups == [[0, 1]]
    fin = again.manifest["finished"]
    assert fin["0"] == m["finished"]["0"] and fin["2"] == m["finished"]["2"]  # kept, not rewritten
    assert again.done == [0, 1, 2]
    np.testing.assert_array_equal(again.weights(2, 20), load_study(tiny_study).weights(2, 20))


def test_different_study_or_foreign_folder_is_refused(tiny_study, tmp_path):
    out = copy_study(tiny_study, tmp_path / "study")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    for change in ({"iterations": 30, "checkpoints": [10, 30]}, {"seeds": 4}, {"lr": 0.1}, {"group_size": 3}):
        with pytest.raises(ValueError, match="holds a different study"):
            run_study(StudyConfig(**{**TINY, **change}), out, progress=False)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    # the device may change on resume: it says where to run, not what
    run_study(StudyConfig(**{**TINY, "device": "auto"}), out, progress=False, analyze=False)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="not empty"):
        run_study(StudyConfig(**TINY), foreign, progress=False)
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]


# ---------------------------------------------------------------- crash safety


def read_manifest_when_ready(path):
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def test_sigkill_mid_study_then_resume_keeps_finished_seeds(tmp_path):
    out = tmp_path / "killed"
    cfg = dict(TINY, seeds=4, checkpoints=[10, 20], group_size=1)
    cmd = [
        sys.executable,
        "-m",
        "fasttda",
        "study",
        "run",
        "--seeds",
        "4",
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
        "--group-size",
        "1",
        "--no-analysis",
        "--quiet",
        "--out",
        str(out),
    ]
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join([str(Path(fasttda.__file__).parents[1]), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    manifest = None
    while time.monotonic() < deadline and proc.poll() is None:
        manifest = read_manifest_when_ready(out / "study.json")
        if manifest and manifest["done"]:
            break
        time.sleep(0.02)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:  # it ended on its own: the assertion below shows why
        pass
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
    killed = json.loads((out / "study.json").read_bytes())  # valid JSON after the kill
    assert 1 <= len(killed["done"]) < 4, killed["done"]
    stamps = {s: killed["finished"][str(s)]["time"] for s in killed["done"]}

    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stderr
    resumed = load_study(out)
    assert resumed.done == [0, 1, 2, 3]
    for s, stamp in stamps.items():  # finished before the kill: kept, not trained again
        assert resumed.manifest["finished"][str(s)]["time"] == stamp
    assert all(
        resumed.manifest["finished"][str(s)]["time"] > max(stamps.values()) for s in resumed.done if s not in stamps
    )

    whole = run_study(StudyConfig(**cfg), tmp_path / "whole", progress=False, analyze=False)
    for layer in (1, 2):
        for it in (10, 20):
            np.testing.assert_allclose(resumed.weights(layer, it), whole.weights(layer, it), atol=1e-5)
    for s in whole.done:
        assert resumed.accuracy[s] == pytest.approx(whole.accuracy[s])


# ---------------------------------------------------------------- executors


def test_dask_local_cluster_matches_local_run(tiny_study, tmp_path):
    pytest.importorskip("distributed")
    from fasttda.study import DaskExecutor

    start = time.perf_counter()
    with DaskExecutor(n_local=2) as ex:
        assert ex.address.startswith("tcp://127.0.0.1:")
        assert len(ex.client.scheduler_info()["workers"]) == 2
        study = run_study(StudyConfig(**TINY), tmp_path / "dask", executor=ex, progress=False, analyze=False)
        print(f"tiny study on a 2-worker local Dask cluster (start-up included): {time.perf_counter() - start:.1f} s")
        # the command line reaching the same scheduler by its address: seeds 0 and 1 form the same group
        from fasttda import cli

        args = [
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
            "--group-size",
            "2",
            "--device",
            "cpu",
            "--no-analysis",
            "--quiet",
            "--scheduler",
            ex.address,
            "--out",
            str(tmp_path / "cli"),
        ]
        assert cli.main(args) == 0
    local = load_study(tiny_study)
    np.testing.assert_allclose(
        load_study(tmp_path / "cli").weights(2, 20), local.weights(2, 20, seeds=[0, 1]), atol=1e-5
    )
    assert study.done == local.done
    for layer in (1, 2):
        for it in (10, 20):
            np.testing.assert_allclose(study.weights(layer, it), local.weights(layer, it), atol=1e-5)
    for s in study.done:
        assert study.accuracy[s] == pytest.approx(local.accuracy[s])


def test_dask_bad_arguments():
    pytest.importorskip("distributed")
    from fasttda.study import DaskExecutor

    with pytest.raises(ValueError, match="either"):
        DaskExecutor()
    with pytest.raises(ValueError, match="cannot reach the Dask scheduler"):
        DaskExecutor("tcp://127.0.0.1:9", timeout=1)


def test_local_worker_processes(tmp_path):
    with LocalExecutor(2, threads=1) as ex:
        assert sorted(r for _, r in ex.map_unordered(pow, [(2, 5), (3, 3), (5, 2)])) == [25, 27, 32]
        with pytest.raises(ZeroDivisionError):  # a task's own error comes back as it is
            list(ex.map_unordered(divmod, [(1, 0)]))
        with pytest.raises(WorkerError, match="worker process died"):  # a dead worker is named as such
            list(ex.map_unordered(os._exit, [(3,)]))
    with pytest.raises(ValueError, match="n_workers"):
        LocalExecutor(0)


def test_reading_a_study_needs_no_torch(tiny_study):
    code = (
        "import sys, fasttda.cli, fasttda.study as s; st = s.load_study(sys.argv[1]); "
        "assert st.weights(1, 20).shape == (3, 64, 1, 3, 3); "
        "assert not {'torch', 'dask', 'distributed'} & set(sys.modules), sorted(sys.modules)"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path(fasttda.__file__).parents[1]), os.environ.get("PYTHONPATH", "")]),
    }
    r = subprocess.run([sys.executable, "-c", code, str(tiny_study)], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_more_seeds_extend_a_study(tmp_path):
    out = tmp_path / "grow"
    base = dict(TINY, seeds=2, group_size=2)
    first = run_study(StudyConfig(**base), out, progress=False, analyze=False)
    stamps = {s: first.manifest["finished"][str(s)]["time"] for s in first.done}
    grown = run_study(StudyConfig(**dict(base, seeds=4)), out, progress=False, analyze=False)
    assert grown.seeds == grown.done == [0, 1, 2, 3]
    assert {s: grown.manifest["finished"][str(s)]["time"] for s in (0, 1)} == stamps  # not retrained
    fresh = run_study(StudyConfig(**dict(base, seeds=4)), tmp_path / "fresh", progress=False, analyze=False)
    for layer in (1, 2):
        np.testing.assert_array_equal(grown.weights(layer, 20), fresh.weights(layer, 20))
    # a stored group that the new seed list would split (3 seeds in groups of 2 → [2] vs [2, 3]) is refused
    odd = run_study(StudyConfig(**dict(base, seeds=3)), tmp_path / "odd", progress=False, analyze=False)
    with pytest.raises(ValueError, match="holds a different study"):
        run_study(StudyConfig(**dict(base, seeds=4)), odd.path, progress=False)


def test_a_study_shows_itself_in_a_notebook(tiny_study):
    page = load_study(tiny_study)._repr_html_()
    assert "<table" in page and "mnist2 on mnist5k" in page and "3 of 3" in page
    assert "10, 20" in page and "test accuracy" in page
    assert load_study(tiny_study)._repr_png_() is None  # a table only: nothing to draw


# ---------------------------------------------------------------- groups sized for the workers, progress


def finish_time(n, g, w):
    """Brute force: groups of g handed out in order to whichever of w workers is free first."""
    loads = [0] * w
    for start in range(0, n, g):
        loads[loads.index(min(loads))] += min(g, n - start)
    return max(loads)


def test_default_group_size_leaves_no_worker_idle():
    from fasttda.study.config import MAX_GROUP_SIZE, default_group_size

    assert default_group_size(24, 2) == 6 and finish_time(24, 6, 2) == 12 < finish_time(24, 8, 2) == 16
    assert default_group_size(24, 1) == 8 and default_group_size(32, 2) == 8 and default_group_size(3, 8) == 1
    for n in range(1, 70):
        for w in range(1, 17):
            g = default_group_size(n, w)
            times = {h: finish_time(n, h, w) for h in range(1, MAX_GROUP_SIZE + 1)}
            best = min(times.values())
            assert 1 <= g <= min(n, MAX_GROUP_SIZE) and times[g] == best  # as soon as any size finishes
            assert all(times[h] > best for h in range(g + 1, min(n, MAX_GROUP_SIZE) + 1))  # the largest such
    with pytest.raises(ValueError, match="at least 1"):
        default_group_size(0, 2)


class TwoWorkersHere(fasttda.study.Executor):
    """Runs in this process but says it has two workers, as a pool of two would."""

    workers = 2


def test_new_study_stores_groups_for_its_workers_and_a_resumed_one_keeps_them(tmp_path, monkeypatch):
    cfg = dict(TINY, seeds=4, group_size=None, lr=None, layers=[1], checkpoints=[20])
    first = run_study(StudyConfig(**cfg), tmp_path / "s", executor=TwoWorkersHere(), progress=False, analyze=False)
    assert first.config.group_size == 2 and first.config.groups() == [[0, 1], [2, 3]]
    assert (
        first.config.lr == runner.default_lr("adam") == 0.001
    )  # the trainer's default for the default optimizer, stored
    # interrupted before the second group was done; resumed on one worker, it keeps the stored groups
    m = json.loads((first.path / "study.json").read_text())
    m["done"] = [0, 1]
    del m["finished"]["2"], m["finished"]["3"]
    (first.path / "study.json").write_text(json.dumps(m))
    counter = CountingTrain()
    monkeypatch.setattr(runner, "train_group", counter)
    again = run_study(StudyConfig(**cfg), first.path, progress=False, analyze=False)
    assert counter.groups == [[2, 3]] and again.config.group_size == 2 and again.done == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="group_size: 2 vs 4"):
        run_study(StudyConfig(**dict(cfg, group_size=4)), first.path, progress=False)


def test_report_shows_the_learning_rate_used(tmp_path):
    import re

    from fasttda.study.report import write_study_report

    cfg = dict(TINY, seeds=2, lr=None, layers=[1], checkpoints=[20])
    study = run_study(StudyConfig(**cfg), tmp_path / "s", progress=False, analyze=False)
    page, _ = write_study_report(study, tmp_path / "report", {"k": 5, "n_landmarks": 30}, progress=False)
    row = re.search(r"<td>lr</td>\s*<td>([^<]*)</td>", page.read_text())
    assert row is not None and float(row.group(1)) == runner.default_lr("adam")


@pytest.mark.parametrize("workers", [1, 2])
def test_training_reports_iterations_as_it_goes(workers):
    config = StudyConfig(**dict(TINY, seeds=4, iterations=40, checkpoints=[40], layers=[1])).to_dict()
    seen = {}
    with LocalExecutor(workers, threads=1) as ex:
        tasks = [(config, [0, 1]), (config, [2, 3])]
        results = list(
            ex.map_unordered(
                runner.train_group, tasks, on_progress=lambda key, it: seen.setdefault(tuple(key), []).append(it)
            )
        )
    assert len(results) == 2 and set(seen) == {(0, 1), (2, 3)}
    for its in seen.values():  # the first step is reported at once, the last always, in order between
        assert its[0] == 1 and its[-1] == 40 and its == sorted(set(its))


def test_study_progress_counts_seed_iterations(tmp_path, caplog):
    import logging

    cfg = StudyConfig(**dict(TINY, seeds=4, iterations=20, checkpoints=[20], layers=[1]))
    with caplog.at_level(logging.INFO, logger="fasttda"):
        run_study(cfg, tmp_path / "s", progress=True, analyze=False)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("training: ")]
    assert lines[0].startswith("training: 2/80 seed-it") and lines[-1].startswith("training: 80/80 seed-it (100%)")
    # resumed with the second group to do: the first group's iterations are counted as done
    m = json.loads((tmp_path / "s" / "study.json").read_text())
    m["done"] = [0, 1]
    del m["finished"]["2"], m["finished"]["3"]
    (tmp_path / "s" / "study.json").write_text(json.dumps(m))
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="fasttda"):
        run_study(cfg, tmp_path / "s", progress=True, analyze=False)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("training: ")]
    assert lines[0].startswith("training: 42/80 seed-it") and lines[-1].startswith("training: 80/80")
    assert any("training 2 of 4 seeds" in r.getMessage() for r in caplog.records)
