"""Sweep throughput, side by side in one run: the process pool vs Ray, our float64 test-error evaluation
vs the reference code's way, and the cost per run of the paper's grid cells on this machine.

  runs      the same runs of specs/quick.toml (a slice, --runs R) through the process pool (2 workers)
            and through Ray with 2 local workers, each into its own fresh store: wall seconds, runs per
            hour, and Ray's overhead (ray / pool - 1), with and without Ray's start-up.  Both stores must
            hold the same rows, bit for bit (exit 1 otherwise).
  eval      float64 test errors (max, mean |e|, root mean e^2) of a depth-5 student against its teacher
            on fresh uniform points: exactrelu.experiments.runner's chunked evaluation vs the reference
            code's (juliusberner/theory2practice) torch loop over 2^17-point batches drawn with
            torch.distributions.Uniform, same student, same number of points: points per second.
  certify   a depth-5 width-32 student trained on m = 1000 samples of its depth-5 width-32 teacher (Adam,
            the quick spec's schedule) at d = 1 and d = 3, and the certified sup of |student - teacher|
            over [-1/2, 1/2]^d (search and kernel replay): d = 1 exact, d = 3 to a relative gap of 1/10
            within 5 minutes (--quick: 60 s), beside the sampled maximum over 2^16 test points.
  cells     the paper's grid (specs/paper-1d.toml, paper-3d.toml): the seconds of one Adam step for each
            (d, width, batch size), measured on a few steps, and of the test evaluation per point; from
            them the cost of one run per (m, width) cell and batch rule (steps x step time + 5 x 2^24
            test points), summed over the grid.  A model from measurements, said as such.

    python bench/sweep.py [--quick] [--json] [--only runs,eval,cells,certify]
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from exactrelu.experiments.spec import load_spec  # noqa: E402
from exactrelu.experiments.store import Store  # noqa: E402
from exactrelu.experiments.sweep import run_sweep  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _slice_spec(n_runs: int, quick: bool):
    """specs/quick.toml cut to its first sample size(s) and teachers so that it has about n_runs runs."""
    text = (ROOT / "specs" / "quick.toml").read_text()
    if quick:
        text = text.replace("epochs = 500}", "epochs = 50}").replace("epochs = 200}", "epochs = 20}")
        text = text.replace("points = 65536", "points = 4096")
    from exactrelu.experiments.spec import parse_spec
    spec = parse_spec(text, "specs/quick.toml")
    per_teacher_m = len(spec.runs()) // (len(spec.grid["m"]) * len(spec.grid["teacher_seeds"]))
    k = max(1, math.ceil(n_runs / per_teacher_m))
    ms = spec.grid["m"][:2]
    teachers = spec.grid["teacher_seeds"][: max(1, math.ceil(k / len(ms)))]
    text = text.replace('teacher_seeds = "0..3"', f"teacher_seeds = {teachers}")
    text = text.replace("m = [100, 300, 1000, 3000]", f"m = {ms}")
    return parse_spec(text, "specs/quick.toml (slice)")


def bench_runs(n_runs: int, quick: bool) -> dict:
    import sqlite3
    spec = _slice_spec(n_runs, quick)
    out = {"runs": len(spec.runs())}
    with tempfile.TemporaryDirectory() as tmp:
        rows = {}
        for mode in ("pool", "ray"):
            path = Path(tmp) / f"{mode}.sqlite"
            store = Store(path)
            t0 = time.perf_counter()
            if mode == "ray":
                import ray
                ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
                t_init = time.perf_counter() - t0
            try:
                counts = run_sweep(spec, store, workers=2, use_ray=(mode == "ray"))
            finally:
                if mode == "ray":
                    ray.shutdown()
            secs = time.perf_counter() - t0
            store.close()
            if counts["done"] != out["runs"]:
                raise SystemExit(f"bench: {mode} finished {counts['done']} of {out['runs']} runs")
            db = sqlite3.connect(str(path))
            rows[mode] = db.execute("SELECT key, iteration, train_mse, l1, l2, linf FROM checkpoints "
                                    "ORDER BY key, iteration").fetchall()
            db.close()
            out[mode] = {"seconds": round(secs, 2), "runs_per_hour": round(3600 * out["runs"] / secs, 1)}
            if mode == "ray":
                out[mode]["init_seconds"] = round(t_init, 2)
        out["same_rows"] = rows["pool"] == rows["ray"]
        out["ray_overhead"] = round(out["ray"]["seconds"] / out["pool"]["seconds"] - 1, 3)
        out["ray_overhead_after_init"] = round((out["ray"]["seconds"] - out["ray"]["init_seconds"])
                                               / out["pool"]["seconds"] - 1, 3)
    return out


def _nets(torch, d, width, seed=0):
    from exactrelu.learning.teacher_student import STANDARDIZE_SCALE, teacher
    from exactrelu.torchio import mlp, to_torch
    gen = torch.Generator().manual_seed(seed)
    S = mlp([d] + [width] * 4 + [1], gen, input_scale=(STANDARDIZE_SCALE, 0.0))
    return S, to_torch(teacher(d, 5, 32, seed))


def bench_eval(n_small: int, widths, repeats: int) -> dict:
    from exactrelu.experiments.runner import _test_errors
    from exactrelu.torchio import single_thread
    out = {}
    with single_thread() as torch:
        for d in (1, 3):
            for w in widths:
                S, T = _nets(torch, d, w)
                n_points = n_small if w <= 32 else max(2**17, n_small // 8)   # wide students: fewer points
                p = {"d": d, "domain": "reference", "test_points": n_points, "test_chunk": 2**17}

                def ours():
                    return _test_errors(torch, S, T, np.random.default_rng(0), p)

                def reference():   # the reference code's loop: Uniform samples per 2^17 batch, then the norms
                    dist = torch.distributions.Uniform(torch.full((d,), -0.5, dtype=torch.float64),
                                                       torch.full((d,), 0.5, dtype=torch.float64))
                    mx, s1, s2, done = 0.0, 0.0, 0.0, 0
                    with torch.no_grad():
                        while done < n_points:
                            k = min(2**17, n_points - done)
                            x = dist.sample((k,))
                            e = (S(x) - T(x)).abs()
                            mx, s1, s2 = max(mx, float(e.max())), s1 + float(e.sum()), s2 + float((e**2).sum())
                            done += k
                    return mx, s1 / n_points, math.sqrt(s2 / n_points)
                t = {"ours": [], "reference": []}
                for _ in range(repeats):          # interleaved, median
                    for name, f in (("ours", ours), ("reference", reference)):
                        t0 = time.perf_counter()
                        f()
                        t[name].append(time.perf_counter() - t0)
                pps = {k: n_points / statistics.median(v) for k, v in t.items()}
                out[f"d{d}_w{w}"] = {"points": n_points, "ours_points_per_s": round(pps["ours"]),
                                     "reference_points_per_s": round(pps["reference"]),
                                     "ratio": round(pps["ours"] / pps["reference"], 3)}
    return out


MEASURED_BATCH = 1024


def bench_cells(widths, steps: int, quick: bool) -> dict:
    """Seconds per Adam step per (d, width, batch size) and per test point; the cost of the paper's grid."""
    from exactrelu.torchio import single_thread
    out, step_cost, eval_cost = {}, {}, {}
    with single_thread() as torch:
        for name in ("paper-1d", "paper-3d"):
            spec = load_spec(ROOT / "specs" / f"{name}.toml")
            d = spec.grid["d"][0]
            cells, total = {}, 0.0
            for w in widths:
                S, T = _nets(torch, d, w)
                opt = torch.optim.Adam(S.parameters(), lr=1e-4)
                x1 = torch.rand(2**17, d, dtype=torch.float64) - 0.5
                with torch.no_grad():
                    (S(x1[:16]) - T(x1[:16])).abs().max()            # warm-up
                    t0 = time.perf_counter()
                    (S(x1) - T(x1)).abs().max()
                eval_cost[(d, w)] = (time.perf_counter() - t0) / 2**17
                for m in spec.grid["m"]:
                    run_s = 0.0
                    for b in spec.training["batches"]:
                        bs = b["value"] if b["kind"] == "size" else max(1, math.ceil(Fraction(b["value"]) * m))
                        bs = min(bs, m)
                        if (d, w, bs) not in step_cost:
                            # batches above MEASURED_BATCH: measured there, scaled linearly (the products
                            # dominate and are linear in the batch size; said in the output)
                            mb = min(bs, MEASURED_BATCH)
                            x = torch.rand(mb, d, dtype=torch.float64) - 0.5
                            y = T(x).detach()
                            opt.zero_grad()
                            torch.mean((S(x) - y) ** 2).backward()          # warm-up
                            opt.step()
                            t0 = time.perf_counter()
                            for _ in range(steps):
                                opt.zero_grad()
                                torch.mean((S(x) - y) ** 2).backward()
                                opt.step()
                            step_cost[(d, w, bs)] = (time.perf_counter() - t0) / steps * (bs / mb)
                        n_steps = math.ceil(m / bs) * b["epochs"]
                        run_s += n_steps * step_cost[(d, w, bs)] + spec.training["checkpoints"] * \
                            spec.test["points"] * eval_cost[(d, w)]
                    per_run = run_s / len(spec.training["batches"])
                    cells[f"m={m},width={w}"] = {"seconds_per_run": round(per_run, 1)}
                    total += run_s * len(spec.grid["teacher_seeds"]) * len(spec.training["seeds"])
            out[name] = {"runs": len(spec.runs()), "cells": cells, "core_hours": round(total / 3600, 1)}
    out["step_seconds"] = {f"d{d}_w{w}_bs{bs}": v for (d, w, bs), v in step_cost.items()}
    out["note"] = (f"one thread; Adam step times measured on {steps} steps after a warm-up, batches above "
                   f"{MEASURED_BATCH} scaled linearly from {MEASURED_BATCH}; test evaluation measured on 2^17 points")
    out["eval_seconds_per_point"] = {f"d{d}_w{w}": v for (d, w), v in eval_cost.items()}
    return out


