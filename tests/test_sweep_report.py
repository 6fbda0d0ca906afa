"""exactrelu sweep report (issue 8): the aggregation on hand-made runs, the tables and figures of a small
store, bad input, and proofs/experiments.py failing on a broken aggregation, store and resume."""
import json
import math
import shutil
import sqlite3
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest

from exactrelu.experiments import report as rep
from helpers import cli, load_proof

FIXTURES = Path(__file__).resolve().parent / "fixtures"


# -- the aggregation on hand-made runs (exact expected values) -------------------------------------

def _run(m, teacher, seed, width, metrics, *, status="done", cert=None, epochs=10):
    """A store-like run: ``metrics`` is {iteration: (l1, l2, linf)}; ``cert`` the last one's (lower, upper)."""
    p = {"d": 1, "domain": "reference", "teacher_seed": teacher, "teacher_depth": 3, "teacher_width": 4, "m": m,
         "depth": 3, "width": width, "standardize": True,
         "batch": {"kind": "size", "value": 8, "label": "bs8", "epochs": epochs}, "seed": seed, "lr": 0.01,
         "lr_final": 0.001, "checkpoints": len(metrics), "test_points": 100, "test_chunk": 100,
         "certify": {"which": "last", "time_limit": 1.0, "rel_gap": "0"}}
    p["key"] = f"m{m}t{teacher}s{seed}w{width}"
    cps = [{"iteration": it, "l1": v[0], "l2": v[1], "linf": v[2], "linf_at": [0.0]} for it, v in metrics.items()]
    c = None
    if cert is not None:
        c = {"iteration": max(metrics), "exact": cert[0] == cert[1], "lower": cert[0], "upper": cert[1],
             "reason": None}
    return {"params": p, "status": status, "checkpoints": cps if status == "done" else [],
            "certified": c if status == "done" else None}


def _rows(doc, reading, metric):
    return {r["m"]: r for x in doc["experiments"] for r in x["rates"]
            if r["reading"] == reading and r["metric"] == metric}


def _hand_runs():
    """Width 8 is better on average, width 16 better in the worst case; width 16's first checkpoint is best."""
    runs = []
    # linf per (width, teacher, seed) at the last checkpoint; iteration 1 of width 16 has half of it
    linf = {(8, 0, 1): 0.1, (8, 0, 2): 0.3, (8, 1, 1): 0.5, (8, 1, 2): 0.5,      # means 0.2, 0.5: max 0.5, avg 0.35
            (16, 0, 1): 0.4, (16, 0, 2): 0.4, (16, 1, 1): 0.4, (16, 1, 2): 0.4}  # means 0.4, 0.4: max 0.4, avg 0.4
    for (w, t, s), v in linf.items():
        first = v / 2 if w == 16 else v * 2
        runs.append(_run(100, t, s, w, {1: (first, first, first), 2: (v, v, v)}, cert=("1/2", "3/4")))
    return runs


def test_min_max_and_min_avg_pick_their_own_algorithms():
    doc = rep.build(_hand_runs())
    last = _rows(doc, "last", "linf")[100]
    assert F(last["minmax"]["exact"]) == F(0.4) and last["minmax_algorithm"].startswith("3x16")
    assert F(last["minavg"]["exact"]) == ((F(0.1) + F(0.3)) / 2 + F(0.5)) / 2   # exact, not (0.2 + 0.5) / 2
    assert last["minavg_algorithm"].startswith("3x8")
    assert last["minavg"]["value"] == float((F(0.1) + F(0.3) + F(0.5) + F(0.5)) / 4)
    assert last["missing"] == 0 and last["algorithms"] == 2 and last["teachers"] == 2


def test_reference_reading_also_minimizes_over_checkpoints():
    doc = rep.build(_hand_runs())
    ref = _rows(doc, "reference", "linf")[100]
    assert F(ref["minmax"]["exact"]) == F(0.4) / 2 and ref["minmax_algorithm"].endswith("it1/2")
    metrics = {r["metric"] for x in doc["experiments"] for r in x["rates"] if r["reading"] == "reference"}
    assert metrics == {"l1", "l2", "linf"}   # only last checkpoints are certified


