"""Sweeps (issue 8): specs validated key by key, the store resumes a killed sweep with nothing lost or
duplicated, the process pool and Ray give the same rows as one process, two sweeps share a store."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from exactrelu.experiments.spec import parse_spec
from exactrelu.experiments.store import Store
from exactrelu.experiments.sweep import run_sweep
from helpers import cli

pytest.importorskip("torch")

TINY = """name = "tiny"
[grid]
d = [1]
m = [16, 24]
teacher_seeds = [0, 1]
[teacher]
depth = 2
width = 3
[student]
depth = [2]
width = [4]
[training]
seeds = [1]
lr = 1e-2
lr_final = 1e-3
checkpoints = 2
batches = [{fraction = "1/4", epochs = 4}, {size = 8, epochs = 2}]
[test]
points = 300
chunk = 128
[certify]
time_limit = 20
"""


def _rows(path):
    """Every stored result, as comparable tuples (checkpoint metrics bit for bit, certified bounds)."""
    db = sqlite3.connect(str(path))
    try:
        cps = db.execute("SELECT key, iteration, epochs, train_mse, l1, l2, linf, linf_at FROM checkpoints "
                         "ORDER BY key, iteration").fetchall()
        cert = db.execute("SELECT key, exact, lower, upper FROM certified ORDER BY key").fetchall()
        runs = db.execute("SELECT key, status FROM runs ORDER BY key").fetchall()
    finally:
        db.close()
    return cps, cert, runs


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tiny sweep run once, in this process, without interruption."""
    path = tmp_path_factory.mktemp("ref") / "ref.sqlite"
    spec = parse_spec(TINY, "tiny.toml")
    store = Store(path)
    counts = run_sweep(spec, store)
    store.close()
    assert counts["done"] == 8 and counts["left"] == 0
    return path


# -- specs ----------------------------------------------------------------------------------------

BASE = TINY


@pytest.mark.parametrize("edit,key", [
    (("[certify]", "[certfy]"), "certfy"),
    (("time_limit = 20", "time_limt = 20"), "certify.time_limt"),
    (("d = [1]", "d = [0]"), "grid.d[0]"),
    (("m = [16, 24]", "m = [16, 16]"), "grid.m"),
    (("m = [16, 24]", "m = []"), "grid.m"),
    (("m = [16, 24]", "m = [16.5]"), "grid.m[0]"),
    (("teacher_seeds = [0, 1]", 'teacher_seeds = "0..x"'), "grid.teacher_seeds"),
    (("d = [1]", 'd = [1]\ndomain = "cube"'), "grid.domain"),
    (("lr = 1e-2", "lr = -1"), "training.lr"),
    (("lr = 1e-2", 'lr = "fast"'), "training.lr"),
    (("checkpoints = 2", "checkpoints = 3"), "training.batches[0].epochs"),
    (('{fraction = "1/4", epochs = 4}', '{fraction = "5/4", epochs = 4}'), "training.batches[0].fraction"),
    (('{fraction = "1/4", epochs = 4}', '{fraction = "1/4", size = 3, epochs = 4}'), "training.batches[0]"),
    (('{size = 8, epochs = 2}', '{size = 8, epochs = 2, lr = 1}'), "training.batches[1].lr"),
    (('name = "tiny"', "name = 3"), "name"),
    (('name = "tiny"', 'name = "tiny"\nnotes = 1'), "notes"),
    (("points = 300", "points = 0"), "test.points"),
    (("[certify]", '[certify]\nwhich = "argmax"'), "certify.which"),
    (("width = [4]", "width = [4]\nstandardize = 1"), "student.standardize"),
    (("[grid]", "[grid"), "not valid TOML"),
])
def test_bad_spec_is_exit_2_naming_the_key(tmp_path, edit, key):
    text = BASE.replace(*edit)
    assert text != BASE
    spec = tmp_path / "bad.toml"
    spec.write_text(text)
    code, out, err = cli("sweep", "run", spec, "--store", tmp_path / "s.sqlite")
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert str(spec) in err and key in err
    assert not (tmp_path / "s.sqlite").exists()          # nothing written for a bad spec


def test_spec_runs_are_the_grid_with_stable_keys():
    spec = parse_spec(TINY)
    runs = spec.runs()
    assert len(runs) == 2 * 2 * 2 and len({r["key"] for r in runs}) == 8
    again = parse_spec(TINY.replace('name = "tiny"', 'name = "other"  # same runs'))
    assert [r["key"] for r in again.runs()] == [r["key"] for r in runs]      # keys name runs, not specs
    assert parse_spec(TINY.replace("seeds = [1]", "seeds = [2]")).runs()[0]["key"] != runs[0]["key"]


def test_missing_store_and_bad_store_path_are_exit_2(tmp_path):
    code, _, err = cli("sweep", "status", tmp_path / "none.sqlite")
    assert code == 2 and "no such store" in err
    spec = tmp_path / "s.toml"
    spec.write_text(TINY)
    code, _, err = cli("sweep", "run", spec, "--store", tmp_path / "missing" / "s.sqlite")
    assert code == 2 and "existing folder" in err
    (tmp_path / "junk.sqlite").write_text("not a database" * 100)
    code, _, err = cli("sweep", "status", tmp_path / "junk.sqlite")
    assert code == 2 and "not a sweep store" in err


# -- the store ------------------------------------------------------------------------------------

