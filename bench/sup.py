"""Certified sup of |teacher - student| (issues 4 and 9): exactrelu beside baselines, in one run.

Random pairs (fixed seeds; domain [0, 1]^d, the package default, not the paper code's [-1/2, 1/2]^d):
  teacher  d-32-32-32-32-1, every weight and bias k/2^16 with k uniform in [-2^15, 2^15]
           (uniform in [-1/2, 1/2], as in the paper);
  student  d-512-512-512-512-1 (d = 1) or d-32-32-32-32-1 (d = 2, 3), PyTorch-default-like:
           entries uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)], rounded to k/2^20.
  rows d1 (exact), d2 (exact, float MILP beside it), d3_60s and d3 (relative gap 1e-3).
Trained pairs, closer to the paper's experiments (small errors peak inside the domain, which random
pairs rarely do): teacher = exactrelu.learning.teacher_student.teacher(d, 5, 32, seed=0), student
trained by train_student(teacher, 1000, config=TrainConfig(width=w, depth=5, epochs=200), seed=0)
(Adam in float64 torch, read exactly by exactrelu.torchio.from_torch), on HALF_BOX(d) = [-1/2, 1/2]^d:
  d2_trained  2-32x4-1 student, exact sup;
  d3_trained  3-32x4-1 student, relative gap 1e-3, time limit 60 s;
  d1_trained  1-512x4-1 student, exact sup.
Training is not cached; its seconds are printed.  --quick: width 8 and 50 epochs (d1: student 64 wide
for the random pair, 8 for the trained one).
Targets: d1 exact <= 2 s; d2 exact (or relative gap <= 1e-9) <= 60 s; d3 relative gap <= 1e-3 within
10 minutes and within 60 s; d3_trained gap <= 1e-3 in < 60 s; d1_trained exact in < 10 s.

Each trained row runs exactrelu's default method (sup(S, T, box=HALF_BOX(d), sign="abs", check=False,
rel_gap=..., time_limit=...), method "auto") and, for d >= 2 and unless --no-baseline, the previous
method BASELINE_METHOD in the same process; if sup does not know that method name (InputError), the
row falls back to FALLBACK_METHOD and says so.  The row reports both results, their boxes
(stats["boxes"]), and baseline/new ratios of producer and replay seconds; unless --no-mixed, also
method "bnb-mixed" (neuron-sign branches beside input cuts) with its number of branch nodes.  Beside them, on the same
problem: the unstable neurons per layer of each net on the full box (ibp and linear bounds, from
exactrelu.analysis.linear.unstable_counts, "not available" if that does not import), the float big-M
MILP (HiGHS via scipy.optimize.milp, bench/milp_baseline.py), and the same MILP in Gurobi where gurobipy
is installed (otherwise the row gives the reason it was not run).

"seconds" is the producer (exactrelu.analysis.sup.sup with check=False): the certified answer is
computed, not yet replayed.  "replay_seconds" is the trusted kernel replaying the certificate
(exactrelu.kernel.replay, pure Fraction/int arithmetic); exit 1 if a replay rejects.  The d3_60s
row (the gap reached within 60 s) is the producer alone; the other rows replay their certificates
unless --no-replay.

    python bench/sup.py [--quick] [--json] [--only ROW[,ROW]] [--baseline | --no-baseline] [--no-mixed]
                        [--milp-seconds S] [--d3-seconds S] [--no-replay]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from exactrelu import kernel  # noqa: E402
from exactrelu.analysis.sup import sup  # noqa: E402
from exactrelu.errors import InputError  # noqa: E402
from exactrelu.net import Net  # noqa: E402

#: Today's method, run beside the new default on the trained rows with d >= 2.
BASELINE_METHOD = "bnb-ibp"
#: What the baseline runs when sup does not (yet) know BASELINE_METHOD.
FALLBACK_METHOD = "bnb"

#: Every row, in the order they run.
ROWS = ("d1", "d2", "d3_60s", "d3", "d2_trained", "d3_trained", "d3_trained_exact", "d1_trained")

#: The trained rows: input dimension, student width (full, quick), relative gap, time limit (s), target.
TRAINED = {
    "d2_trained": {"d": 2, "width": (32, 8), "rel_gap": Fraction(0), "time_limit": None,
                   "target": "exact (or gap <= 1e-9) <= 60 s"},
    "d3_trained": {"d": 3, "width": (32, 8), "rel_gap": Fraction(1, 1000), "time_limit": 60.0,
                   "target": "gap <= 1e-3 in < 60 s"},
    "d3_trained_exact": {"d": 3, "width": (32, 8), "rel_gap": Fraction(0), "time_limit": 300.0, "baseline": False,
                         "target": "exact if reachable (no target time)"},
    "d1_trained": {"d": 1, "width": (512, 8), "rel_gap": Fraction(0), "time_limit": None,
                   "target": "exact in < 10 s"},
}
TEACHER_WIDTH = (32, 8)          # full, quick
EPOCHS = (200, 50)               # full, quick
SAMPLES = 1000


def teacher(d: int, widths, seed: int) -> Net:
    rng = random.Random(seed)
    dims = [d, *widths, 1]

    def e():
        return Fraction(rng.randint(-2 ** 15, 2 ** 15), 2 ** 16)
    return Net([([[e() for _ in range(dims[l])] for _ in range(dims[l + 1])], [e() for _ in range(dims[l + 1])])
                for l in range(len(dims) - 1)])


def student(d: int, widths, seed: int, bits: int = 20) -> Net:
    """PyTorch's default nn.Linear init (weights and biases uniform in +-1/sqrt(fan_in)), as k/2^bits."""
    rng = random.Random(seed)
    dims = [d, *widths, 1]
    layers = []
    for l in range(len(dims) - 1):
        top = round(2 ** bits / dims[l] ** 0.5)

        def e():
            return Fraction(rng.randint(-top, top), 2 ** bits)
        layers.append(([[e() for _ in range(dims[l])] for _ in range(dims[l + 1])], [e() for _ in range(dims[l + 1])]))
    return Net(layers)