def test_certified_metric_aggregates_lower_and_upper_ends_exactly():
    runs = _hand_runs()
    runs[0]["certified"].update(lower="1/3", upper="1/3", exact=True)
    cert = _rows(rep.build(runs), "last", "linf_cert")[100]
    # width 8: teacher 0 mean (1/3 + 1/2)/2 = 5/12, teacher 1 mean 1/2: max 1/2; width 16: 1/2
    assert F(cert["minmax"]["exact"]) == F(1, 2)
    assert F(cert["minavg"]["exact"]) == (F(5, 12) + F(1, 2)) / 2
    assert F(cert["minmax_upper"]["exact"]) == F(3, 4) and F(cert["minavg_upper"]["exact"]) == (F(13, 24) + F(3, 4)) / 2


def test_a_missing_seed_makes_the_rate_unknown_and_is_counted():
    runs = _hand_runs()
    runs[0]["status"], runs[0]["checkpoints"], runs[0]["certified"] = "failed", [], None
    doc = rep.build(runs)
    for reading, metric in (("last", "linf"), ("reference", "l1"), ("last", "linf_cert")):
        r = _rows(doc, reading, metric)[100]
        assert r["minmax"] is None and r["minavg"] is None and r["minmax_algorithm"] is None
        assert r["missing"] == 1
    assert doc["runs"] == {"done": 7, "failed": 1}
    assert "| 100 | L∞ sampled | n/a |" in rep.markdown(doc)


def test_a_nan_metric_is_missing_not_dropped():
    runs = _hand_runs()
    runs[3]["checkpoints"][1]["l2"] = float("nan")
    doc = rep.build(runs)
    assert _rows(doc, "last", "l2")[100]["minmax"] is None
    assert _rows(doc, "last", "l1")[100]["minmax"] is not None
    json.dumps(doc, allow_nan=False)   # no NaN leaks into report.json


def test_runs_of_other_experiments_are_reported_apart():
    runs = _hand_runs()
    other = _hand_runs()
    for r in other:
        r["params"]["teacher_width"] = 8
        r["params"]["key"] += "-B8"
    doc = rep.build(runs + other)
    assert len(doc["experiments"]) == 2
    assert {x["label"].split("teacher ")[1].split(",")[0] for x in doc["experiments"]} == {"3x4", "3x8"}


def test_certified_ratios_and_their_distribution():
    runs = _hand_runs()
    c = rep.build(runs)["experiments"][0]["certified"]
    ratios = sorted(F(1, 2) / F(r["checkpoints"][-1]["linf"]) for r in runs)
    assert [x["ratio"] for x in c["runs"]] == [float(F(1, 2) / F(r["checkpoints"][-1]["linf"])) for r in runs]
    assert c["ratio"]["all"] == {"runs": 8, "min": float(ratios[0]), "median": float((ratios[3] + ratios[4]) / 2),
                                 "max": float(ratios[-1])}


def test_power_law_fit_is_least_squares_on_logs():
    runs = []
    for m, v in ((10, 0.5), (100, 0.1), (1000, 0.03)):
        runs += [_run(m, t, s, 8, {1: (v, v, v)}) for t in (0, 1) for s in (1, 2)]
    fit = next(f for f in rep.build(runs)["experiments"][0]["fits"]
               if f["reading"] == "last" and f["metric"] == "l1" and f["rate"] == "minmax")
    b, log_a = np.polyfit(np.log([10, 100, 1000]), np.log([0.5, 0.1, 0.03]), 1)
    assert fit["b"] == pytest.approx(b, rel=1e-12) and fit["a"] == pytest.approx(math.exp(log_a), rel=1e-12)
    assert fit["points"] == 3 and fit["theory_b"] == -2.0


# -- a real store -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The fixture spec (16 runs of d = 1) run into a fresh store (a few seconds)."""
    pytest.importorskip("torch", reason="training the fixture sweep needs torch (extra 'train')")
    from exactrelu.experiments.spec import load_spec
    from exactrelu.experiments.store import Store
    from exactrelu.experiments.sweep import run_sweep
    path = tmp_path_factory.mktemp("sweep") / "tiny.sqlite"
    s = Store(path)
    try:
        counts = run_sweep(load_spec(FIXTURES / "tiny_sweep.toml"), s)
    finally:
        s.close()
    assert counts["done"] == 16 and counts["left"] == 0
    return path


