"""The experiment engine (issue 8) produces what it says, on a small sweep run here.

A small teacher-student sweep (the spec below: exact teachers, Adam/MSE students in float64, test errors
at two checkpoints, every last student's sup certified) is run into a fresh SQLite store, twice: once
without a break, once stopped after a few runs (``run_sweep(max_runs=k)``) and then resumed.

* ``experiments.aggregation``: ``exactrelu sweep report``'s min-max and min-avg rates (both readings of
  "algorithm", every metric, each m and d) equal a direct recomputation, written below with plain loops
  over rows read from the SQLite file with plain SQL: the reported value equals the recomputed one
  exactly, the reported arg-min algorithm attains it, nothing is dropped or added, and the count of
  missing runs matches.  Also on a copy of the store with one run marked failed, where the cells of its
  m must come out unknown (missing values propagate).
* ``experiments.sampled_below_certified``: for every certified run, the exact error |S(x*) - T(x*)| at
  the stored arg-max test point x* (a float64 point, read exactly; S the exact Net of the saved
  float64 weights, T the exact teacher) is <= the stored certified upper bound, read as an exact
  rational; the stored kernel statement names exactly the stored bounds; and for the first runs of
  each d (``REPLAY``: 4 with --quick, else 3) the certified sup is computed again from the saved
  weights and replayed by the kernel here: its interval must meet the stored one (equal it, where both
  are exact).
* ``experiments.resume``: the interrupted-then-resumed store equals the uninterrupted one row for row:
  the same runs, all done, each checkpoint's metrics and arg-max point bit for bit, the batch size and
  the saved weights byte for byte, and the certified result bit for bit where both are exact (where
  the time limit cut one of them, its interval depends on the machine's speed: the intervals must meet).

Hooks: ``spec_text`` (another spec), ``aggregate(runs, meta) -> doc`` (a broken aggregation),
``tamper(store_path)`` (edits the store after the sweeps), ``resumed(rows) -> rows`` (a broken resume).
"""
from __future__ import annotations

import json
import shutil
import sqlite3
import struct
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exactrelu.proofkit import run_script  # noqa: E402

SOURCES = {"aggregation": "reference code juliusberner/theory2practice, analysis.py [C]",
           "sampled": "paper §3 [K]; reference code [C]",
           "resume": "exactrelu's sweep store specification (`exactrelu/experiments/store.py`)"}
SPEC = """
name = "proof-experiments"
[grid]
d = {d}
m = {m}
teacher_seeds = {teachers}
[teacher]
depth = 3
width = 4
[student]
depth = [3]
width = [8]
[training]
seeds = [1, 2]
lr = 1e-2
lr_final = 1e-3
checkpoints = 2
batches = [{{fraction = "1/4", epochs = 20}}, {{size = 8, epochs = 10}}]
[test]
points = 1000
chunk = 400
[certify]
time_limit = 20
"""
QUICK = SPEC.format(d=[1], m=[16, 48], teachers=[0, 1])
FULL = SPEC.format(d=[1, 2], m=[16, 48], teachers=[0])
STOP_AFTER = 5          # the interrupted sweep stops after this many runs
REPLAY = {True: 4, False: 3}   # runs per d whose certified sup is computed again and replayed (quick, full)


# -- reading the store with plain SQL (independent of Store.rows and report.load) --------------------

def read_store(path) -> list[dict]:
    db = sqlite3.connect(str(path))
    try:
        runs = []
        for key, params, status, bs, weights in db.execute(
                "SELECT key, params, status, batch_size, weights FROM runs ORDER BY rowid"):
            cps = {}
            for it, ep, mse, l1, l2, linf, at in db.execute(
                    "SELECT iteration, epochs, train_mse, l1, l2, linf, linf_at FROM checkpoints WHERE key = ?",
                    (key,)):
                cps[it] = {"epochs": ep, "train_mse": mse, "l1": l1, "l2": l2, "linf": linf, "linf_at": json.loads(at)}
            cert = db.execute("SELECT iteration, exact, lower, upper, sampled_linf, ratio, reason, statement "
                              "FROM certified WHERE key = ?", (key,)).fetchone()
            runs.append({"key": key, "params": json.loads(params), "status": status, "batch_size": bs,
                         "weights": weights, "checkpoints": cps,
                         "certified": None if cert is None else dict(zip(
                             ("iteration", "exact", "lower", "upper", "sampled_linf", "ratio", "reason",
                              "statement"), cert))})
        return runs
    finally:
        db.close()


# -- the recomputation, plainly ------------------------------------------------------------------

def exact(x):
    """A stored number as a rational; None when missing or not finite."""
    if x is None:
        return None
    if isinstance(x, str):
        return Fraction(x)
    if x != x or x in (float("inf"), float("-inf")):
        return None
    return Fraction(x)


