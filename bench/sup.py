"""Certified sup of |teacher - student| (issue 4): exactrelu beside a float MILP, in one run.

Problems (fixed seeds; domain [0, 1]^d, the package default, not the paper code's [-1/2, 1/2]^d):
  teacher  d-32-32-32-32-1, every weight and bias k/2^16 with k uniform in [-2^15, 2^15]
           (uniform in [-1/2, 1/2], as in the paper);
  student  d-512-512-512-512-1 (d = 1) or d-32-32-32-32-1 (d = 2, 3), PyTorch-default-like:
           entries uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)], rounded to k/2^20.
A further case, d2_trained, is closer to the paper's experiments: a 2-32-32-32-32-1 student trained
with Adam (float64 torch, read exactly) on 1000 samples of the teacher, on the paper code's domain
[-1/2, 1/2]^2; small errors peak inside the domain, which random pairs rarely do.
Targets: d = 1 exact sup <= 2 s; d = 2 exact (or relative gap <= 1e-9) <= 60 s, with the float
big-M MILP (HiGHS via scipy.optimize.milp, bench/milp_baseline.py) beside it; d = 3 relative gap
<= 1e-3 within 10 minutes, and the gap reached within 60 s.

"seconds" is the producer (exactrelu.analysis.sup.sup with check=False): the certified answer is
computed, not yet replayed.  "replay_seconds" is the trusted kernel replaying the certificate
(exactrelu.kernel.replay, pure Fraction/int arithmetic); exit 1 if a replay rejects.  The d3_60s
row (the gap reached within 60 s) is the producer alone; the d3 row replays its certificate.

    python bench/sup.py [--quick] [--json] [--milp-seconds S] [--d3-seconds S] [--no-replay]
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
from exactrelu.net import Net  # noqa: E402


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


def run_sup(T, S, replay: bool, **kw):
    t = time.perf_counter()
    r = sup(T, S, sign="abs", check=False, **kw)
    out = {"seconds": round(time.perf_counter() - t, 3), "exact": r.exact,
           "lower": float(r.lower), "upper": float(r.upper),
           "rel_gap": float((r.upper - r.lower) / r.upper) if r.upper else 0.0,
           "lower_exact": str(r.lower), "upper_exact": str(r.upper),
           "witness": [str(v) for v in r.witness], "reason": r.reason,
           "method": r.stats.get("method"), "boxes": r.stats.get("boxes"),
           "exact_boxes": r.stats.get("exact_boxes"), "knots": r.stats.get("knots")}
    if replay:
        t = time.perf_counter()
        kernel.replay((T, S), r.certificate, expect=("sup", "sup_interval"))          # raises CertificateRejected: exit 1 below
        out["replay_seconds"] = round(time.perf_counter() - t, 3)
    return out


def add_milp(row: dict, S, T, box, seconds: float) -> None:
    """The float big-M MILP on the same problem, timed beside the exact answer in ``row``."""
    try:
        from milp_baseline import milp_abs_sup
    except ImportError as e:          # scipy missing: say so, do not hide it
        row.update(milp_status=f"not run: {e}", milp_seconds=None, milp_value=None)
        return
    t = time.perf_counter()
    val, x, status = milp_abs_sup(S, T, box, time_limit=seconds)
    row["milp_seconds"] = round(time.perf_counter() - t, 3)
    row["milp_value"], row["milp_status"] = val, str(status)
    row["milp_minus_exact"] = None if val is None else val - float(Fraction(row["lower_exact"]))


def trained_case(quick: bool, replay: bool):
    """Teacher 2-32x4-1 (paper init) and an Adam-trained student of the same shape on [-1/2, 1/2]^2."""
    try:
        from exactrelu.learning.teacher_student import HALF_BOX, TrainConfig, teacher as paper_teacher, train_student
        from exactrelu.torchio import from_torch
        w = 8 if quick else 32
        T = paper_teacher(2, 5, w, seed=0)
        t = time.perf_counter()
        mod, info = train_student(T, 1000, config=TrainConfig(width=w, depth=5, epochs=50 if quick else 200), seed=0)
        train_s = round(time.perf_counter() - t, 2)
    except ImportError as e:          # torch missing: say so, do not hide it
        return {"seconds": None, "exact": False, "lower": 0.0, "upper": 0.0, "rel_gap": None,
                "note": f"not run: {e}"}, None
    S = from_torch(mod)
    out = run_sup(S, T, replay, box=HALF_BOX(2), rel_gap=Fraction(0))
    out["train_seconds"], out["train_mse"] = train_s, info["train_mse"]
    return out, (S, T, HALF_BOX(2))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small networks, a smoke run of < 30 s")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON only")
    ap.add_argument("--milp-seconds", type=float, default=60.0, help="time limit of each MILP (two per sup)")
    ap.add_argument("--d3-seconds", type=float, default=600.0, help="time limit of the d = 3 gap run")
    ap.add_argument("--no-replay", action="store_true", help="skip the kernel replays (producer times only)")
    a = ap.parse_args(argv)
    replay = not a.no_replay
    res = {}
    T, S = problem(1, a.quick)
    res["d1"] = run_sup(T, S, replay)
    T, S = problem(2, a.quick)
    res["d2"] = run_sup(T, S, replay, rel_gap=Fraction(0))
    lo, up = Fraction(res["d2"]["lower_exact"]), Fraction(res["d2"]["upper_exact"])
    res["d2"]["exact_or_gap_ok"] = res["d2"]["exact"] or (up - lo) <= Fraction(1, 10**9) * up   # decided exactly
    milp_s = a.milp_seconds if not a.quick else 10.0
    add_milp(res["d2"], S, T, None, milp_s)
    res["d2_trained"], nets = trained_case(a.quick, replay)
    if nets:
        add_milp(res["d2_trained"], *nets, milp_s)
    T, S = problem(3, a.quick)
    res["d3_60s"] = run_sup(T, S, False, rel_gap=Fraction(1, 1000), time_limit=min(60.0, a.d3_seconds))
    res["d3"] = run_sup(T, S, replay, rel_gap=Fraction(1, 1000), time_limit=a.d3_seconds)
    res["d3"]["gap_in_60s"] = res["d3_60s"]["rel_gap"]
    if a.json:
        print(json.dumps(res))
        return 0
    print(f"{'problem':<34}{'producer s':>11}{'replay s':>10}  {'result':<40}")
    w, sw = (8, 64) if a.quick else (32, 512)
    names = {"d1": f"d=1 1-{w}x4-1 vs 1-{sw}x4-1", "d2": f"d=2 2-{w}x4-1 vs 2-{w}x4-1",
             "d2_trained": f"d=2 trained 2-{w}x4-1 vs teacher",
             "d3_60s": f"d=3 3-{w}x4 pair, 60 s", "d3": f"d=3 3-{w}x4 pair, gap 1e-3"}
    for k, r in res.items():
        if r.get("seconds") is None:
            print(f"{names[k]:<34}{'-':>11}{'-':>10}  {r.get('note')}")
            continue
        what = (f"exact sup = {r['lower']:.15g}" if r["exact"] else
                f"[{r['lower']:.12g}, {r['upper']:.12g}] gap {r['rel_gap']:.2e}")
        rp = f"{r['replay_seconds']:.1f}" if "replay_seconds" in r else "-"
        print(f"{names[k]:<34}{r['seconds']:>11.2f}{rp:>10}  {what}")
    for k in ("d2", "d2_trained"):
        m = res[k]
        if "milp_status" in m:
            print(f"{names[k]}: float MILP (HiGHS, big-M) {m.get('milp_seconds')} s, value {m.get('milp_value')}, "
                  f"minus exact {m.get('milp_minus_exact')}, status: {m.get('milp_status')}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except kernel.CertificateRejected as e:
        print(f"REPLAY REJECTED: {e}", file=sys.stderr)
        sys.exit(1)