def test_status_says_what_is_done_and_left(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(TINY)
    store = tmp_path / "s.sqlite"
    code, out, _ = cli("sweep", "run", spec, "--store", store, "--max-runs", "3", "--json")
    assert code == 0 and json.loads(out)["counts"] == {"done": 3, "running": 0, "stale": 0, "failed": 0,
                                                      "pending": 5, "left": 5}
    code, out, _ = cli("sweep", "status", store)
    assert code == 0 and "tiny" in out and "3 done" in out and "5 not started" in out


def test_a_failed_run_is_recorded_with_its_error_and_retried(tmp_path, monkeypatch):
    from exactrelu.experiments import sweep as sw
    calls = []

    def flaky(p):
        calls.append(p["key"])
        if len(calls) == 1:
            raise RuntimeError("out of luck")
        return real(p)
    real = sw.run_one
    monkeypatch.setattr(sw, "run_one", flaky)
    spec = parse_spec(TINY.replace("m = [16, 24]", "m = [16]").replace("teacher_seeds = [0, 1]", "teacher_seeds = [0]"))
    store = Store(tmp_path / "f.sqlite")
    counts = run_sweep(spec, store)
    assert counts["failed"] == 1 and counts["done"] == 1
    st = store.status(spec.hash)
    assert "RuntimeError: out of luck" in st["failed"][0]["error"]
    assert run_sweep(spec, store)["done"] == 2          # the failed run is retried, the done one is not
    assert len(calls) == 3
    store.close()


def test_claims_are_exclusive_between_two_sweeps(tmp_path):
    spec = parse_spec(TINY)
    a, b = Store(tmp_path / "x.sqlite"), Store(tmp_path / "x.sqlite")
    a.add_spec(spec)
    got = []
    while True:
        p = (a if len(got) % 2 else b).claim(spec.hash, f"{os.uname().nodename}:{os.getpid()}")
        if p is None:
            break
        got.append(p["key"])
    assert sorted(got) == sorted(r["key"] for r in spec.runs())     # each run claimed exactly once
    a.close(), b.close()


def test_two_specs_share_a_store(tmp_path, reference):
    import shutil
    store = tmp_path / "shared.sqlite"
    shutil.copy(reference, store)
    other = parse_spec(TINY.replace('name = "tiny"', 'name = "wide"').replace("width = [4]", "width = [5]")
                       .replace("m = [16, 24]", "m = [16]").replace("teacher_seeds = [0, 1]", "teacher_seeds = [0]"))
    s = Store(store)
    assert run_sweep(other, s)["done"] == 2
    assert {x["name"] for x in s.specs()} == {"tiny", "wide"}
    s.close()
    code, out, _ = cli("sweep", "status", store, "--json")
    per = {p["spec"]: p["counts"]["done"] for p in json.loads(out)["specs"]}
    assert code == 0 and per == {"tiny": 8, "wide": 2}


# -- kill -9 and resume, the pool, Ray --------------------------------------------------------------

def test_kill_9_mid_sweep_then_resume_loses_and_duplicates_nothing(tmp_path, reference):
    spec = tmp_path / "tiny.toml"
    spec.write_text(TINY)
    store = tmp_path / "killed.sqlite"
    cmd = [sys.executable, "-m", "exactrelu.cli", "sweep", "run", str(spec), "--store", str(store)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 120:            # wait until some, not all, runs are done
            if store.exists():
                try:
                    db = sqlite3.connect(str(store), timeout=5)
                    n = db.execute("SELECT count(*) FROM runs WHERE status = 'done'").fetchone()[0]
                    db.close()
                except sqlite3.OperationalError:
                    n = 0
                if n >= 2:
                    break
            if proc.poll() is not None:
                pytest.fail(f"the sweep ended before it was killed: {proc.stderr.read().decode()[-300:]}")
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    partial = _rows(store)[2]
    assert 2 <= sum(st == "done" for _, st in partial) < 8, partial
    code, out, err = cli("sweep", "run", spec, "--store", store, "--json")
    assert code == 0, err
    assert json.loads(out)["counts"]["done"] == 8
    assert _rows(store) == _rows(reference)           # row for row, bit for bit: nothing lost or doubled


def test_process_pool_gives_the_same_rows(tmp_path, reference):
    spec = tmp_path / "tiny.toml"
    spec.write_text(TINY)
    store = tmp_path / "pool.sqlite"
    code, _, err = cli("sweep", "run", spec, "--store", store, "--workers", "2")
    assert code == 0, err
    assert _rows(store) == _rows(reference)


def test_ray_local_gives_the_same_rows(tmp_path, reference):
    ray = pytest.importorskip("ray", reason="Ray is the 'dist' extra, which make test installs")
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    except Exception as e:  # only a machine where Ray cannot start at all skips this
        pytest.skip(f"Ray cannot start on this machine: {e.__class__.__name__}: {e}")
    try:
        spec = parse_spec(TINY.replace("m = [16, 24]", "m = [16]").replace("teacher_seeds = [0, 1]",
                                                                          "teacher_seeds = [0]"))
        store = Store(tmp_path / "ray.sqlite")
        counts = run_sweep(spec, store, workers=2, use_ray=True)
        store.close()
    finally:
        ray.shutdown()
    assert counts["done"] == 2
    ref = _rows(reference)
    cps = _rows(tmp_path / "ray.sqlite")[0]
    assert cps and set(cps) <= set(ref[0])            # the Ray rows are the reference rows