def _mean(xs):
    return sum(xs) / len(xs)


def test_tables_equal_an_independent_computation(store, tmp_path):
    from exactrelu.experiments.store import Store
    code, out, err = cli("sweep", "report", store, "-o", tmp_path, "--no-figures", "--json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert json.loads((tmp_path / "report.json").read_text()) == doc
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "report.md"]   # no temporary files left
    s = Store(store, create=False)
    rows = s.rows()
    s.close()
    md = (tmp_path / "report.md").read_text()
    for m in (16, 48):
        for metric in ("l1", "l2", "linf"):
            for reading in ("last", "reference"):
                cells = {}   # algorithm -> teacher -> [value per seed]
                for r in rows:
                    p = r["params"]
                    if p["m"] != m:
                        continue
                    for c in r["checkpoints"]:
                        if reading == "last" and c["iteration"] != p["checkpoints"]:
                            continue
                        algo = (p["width"], p["batch"]["label"], c["iteration"] if reading == "reference" else 0)
                        cells.setdefault(algo, {}).setdefault(p["teacher_seed"], []).append(c[metric])
                minmax = min(max(_mean(v) for v in t.values()) for t in cells.values())
                minavg = min(_mean([_mean(v) for v in t.values()]) for t in cells.values())
                got = _rows(doc, reading, metric)[m]
                assert got["minmax"]["value"] == pytest.approx(minmax, rel=1e-12)
                assert got["minavg"]["value"] == pytest.approx(minavg, rel=1e-12)
                assert got["missing"] == 0 and got["algorithms"] == (2 if reading == "last" else 4)
                if reading == "last":
                    assert f"| {m} | {rep.LABELS[metric]} | {got['minmax']['value']:.4g} |" in md
    cert = _rows(doc, "last", "linf_cert")
    assert set(cert) == {16, 48}
    assert all(F(r["minmax"]["exact"]) <= F(r["minmax_upper"]["exact"]) for r in cert.values())
    per_run = doc["experiments"][0]["certified"]["runs"]
    assert len(per_run) == 16
    for r in per_run:
        assert r["ratio"] == float(F(r["lower"]["exact"]) / F(r["sampled"]))


def test_the_proof_recomputation_agrees_on_the_fixture_store(store, tmp_path):
    proof = load_proof("experiments")
    from exactrelu.proofkit import Report
    c = Report("t")
    with c.claim("x", "t") as claim:
        runs, meta = rep.load(store)
        proof.compare(claim, rep.build(runs, meta), proof.read_store(store), "fixture")
    assert c.ok, c.claims[0].failures


def test_a_failed_run_shows_as_missing_in_the_tables(store, tmp_path):
    broken = tmp_path / "broken.sqlite"
    shutil.copyfile(store, broken)
    db = sqlite3.connect(str(broken))
    with db:
        key = db.execute("SELECT r.key FROM runs r WHERE r.params LIKE '%\"m\": 48%' LIMIT 1").fetchone()[0]
        db.execute("UPDATE runs SET status = 'failed', error = 'test' WHERE key = ?", (key,))
    db.close()
    code, out, err = cli("sweep", "report", broken, "-o", tmp_path, "--no-figures", "--json")
    assert code == 0, err
    doc = json.loads(out)
    for metric in ("l1", "linf", "linf_cert"):
        assert _rows(doc, "last", metric)[48]["minmax"] is None and _rows(doc, "last", metric)[48]["missing"] == 1
        assert _rows(doc, "last", metric)[16]["minmax"] is not None
    assert doc["runs"] == {"done": 15, "failed": 1}
    assert "Runs: 15 done of 16, 1 failed." in (tmp_path / "report.md").read_text()