def bench_certify(quick: bool) -> dict:
    from exactrelu.experiments.runner import _box, _teacher, run_one, student_net
    from exactrelu.experiments.spec import parse_spec
    text = (ROOT / "specs" / "quick.toml").read_text().replace('teacher_seeds = "0..3"', "teacher_seeds = [0]")
    text = text.replace("m = [100, 300, 1000, 3000]", "m = [1000]").replace('which = "last"', 'which = "none"')
    if quick:
        text = text.replace("epochs = 500}", "epochs = 50}")
    out = {}
    for d, limit in ((1, 60), (3, 60 if quick else 300)):
        spec = parse_spec(text.replace("d = [1]", f"d = [{d}]"), "specs/quick.toml (d = %d)" % d)
        p = spec.runs()[0]
        r = run_one(p)
        S, T = student_net(r["weights"], domain=_box(p)), _teacher(p)
        from fractions import Fraction as Q
        from exactrelu.analysis.sup import sup
        t0 = time.perf_counter()
        s = sup(S, T, box=_box(p), sign="abs", time_limit=limit, rel_gap=Q(0 if d == 1 else Q(1, 10)))
        secs = time.perf_counter() - t0
        lo = s.value if s.exact else s.lower
        hi = s.value if s.exact else s.upper
        out[f"d{d}"] = {"seconds": round(secs, 1), "exact": s.exact, "lower": float(lo), "upper": float(hi),
                        "rel_gap": float((hi - lo) / hi) if hi else 0.0, "reason": s.reason,
                        "sampled_linf": r["checkpoints"][-1]["linf"],
                        "certified_over_sampled": float(lo) / r["checkpoints"][-1]["linf"],
                        "replay_seconds": s.stats.get("replay_seconds")}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a smoke run (about a minute)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON only")
    ap.add_argument("--only", default="runs,eval,cells,certify",
                    help="comma-separated parts: runs, eval, cells, certify")
    ap.add_argument("--runs", type=int, default=None, help="runs in the pool-vs-Ray part (default 8, quick 4)")
    a = ap.parse_args(argv)
    parts = set(a.only.split(","))
    res = {}
    if "eval" in parts:
        res["eval"] = bench_eval(2**17 if a.quick else 2**20, [32] if a.quick else [32, 512], 1 if a.quick else 3)
    if "cells" in parts:
        res["cells"] = bench_cells([32] if a.quick else [32, 512, 2048], 2 if a.quick else 3, a.quick)
    if "certify" in parts:
        res["certify"] = bench_certify(a.quick)
    if "runs" in parts:
        res["runs"] = bench_runs(a.runs or (4 if a.quick else 8), a.quick)
    if a.json:
        print(json.dumps(res))
    else:
        print(json.dumps(res, indent=1))
    return 0 if res.get("runs", {}).get("same_rows", True) else 1


if __name__ == "__main__":
    raise SystemExit(main())