def problem(d: int, quick: bool):
    w = 8 if quick else 32
    sw = (64 if quick else 512) if d == 1 else w
    return teacher(d, [w] * 4, seed=10 + d), student(d, [sw] * 4, seed=20 + d)


def run_sup(f, g, replay: bool, **kw):
    """sup(f, g, sign="abs", check=False, **kw), timed; then the kernel's replay of its certificate, timed."""
    t = time.perf_counter()
    r = sup(f, g, sign="abs", check=False, **kw)
    out = {"seconds": round(time.perf_counter() - t, 3), "exact": r.exact,
           "lower": float(r.lower), "upper": float(r.upper),
           "rel_gap": float((r.upper - r.lower) / r.upper) if r.upper else 0.0,
           "lower_exact": str(r.lower), "upper_exact": str(r.upper),
           "witness": [str(v) for v in r.witness], "reason": r.reason,
           "method": r.stats.get("method"), "boxes": r.stats.get("boxes"),
           "exact_boxes": r.stats.get("exact_boxes"), "knots": r.stats.get("knots")}
    if replay:
        t = time.perf_counter()
        kernel.replay((f, g), r.certificate, expect=("sup", "sup_interval"))          # raises CertificateRejected: exit 1 below
        out["replay_seconds"] = round(time.perf_counter() - t, 3)
    out["_trees"] = r.certificate["trees"]          # for the unstable counts at the leaves; not printed
    return out


def run_baseline(f, g, replay: bool, **kw):
    """run_sup with method=BASELINE_METHOD, or FALLBACK_METHOD (noted in the result) if sup refuses the name."""
    try:
        out = run_sup(f, g, replay, method=BASELINE_METHOD, **kw)
        out["method_requested"] = BASELINE_METHOD
    except InputError as e:
        if "method" not in str(e):
            raise
        out = run_sup(f, g, replay, method=FALLBACK_METHOD, **kw)
        out["method_requested"] = FALLBACK_METHOD
        out["note"] = f"method {BASELINE_METHOD!r} unknown to sup ({e}); ran {FALLBACK_METHOD!r} instead"
    return out


def gap_ok(r: dict, gap: Fraction) -> bool:
    """upper - lower <= gap * upper, decided exactly from the row's exact bounds."""
    lo, up = Fraction(r["lower_exact"]), Fraction(r["upper_exact"])
    return r["exact"] or (up - lo) <= gap * up


def ratio(a, b):
    """a / b to 3 significant digits (None if either is missing or b is 0)."""
    return float(f"{a / b:.3g}") if a is not None and b else None