def test_figures_are_written(store, tmp_path):
    code, out, err = cli("sweep", "report", store, "-o", tmp_path)
    assert code == 0 and err == "", err
    png, pdf = (tmp_path / "figure.png").read_bytes(), (tmp_path / "figure.pdf").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5_000
    assert "figure.png" in out
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]    # no temporary files left


def test_default_output_folder_is_beside_the_store(store, tmp_path):
    copy = tmp_path / "mine.sqlite"
    shutil.copyfile(store, copy)
    code, _, err = cli("sweep", "report", copy, "--no-figures")
    assert code == 0, err
    assert (tmp_path / "mine-report" / "report.md").is_file()


def test_spec_selects_by_name(store, tmp_path):
    assert cli("sweep", "report", store, "--spec", "tiny", "-o", tmp_path, "--no-figures")[0] == 0
    code, out, err = cli("sweep", "report", store, "--spec", "nope", "-o", tmp_path, "--no-figures")
    assert code == 2 and "--spec" in err and "tiny" in err and out == ""


# -- bad input: exit 2, one line, nothing written -----------------------------------------------------

def _empty_store(folder):
    from exactrelu.experiments.store import Store
    Store(folder / "empty.sqlite").close()
    return folder / "empty.sqlite"


def _pending_store(folder):
    from exactrelu.experiments.spec import load_spec
    from exactrelu.experiments.store import Store
    s = Store(folder / "pending.sqlite")
    s.add_spec(load_spec(FIXTURES / "tiny_sweep.toml"))
    s.close()
    return folder / "pending.sqlite"


