"""Long work: progress on stderr (a tqdm bar when enabled, a no-op otherwise) and a hard deadline.

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

``with deadline(seconds, "what"):`` raises :class:`exactrelu.errors.LimitReached` ("what: time
limit of ...s reached") inside the block once ``seconds`` have passed, wherever the block is (a
search, an LP, the kernel's replay), so work without checks of its own still stops near its limit.
It uses ``SIGALRM`` and works in the main thread on POSIX; elsewhere (another thread, Windows) it
does nothing and the work's own checks are the only limit.  Nested deadlines keep the earlier one.
A long single C call (one numpy product) delays the exception until it returns.
"""
from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import time

from .errors import LimitReached

__all__ = ["Progress", "add_option", "wanted", "deadline"]


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


@contextlib.contextmanager
def deadline(seconds: float | None, what: str):
    """Raise LimitReached inside the block after ``seconds`` (None: no deadline); see the module doc."""
    usable = (seconds is not None and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    if outer_left and outer_left <= seconds:      # an enclosing deadline comes first: keep it
        yield
        return
    t0 = time.monotonic()

    def fire(signum, frame):
        raise LimitReached(f"{what}: time limit of {seconds:g}s reached")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, max(float(seconds), 1e-6))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if outer_left:                            # re-arm the enclosing deadline with what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(outer_left - (time.monotonic() - t0), 1e-6))
