"""exactrelu bits figure1: the paper's Figure 1 (gradient norm against depth, x^2 and ReLU), float64
beside the exact rational computation and its bit lengths (exactrelu/bitmodel/figure1.py)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import InputError
from ..numbers import to_integer
from ._args import seconds

HELP = "Figure 1: log10 of the gradient norm against depth for x^2 and ReLU, float64 beside exact"
DESCRIPTION = ("Reproduces Figure 1 of Doron-Arad and Mossel (2026): log10 ||grad_W1 L||_2 against the number of "
               "hidden layers for random MLPs with sigma = x^2 and ReLU, weights scaled by 3, in float64 as in the "
               "paper, beside the exact rational value and the largest bit length of the exact pass. The paper "
               "states no width, seed, input or loss; the choices made are printed with the table. --json prints "
               '{"relu": {"<depth>": {"log10_grad_float64": x, "log10_grad_exact": x, "max_bits": n}, ...}, '
               '"x2": {...}}, with null and a "reason" where float64 overflowed or the exact pass stopped at a budget.')
FORMATS = ("png", "pdf", "svg")
LIMITS = {"width": (1, 64), "seed": (0, 2**32 - 1), "max_depth": (1, 40), "bits_budget": (64, 10**8)}


def _ranged(key):
    lo, hi = LIMITS[key]

    def parse(text):
        try:
            return to_integer(text, what="value", least=lo, most=hi)
        except InputError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    return parse


def add_arguments(p):
    p.add_argument("-o", "--output", default=None, help=f"write the figure here ({', '.join(FORMATS)} by the suffix)")
    p.add_argument("--json", action="store_true", help="print the figure's numbers as JSON")
    p.add_argument("--width", type=_ranged("width"), default=8, help="hidden width and input dimension (default 8)")
    p.add_argument("--seed", type=_ranged("seed"), default=0, help="seed of the weights and the input (default 0)")
    p.add_argument("--max-depth", type=_ranged("max_depth"), default=12, help="depths 1..D (default 12)")
    p.add_argument("--bits-budget", type=_ranged("bits_budget"), default=1_000_000,
                   help="most bits any quantity of an exact pass may have (default 1000000)")
    p.add_argument("--seconds", type=seconds, default=10.0, help="time limit of one exact pass (default 10)")


def _check_output(path: str) -> None:
    ext = path.rsplit(".", 1)[-1].lower() if "." in Path(path).name else ""
    if ext not in FORMATS:
        raise InputError(f"-o {path}: give a file name ending in .{', .'.join(FORMATS)}")
    if not Path(path).parent.is_dir():
        raise InputError(f"-o {path}: folder {Path(path).parent} does not exist")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError("-o needs matplotlib: pip install 'exactrelu[plot]'") from None


def _cell(v, digits=3) -> str:
    return "-" if v is None else (f"{v:.{digits}f}" if isinstance(v, float) else str(v))


def _table(result: dict, setup) -> str:
    lines = ["Figure 1 of Doron-Arad and Mossel (2026): log10 ||grad_W1 L||_2 against depth, float64 beside exact",
             f"setup: {setup.describe()}", "",
             f"{'depth':>5} | {'ReLU f64':>9} {'ReLU exact':>10} {'bits':>7} | "
             f"{'x^2 f64':>9} {'x^2 exact':>10} {'bits':>9}"]
    notes = []
    for d in result["relu"]:
        r, q = result["relu"][d], result["x2"][d]
        lines.append(f"{d:>5} | {_cell(r['log10_grad_float64']):>9} {_cell(r['log10_grad_exact']):>10} "
                     f"{_cell(r['max_bits']):>7} | {_cell(q['log10_grad_float64']):>9} "
                     f"{_cell(q['log10_grad_exact']):>10} {_cell(q['max_bits']):>9}")
        notes += [f"  {label} depth {d}: {e['reason']}" for label, e in (("ReLU", r), ("x^2", q)) if "reason" in e]
    return "\n".join(lines + (["", "notes:"] + notes if notes else []))


def run(args) -> int:
    from ..bitmodel.figure1 import Setup, draw, figure1
    if args.output is not None:
        _check_output(args.output)
    setup = Setup(width=args.width, seed=args.seed, max_depth=args.max_depth, bits_budget=args.bits_budget,
                  seconds=args.seconds)
    result = figure1(setup)
    if args.output is not None:
        draw(args.output, result, setup)
    if args.json:
        print(json.dumps(result))
    else:
        print(_table(result, setup))
        if args.output is not None:
            print(f"wrote {args.output}")
    return 0