@pytest.mark.parametrize("make, words", [
    (lambda f: f / "missing.sqlite", "no such store"),
    (_empty_store, "empty store"),
    (_pending_store, "no finished runs"),
    (lambda f: (f / "text.sqlite").write_text("hello") and f / "text.sqlite", "not a sweep store"),
    (lambda f: (f / "zero.sqlite").write_bytes(b"") or f / "zero.sqlite", "not a sweep store"),
    (lambda f: f, "no such store"),
], ids=["missing", "empty", "nothing-done", "text-file", "zero-bytes", "a-folder"])
def test_bad_store_is_exit_2_with_one_line(tmp_path, make, words):
    path = make(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, out, err = cli("sweep", "report", path, "-o", out_dir)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and words in err and str(path) in err and "Traceback" not in err
    assert list(out_dir.iterdir()) == []


def test_a_foreign_sqlite_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "other.sqlite"
    db = sqlite3.connect(str(path))
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    before = path.read_bytes()
    code, _, err = cli("sweep", "report", path, "-o", tmp_path)
    assert code == 2 and "not a sweep store" in err and err.count("\n") == 1
    assert path.read_bytes() == before


def test_output_folder_must_exist(store, tmp_path):
    code, out, err = cli("sweep", "report", store, "-o", tmp_path / "no" / "such")
    assert code == 2 and out == "" and err.count("\n") == 1 and "-o" in err and "no/such" in err
    file = tmp_path / "f"
    file.write_text("x")
    assert cli("sweep", "report", store, "-o", file)[0] == 2


# -- proofs/experiments.py fails on a broken aggregation, a tampered store, a broken resume ---------------

PROOF_SPEC = (FIXTURES / "tiny_sweep.toml").read_text().replace("m = [16, 48]", "m = [16, 32]").replace(
    'batches = [{fraction = "1/4", epochs = 20}, {size = 8, epochs = 10}]', 'batches = [{size = 8, epochs = 10}]')


def _minmax_is_minavg(runs, meta):
    doc = rep.build(runs, meta)
    for x in doc["experiments"]:
        for r in x["rates"]:
            r["minmax"], r["minmax_algorithm"] = r["minavg"], r["minavg_algorithm"]
    return doc


def _lower_a_bound(path):
    """The first certified run's stored sup becomes 0 (statement kept consistent with it)."""
    db = sqlite3.connect(str(path))
    with db:
        key, st = db.execute("SELECT key, statement FROM certified ORDER BY rowid LIMIT 1").fetchone()
        db.execute("UPDATE certified SET lower = '0', upper = '0', statement = ? WHERE key = ?",
                   (st.rsplit("== ", 1)[0] + "== 0", key))
    db.close()


@pytest.fixture(scope="module")
def proof():
    pytest.importorskip("torch", reason="the proof's sweeps need torch (extra 'train')")
    return load_proof("experiments")


def test_proof_holds_on_a_small_sweep(proof):
    from exactrelu.proofkit import run_checks
    r = run_checks(proof.checks, quick=True, spec_text=PROOF_SPEC)
    assert r.ok, [c.failures for c in r.claims]
    assert [c.id for c in r.claims] == ["experiments.aggregation", "experiments.sampled_below_certified",
                                        "experiments.resume"]


def test_proof_fails_on_each_broken_hook(proof):
    """All three hooks at once (one pair of sweeps): each claim fails, for its own hook's reason."""
    from exactrelu.proofkit import run_checks
    r = run_checks(proof.checks, quick=True, spec_text=PROOF_SPEC, aggregate=_minmax_is_minavg,
                   tamper=_lower_a_bound, resumed=lambda rows: rows[:-1])
    fails = {c.id: c.failures for c in r.claims}
    assert not r.ok and all(not c.held for c in r.claims)
    assert any("minmax: reported" in f for f in fails["experiments.aggregation"])
    assert any("exact error" in f and "> certified upper 0" in f for f in fails["experiments.sampled_below_certified"])
    assert any("replayed sup" in f and "misses the stored" in f for f in fails["experiments.sampled_below_certified"])
    assert any("missing from the resumed store" in f for f in fails["experiments.resume"])


def test_uncertified_experiments_and_single_m_still_draw(tmp_path):
    """Two experiments, one without certification and one with a sup that got no interval; one m each."""
    pytest.importorskip("matplotlib")
    runs = _hand_runs()
    for r in runs:
        r["params"]["certify"]["which"] = "none"
        r["certified"] = None
    other = _hand_runs()
    for r in other:
        r["params"]["d"] = 2
        r["params"]["key"] += "-d2"
        r["certified"].update(lower=None, upper=None, exact=False, reason="time_limit=1s reached")
    doc = rep.build(runs + other)
    one, two = doc["experiments"]
    assert one["certified"] is None and "linf_cert" not in {r["metric"] for r in one["rates"]}
    assert two["certified"]["no_interval"] == 8 and two["certified"]["ratio"]["all"]["runs"] == 0
    assert all(r["minmax"] is None for r in two["rates"] if r["metric"] == "linf_cert")
    assert all(f["a"] is None for f in one["fits"])          # one m: no fit
    md = rep.markdown(doc)
    assert "No run of this experiment was certified" in md and "no interval: time_limit=1s reached" in md
    paths = rep.figure(doc, tmp_path)
    assert [p.name for p in paths] == ["figure.png", "figure.pdf"] and all(p.stat().st_size > 0 for p in paths)


def test_resume_compares_time_cut_intervals_by_overlap(proof):
    from exactrelu.proofkit import Report
    def cert(lo, up, exact=False):
        return {"certified": {"iteration": 2, "exact": exact, "lower": lo, "upper": up, "sampled_linf": 0.5,
                              "ratio": 1.0, "reason": None if exact else "time_limit", "statement": "s"}, "key": "k"}
    rep_ = Report("t")
    with rep_.claim("x", "t") as c:
        assert proof.same_certified(c, cert("1/2", "3/4"), cert("5/8", "7/8")) == 1       # they meet
        assert proof.same_certified(c, cert("1/2", "1/2", True), cert("1/2", "1/2", True)) == 0
    assert rep_.ok
    rep_ = Report("t")
    with rep_.claim("x", "t") as c:
        proof.same_certified(c, cert("1/2", "9/16"), cert("5/8", "7/8"))                # they do not
    assert not rep_.ok and "do not meet" in rep_.claims[0].failures[0]
    rep_ = Report("t")
    with rep_.claim("x", "t") as c:
        proof.same_certified(c, cert("1/2", "1/2", True), cert("5/8", "5/8", True))     # exact: must be equal
    assert not rep_.ok and "certified results differ" in rep_.claims[0].failures[0]
