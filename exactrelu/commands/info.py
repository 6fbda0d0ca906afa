"""exactrelu info NET: architecture, parameter count, parameter norms, a Lipschitz upper bound."""
from __future__ import annotations

import json
import math
from fractions import Fraction

from ._args import count
from ..errors import InputError
from ..io import load_net, parse_box
from ..numbers import fmt, to_float

HELP = "architecture, parameter norms and a Lipschitz upper bound of a network"


def add_arguments(p):
    p.add_argument("net", help="network file (JSON)")
    p.add_argument("--lipschitz", action="store_true",
                   help="exact Lipschitz constants over the box (l2 and l-inf inputs, by linear regions; "
                        "small nets) beside the class induction bound c^L d^((1/2-1/q)+) B^((L-1)(1-2/q)+)")
    p.add_argument("--box", help="box for --lipschitz (default: the net's domain, else [0,1]^d)")
    p.add_argument("--max-regions", type=count, default=100_000, help="limit for --lipschitz (exit 2 beyond)")
    p.add_argument("--json", action="store_true", help="print a JSON object")


def lipschitz_upper(net):
    """Upper bounds from products of layer norms: l2 as sqrt of prod ||W||_F^2 (exact radicand),
    l-inf (input and output) as prod of max absolute row sums (exact)."""
    fro2, rowsum = Fraction(1), Fraction(1)
    for lay in net.layers:
        fro2 *= sum(w * w for row in lay.weight for w in row)
        rowsum *= max(sum(abs(w) for w in row) for row in lay.weight)
    return fro2, rowsum


def _sqrt(x):
    """Approximate square root for display; None when beyond the float range."""
    f = to_float(x)
    return math.sqrt(f) if math.isfinite(f) else None


def info(net) -> dict:
    fro2, rowsum = lipschitz_upper(net)
    n2 = net.param_norm_power(2)
    return {"input_dim": net.input_dim, "depth": net.depth, "widths": list(net.widths),
            "output_dim": net.output_dim, "architecture": list(net.architecture), "n_params": net.n_params,
            "norm_l1": fmt(net.param_norm(1)), "norm_linf": fmt(net.param_norm("inf")),
            "norm_l2_squared": fmt(n2), "norm_l2": _sqrt(n2),
            "lipschitz_l2_upper_squared": fmt(fro2), "lipschitz_l2_upper": _sqrt(fro2),
            "lipschitz_linf_upper": fmt(rowsum)}


def exact_lipschitz(net, box, max_regions) -> dict:
    """Exact Lipschitz constants on the box and the induction bound of the net's own class
    N(d, L, max width, max |entry|, inf), compared exactly through squares."""
    from ..analysis.regions import lipschitz
    from ..theory.lipschitz import bound_ge, lipschitz_bound_squared
    if net.output_dim != 1:
        raise InputError(f"--lipschitz: output dimension {net.output_dim}; need a scalar network")
    l2 = lipschitz(net, box, "l2", max_regions=max_regions)
    linf = lipschitz(net, box, "linf", max_regions=max_regions)
    c = net.param_norm("inf")
    B = max(net.widths, default=1)
    bound = lipschitz_bound_squared(net.input_dim, net.depth, B, c) if c > 0 else None
    return {"lipschitz_l2_squared": fmt(l2.value), "lipschitz_l2": _sqrt(l2.value),
            "lipschitz_l2_at": [fmt(v) for v in l2.point],
            "lipschitz_linf": fmt(linf.value), "regions": l2.regions,
            "induction_bound_l2_squared": None if bound is None else fmt(bound.exact()),
            "induction_bound_holds": True if bound is None else bound_ge(bound, l2.value),
            "induction_class": {"d": net.input_dim, "L": net.depth, "B": B, "c": fmt(c), "q": "inf"}}


def run(args) -> int:
    net = load_net(args.net)
    d = info(net)
    if args.lipschitz:
        box = parse_box(args.box, net.input_dim) if args.box is not None else None
        if args.max_regions < 1:
            raise InputError(f"--max-regions={args.max_regions} must be >= 1")
        d.update(exact_lipschitz(net, box, args.max_regions))
    if args.json:
        print(json.dumps(d))
    else:
        for k, v in d.items():
            print(f"{k:28} {v}")
    return 0 if d.get("induction_bound_holds", True) else 1
