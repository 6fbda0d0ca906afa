"""exactrelu bits figure1|gadget: the bit model of Doron-Arad and Mossel (2026), made exact.

Each action lives in ``exactrelu/commands/_bits_<action>.py`` with ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int``; actions are discovered, like the verbs.  docs/bit-model.md explains what
each one computes."""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

HELP = "the bit-model dichotomy (Doron-Arad and Mossel 2026): Figure 1, the multiplication gadget"
DESCRIPTION = ("Exact computations for 'Why ReLU? A Bit-Model Dichotomy for Deep Network Training' "
               "(Doron-Arad and Mossel, arXiv 2602.19017): 'figure1' reproduces the paper's Figure 1 "
               "(gradient norm against depth for x^2 and ReLU) beside the exact rational computation and its "
               "bit lengths; 'gadget' prints Lemma 3.1's exact coefficients for an activation in Q[T].")
ACTIONS = tuple(sorted(m.name[len("_bits_"):] for m in pkgutil.iter_modules([str(Path(__file__).parent)])
                       if m.name.startswith("_bits_")))


def _action(name):
    return importlib.import_module(f"{__package__}._bits_{name}")


def add_arguments(p):
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    for name in ACTIONS:
        mod = _action(name)
        mod.add_arguments(sub.add_parser(name, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP)))


def run(args) -> int:
    return _action(args.action).run(args)
