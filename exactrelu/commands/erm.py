"""exactrelu erm DATA: the exact global minimum of the square loss of a sum of k ReLUs
(x -> sum_u a_u relu(w_u . x + b_u), all parameters real and unbounded; b = 0 without --bias),
with a certificate that exactrelu.erm_kernel replays before anything is reported.

DATA: {"points": [[x, ...], ...], "labels": [y, ...]}, numbers as "p/q", integers or decimal text
(a JSON float literal is read from its decimal text, exactly).  --json prints {"loss": "p/q",
"exact": true, "params": {"w": [[...] per ReLU], "b": [... per ReLU], "a": [+1|-1 per ReLU]}}, or at the
time limit {"lower": "0", "upper": "p/q", "exact": false, "params": ..., "reason": ...} (exit 3).
--realizable answers whether the minimum is 0.  --replay C checks a certificate: exit 0 accepted, 1 rejected.
"""
from __future__ import annotations

import json

from ._args import count, print_rejection, refuse_given, seconds
from ..errors import CertificateRejected, InputError, KernelLimit
from ..io import check_keys, read_json, write_atomic
from ..numbers import fmt, to_rational

HELP = "exact global ERM of a sum of k ReLUs (square loss, all real parameters), certified"
DESCRIPTION = __doc__.split("\n\n")[0]
DATA_KEYS = ("points", "labels")


def add_arguments(p):
    p.add_argument("data", metavar="DATA", help='data file {"points": [[x, ...], ...], "labels": [y, ...]}')
    p.add_argument("--relus", type=count, default=None, help="number k >= 1 of ReLUs (default 1)")
    p.add_argument("--bias", action="store_true", help="each ReLU has a bias b_u (default: b = 0)")
    p.add_argument("--realizable", action="store_true", help="only answer whether the minimum loss is 0")
    p.add_argument("--certificate", metavar="C", help="write the certificate (JSON) to this file")
    p.add_argument("--replay", metavar="C", help="do not search: replay this certificate against DATA, "
                                                 "--relus and --bias")
    p.add_argument("--time-limit", type=seconds, default=None, help="seconds before stopping with bounds (default 600)")
    p.add_argument("--max-patterns", type=count, default=None,
                   help="refuse up front when the cell count bound exceeds this (default 200000)")
    p.add_argument("--json", action="store_true", help="print JSON (see docs/erm.md)")


def load_data(path):
    """(points, labels) of Fractions from a data file; InputError naming the file and entry."""
    obj = read_json(path)
    if not isinstance(obj, dict):
        raise InputError(f"{path}: the data file must be a JSON object {{'points': ..., 'labels': ...}}")
    check_keys(obj, DATA_KEYS, f"{path}: ")
    for key in DATA_KEYS:
        if key not in obj:
            raise InputError(f"{path}: needs a {key!r} list")
    P, Y = obj["points"], obj["labels"]
    if not isinstance(P, list) or not P:
        raise InputError(f"{path}: 'points' must be a non-empty list of points")
    if not isinstance(Y, list):
        raise InputError(f"{path}: 'labels' must be a list")
    pts = []
    for i, x in enumerate(P):
        if not isinstance(x, list) or not x:
            raise InputError(f"{path}: point {i} is not a non-empty list")
        if len(x) != len(P[0]):
            raise InputError(f"{path}: point {i} has {len(x)} coordinates, point 0 has {len(P[0])}")
        pts.append(tuple(to_rational(v, what=f"{path}: point {i} coordinate {j}") for j, v in enumerate(x)))
    if len(Y) != len(pts):
        raise InputError(f"{path}: {len(Y)} labels for {len(pts)} points")
    ys = [to_rational(v, what=f"{path}: label {i}") for i, v in enumerate(Y)]
    return pts, ys


_SEARCH_ONLY = ("realizable", "certificate", "time_limit", "max_patterns")


def _replay(args, pts, ys, k) -> int:
    from ..erm_kernel import check_erm
    refuse_given(args, [o for o in _SEARCH_ONLY if getattr(args, o) not in (None, False)], "--replay does not search")
    cert = read_json(args.replay)
    try:
        c = check_erm(pts, ys, k, args.bias, cert)
    except KernelLimit:
        raise                     # a limit of the checker, not a refutation: exit 3 (cli)
    except CertificateRejected as e:
        return print_rejection(args, e)
    if args.json:
        print(json.dumps({"accepted": True, "statement": c.statement, "lower": fmt(c.lower),
                          "upper": None if c.upper is None else fmt(c.upper), "exact": c.exact}))
    else:
        print(f"ACCEPTED: {c.statement}")
    return 0


def run(args) -> int:
    from ..erm_kernel import check_erm
    from ..learning.erm import MAX_PATTERNS, ErmLimit, erm

    pts, ys = load_data(args.data)
    k = 1 if args.relus is None else args.relus
    if args.replay:
        if args.realizable:
            raise InputError("--replay does not search: --realizable does not apply to it")
        return _replay(args, pts, ys, k)
    try:
        res = erm(pts, ys, k, args.bias, realizable=args.realizable,
                  time_limit=600.0 if args.time_limit is None else args.time_limit,
                  max_patterns=MAX_PATTERNS if args.max_patterns is None else args.max_patterns)
    except ErmLimit as e:
        r = e.result
        if args.json:
            print(json.dumps(r.to_json()))
        else:
            print(f"0 <= min loss <= {fmt(r.upper)}; stopped: {r.reason}")
        import sys
        sys.stderr.write(f"exactrelu erm: limit reached: {e}\n")
        return 3
    checked = check_erm(pts, ys, k, args.bias, res.certificate)     # nothing unreplayed is reported
    if args.certificate:
        write_atomic(args.certificate, json.dumps(res.certificate) + "\n")
    if args.realizable:
        yes = checked.upper == 0
        if args.json:
            out = {"realizable": yes, "lower": fmt(checked.lower), "params": res.params_json() if yes else None}
            print(json.dumps(out))
        else:
            print(("REALIZABLE: loss 0 attained by the params below" if yes else
                   f"NOT REALIZABLE: the loss is >= {fmt(checked.lower)} > 0 for every parameter"))
            if yes:
                print(json.dumps(res.params_json()))
        return 0
    if args.json:
        print(json.dumps(res.to_json()))
    else:
        print(f"min loss = {fmt(res.upper)}  (over all real parameters, unbounded)")
        print(f"params: {json.dumps(res.params_json())}")
        print(f"certified: {checked.statement}")
    return 0
