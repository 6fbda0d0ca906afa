"""exactrelu eval NET POINTS: outputs at the points, exact "p/q" text by default."""
from __future__ import annotations

import json

from ..errors import InputError
from ..io import load_net, load_points
from ..numbers import fmt

HELP = "evaluate a network at points (exact by default)"


def add_arguments(p):
    p.add_argument("net", help="network file (JSON, docs/formats.md)")
    p.add_argument("points", help="points file (JSON)")
    p.add_argument("--float64", action="store_true", help="float64 evaluation through the explicit bridge")
    p.add_argument("--json", action="store_true", help='print {"outputs": [[...], ...]}')


def run(args) -> int:
    net = load_net(args.net)
    pts = load_points(args.points, dim=net.input_dim)
    if args.float64:
        import numpy as np
        try:
            X = np.array([[float(v) for v in p] for p in pts], dtype=np.float64).reshape(len(pts), net.input_dim)
        except OverflowError:
            raise InputError(f"{args.points}: a coordinate is beyond the float64 range (--float64)") from None
        outs = net.to_float64()(X).tolist() if pts else []
        rows = [[repr(v) for v in o] for o in outs]
    else:
        from ..evaluate import evaluate_batch
        outs = [[fmt(v) for v in o] for o in evaluate_batch(net, pts)]
        rows = outs
    if args.json:
        print(json.dumps({"outputs": outs}))
    else:
        for r in rows:
            print(" ".join(r))
    return 0
