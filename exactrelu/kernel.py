"""The trusted kernel: the small part of exactrelu that decides verdicts.

It imports only the standard library and :mod:`exactrelu.net`.  It evaluates networks
with :class:`fractions.Fraction` and replays certificates *without search*: a producer
(fast, untrusted) hands over a certificate with every hint the check needs, and the
kernel only recomputes and compares.  Only the kernel creates :class:`Checked` results.

Certificate kinds
-----------------
``eval``   net(x) == v at listed points.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .net import CertificateRejected, Net

__all__ = ["evaluate", "Checked", "check_eval", "replay"]

_TOKEN = object()  # only this module can build a Checked


@dataclass(frozen=True)
class Checked:
    """A claim the kernel has verified.  Build one only through the ``check_*`` functions."""
    kind: str
    statement: str
    instances: int
    _token: object = None

    def __post_init__(self):
        if self._token is not _TOKEN:
            raise CertificateRejected("Checked: only exactrelu.kernel may create a Checked result")


def _checked(kind: str, statement: str, instances: int) -> Checked:
    return Checked(kind, statement, instances, _TOKEN)


def _point(net: Net, x) -> tuple[Fraction, ...]:
    x = tuple(x)
    if len(x) != net.input_dim:
        raise CertificateRejected(f"evaluate: point has {len(x)} coordinates, network input_dim is {net.input_dim}")
    for v in x:
        if not isinstance(v, (int, Fraction)) or isinstance(v, bool):
            raise CertificateRejected(f"evaluate: coordinate {v!r} is not an exact rational")
    return tuple(Fraction(v) for v in x)


def evaluate(net: Net, x) -> tuple[Fraction, ...]:
    """Exact output of ``net`` at the point ``x`` (the reference semantics)."""
    a = _point(net, x)
    last = len(net.layers) - 1
    for l, lay in enumerate(net.layers):
        z = tuple(sum((w * v for w, v in zip(row, a)), b) for row, b in zip(lay.weight, lay.bias))
        a = z if l == last else tuple(v if v > 0 else Fraction(0) for v in z)
    return a


def check_eval(net: Net, points, values) -> Checked:
    """Check net(x_i) == v_i exactly for every listed pair; raise CertificateRejected otherwise."""
    points, values = list(points), list(values)
    if len(points) != len(values):
        raise CertificateRejected(f"eval: {len(points)} points but {len(values)} values")
    for i, (x, v) in enumerate(zip(points, values)):
        got = evaluate(net, x)
        want = tuple(Fraction(t) for t in v)
        if got != want:
            raise CertificateRejected(f"eval: point {i}: network gives {got}, certificate says {want}")
    return _checked("eval", f"net(x) == v at {len(points)} points", len(points))


_KINDS = {"eval": lambda net, cert: check_eval(net, cert["points"], cert["values"])}


def replay(net: Net, certificate: dict) -> Checked:
    """Replay a certificate dict ``{"kind": ..., ...}``; fails closed on anything unknown."""
    kind = certificate.get("kind") if isinstance(certificate, dict) else None
    if kind not in _KINDS:
        raise CertificateRejected(f"replay: unknown certificate kind {kind!r}")
    return _KINDS[kind](net, certificate)
