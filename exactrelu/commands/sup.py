"""exactrelu sup NET [NET2]: the exact maximum of |NET - NET2| (or |NET|, NET, -NET) over a box,
a witness where it is attained, and a certificate that the trusted kernel replays before anything
is reported."""
from __future__ import annotations

import json

from ._args import count, print_rejection, refuse_given, seconds
from ..progress import add_option as add_progress_option, wanted as progress_wanted
from ..errors import CertificateRejected, InputError, KernelLimit
from ..io import load_net, parse_box, read_json, write_atomic
from ..numbers import approx, fmt

HELP = "certified exact sup of |NET - NET2| (or |NET|, NET, -NET) over a box"


def add_arguments(p):
    p.add_argument("net", help="network file")
    p.add_argument("net2", nargs="?", help="second network file: the objective becomes NET - NET2")
    p.add_argument("--box", help="box: 'lo,hi' for every axis or 'lo,hi:lo,hi:...' (default: the net's domain, else [0,1]^d)")
    p.add_argument("--sign", default="abs", choices=["abs", "max", "min"],
                   help="abs: max |f - g|; max: max (f - g); min: max (g - f) = -min (f - g)")
    p.add_argument("--max-regions", type=count, default=None, help="limit on linear regions visited (default 200000)")
    p.add_argument("--max-boxes", type=count, default=None, help="limit on branch-and-bound boxes (default 100000)")
    p.add_argument("--time-limit", type=seconds, default=None, help="seconds before returning the certified interval reached (default 600)")
    p.add_argument("--rel-gap", default=None, help="stop when (upper - lower) <= rel_gap * upper (exact text, e.g. 1e-9; default 0)")
    p.add_argument("--certificate", help="write the kernel certificate (JSON) to this file")
    p.add_argument("--replay", metavar="CERT", help="do not search: replay this certificate file with the kernel, as a "
                                                   "claim about exactly --box and --sign (defaults as for the search); "
                                                   "a certificate about another box or sign is REJECTED")
    p.add_argument("--json", action="store_true", help="print the sup JSON of docs/formats.md")
    p.add_argument("--memory-limit", metavar="MB", type=count, default=None,
                   help="memory budget in MB (10^6 bytes) of a d = 1 search, whose kernel replay keeps every "
                        "neuron's sign at every knot: a larger problem is refused (exit 2) or stopped (exit 3); "
                        "default 2147")
    add_progress_option(p)


def _nets(args):
    f = load_net(args.net)
    g = load_net(args.net2) if args.net2 else None
    if g is not None and (g.input_dim != f.input_dim):
        raise InputError(f"{args.net2}: input dimension {g.input_dim} differs from {args.net}'s {f.input_dim}")
    for path, n in ((args.net, f), (args.net2, g)):
        if n is not None and n.output_dim != 1:
            raise InputError(f"{path}: output dimension {n.output_dim}; sup needs scalar outputs")
    return f, g


#: The search's options and their defaults: with --replay (no search) giving one is a usage error.
_SEARCH_ONLY = {"max_regions": 200_000, "max_boxes": 100_000, "time_limit": 600.0, "rel_gap": "0",
                "certificate": None, "memory_limit": None, "progress": None}


def _replay(args, nets, f) -> int:
    """--replay CERT: the kernel replays the certificate as a claim about exactly the box (--box, else the
    net's domain, else [0,1]^d) and the sign (--sign, default abs) of this command line."""
    from .. import kernel
    refuse_given(args, _SEARCH_ONLY, "--replay does not search")
    box = parse_box(args.box, f.input_dim) if args.box is not None else f.box()
    cert = read_json(args.replay)
    try:
        checked = kernel.replay(nets, cert, expect=("sup", "sup_interval"), box=box, sign=args.sign)
    except KernelLimit:
        raise                     # a limit of the kernel, not a refutation: exit 3 (cli)
    except CertificateRejected as e:
        return print_rejection(args, e)
    if args.json:
        out = {"accepted": True, "claim": checked.kind, "statement": checked.statement, "sign": checked.sign,
               "box": [[fmt(lo), fmt(hi)] for lo, hi in checked.box]}
        out.update({"sup": fmt(checked.upper)} if checked.kind == "sup" else
                   {"lower": fmt(checked.lower), "upper": fmt(checked.upper)})
        print(json.dumps(out))
    else:
        print(f"ACCEPTED: {checked.statement}")
    return 0


def run(args) -> int:
    from .. import kernel
    from ..analysis.sup import sup
    from ..numbers import to_rational

    f, g = _nets(args)
    nets = f if g is None else (f, g)
    if args.replay:
        return _replay(args, nets, f)
    for opt, v in _SEARCH_ONLY.items():
        setattr(args, opt, v if getattr(args, opt) is None else getattr(args, opt))
    box = parse_box(args.box, f.input_dim) if args.box is not None else None
    for name in ("max_regions", "max_boxes"):
        if getattr(args, name) < 1:
            raise InputError(f"--{name.replace('_', '-')}={getattr(args, name)} must be >= 1")
    if args.time_limit <= 0:
        raise InputError(f"--time-limit={args.time_limit} must be > 0")
    gap = to_rational(args.rel_gap, what="--rel-gap")
    if gap < 0:
        raise InputError(f"--rel-gap={args.rel_gap} must be >= 0")
    from ..analysis.sup import MEMORY_LIMIT
    res = sup(f, g, box, args.sign, max_regions=args.max_regions, max_boxes=args.max_boxes,
              time_limit=args.time_limit, rel_gap=gap, progress=progress_wanted(args.progress, json=args.json),
              memory_limit=MEMORY_LIMIT if args.memory_limit is None else args.memory_limit * 10**6)
    # nothing is reported that the kernel did not accept (sup() replays float-guided certificates itself)
    checked = res.checked or kernel.replay(nets, res.certificate, expect=("sup", "sup_interval"))
    if args.certificate:
        write_atomic(args.certificate, json.dumps(res.certificate) + "\n")
    if args.json:
        print(json.dumps(res.to_json()))
    elif res.exact:
        print(f"sup = {fmt(res.value)}  (~{approx(res.value)}) at {', '.join(map(fmt, res.witness))}")
        print(f"certified: {checked.statement}")
    else:
        print(f"{fmt(res.lower)} <= sup <= {fmt(res.upper)}  (~[{approx(res.lower)}, {approx(res.upper)}])"
              f"; stopped: {res.reason}")
        print(f"witness of the lower end: {', '.join(map(fmt, res.witness))}; certified: {checked.statement}")
    return 0
