"""exactrelu erm-check INSTANCE THETA: verify an ERM_bit witness exactly (Theorem 1.4, Theorem E.2).

Doron-Arad and Mossel (2026): theta is a witness of ERM_bit(C1, C2) for the instance I when
L(theta) = sum_i loss(f_theta(x_i), y_i) <= gamma and |enc(theta)| <= C1 |I|^C2, |I| and |enc(theta)| being
bit lengths of the paper's encoding (docs/bit-model-reduction.md defines both).  Both are decided in
exact rational arithmetic; the command prints the loss, the sizes, the largest bit length of any
pre-activation, activation and of the loss, the time, and whether the instance is in the
piecewise-linear class that Theorem 1.4 covers (where the check is polynomial time).  Any activation is
evaluated; a polynomial one is stopped only by the bit budget (default 16 (|I| + |enc(theta)|) + 64, which
no piecewise-linear instance reaches).

C1 and C2: the options, else the instance's "C1"/"C2", else 1 and 2.
JSON (--json): {"verified", "failed": [reasons], "loss", "gamma", "loss_ok", "instance_bits",
"instance_bits_parts", "theta_bits", "C1", "C2", "size_bound", "size_ok", "piecewise_linear",
"non_pl_vertex", "bits": {"pre", "act", "loss", "sample_loss"}, "where", "budget", "pl_value_bound",
"pl_value_bound_held", "samples", "copies", "failed_samples", "failed_sample_count", "full_passes", "seconds"}.
Exit 0 when theta is verified, 1 when a condition fails (each named), 2 on bad input (one line naming
the file and the entry), 3 when the bit budget or the time limit is reached.
"""
from __future__ import annotations

import json

from ..bitmodel.erm import DEFAULT_C1, DEFAULT_C2, check_witness
from ..bitmodel.instance import MAX_C2, load_instance, load_theta
from ..errors import InputError, LimitReached
from ..numbers import fmt, to_integer
from ._args import seconds

NAME = "erm-check"
HELP = "verify an ERM_bit witness exactly: L(theta) <= gamma and |enc(theta)| <= C1 |I|^C2 (Theorem 1.4)"
DESCRIPTION = __doc__.split("\n\n")[0] + "\n\n" + __doc__.split("\n\n")[1]


def add_arguments(p):
    p.add_argument("instance", metavar="INSTANCE", help="the instance file (format exactrelu.erm)")
    p.add_argument("theta", metavar="THETA", help="the witness file (format exactrelu.theta)")
    p.add_argument("--C1", default=None, help=f"size bound constant C1 >= 1 (default: the instance's, else {DEFAULT_C1})")
    p.add_argument("--C2", default=None, help=f"size bound exponent 1 <= C2 <= {MAX_C2} (default: the instance's, "
                                              f"else {DEFAULT_C2})")
    p.add_argument("--budget", default=None, help="the most bits of any single quantity, or 'none' "
                                                  "(default 16 (|I| + |enc(theta)|) + 64)")
    p.add_argument("--seconds", type=seconds, default=None, help="time limit (exit 3 when reached)")
    p.add_argument("--require-pl", action="store_true",
                   help="refuse (exit 2) an instance with an activation that is not piecewise linear")
    p.add_argument("--json", action="store_true", help="print a JSON object")


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else f"{text[:40]}...({len(text)} characters)"


def run(args) -> int:
    C1 = None if args.C1 is None else to_integer(args.C1, what="--C1", least=1)
    C2 = None if args.C2 is None else to_integer(args.C2, what="--C2", least=1, most=MAX_C2)
    if args.budget is None:
        budget = "default"
    elif args.budget.strip().lower() == "none":
        budget = None
    else:
        budget = to_integer(args.budget, what="--budget", least=1)
    inst = load_instance(args.instance)
    theta = load_theta(args.theta, inst.net)
    try:
        rep = check_witness(inst, theta, C1=C1, C2=C2, budget=budget, seconds=args.seconds,
                            require_pl=args.require_pl)
    except InputError as e:
        raise InputError(f"{args.instance}: {e}") from None
    except LimitReached as e:
        from ..bitmodel.erm import non_pl_vertex
        v = non_pl_vertex(inst)
        why = ("the instance is piecewise linear" if v is None else
               f"the instance is not piecewise linear: vertex {v} has {inst.net.activations[v]!r}")
        raise LimitReached(f"{e} ({why}); nothing was decided") from None
    if args.json:
        print(json.dumps(rep.to_json()))
        return 0 if rep.verified else 1
    ev, net = rep.evaluation, inst.net
    print(f"exactrelu erm-check {args.instance} {args.theta}")
    loss = inst.loss.kind if inst.loss.kind != "flagged" else \
        f"flagged ({inst.loss.main}{'' if inst.loss.j is None else f' j = {inst.loss.j}'} at " \
        f"{net.vertices[inst.loss.output]} on flag 1, 0/1 of the whole vector on flag 0)"
    print(f"instance: {len(net.vertices)} vertices, {len(net.edges)} edges, depth {net.depth}, "
          f"{len(inst.samples)} samples ({inst.copies} with multiplicity), loss {loss}")
    if rep.piecewise_linear:
        print("class:    piecewise linear (Theorem 1.4 covers it: the check is polynomial time)")
    else:
        print(f"class:    not piecewise linear: vertex {rep.non_pl} has {net.activations[rep.non_pl]!r} "
              f"(outside Theorem 1.4; evaluated exactly all the same)")
    print(f"loss:     L(theta) = {_short(fmt(rep.loss))} {'<=' if rep.loss_ok else '>'} gamma = "
          f"{_short(fmt(rep.gamma))}: {'holds' if rep.loss_ok else 'FAILS'}"
          + ("" if rep.loss_ok else f" ({len(ev.failed)} of {len(ev.sample_loss)} samples with a nonzero loss, "
                                     f"the first sample {ev.failed[0]})"))
    print(f"size:     |enc(theta)| = {rep.theta_bits} bits {'<=' if rep.size_ok else '>'} C1 |I|^C2 = "
          f"{rep.C1} * {rep.instance_bits['total']}^{rep.C2} = {_short(str(rep.size_bound))}: "
          f"{'holds' if rep.size_ok else 'FAILS'}")
    w = ev.where

    def at(q):
        return "" if w[q] is None else f" (vertex {w[q]['vertex']}, sample {w[q]['sample']})"
    held = max(ev.bits["pre"], ev.bits["act"]) <= rep.pl_value_bound
    print(f"bits:     max pre-activation {ev.bits['pre']}{at('pre')}, max activation {ev.bits['act']}{at('act')}, "
          f"loss {ev.bits['loss']}; budget {'none' if rep.budget is None else rep.budget}; piecewise-linear "
          f"value bound 3S+2 = {rep.pl_value_bound} ({'within' if held else 'exceeded'})")
    print(f"time:     {rep.seconds:.3f} s ({ev.full_passes} full pass{'es' if ev.full_passes != 1 else ''}, "
          f"the other samples differential)")
    if rep.verified:
        print(f"VERIFIED: theta is a witness of ERM_bit({rep.C1}, {rep.C2}) for this instance")
        return 0
    print("NOT VERIFIED: " + "; ".join(rep.failed))
    return 1
