"""Exact certified ERM of sums of ReLUs (issue 11): producer and checker seconds, one row per instance.

Rows (fixed seeds; points with coordinates k/4, k uniform in [-8, 8]; labels k/4, k uniform in [-4, 12]):
  relu1_n30_d2   one ReLU with bias, n = 30, d = 2
  relu1_n14_d4   one ReLU with bias, n = 14, d = 4
  relu2_n12_d2   two ReLUs (output weights +-1) with biases, n = 12, d = 2
Each certificate is replayed by exactrelu.erm_kernel.check_erm (exit 1 if one is rejected).
Target: each row < 60 s (producer + replay).
Baseline, side by side in the same run: the same search branching on every point (erm(...,
use_convex=False)); the ratios are baseline / default for the producer and the replay (--no-baseline
skips it).

    python bench/erm.py [--json] [--only ROW[,ROW]] [--no-baseline]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exactrelu.erm_kernel import check_erm          # noqa: E402
from exactrelu.learning.erm import erm              # noqa: E402

ROWS = {"relu1_n30_d2": (30, 2, 1, 1), "relu1_n14_d4": (14, 4, 1, 2), "relu2_n12_d2": (12, 2, 2, 3)}


def data(n, d, seed):
    r = random.Random(seed)
    pts = [tuple(Fraction(r.randint(-8, 8), 4) for _ in range(d)) for _ in range(n)]
    ys = [Fraction(r.randint(-4, 12), 4) for _ in range(n)]
    return pts, ys


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--only")
    ap.add_argument("--no-baseline", action="store_true", help="skip the search that branches on every point")
    a = ap.parse_args(argv)
    rows = a.only.split(",") if a.only else list(ROWS)
    out, ok = [], True
    for name in rows:
        n, d, k, seed = ROWS[name]
        pts, ys = data(n, d, seed)
        for convex in (True, False) if not a.no_baseline else (True,):
            t0 = time.perf_counter()
            res = erm(pts, ys, k, True, use_convex=convex)
            t1 = time.perf_counter()
            c = check_erm(pts, ys, k, True, res.certificate)
            t2 = time.perf_counter()
            ok &= c.exact and (convex or c.lower == out[-1]["c_lower"])
            size = len(json.dumps(res.certificate))
            row = {"row": name if convex else name + "/baseline", "n": n, "d": d, "k": k, "loss": str(res.upper),
                   "exact": c.exact, "nodes": res.stats["nodes"], "leaves": res.stats["leaves"],
                   "pattern_bound": res.stats["pattern_bound"], "seconds": round(t1 - t0, 3),
                   "replay_seconds": round(t2 - t1, 3), "certificate_bytes": size, "under_60s": t2 - t0 < 60,
                   "c_lower": c.lower}
            if not convex:
                base = row
                base["producer_ratio"] = round(base["seconds"] / max(out[-1]["seconds"], 1e-9), 2)
                base["replay_ratio"] = round(base["replay_seconds"] / max(out[-1]["replay_seconds"], 1e-9), 2)
            out.append(row)
            if not a.json:
                extra = "" if convex else f"  baseline/default: producer {row['producer_ratio']}x replay {row['replay_ratio']}x"
                print(f"{row['row']:23s} loss={row['loss']:>14s} exact={c.exact} nodes={row['nodes']:6d} "
                      f"leaves={row['leaves']:6d} bound={row['pattern_bound']:6d} producer={row['seconds']:7.2f}s "
                      f"replay={row['replay_seconds']:6.2f}s cert={size // 1000} kB{extra}", flush=True)
    for row in out:
        row["c_lower"] = str(row["c_lower"])
    if a.json:
        print(json.dumps(out))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
