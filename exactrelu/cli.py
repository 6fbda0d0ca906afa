"""The ``exactrelu`` command.

Each verb lives in ``exactrelu/commands/<verb>.py`` with ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int``; verbs are discovered, so adding one touches no other file.
Exit codes: 0 done and every checked claim held; 1 a checked claim failed; 2 bad input.
"""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from . import commands
from .errors import InputError, LimitReached

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line on stderr, exit 2 (argparse prints usage too)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def _verbs():
    mods = {}
    for info in pkgutil.iter_modules(commands.__path__):
        if not info.name.startswith("_"):
            mods[info.name] = importlib.import_module(f"{commands.__name__}.{info.name}")
    return mods


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="exactrelu", description="Exact checks of the theory of learning ReLU networks.")
    sub = p.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    sub.required = True
    for name, mod in sorted(_verbs().items()):
        sp = sub.add_parser(name, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP))
        mod.add_arguments(sp)
        sp.set_defaults(_run=mod.run)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args))
    except InputError as e:
        sys.stderr.write(f"exactrelu {args.verb}: error: {e}\n")
        return 2
    except LimitReached as e:
        sys.stderr.write(f"exactrelu {args.verb}: limit reached: {e}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("exactrelu: interrupted\n")
        return 130
    except Exception as e:  # a bug, not bad input: one line, traceback on request
        if os.environ.get("EXACTRELU_DEBUG"):
            raise
        sys.stderr.write(f"exactrelu {args.verb}: internal error: {e.__class__.__name__}: {e} "
                         f"(set EXACTRELU_DEBUG=1 for a traceback)\n")
        return 3


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
