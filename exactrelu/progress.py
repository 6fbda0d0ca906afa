"""Progress on stderr for long work: a tqdm bar when enabled, a no-op otherwise.

The whole API::

    from exactrelu.progress import Progress, add_option, wanted

    add_option(parser)                      # adds --progress / --no-progress (default: auto)
    on = wanted(args.progress, json=args.json)
    with Progress("regions", total=None, enabled=on) as bar:
        for ...:
            bar.update()                    # one step done (update(k) for k steps)
            bar.note("lower 1/3, upper 1/2")  # short status text after the bar

``wanted(flag, json=...)``: ``True`` / ``False`` force the bar on / off; ``None`` (auto) turns it on
only when stderr is a terminal and the output is not ``--json``.  A disabled ``Progress`` does
nothing and costs one attribute test per call.  Progress never writes to stdout, and never
decides anything: it only shows what the work reports.
"""
from __future__ import annotations

import argparse
import sys

__all__ = ["Progress", "add_option", "wanted"]


def add_option(parser) -> None:
    """Add ``--progress`` (force the bar on, e.g. for logs) and ``--no-progress`` (force it off)."""
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="show progress on stderr (default: only when stderr is a terminal "
                             "and --json is not given)")


def wanted(flag: bool | None = None, *, json: bool = False, stream=None) -> bool:
    """Whether to show progress: ``flag`` if given, else stderr (or ``stream``) is a terminal and not json."""
    if flag is not None:
        return bool(flag)
    if json:
        return False
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or unusual streams are not terminals
        return False


class Progress:
    """A tqdm bar on stderr (``file`` for tests) when ``enabled``; otherwise every method does nothing."""

    def __init__(self, desc: str, total: int | None = None, *, enabled: bool = False,
                 unit: str = "it", file=None):
        self._bar = None
        if enabled:
            from tqdm import tqdm
            self._bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr if file is None else file,
                             mininterval=0.5, dynamic_ncols=True, leave=True)

    @property
    def enabled(self) -> bool:
        return self._bar is not None

    def update(self, n: int = 1) -> None:
        """Advance by ``n`` steps."""
        if self._bar is not None:
            self._bar.update(n)

    def note(self, text: str) -> None:
        """Show ``text`` after the bar (redrawn at the bar's own pace, not on every call)."""
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
