"""argparse types shared by the verbs: numbers on the command line follow the file rules
("1e5", "200000", "1/2"), and a bad value is a one-line usage error (exit 2)."""
from __future__ import annotations

import argparse

from ..errors import InputError
from ..numbers import to_integer, to_positive

#: Largest network a verb builds from its arguments (parameters), so a typo cannot exhaust memory.
MAX_PARAMS = 10**7


def count(text: str) -> int:
    """An integer >= 1."""
    try:
        return to_integer(text, what="value", least=1)
    except InputError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def seconds(text: str) -> float:
    """A finite number of seconds > 0."""
    try:
        return float(to_positive(text, what="seconds"))
    except (InputError, OverflowError) as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def refuse_given(args, options, why: str) -> None:
    """Usage error if any of ``options`` (argparse dests whose default is None) was given."""
    given = [o for o in options if getattr(args, o) is not None]
    if given:
        raise InputError(f"{why}: --{given[0].replace('_', '-')} does not apply to it")


def print_rejection(args, error) -> int:
    """A replay the kernel rejected: REJECTED (or its JSON) on stdout, exit 1."""
    import json
    print(json.dumps({"accepted": False, "reason": str(error)}) if args.json else f"REJECTED: {error}")
    return 1


def check_size(d: int, width: int, L: int) -> None:
    """Refuse architectures with more than MAX_PARAMS parameters before building them."""
    n = d * width + width + max(L - 2, 0) * (width * width + width) + width + 1
    if n > MAX_PARAMS:
        raise InputError(f"the network would have {n} parameters (d={d}, width={width}, L={L}); "
                         f"the limit is {MAX_PARAMS}")
