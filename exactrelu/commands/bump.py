"""exactrelu bump: write the bump network phi_y (slides [S]; construction in docs/derivations.md, section 2) to a file."""
from __future__ import annotations

import json
import sys

from ._args import check_size
from ..constructions.bumps import VARIANTS, bump_net, bump_peak
from ..errors import InputError
from ..io import dumps, parse_point, save_net
from ..numbers import fmt, to_integer, to_rational

HELP = "the bump network phi_y in N(d, L, 3d, c, inf)"
DESCRIPTION = ("Write the bump phi_y = c^L (3d)^(L-2)/(2M) * ReLU(1 - M||x - y||_1) as an exact network file. "
               "Any centre with every y_i in [1/M, 1 - 1/M] is accepted (support inside [0,1]^d, biases "
               "bounded by c); --grid also requires M even and y_i = (2j-1)/M, the lower bound's grid. "
               "The clipped variant needs M >= c(d-1)/2; the one-sided variant has no condition.")


def add_arguments(p):
    p.add_argument("--d", required=True, help="input dimension (integer >= 1)")
    p.add_argument("--L", required=True, help="number of affine layers (integer >= 3)")
    p.add_argument("--c", required=True, help="parameter bound c > 0 (exact: '1/2', '2', '0.5')")
    p.add_argument("--M", required=True, help="hat slope M >= 2 (support y + [-1/M, 1/M]^d)")
    p.add_argument("--y", required=True, help="centre, comma-separated: 3/16,5/16")
    p.add_argument("--variant", default="clipped", help=f"hat variant: {' or '.join(VARIANTS)} (default clipped)")
    p.add_argument("--grid", action="store_true", help="require a grid centre (2j-1)/M with M even")
    p.add_argument("-o", "--output", required=True,
                   help="network file to write (atomically); '-' prints the network on stdout instead")
    p.add_argument("--json", action="store_true", help='print {"peak": "p/q", "center": [...], "M": ..., "c": ..., "L": ...} '
                                                         "(not with -o -, where stdout holds the network)")


def _int(text, name):
    return to_integer(text, what=f"--{name}")


def run(args) -> int:
    to_stdout = args.output == "-"
    if to_stdout and args.json:
        raise InputError("--json with -o -: stdout holds the network file; write it to a file to get the JSON too")
    d, L = _int(args.d, "d"), _int(args.L, "L")
    if d < 1:
        raise InputError(f"--d={d} must be an integer >= 1")
    if L < 3:
        raise InputError(f"--L={L} must be an integer >= 3 (two nonlinear layers plus the output)")
    check_size(d, 3 * d, L)
    c, M = to_rational(args.c, what="--c"), to_rational(args.M, what="--M")
    if c <= 0:
        raise InputError(f"--c={fmt(c)} must be > 0")
    if M < 2:
        raise InputError(f"--M={fmt(M)} must be >= 2")
    y = parse_point(args.y, what="--y")
    if len(y) != d:
        raise InputError(f"--y has {len(y)} coordinates, expected --d = {d}")
    if args.variant not in VARIANTS:
        raise InputError(f"--variant={args.variant!r} must be one of {', '.join(VARIANTS)}")
    try:
        net = bump_net(d, L, c, M, y, args.variant, grid=args.grid)
    except InputError as e:  # name the command-line option
        msg = str(e)
        for name in ("y", "M"):
            if msg.startswith(name):
                msg = "--" + msg
        raise InputError(msg) from None
    if to_stdout:
        sys.stdout.write(dumps(net.to_dict()) + "\n")
        return 0
    save_net(net, args.output)
    if args.json:
        peak = net(y)[0]  # the network's value at its centre (bump.peak proves it is the max)
        print(json.dumps({"peak": fmt(peak), "peak_formula": fmt(bump_peak(d, L, c, M)), "center": [fmt(v) for v in y],
                          "M": fmt(M), "c": fmt(c), "L": L, "d": d, "variant": args.variant,
                          "output": str(args.output)}))
    return 0