def add_milp(row: dict, S, T, box, seconds: float) -> None:
    """The float big-M MILP (HiGHS) on the same problem, timed beside the exact answer in ``row``."""
    try:
        from milp_baseline import milp_abs_sup
        t = time.perf_counter()
        val, x, status = milp_abs_sup(S, T, box, time_limit=seconds)
    except ImportError as e:          # scipy missing: say so, do not hide it
        row.update(milp_status=f"not run: {e}", milp_seconds=None, milp_value=None)
        return
    row["milp_seconds"] = round(time.perf_counter() - t, 3)
    row["milp_value"], row["milp_status"] = val, str(status)
    row["milp_minus_exact"] = None if val is None else val - float(Fraction(row["lower_exact"]))


def add_gurobi(row: dict, S, T, box, seconds: float) -> None:
    """The same big-M MILP in Gurobi, where gurobipy is installed; otherwise the reason it was not run."""
    import milp_baseline
    if milp_baseline.GUROBI_MISSING is not None:
        row.update(gurobi_status=f"not run: {milp_baseline.GUROBI_MISSING}", gurobi_seconds=None, gurobi_value=None)
        return
    t = time.perf_counter()
    val, x, status = milp_baseline.gurobi_abs_sup(S, T, box, time_limit=seconds)
    row["gurobi_seconds"] = round(time.perf_counter() - t, 3)
    row["gurobi_value"], row["gurobi_status"] = val, str(status)
    row["gurobi_minus_exact"] = None if val is None else val - float(Fraction(row["lower_exact"]))


def add_unstable(row: dict, nets, box) -> None:
    """Unstable neurons per layer of each net on the box and, on average, on the sub-boxes the new
    method closed (its certificate's leaves, "+" tree), by exactrelu.analysis.linear.unstable_counts."""
    try:
        from exactrelu.analysis.linear import leaf_boxes, unstable_counts
    except ImportError as e:          # not written yet: say so, do not fake it
        row["unstable"] = f"not available ({e})"
        return
    t = time.perf_counter()
    try:
        row["unstable"] = unstable_counts(nets, box, leaf_boxes(row["_trees"].get("+", {}), box))
    except ImportError as e:          # half-written: what it needs does not import yet
        row["unstable"] = f"not available (unstable_counts: {e})"
        return
    row["unstable_seconds"] = round(time.perf_counter() - t, 3)


def trained_pair(d: int, width: int, quick: bool):
    """(student Net, teacher Net, box, training info) for a trained row, or a note if torch is missing."""
    try:
        from exactrelu.learning.teacher_student import HALF_BOX, TrainConfig, teacher as paper_teacher, train_student
        from exactrelu.torchio import from_torch
    except ImportError as e:          # torch missing: say so, do not hide it
        return None, f"not run: {e}"
    q = 1 if quick else 0
    T = paper_teacher(d, 5, TEACHER_WIDTH[q], seed=0)
    t = time.perf_counter()
    mod, info = train_student(T, SAMPLES, config=TrainConfig(width=width, depth=5, epochs=EPOCHS[q]), seed=0)
    train = {"train_seconds": round(time.perf_counter() - t, 2), "train_mse": info["train_mse"],
             "architecture": info["architecture"], "epochs": info["epochs"]}
    return (from_torch(mod, domain=HALF_BOX(d)), T, HALF_BOX(d), train), None


def trained_case(name: str, quick: bool, replay: bool, baseline: bool, milp_s: float, mixed: bool = True) -> dict:
    """One trained row: the new default method, the baseline (d >= 2), "bnb-mixed" (neuron branches too;
    d >= 2), unstable counts, HiGHS and Gurobi."""
    spec = TRAINED[name]
    d = spec["d"]
    pair, note = trained_pair(d, spec["width"][1 if quick else 0], quick)
    if pair is None:
        return {"seconds": None, "exact": False, "lower": 0.0, "upper": 0.0, "rel_gap": None, "note": note}
    S, T, box, train = pair
    kw = {"box": box, "rel_gap": spec["rel_gap"]}
    if spec["time_limit"] is not None:
        kw["time_limit"] = spec["time_limit"]
    out = run_sup(S, T, replay, **kw)
    out.update(train)
    out["target"] = spec["target"]
    out["gap_ok"] = gap_ok(out, spec["rel_gap"])
    if spec["time_limit"] is not None:
        out["target_met"] = out["gap_ok"] and out["seconds"] < spec["time_limit"]
    if d >= 2 and baseline and spec.get("baseline", True):
        b = run_baseline(S, T, replay, **kw)
        b["gap_ok"] = gap_ok(b, spec["rel_gap"])
        out["baseline"] = b
        out["ratio_producer"] = ratio(b["seconds"], out["seconds"])
        # a side that stopped short of the gap (time limit) makes the ratio a bound, not a figure
        out["ratio_producer_kind"] = {(True, True): "measured", (True, False): "lower bound",
                                      (False, True): "upper bound", (False, False): "both stopped short"}[
            (out["gap_ok"], b["gap_ok"])]
        out["ratio_replay"] = ratio(b.get("replay_seconds"), out.get("replay_seconds"))
    elif d >= 2:
        out["baseline"] = None if not baseline else "none: the baseline cannot reach an exact sup here"
    if d >= 2 and mixed and spec.get("baseline", True):
        m = run_sup(S, T, replay, method="bnb-mixed", **kw)
        m["branches"] = json.dumps(m.pop("_trees")).count('"branch"')
        out["mixed"] = m
    add_unstable(out, (S, T), box)
    add_milp(out, S, T, box, milp_s)
    add_gurobi(out, S, T, box, milp_s)
    return out