def recompute(runs) -> dict:
    """{(d, m, metric, reading): (minmax, minavg, missing, {algorithm: (max over teachers, mean over teachers)})}."""
    from exactrelu.experiments.report import algorithm
    table = {}   # (d, m, metric, reading) -> algorithm -> teacher -> list of values (one per seed)
    missing = {}  # (d, m, metric, reading) -> the runs with a value missing
    for run in runs:
        p = run["params"]
        K = p["checkpoints"]
        done = run["status"] == "done"
        for reading in ("last", "reference"):
            for it in range(1, K + 1):
                if reading == "last" and it != K:
                    continue
                name = algorithm(p, None if reading == "last" else it)
                cp = run["checkpoints"].get(it) if done else None
                values = {}
                for metric in ("l1", "l2", "linf"):
                    values[metric] = exact(cp[metric]) if cp else None
                if reading == "last" and p["certify"]["which"] == "last":
                    c = run["certified"] if done else None
                    values["linf_cert"] = exact(c["lower"]) if c and c["iteration"] == it else None
                for metric, v in values.items():
                    key = (p["d"], p["m"], metric, reading)
                    table.setdefault(key, {}).setdefault(name, {}).setdefault(p["teacher_seed"], []).append(v)
                    if v is None:
                        missing.setdefault(key, set()).add(run["key"])
    out = {}
    for key, algos in table.items():
        per_algo = {}
        for name, teachers in algos.items():
            means = []
            for seeds in teachers.values():
                if any(v is None for v in seeds):
                    means.append(None)
                else:
                    total = Fraction(0)
                    for v in seeds:
                        total += v
                    means.append(total / len(seeds))
            if any(v is None for v in means):
                per_algo[name] = (None, None)
            else:
                total = Fraction(0)
                for v in means:
                    total += v
                per_algo[name] = (max(means), total / len(means))
        minmax = minavg = None
        if all(v[0] is not None for v in per_algo.values()):
            minmax = min(v[0] for v in per_algo.values())
            minavg = min(v[1] for v in per_algo.values())
        out[key] = (minmax, minavg, len(missing.get(key, ())), per_algo)
    return out


def compare(c, doc, runs, tag):
    """Check the report ``doc`` against the recomputation from ``runs``."""
    want = recompute(runs)
    got = {}
    for x in doc["experiments"]:
        for r in x["rates"]:
            got[(x["d"], r["m"], r["metric"], r["reading"])] = r
    c.check(set(got) == set(want), f"{tag}: report cells {sorted(set(got) ^ set(want))[:3]} differ from the recomputed")
    for key in sorted(set(got) & set(want)):
        r, (minmax, minavg, missing, per_algo) = got[key], want[key]
        c.check(r["missing"] == missing, f"{tag} {key}: {r['missing']} missing runs reported, {missing} recomputed")
        for rate, value, pick in (("minmax", minmax, 0), ("minavg", minavg, 1)):
            shown = r[rate]
            if value is None:
                c.check(shown is None and r[rate + "_algorithm"] is None,
                        f"{tag} {key} {rate}: reported {shown} where a run is missing (must be unknown)")
                continue
            ok = shown is not None and Fraction(shown["exact"]) == value and shown["value"] == float(value)
            c.check(ok, f"{tag} {key} {rate}: reported {shown and shown['value']}, recomputed {float(value)}")
            arg = r[rate + "_algorithm"]
            c.check(arg in per_algo and per_algo[arg][pick] == value,
                    f"{tag} {key} {rate}: the reported arg-min {arg!r} does not attain the minimum")


# -- the sweeps -------------------------------------------------------------------------------------

def sweep(spec, folder, name, stop_after=None):
    from exactrelu.experiments.store import Store
    from exactrelu.experiments.sweep import run_sweep
    path = Path(folder) / f"{name}.sqlite"
    store = Store(path)
    try:
        if stop_after is not None:
            run_sweep(spec, store, max_runs=stop_after)
            stopped = sum(1 for r in read_store(path) if r["status"] == "done")
        run_sweep(spec, store)
    finally:
        store.close()
    return path, (stopped if stop_after is not None else None)


def bits(x):
    if isinstance(x, float):
        return struct.pack("<d", x)
    if isinstance(x, list):
        return [bits(v) for v in x]
    if isinstance(x, dict):
        return {k: bits(v) for k, v in x.items()}
    return x


def grid_text(spec) -> str:
    g, s, t = spec.grid, spec.student, spec.training
    return (f"d in {g['d']}; m in {g['m']}; teachers {g['teacher_seeds']} "
            f"({spec.teacher['depth']}x{spec.teacher['width']}); students {s['depth']}x{s['width']}; "
            f"batch rules {[b['label'] + ' x' + str(b['epochs']) for b in t['batches']]}; seeds {t['seeds']}; "
            f"{t['checkpoints']} checkpoints; {spec.test['points']} test points; domain {g['domain']}")


