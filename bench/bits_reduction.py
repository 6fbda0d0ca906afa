"""Lemma 3.2's instances and erm-check's cost (issue 10, items 7-8), measured side by side in one run.

Doron-Arad and Mossel (2026).  Three tables:

1. Lemma 3.2 (sigma = T^2, random SLPs of l gates, slp.random_slp with a_0 = 1, seed 0): the builder's
   time, checks (a)-(c) (every sample evaluated once, differentially), check (d) (every identity-head
   edge moved by 1), erm-check on the instance written to a file and read back; the sizes (vertices,
   edges, distinct samples, copies, numbers stored in the sparse file, |I| counting every coordinate,
   |enc(theta*)|) with each size's growth exponent against l (least squares on log-log).
2. erm-check on random piecewise-linear DAGs (erm.random_instance: ReLU, leaky ReLU, a clipped ramp, the
   identity; fan-in 3, 8 inputs, 4 outputs, one sample per 10 vertices, square loss) of growing size:
   time against |I| and its fitted exponent, beside passes.py's full forward pass on the same samples
   (the other engine; the losses must agree exactly, or the script exits 1).
3. The polynomial side: Lemma 3.2's instances for sigma = T^2 on repeated squaring (a_n = 2^(2^(n-1))),
   n growing until the default bit budget 16 (|I| + |enc theta|) + 64 stops erm-check (exit 3 of the
   command): the largest activation's bits double per gate while |I| grows about quadratically; beside
   it, the same instance (graph, theta*, samples) with ReLU in place of T^2.

Times are medians of the repeats on the process CPU clock (--clock wall for the wall clock).
Exit 1 if any check of table 1 fails or an engine disagrees.

    python bench/bits_reduction.py [--quick] [--json] [--repeats R] [--clock cpu|wall]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from exactrelu.bitmodel import reduction as R
from exactrelu.bitmodel.activations import relu
from exactrelu.bitmodel.dag import DagNet
from exactrelu.bitmodel.erm import check_witness, default_budget, fit_exponent, random_instance
from exactrelu.bitmodel.instance import Instance, instance_bits, load_instance, load_theta, theta_bits
from exactrelu.bitmodel.losses import square
from exactrelu.bitmodel.passes import passes
from exactrelu.bitmodel.slp import random_slp, repeated_squaring
from exactrelu.errors import LimitReached


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small smoke run (seconds)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON only")
    ap.add_argument("--repeats", type=int, default=None, help="repeats per timing (default 3, quick 1)")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu", help="process CPU time (default) or wall")
    return ap.parse_args(argv)


def timed(clock, fn, repeats):
    tick = time.process_time if clock == "cpu" else time.perf_counter
    out, ts = None, []
    for _ in range(repeats):
        t0 = tick()
        out = fn()
        ts.append(tick() - t0)
    return out, statistics.median(ts)


def lemma32_table(args, repeats):
    gates = (50, 100, 200, 400) if args.quick else (125, 250, 500, 1000, 2000)
    rows, ok = [], True
    with tempfile.TemporaryDirectory() as tmp:
        for n in gates:
            P = random_slp(n, 0)
            red, t_build = timed(args.clock, lambda: R.lemma32(P, 0, "T^2"), repeats)
            c, t_check = timed(args.clock, lambda: R.check(red), repeats)
            unpinned, t_forcing = timed(args.clock, lambda: R.check_forcing(red), 1)
            i, t = Path(tmp) / "i.json", Path(tmp) / "t.json"
            R.write(red, i, t)

            def erm():
                inst = load_instance(i)
                return check_witness(inst, load_theta(t, inst.net))
            rep, t_erm = timed(args.clock, erm, 1)
            sz = R.size_report(red)
            good = not c.failures and not unpinned and rep.loss == c.loss and rep.verified == (c.loss == 0)
            ok &= good
            rows.append({"gates": n, **{k: sz[k] for k in ("mult_gates", "vertices", "edges", "samples", "copies",
                                                           "stored_numbers", "instance_bits", "theta_bits")},
                         "file_bytes": i.stat().st_size, "build_s": t_build, "check_abc_s": t_check,
                         "check_d_s": t_forcing, "erm_check_s": t_erm, "checks_hold": good})
    fits = {k: fit_exponent([r["gates"] for r in rows], [r[k] for r in rows])
            for k in ("vertices", "edges", "samples", "stored_numbers", "file_bytes", "instance_bits", "theta_bits",
                      "build_s", "check_abc_s")}
    return rows, fits, ok


def pl_table(args, repeats):
    sizes = (50, 100, 200, 400) if args.quick else (100, 200, 400, 800, 1600, 3200)
    rows, ok = [], True
    for V in sizes:
        inst, theta = random_instance(V, 11, n_inputs=8, n_outputs=4, n_samples=max(2, V // 10), fan_in=3)
        rep, t_erm = timed(args.clock, lambda: check_witness(inst, theta), repeats)
        samples = [(inst.x_of(k), inst.y_of(k)) for k in range(len(inst.samples))]
        p, t_passes = timed(args.clock, lambda: passes(inst.net, theta, samples, square, backward=False), repeats)
        ok &= p.loss == rep.loss and rep.verified
        ib = rep.instance_bits["total"]
        rows.append({"vertices": V, "edges": len(inst.net.edges), "samples": len(inst.samples), "instance_bits": ib,
                     "max_bits": max(rep.evaluation.bits["pre"], rep.evaluation.bits["act"]),
                     "pl_value_bound": rep.pl_value_bound, "erm_check_s": t_erm, "passes_s": t_passes,
                     "us_per_bit": 1e6 * t_erm / ib})
    fit = fit_exponent([r["instance_bits"] for r in rows], [r["erm_check_s"] for r in rows])
    fit_passes = fit_exponent([r["instance_bits"] for r in rows], [r["passes_s"] for r in rows])
    return rows, {"erm_check_s_vs_I": fit, "passes_s_vs_I": fit_passes}, ok


def relu_twin(inst):
    """The same instance (graph, samples, loss) with every polynomial activation replaced by ReLU."""
    net = inst.net
    acts = {v: (relu() if a.kind == "poly" else a) for v, a in net.activations.items()}
    twin = DagNet(net.vertices, net.edges, acts, net.sources, net.outputs, inputs=net.inputs)
    return Instance(twin, inst.loss, inst.gamma, inst.samples, inst.default_x, inst.default_y)


def poly_table(args):
    tick = time.process_time if args.clock == "cpu" else time.perf_counter
    rows = []
    for n in range(4, 40, 2 if args.quick else 1):
        red = R.lemma32(repeated_squaring(n), 0, "T^2")
        ib, tb = instance_bits(red.instance)["total"], theta_bits(red.theta)
        budget = default_budget(ib, tb) if not args.quick else 10 ** 5
        row = {"n": n, "instance_bits": ib, "budget": budget}
        t0 = tick()
        twin = check_witness(relu_twin(red.instance), red.theta, budget=budget)
        row.update(relu_s=tick() - t0, relu_max_bits=max(twin.evaluation.bits["pre"], twin.evaluation.bits["act"]))
        t0 = tick()
        try:
            rep = check_witness(red.instance, red.theta, budget=budget)
            row.update(status="done", max_bits=max(rep.evaluation.bits["pre"], rep.evaluation.bits["act"]),
                       pl_value_bound=rep.pl_value_bound)
        except LimitReached as e:
            row.update(status="budget reached", max_bits=None, reason=str(e)[:200])
        row.update(erm_check_s=tick() - t0)
        rows.append(row)
        if row["status"] != "done":
            break
    return rows


def main(args) -> int:
    repeats = args.repeats or (1 if args.quick else 3)
    l_rows, l_fits, ok1 = lemma32_table(args, repeats)
    p_rows, p_fits, ok2 = pl_table(args, repeats)
    q_rows = poly_table(args)
    if args.json:
        print(json.dumps({"lemma32": l_rows, "lemma32_fits": l_fits, "pl": p_rows, "pl_fits": p_fits,
                          "poly": q_rows, "ok": ok1 and ok2}))
        return 0 if ok1 and ok2 else 1
    print(f"1. Lemma 3.2, sigma = T^2, random SLPs (seconds, {args.clock} clock)")
    print(f"{'gates':>6} {'mult':>5} {'|V|':>7} {'|E|':>7} {'samples':>8} {'copies':>8} {'stored':>8} "
          f"{'file MB':>8} {'|I| bits':>13} {'theta':>7} {'build':>7} {'(a)-(c)':>8} {'(d)':>7} {'erm-check':>9}")
    for r in l_rows:
        print(f"{r['gates']:>6} {r['mult_gates']:>5} {r['vertices']:>7} {r['edges']:>7} {r['samples']:>8} "
              f"{r['copies']:>8} {r['stored_numbers']:>8} {r['file_bytes'] / 1e6:>8.2f} {r['instance_bits']:>13} "
              f"{r['theta_bits']:>7} {r['build_s']:>7.3f} {r['check_abc_s']:>8.3f} {r['check_d_s']:>7.3f} "
              f"{r['erm_check_s']:>9.3f}" + ("" if r["checks_hold"] else "  CHECK FAILED"))
    print("growth exponents against the gate count: " + ", ".join(f"{k} {v:.2f}" for k, v in l_fits.items()))
    print()
    print("2. erm-check on random piecewise-linear DAGs, beside passes.py's forward pass")
    print(f"{'|V|':>6} {'|E|':>6} {'samples':>8} {'|I| bits':>10} {'max bits':>9} {'3S+2':>8} {'erm-check':>10} "
          f"{'passes':>8} {'us/bit of I':>12}")
    for r in p_rows:
        print(f"{r['vertices']:>6} {r['edges']:>6} {r['samples']:>8} {r['instance_bits']:>10} {r['max_bits']:>9} "
              f"{r['pl_value_bound']:>8} {r['erm_check_s']:>10.4f} {r['passes_s']:>8.4f} {r['us_per_bit']:>12.3f}")
    print(f"time ~ |I|^{p_fits['erm_check_s_vs_I']:.2f} (erm-check), |I|^{p_fits['passes_s_vs_I']:.2f} (passes.py)")
    print()
    print("3. sigma = T^2 on repeated squaring, erm-check until the bit budget stops it, beside the same instance")
    print("   with ReLU in place of T^2 (its loss differs; the cost is the point)")
    print(f"{'n':>4} {'|I| bits':>10} {'budget':>11} {'T^2 bits':>10} {'T^2 s':>8} {'ReLU bits':>10} {'ReLU s':>8} "
          f"{'T^2/ReLU':>9}  status")
    for r in q_rows:
        mb = "-" if r["max_bits"] is None else r["max_bits"]
        print(f"{r['n']:>4} {r['instance_bits']:>10} {r['budget']:>11} {mb:>10} {r['erm_check_s']:>8.4f} "
              f"{r['relu_max_bits']:>10} {r['relu_s']:>8.4f} {r['erm_check_s'] / r['relu_s']:>9.2f}  {r['status']}")
    if q_rows and q_rows[-1]["status"] != "done":
        print(f"  stopped: {q_rows[-1]['reason']}")
    done = [r for r in q_rows if r["status"] == "done"]
    if len(done) >= 2:
        print(f"T^2 bits per gate x{done[-1]['max_bits'] / done[-2]['max_bits']:.2f}, time per gate "
              f"x{done[-1]['erm_check_s'] / done[-2]['erm_check_s']:.2f} at n = {done[-1]['n']}; "
              f"piecewise-linear DAGs (table 2): time ~ |I|^{p_fits['erm_check_s_vs_I']:.2f}")
    if not (ok1 and ok2):
        print("FAILED: a check of table 1 failed or the engines disagree")
    return 0 if ok1 and ok2 else 1


if __name__ == "__main__":
    sys.exit(main(parse_args()))
