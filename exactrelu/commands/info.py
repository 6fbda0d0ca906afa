"""exactrelu info NET: architecture, parameter count, parameter norms, a Lipschitz upper bound."""
from __future__ import annotations

import json
import math
from fractions import Fraction

from ..io import load_net
from ..numbers import fmt

HELP = "architecture, parameter norms and a Lipschitz upper bound of a network"


def add_arguments(p):
    p.add_argument("net", help="network file (JSON)")
    p.add_argument("--json", action="store_true", help="print a JSON object")


def lipschitz_upper(net):
    """Upper bounds from products of layer norms: l2 as sqrt of prod ||W||_F^2 (exact radicand),
    l-inf (input and output) as prod of max absolute row sums (exact)."""
    fro2, rowsum = Fraction(1), Fraction(1)
    for lay in net.layers:
        fro2 *= sum(w * w for row in lay.weight for w in row)
        rowsum *= max(sum(abs(w) for w in row) for row in lay.weight)
    return fro2, rowsum


def info(net) -> dict:
    fro2, rowsum = lipschitz_upper(net)
    n2 = net.param_norm_power(2)
    return {"input_dim": net.input_dim, "depth": net.depth, "widths": list(net.widths),
            "output_dim": net.output_dim, "architecture": list(net.architecture), "n_params": net.n_params,
            "norm_l1": fmt(net.param_norm(1)), "norm_linf": fmt(net.param_norm("inf")),
            "norm_l2_squared": fmt(n2), "norm_l2": math.sqrt(n2),
            "lipschitz_l2_upper_squared": fmt(fro2), "lipschitz_l2_upper": math.sqrt(fro2),
            "lipschitz_linf_upper": fmt(rowsum)}


def run(args) -> int:
    net = load_net(args.net)
    d = info(net)
    if args.json:
        print(json.dumps(d))
    else:
        for k, v in d.items():
            print(f"{k:28} {v}")
    return 0