def checks(report, quick=False, **hooks):
    """The sweep engine: aggregation, sampled <= certified, resume (exact)."""
    from exactrelu.experiments import report as rep
    from exactrelu.experiments.spec import parse_spec
    spec = parse_spec(hooks.get("spec_text") or (QUICK if quick else FULL), "<proofs/experiments.py spec>")
    n = len(spec.runs())
    with tempfile.TemporaryDirectory(prefix="exactrelu-proof-") as tmp:
        t0 = time.perf_counter()
        whole, _ = sweep(spec, tmp, "whole")
        resumed, stopped = sweep(spec, tmp, "resumed", stop_after=min(STOP_AFTER, n - 1))
        swept = time.perf_counter() - t0
        if hooks.get("tamper"):
            hooks["tamper"](whole)
        rows = read_store(whole)

        with report.claim("experiments.aggregation", SOURCES["aggregation"],
                          "sweep report's min-max / min-avg rates (both readings, every metric, m, d) equal a "
                          "direct recomputation from the stored rows") as c:
            c.over(grid_text(spec) + f"; {n} runs")
            c.over("the same store with one run marked failed")
            aggregate = hooks.get("aggregate") or rep.build
            runs, meta = rep.load(whole)
            compare(c, aggregate(runs, meta), rows, "complete store")
            broken = Path(tmp) / "one-failed.sqlite"
            shutil.copyfile(whole, broken)
            db = sqlite3.connect(str(broken))
            victim = rows[len(rows) // 2]["key"]
            with db:
                db.execute("UPDATE runs SET status = 'failed', error = 'marked by the proof' WHERE key = ?", (victim,))
            db.close()
            runs, meta = rep.load(broken)
            doc = aggregate(runs, meta)
            compare(c, doc, read_store(broken), "one run failed")
            unknown = sum(1 for x in doc["experiments"] for r in x["rates"] if r["minmax"] is None)
            c.check(unknown > 0, "one run failed: no cell came out unknown")
            c.note(f"{sum(len(x['rates']) for x in rep.build(*rep.load(whole))['experiments'])} rate cells; with one "
                   f"run failed, {unknown} cells unknown")

        with report.claim("experiments.sampled_below_certified", SOURCES["sampled"],
                          "exact |S(x*) - T(x*)| at the stored arg-max test point <= the stored certified upper "
                          "bound; the stored statement names the stored bounds; the sup, recomputed from the "
                          "saved weights and replayed by the kernel, meets the stored interval") as c:
            c.over(grid_text(spec) + f"; every certified run; {REPLAY[bool(quick)]} per d replayed")
            certified = [r for r in rows if r["certified"] is not None]
            c.check(len(certified) == sum(1 for r in rows if r["params"]["certify"]["which"] == "last"),
                    "a run that should be certified has no certified result")
            ratios, replayed = [], {}
            for r in certified:
                d = r["params"]["d"]
                replay = replayed.get(d, 0) < REPLAY[bool(quick)]
                replayed[d] = replayed.get(d, 0) + replay
                ratios.append(check_certified(c, r, Path(whole).parent, replay=replay))
            ratios = [x for x in ratios if x is not None]
            if ratios:
                c.note(f"{len(certified)} certified runs: certified upper / sampled float64 max in "
                       f"[{min(ratios):.4g}, {max(ratios):.4g}]")

        with report.claim("experiments.resume", SOURCES["resume"],
                          "a sweep stopped after k runs and resumed equals an uninterrupted sweep row for row "
                          "(checkpoint metrics bit for bit, certified results, weights byte for byte)") as c:
            c.over(grid_text(spec) + f"; stopped after {min(STOP_AFTER, n - 1)} runs, then resumed")
            a, b = read_store(whole), read_store(resumed)
            if hooks.get("resumed"):
                b = hooks["resumed"](b)
            c.check(stopped == min(STOP_AFTER, n - 1), f"the interrupted sweep had {stopped} runs done, "
                                                       f"not {min(STOP_AFTER, n - 1)}")
            c.check(len(a) == n and len(b) == n, f"{len(a)} and {len(b)} rows for a spec of {n} runs")
            c.check(all(r["status"] == "done" for r in a + b), "a run is not done")
            by_key, timed = {r["key"]: r for r in b}, 0
            c.check(len(by_key) == len(b), "the resumed store lists a run twice")
            for r in a:
                s = by_key.get(r["key"])
                if not c.check(s is not None, f"run {r['key']} missing from the resumed store"):
                    continue
                c.check(s["params"] == r["params"], f"run {r['key']}: parameters differ")
                c.check(bits(s["checkpoints"]) == bits(r["checkpoints"]), f"run {r['key']}: checkpoints differ")
                timed += same_certified(c, r, s)
                c.check(s["batch_size"] == r["batch_size"], f"run {r['key']}: batch sizes differ")
                wa = (Path(whole).parent / r["weights"]).read_bytes()
                wb = (Path(resumed).parent / s["weights"]).read_bytes()
                c.check(wa == wb, f"run {r['key']}: saved weights differ")
            c.note(f"{len(a)} runs, {sum(len(r['checkpoints']) for r in a)} checkpoints compared; {timed} certified "
                   f"results cut by the time limit in one of the sweeps (compared as intervals); the two sweeps "
                   f"took {swept:.1f} s before the claims")


def same_certified(c, r, s) -> int:
    """Certified results of one run in two stores: equal bit for bit where both are exact; where the time
    limit cut one of them (an interval: how far the search got depends on the machine's speed), the same
    sampled maximum and intervals that meet.  Returns 1 in the second case."""
    x, y = r["certified"], s["certified"]
    if x is None or y is None or (x["exact"] and y["exact"]) or x["lower"] is None or y["lower"] is None:
        c.check(bits(x) == bits(y), f"run {r['key']}: certified results differ")
        return 0
    meet = Fraction(x["lower"]) <= Fraction(y["upper"]) and Fraction(y["lower"]) <= Fraction(x["upper"])
    c.check(bits(x["sampled_linf"]) == bits(y["sampled_linf"]) and meet,
            f"run {r['key']}: certified intervals [{x['lower']}, {x['upper']}] and [{y['lower']}, {y['upper']}] "
            f"do not meet")
    return 1


def check_certified(c, r, folder, replay):
    """One certified run (see the module docstring); returns upper / sampled as a float, for the note."""
    from exactrelu import kernel
    from exactrelu.analysis.sup import sup
    from exactrelu.evaluate import evaluate_batch
    from exactrelu.experiments.runner import student_net
    from exactrelu.experiments.spec import DOMAINS
    from exactrelu.learning.teacher_student import teacher
    from exactrelu.net import Net
    p, cert = r["params"], r["certified"]
    tag = (f"run {r['key']} (d={p['d']}, m={p['m']}, teacher {p['teacher_seed']}, {p['batch']['label']}, "
           f"seed {p['seed']})")
    box = tuple(DOMAINS[p["domain"]] for _ in range(p["d"]))
    if not c.check(cert["lower"] is not None and cert["upper"] is not None,
                   f"{tag}: no certified interval ({cert['reason']})"):
        return None
    lower, upper = Fraction(cert["lower"]), Fraction(cert["upper"])
    c.check(lower <= upper and (not cert["exact"] or lower == upper), f"{tag}: stored bounds out of order")
    st = cert["statement"] or ""
    names = (st.endswith(f"== {cert['upper']}") if cert["exact"]
             else st.startswith(f"{cert['lower']} <= ") and st.endswith(f"<= {cert['upper']}"))
    c.check(names, f"{tag}: the stored statement does not name the stored bounds")
    S = student_net((folder / r["weights"]).read_bytes(), domain=box)
    T0 = teacher(p["d"], p["teacher_depth"], p["teacher_width"], p["teacher_seed"])
    T = Net(T0.layers, input_dim=p["d"], domain=box)
    last = r["checkpoints"][cert["iteration"]]
    x = tuple(Fraction(v) for v in last["linf_at"])
    err = abs(evaluate_batch(S, [x])[0][0] - evaluate_batch(T, [x])[0][0])
    c.check(err <= upper, f"{tag}: exact error {float(err):.6g} at the sampled arg-max > certified upper "
                          f"{float(upper):.6g} (float64 sampled max {last['linf']:.6g})")
    if replay:
        res = sup(S, T, box=box, sign="abs", time_limit=p["certify"]["time_limit"],
                  rel_gap=Fraction(p["certify"]["rel_gap"]))
        chk = kernel.replay((S, T), json.loads(json.dumps(res.certificate)), expect=("sup", "sup_interval"),
                            box=box, sign="abs")
        meets = chk.lower <= upper and lower <= chk.upper
        c.check(meets, f"{tag}: the replayed sup [{float(chk.lower):.6g}, {float(chk.upper):.6g}] misses the "
                       f"stored [{float(lower):.6g}, {float(upper):.6g}]")
        if cert["exact"] and chk.kind == "sup":
            c.check(chk.statement == st, f"{tag}: the replayed statement differs from the stored one")
    return float(upper) / last["linf"] if last["linf"] > 0 else None


if __name__ == "__main__":
    raise SystemExit(run_script(checks))
