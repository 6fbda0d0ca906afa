"""Exact maxima of one-dimensional ReLU networks (and of differences of two) by knots.

On an interval where no neuron changes sign, every neuron is affine in x.  Propagating layer by
layer: between consecutive knots the pre-activations of the next layer are affine, so each of
them crosses zero at most once, at an exact rational computed from its exact values at the two
knots; inserting those crossings keeps the invariant.  With every breakpoint of every neuron
of both networks a knot, ``s * (f - g)`` is affine between knots and its maximum over the
interval is the largest value at a knot.

The kernel replays this as one ``knots`` leaf (see :mod:`exactrelu.kernel`): it evaluates
every neuron exactly at the knots and checks that no neuron has strictly opposite signs at two
consecutive knots, which by the same induction proves that the knots contain every breakpoint.

Exact values: the networks are *homogenized*, ``H(p, q) = q * z(p / q)`` (integer inputs, the
biases moved onto an extra input q that hidden layers carry along), so the unrelated large
denominators of the knots never meet.  With one common denominator D per layer (the weights
are then integers, small for the dyadic entries k/2^e of the project's nets), :class:`_LimbNet`
runs H in exact integer arithmetic on numpy: every value is a few signed limbs of ``b`` bits,
and each layer is one float64 BLAS product per limb, exact because the guard ``(max row sum of
|integer weights|) * 2^b < 2^53`` is checked for every layer; carries are propagated in int64.
Nets whose integer weights are too large for that fall back to
:func:`exactrelu.evaluate.evaluate_scaled` (exact, slower here).  Nothing here is trusted.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

import math

from ..evaluate import evaluate_scaled
from ..net import Net

__all__ = ["homogenized", "pre_activations", "knots", "knot_bound", "values", "max_at_knots", "CHUNK_ENTRIES"]


def homogenized(net: Net, upto: int) -> Net:
    """The network (p, q) -> q * (pre-activations of layer ``upto`` of ``net`` at p / q), q > 0.

    Layers 0..upto of ``net`` with every bias moved into a weight on the extra input q, which
    hidden layers carry along as a neuron ``relu(q) = q``."""
    layers, n_in = [], net.input_dim
    for m, lay in enumerate(net.layers[:upto + 1]):
        W = [list(row) + [b] for row, b in zip(lay.weight, lay.bias)]
        if m < upto:
            W.append([0] * n_in + [1])
        layers.append((W, [0] * len(W)))
        n_in = len(lay.bias)
    return Net(layers, input_dim=net.input_dim + 1)


class _LimbNet:
    """H (see :func:`homogenized`) of a 1-D net in exact multi-limb integer arithmetic on numpy.

    Layer l computes ``Z = C_l A + c_l s`` (C_l = D_l W_l, c_l = D_l b_l integers) and carries
    ``s <- D_l s``; A starts as the knots' numerators p, s as their denominators q, so
    ``Z = q * D_0 ... D_l * z_l(p / q)``.  Values are arrays of limbs, shape (K, N, n), value
    ``sum_m X[m] 2^(b m)`` with X[m] in [0, 2^b) for m < K - 1 and a signed top limb."""

    def __init__(self, net: Net):
        self.mats, rows = [], []
        for lay in net.layers:
            D = math.lcm(*{v.denominator for v in lay.entries()})
            C = [[w.numerator * (D // w.denominator) for w in row] + [b.numerator * (D // b.denominator)]
                 for row, b in zip(lay.weight, lay.bias)]
            C.append([0] * len(lay.weight[0]) + [D])      # carries s
            rows.append(max(sum(map(abs, r)) for r in C))
            self.mats.append(C)
        worst = max(rows)
        self.b = 52 - worst.bit_length()
        self.ok = self.b >= 8
        self.growth = sum(r.bit_length() for r in rows)
        if self.ok:
            self.mats = [np.array(C, dtype=np.float64).T.copy() for C in self.mats]

    def run(self, xs, upto: int) -> list:
        """Limb arrays of Z_0 .. Z_upto (pre-activations, the carried s as the last column)."""
        b = self.b
        bits = max(max(abs(x.numerator).bit_length(), x.denominator.bit_length()) for x in xs)
        K = (bits + self.growth + 2) // b + 2
        mask = (1 << b) - 1
        X = np.zeros((K, len(xs), 2), dtype=np.int64)
        for k, x in enumerate(xs):
            for c, v in ((0, x.numerator), (1, x.denominator)):
                for m in range(K - 1):
                    X[m, k, c] = (v >> (b * m)) & mask
                X[K - 1, k, c] = v >> (b * (K - 1))
        out = []
        for l, C in enumerate(self.mats[:upto + 1]):
            Z = np.empty((K, len(xs), C.shape[1]), dtype=np.int64)
            for m in range(K):
                Xm = X[m].astype(np.float64)
                if C.shape[0] <= 4:   # (p, q, s) into the first layer: broadcasting beats a threaded BLAS call
                    P = Xm[:, :1] * C[0]
                    for i in range(1, C.shape[0]):
                        P += Xm[:, i:i + 1] * C[i]
                else:
                    P = Xm @ C
                Z[m] = P.astype(np.int64)
            for m in range(K - 1):           # carries: limbs back into [0, 2^b)
                c = Z[m] >> b
                Z[m] -= c << b
                Z[m + 1] += c
            if np.abs(Z[K - 1]).max(initial=0) >= 1 << b:   # never expected: K bounds the growth
                raise ArithmeticError("pl1d: limb overflow")
            out.append(Z)
            X = Z * _positive(Z)[None]       # ReLU (the carried s > 0 stays)
        return out


_CACHE: dict = {}


def _limbnet(net: Net) -> _LimbNet:
    """One _LimbNet per network (keyed by identity; the nets are immutable)."""
    key = id(net)
    hit = _CACHE.get(key)
    if hit is None or hit[0] is not net:
        if len(_CACHE) > 64:
            _CACHE.clear()
        hit = _CACHE[key] = (net, _LimbNet(net))
    return hit[1]


def _positive(Z) -> np.ndarray:
    """Boolean (N, n): the limb numbers that are > 0."""
    return (Z[-1] > 0) | ((Z[-1] == 0) & (Z[:-1] > 0).any(axis=0))


def _negative(Z) -> np.ndarray:
    return Z[-1] < 0


def _int(Z, b, k, j) -> int:
    return sum(int(Z[m, k, j]) << (b * m) for m in range(Z.shape[0]))


def _signs_and_values(net: Net, lnet, upto: int, xs):
    """(pos, neg, value(k, j)) for the pre-activations of layer ``upto`` at xs; value(k, j) is an
    integer proportional (by one positive constant) to q_k * z(xs[k])."""
    if lnet is not None and lnet.ok:
        Z = lnet.run(xs, upto)[upto][:, :, :-1]
        return _positive(Z), _negative(Z), lambda k, j: _int(Z, lnet.b, k, j)
    N = pre_activations(net, upto, xs)
    return N > 0, N < 0, lambda k, j: int(N[k, j])


def pre_activations(net: Net, upto: int, xs) -> np.ndarray:
    """Integer numerators N (one row per point, one column per neuron of layer ``upto``) with
    sign(N[k, j]) = sign of the pre-activation at xs[k], and N[k, j] / q_k proportional (by one
    positive constant) to it, q_k the denominator of xs[k] (d = 1)."""
    pts = [(x.numerator, x.denominator) for x in xs]
    return evaluate_scaled(homogenized(net, upto), pts).numerators


#: Points per chunk are chosen so that one chunk's limb arrays hold about this many int64 entries
#: per limb (memory stays bounded however many knots there are; measured on a 1-10000-1 net,
#: 2^18 is 1.7x faster than 2^21, which leaves the caches).
CHUNK_ENTRIES = 1 << 18


def _chunks(n_points: int, width: int):
    """(start, stop) index ranges over n_points points, overlapping by one point (for crossings)."""
    step = max(2, CHUNK_ENTRIES // max(width, 1))
    start = 0
    while start < n_points - 1 or start == 0:
        stop = min(n_points, start + step)
        yield start, stop
        if stop >= n_points:
            return
        start = stop - 1


def knots(nets, lo: Fraction, hi: Fraction, *, max_knots: int | None = None, tick=None) -> list[Fraction]:
    """Sorted exact knots in [lo, hi], ends included, containing every breakpoint of every
    hidden neuron of every net in ``nets`` (d = 1).

    ``max_knots``: raise LimitReached as soon as more knots than that are found.  ``tick(n)``, when
    given, is called after each chunk of n points is propagated (progress and time checks)."""
    from ..errors import LimitReached
    xs = [Fraction(lo), Fraction(hi)] if lo != hi else [Fraction(lo)]
    for net in nets:
        lnet = _limbnet(net)
        for l in range(net.depth - 1):
            if len(xs) < 2:
                break
            new = set()
            for a0, a1 in _chunks(len(xs), max(net.widths[:l + 1])):
                part = xs[a0:a1]
                pos, neg, val = _signs_and_values(net, lnet, l, part)
                cross = (pos[:-1] & neg[1:]) | (neg[:-1] & pos[1:])
                ks, js = np.nonzero(cross)
                for k, j in zip(ks.tolist(), js.tolist()):
                    a, b = part[k], part[k + 1]
                    za = Fraction(val(k, j), a.denominator)
                    zb = Fraction(val(k + 1, j), b.denominator)
                    new.add(a + (b - a) * za / (za - zb))
                if max_knots is not None and len(xs) + len(new) > max_knots:
                    raise LimitReached(f"more than {max_knots} knots (layer {l} of a net with widths "
                                       f"{list(net.widths)})")
                if tick is not None:
                    tick(a1 - a0)
            if new:
                xs = sorted(set(xs) | new)
    return xs


def knot_bound(nets, lo: Fraction, hi: Fraction) -> int:
    """An upper bound on ``len(knots(nets, lo, hi))`` from the architecture alone: layer l adds at
    most one knot per neuron and interval between the knots before it (d = 1)."""
    if lo == hi:
        return 1
    total = 2
    for net in nets:
        for w in net.widths:
            total += w * (total - 1)
    return total


def values(net: Net, xs, *, tick=None) -> list[Fraction]:
    """net(x) exactly at every x of xs (scalar output, d = 1), in chunks of bounded memory."""
    lnet = _limbnet(net)
    out = []
    step = max(1, CHUNK_ENTRIES // max(max(net.widths, default=1), 1))
    for a in range(0, len(xs), step):
        part = xs[a:a + step]
        if lnet.ok:
            Z = lnet.run(part, net.depth - 1)[-1]
            out += [Fraction(_int(Z, lnet.b, k, 0), _int(Z, lnet.b, k, 1)) for k in range(len(part))]
        else:
            pts = [(x.numerator, x.denominator) for x in part]
            ev = evaluate_scaled(homogenized(net, net.depth - 1), pts)
            out += [Fraction(int(v), ev.denominator * x.denominator) for v, x in zip(ev.numerators[:, 0], part)]
        if tick is not None:
            tick(len(part))
    return out


def max_at_knots(nets, s: int, xs):
    """(value, x) maximizing s * (f - g) (or s * f) over the points xs, exactly."""
    vals = values(nets[0], xs)
    if len(nets) > 1:
        vals = [p - q for p, q in zip(vals, values(nets[1], xs))]
    k = max(range(len(xs)), key=lambda i: s * vals[i])
    return s * vals[k], xs[k]