def _public(row):
    """A row without its private keys (the certificate trees kept for the unstable counts)."""
    if not isinstance(row, dict):
        return row
    return {k: _public(v) for k, v in row.items() if not k.startswith("_")}


def parse_only(text: str):
    """The rows named by --only, in run order; (None, unknown names) if some are not rows."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    bad = [n for n in names if n not in ROWS]
    return (None, bad) if bad or not names else ([r for r in ROWS if r in names], [])


def _what(r: dict) -> str:
    return (f"exact sup = {r['lower']:.15g}" if r["exact"] else
            f"[{r['lower']:.12g}, {r['upper']:.12g}] gap {r['rel_gap']:.2e}")


def _line(label: str, method, r: dict) -> str:
    rp = f"{r['replay_seconds']:.2f}" if "replay_seconds" in r else "-"
    boxes = "-" if r.get("boxes") is None else str(r["boxes"])
    return f"{label:<36}{str(method):>9}{r['seconds']:>11.2f}{rp:>10}{boxes:>8}  {_what(r)}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small networks, a smoke run")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON only")
    ap.add_argument("--only", metavar="ROW[,ROW]", help=f"run these rows only, of: {', '.join(ROWS)}")
    ap.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True,
                    help=f"run the baseline method ({BASELINE_METHOD!r}) beside the default on trained rows "
                         f"with d >= 2 (default: yes)")
    ap.add_argument("--mixed", action=argparse.BooleanOptionalAction, default=True,
                    help="also run method 'bnb-mixed' (neuron branches beside input cuts) on trained rows with "
                         "d >= 2 (default: yes)")
    ap.add_argument("--milp-seconds", type=float, default=60.0, help="time limit of each MILP (two per sup)")
    ap.add_argument("--d3-seconds", type=float, default=600.0, help="time limit of the d = 3 gap run")
    ap.add_argument("--no-replay", action="store_true", help="skip the kernel replays (producer times only)")
    a = ap.parse_args(argv)
    rows = list(ROWS)
    if a.only is not None:
        rows, bad = parse_only(a.only)
        if rows is None:
            print(f"sup.py: --only: unknown row {', '.join(map(repr, bad)) or repr(a.only)}; "
                  f"rows are {', '.join(ROWS)}", file=sys.stderr)
            return 2
    replay = not a.no_replay
    milp_s = a.milp_seconds if not a.quick else 10.0
    res = {}
    if "d1" in rows:
        T, S = problem(1, a.quick)
        res["d1"] = run_sup(T, S, replay)
    if "d2" in rows:
        T, S = problem(2, a.quick)
        res["d2"] = run_sup(T, S, replay, rel_gap=Fraction(0))
        res["d2"]["exact_or_gap_ok"] = gap_ok(res["d2"], Fraction(1, 10**9))
        add_milp(res["d2"], S, T, None, milp_s)
    if "d3_60s" in rows or "d3" in rows:
        T, S = problem(3, a.quick)
        if "d3_60s" in rows:
            res["d3_60s"] = run_sup(T, S, False, rel_gap=Fraction(1, 1000), time_limit=min(60.0, a.d3_seconds))
        if "d3" in rows:
            res["d3"] = run_sup(T, S, replay, rel_gap=Fraction(1, 1000), time_limit=a.d3_seconds)
            if "d3_60s" in res:
                res["d3"]["gap_in_60s"] = res["d3_60s"]["rel_gap"]
    for name in TRAINED:
        if name in rows:
            res[name] = trained_case(name, a.quick, replay, a.baseline, milp_s, a.mixed)
    res = {k: _public(res[k]) for k in ROWS if k in res}   # the documented order, without the certificates
    if a.json:
        print(json.dumps(res))
        return 0
    report(res, a.quick)
    return 0


def report(res: dict, quick: bool) -> None:
    w, sw = (8, 64) if quick else (32, 512)
    tw = TEACHER_WIDTH[1 if quick else 0]
    names = {"d1": f"d=1 1-{w}x4-1 vs 1-{sw}x4-1", "d2": f"d=2 2-{w}x4-1 vs 2-{w}x4-1",
             "d3_60s": f"d=3 3-{w}x4 pair, 60 s", "d3": f"d=3 3-{w}x4 pair, gap 1e-3"}
    for k, spec in TRAINED.items():
        names[k] = f"{k}: {spec['d']}-{spec['width'][1 if quick else 0]}x4-1 vs {spec['d']}-{tw}x4-1"
    print(f"{'problem':<36}{'method':>9}{'producer s':>11}{'replay s':>10}{'boxes':>8}  result")
    for k, r in res.items():
        if r.get("seconds") is None:
            print(f"{names[k]:<36}{'-':>9}{'-':>11}{'-':>10}{'-':>8}  {r.get('note')}")
            continue
        print(_line(names[k], r.get("method"), r))
        b = r.get("baseline")
        if isinstance(b, dict):
            print(_line(f"  baseline {b['method_requested']}" + (" (fallback)" if b.get("note") else ""),
                        b.get("method"), b))
        m = r.get("mixed")
        if isinstance(m, dict):
            print(_line(f"  with neuron branches ({m['branches']})", m.get("method"), m))
    for k, r in res.items():
        if k not in TRAINED or r.get("seconds") is None:
            continue
        print(f"\n{names[k]}  (trained in {r['train_seconds']} s, {r['epochs']} epochs, train mse {r['train_mse']:.3g}; "
              f"target: {r['target']})")
        ok = "met" if r.get("target_met", r["gap_ok"]) else "NOT met"
        print(f"  new default: {r['method']}, {r['reason'] or 'done'}; target {ok}")
        b = r.get("baseline", "n/a (d = 1)")
        if b is None:
            print("  baseline: not run (--no-baseline)")
        elif isinstance(b, str):
            print(f"  baseline: {b}")
        elif isinstance(b, dict):
            ge = {"lower bound": ">= ", "upper bound": "<= "}.get(r["ratio_producer_kind"], "")

            def x(v):
                return "-" if v is None else f"{v}x"
            print(f"  baseline {b['method_requested']}: {b['reason'] or 'done'}; target "
                  f"{'met' if b['gap_ok'] else 'NOT met'}; baseline/new producer {ge}{x(r['ratio_producer'])}, "
                  f"replay {x(r['ratio_replay'])}"
                  + (" (both stopped short of the gap)" if r["ratio_producer_kind"] == "both stopped short" else ""))
            if b.get("note"):
                print(f"  baseline note: {b['note']}")
        u = r["unstable"]
        if isinstance(u, dict):
            for where, v in (("whole box", u), (f"mean over the {u.get('leaves', {}).get('boxes')} leaf boxes",
                                                 u.get("leaves"))):
                if v:
                    print(f"  unstable neurons per layer, {where} (net 0 student, net 1 teacher): " +
                          "; ".join(f"{kind}: " + " | ".join(f"net {i}: {c}" for i, c in enumerate(v[kind]))
                                    for kind in ("ibp", "linear")))
        else:
            print(f"  unstable neurons per layer: {u}")
        print(f"  float MILP (HiGHS, big-M): {r.get('milp_seconds')} s, value {r.get('milp_value')}, "
              f"minus exact {r.get('milp_minus_exact')}, status: {r.get('milp_status')}")
        if r.get("gurobi_seconds") is None:
            print(f"  gurobi: {r['gurobi_status']}")
        else:
            print(f"  gurobi (big-M): {r['gurobi_seconds']} s, value {r['gurobi_value']}, "
                  f"minus exact {r['gurobi_minus_exact']}, status: {r['gurobi_status']}")
    if "d2" in res and "milp_status" in res["d2"]:
        m = res["d2"]
        print(f"\n{names['d2']}: float MILP (HiGHS, big-M) {m.get('milp_seconds')} s, value {m.get('milp_value')}, "
              f"minus exact {m.get('milp_minus_exact')}, status: {m.get('milp_status')}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except kernel.CertificateRejected as e:
        print(f"REPLAY REJECTED: {e}", file=sys.stderr)
        sys.exit(1)
