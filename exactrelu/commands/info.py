"""exactrelu info NET: architecture, parameter count, parameter norms, a Lipschitz upper bound; with
--lipschitz the exact constants over a box, with --class the membership verdict for N(d, L, B, c, q)."""
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
    p.add_argument("--box", help="box for --lipschitz (default: the net's domain, else [0,1]^d); on a degenerate "
                                 "box (lo = hi on some axes) the constants are those of the net restricted to it")
    p.add_argument("--max-regions", type=count, default=None,
                   help="region limit for --lipschitz (default 100000; beyond it: limit reached, exit 3)")
    p.add_argument("--class", dest="net_class", metavar="d,L,B,c,q",
                   help="check membership in N(d, L, B, c, q) (q an integer >= 1 or inf); exit 1 if not a member")
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


def parse_class(text: str):
    """'d,L,B,c,q' -> NetClass (numbers follow the file rules; q an integer or inf)."""
    from ..net import NetClass
    from ..numbers import to_integer, to_rational
    parts = [t.strip() for t in text.split(",")]
    if len(parts) != 5:
        raise InputError(f"--class {text!r}: need five comma-separated values d,L,B,c,q")
    d, L, B = (to_integer(t, what=f"--class {n}", least=1) for t, n in zip(parts, "dLB"))
    c = to_rational(parts[3], what="--class c")
    if c < 0:
        raise InputError(f"--class c={parts[3]} must be >= 0")
    try:
        return NetClass(d, L, B, c, parts[4])
    except InputError as e:
        raise InputError(f"--class: {e}") from None


def membership(net, cls) -> dict:
    why = cls.why_not(net)
    return {"class": {"d": cls.d, "L": cls.L, "B": cls.B, "c": fmt(cls.c), "q": str(cls.q)},
            "member": why is None, "why_not": why}


def run(args) -> int:
    for opt in ("box", "max_regions"):
        if getattr(args, opt) is not None and not args.lipschitz:
            raise InputError(f"--{opt.replace('_', '-')} applies only with --lipschitz")
    cls = parse_class(args.net_class) if args.net_class is not None else None
    net = load_net(args.net)
    d = info(net)
    if args.lipschitz:
        box = parse_box(args.box, net.input_dim) if args.box is not None else None
        d.update(exact_lipschitz(net, box, 100_000 if args.max_regions is None else args.max_regions))
    if cls is not None:
        d.update(membership(net, cls))
        if not args.json:
            c = d["class"]
            name = f"N({c['d']}, {c['L']}, {c['B']}, {c['c']}, {c['q']})"
            d["class"] = name
            d["member"] = "yes" if d["member"] else f"NO: {d['why_not']}"
            del d["why_not"]
    if args.json:
        print(json.dumps(d))
    else:
        for k, v in d.items():
            print(f"{k:28} {v}")
    held = d.get("induction_bound_holds", True) and (cls is None or cls.why_not(net) is None)
    return 0 if held else 1
