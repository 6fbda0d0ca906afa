"""The ``exactrelu`` command.

Each verb lives in ``exactrelu/commands/<verb>.py`` with ``HELP``, ``add_arguments(parser)``
and ``run(args) -> int`` (and ``NAME`` where the verb is not the module's name, e.g. ``erm-check``);
verbs are discovered, so adding one touches no other file.

Exit codes (docs/usage.md and docs/formats.md state the same table):

== ======================================================================================
0  done, and every checked claim held
1  a checked claim failed, or a certificate was rejected
2  bad input or usage (one line naming the file, argument or key), including a problem
   refused up front because its size exceeds a stated budget
3  a resource limit (time, regions, boxes, bits, memory) was reached during the work before
   any answer could be given: "limit reached: ..."
4  internal error, a bug: "internal error ... (set EXACTRELU_DEBUG=1 for a traceback)"
== ======================================================================================

A value that starts with a minus sign may follow its option with a space (``--box -1,1``):
such a token is joined to an option that takes a value (``--box=-1,1``) before parsing, since
no option of exactrelu starts with a minus sign and a digit.
"""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import re
import sys

from . import __version__, commands
from .errors import CertificateRejected, InputError, KernelLimit, LimitReached

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE", "EXIT_LIMIT", "EXIT_INTERNAL"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LIMIT, EXIT_INTERNAL = 0, 1, 2, 3, 4

_NEGATIVE_VALUE = re.compile(r"-[0-9.]")  # "-1,1", "-1/2", "-.5": a value, never an option here


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line on stderr, exit 2 (argparse prints usage too)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(EXIT_USAGE)


def _verbs():
    mods = {}
    for info in pkgutil.iter_modules(commands.__path__):
        if not info.name.startswith("_"):
            mod = importlib.import_module(f"{commands.__name__}.{info.name}")
            mods[getattr(mod, "NAME", info.name)] = mod      # NAME: a verb with a hyphen (erm-check)
    return mods


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="exactrelu", description="Exact checks of the theory of learning ReLU networks.")
    p.add_argument("--version", action="version", version=f"exactrelu {__version__}")
    sub = p.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    sub.required = True
    for name, mod in sorted(_verbs().items()):
        sp = sub.add_parser(name, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP))
        mod.add_arguments(sp)
        sp.set_defaults(_run=mod.run)
    return p


def _leaf(parser: argparse.ArgumentParser, argv: list[str]):
    """The (sub-)parser the words of argv select: the verb's, or a sub-action's (``sweep run``)."""
    p = None
    for tok in (a for a in argv if not a.startswith("-")):
        sub = next((a for a in (p or parser)._actions if isinstance(a, argparse._SubParsersAction)), None)
        if sub is None or tok not in sub.choices:
            break
        p = sub.choices[tok]
    return p


def _takes_value(sp, option: str) -> bool:
    """Whether ``option`` (or the unique option it abbreviates) of the parser ``sp`` takes one value."""
    if sp is None:
        return False
    table = sp._option_string_actions
    actions = {table[o] for o in table if o == option} or {table[o] for o in table if o.startswith(option)}
    return len(actions) == 1 and next(iter(actions)).nargs in (None, 1)


def join_negative_values(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``[.., "--box", "-1,1", ..]`` -> ``[.., "--box=-1,1", ..]`` where --box takes a value.

    argparse reads a token starting with "-" as an option ("expected one argument"); only a
    token that starts with a minus sign and a digit or a point is joined, and only to an
    option of the verb that takes one value."""
    verb = _leaf(parser, argv)
    out, i = [], 0
    while i < len(argv):
        tok = argv[i]
        if tok == "--":
            out.extend(argv[i:])
            break
        nxt = argv[i + 1] if i + 1 < len(argv) else None
        if (verb is not None and nxt is not None and tok.startswith("--") and "=" not in tok
                and _NEGATIVE_VALUE.match(nxt) and _takes_value(verb, tok)):
            out.append(f"{tok}={nxt}")
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


def main(argv=None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(join_negative_values(parser, argv))
    verb = f"exactrelu {args.verb}"
    try:
        return int(args._run(args))
    except InputError as e:
        sys.stderr.write(f"{verb}: error: {e}\n")
        return EXIT_USAGE
    except KernelLimit as e:
        sys.stderr.write(f"{verb}: limit reached: {e}; the certificate was set aside, nothing was proved\n")
        return EXIT_LIMIT
    except CertificateRejected as e:
        sys.stderr.write(f"{verb}: certificate rejected: {e}\n")
        return EXIT_FAILED
    except LimitReached as e:
        sys.stderr.write(f"{verb}: limit reached: {e}\n")
        return EXIT_LIMIT
    except MemoryError:
        sys.stderr.write(f"{verb}: limit reached: out of memory\n")
        return EXIT_LIMIT
    except KeyboardInterrupt:
        sys.stderr.write("exactrelu: interrupted\n")
        return 130
    except BrokenPipeError:  # the reader went away (`exactrelu eval ... | head`): as SIGPIPE would
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):  # stdout is not a real file (tests redirect it)
            pass
        return 141
    except Exception as e:  # a bug, not bad input: one line, traceback on request
        if os.environ.get("EXACTRELU_DEBUG"):
            raise
        text = " ".join(str(e).split())
        sys.stderr.write(f"{verb}: internal error: {e.__class__.__name__}: {text[:500]} "
                         f"(a bug; set EXACTRELU_DEBUG=1 for a traceback)\n")
        return EXIT_INTERNAL


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
