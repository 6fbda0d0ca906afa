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
denominators of the knots never meet.  With one common denominator D per layer the weights are
integers, and :class:`_LimbNet` runs H in exact integer arithmetic on numpy: every value is a
few limbs of ``b`` bits, and so is every integer weight (one limb when the weights are short, as
the project's dyadic nets' are; four or so for nets trained in float64, whose integer weights over
one denominator per layer have 70-115 bits).  A layer is one float64 BLAS product per weight limb,
over all the value limbs at once (inputs that are 0 at every point left out), exact because every
product of a value limb and a weight limb row, and every partial sum of one, is an integer below
2^53 (the guard of :func:`_weight_limbs`, checked for every layer); the limbs are recombined with
carries in int64.  ``b`` is chosen per net for the least BLAS work.

Propagation (:func:`knots`): the points go through in chunks of bounded memory (CHUNK_ENTRIES).
A chunk goes through the layers in turn; at each hidden layer the crossings between its points
are inserted (their values computed from the inputs up to that layer), and it goes on to the next
layer with the values it has, so every point passes each layer once; a chunk that has grown past
the bound is split (its pieces share an end point).  The output layer gives the net's exact values
at its knots as well (:func:`knots_and_values`).  Nothing here is trusted.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..net import Net

__all__ = ["knots", "knots_and_values", "knot_bound", "values", "max_at_knots", "CHUNK_ENTRIES", "CARRY_EVERY"]

#: Points per chunk are chosen so that one chunk's limb arrays hold about this many int64 entries
#: per limb (memory stays bounded however many knots there are; measured on a 1-10000-1 net,
#: 2^18 is 1.7x faster than 2^21, which leaves the caches).
CHUNK_ENTRIES = 1 << 18

_F53 = 1 << 53      # float64 holds every integer of magnitude below this exactly

#: A limb of Z sums at most this many products, each of magnitude < 2^53, between carries: < 2^63.
CARRY_EVERY = 1000


def _weight_limbs(worst: int, cols: int, b: int):
    """How many b-bit limbs a layer's integer weights need (rows of ``cols`` entries, row sums of
    |C| at most ``worst``), or None if b is too wide to split them.  Guard: with value limbs in
    [0, 2^b), a row of limb j has sum of |entries| * (2^b - 1) < 2^53.  One limb: the row sum is at
    most worst; limbs below the top: at most cols (2^b - 1); the top limb, |C| >> b (J - 1): at most
    worst >> b (J - 1) (a sum of floors is at most the floor of the sum)."""
    top = (1 << b) - 1
    if worst * top < _F53:
        return 1
    if cols * top * top >= _F53:
        return None
    J = max(2, (worst.bit_length() - 53) // b + 1)     # below the answer: worst >> b (J - 1) >= 2^52 there
    while (worst >> (b * (J - 1))) * top >= _F53:
        J += 1
    return J


class _LimbNet:
    """H (see the module docstring) of a 1-D net in exact multi-limb integer arithmetic on numpy.

    Layer l computes ``Z = C_l A + c_l s`` (C_l = D_l W_l, c_l = D_l b_l integers) and carries
    ``s <- D_l s``; A starts as the points' numerators p, s as their denominators q, so
    ``Z = q * D_0 ... D_l * z_l(p / q)``.  Values are arrays of limbs, shape (K, N, n), value
    ``sum_m X[m] 2^(b m)`` with X[m] in [0, 2^b) for m < K - 1 and a signed top limb; the integer
    matrix of layer l is ``sum_j C_j 2^(b j)``, ``self.mats[l][j]`` = C_j transposed, as float64."""

    def __init__(self, net: Net):
        self.depth, ints, worst = net.depth, [], []
        for lay in net.layers:
            D = math.lcm(*{v.denominator for v in lay.entries()})
            C = [[w.numerator * (D // w.denominator) for w in row] + [b.numerator * (D // b.denominator)]
                 for row, b in zip(lay.weight, lay.bias)]
            C.append([0] * len(lay.weight[0]) + [D])      # carries s
            ints.append(C)
            worst.append(max(sum(map(abs, r)) for r in C))
        # the least BLAS work: value limbs ~ 1/b, weight limbs J_l(b), each a product of n_in x n_out
        best = None
        for b in range(8, 53):
            J = [_weight_limbs(w, len(C[0]), b) for w, C in zip(worst, ints)]
            if None not in J:
                cost = sum(j * len(C) * len(C[0]) for j, C in zip(J, ints)) / b
                if best is None or cost < best[0]:
                    best = (cost, b, J)
        _, self.b, J = best
        self.grow = [-(-w.bit_length() // self.b) for w in worst]     # limbs a layer adds: |Z| < worst 2^(bK)
        self.mats = [self._split(C, j, w) for C, j, w in zip(ints, J, worst)]

    def _split(self, C, J: int, worst: int) -> list:
        """The J limb matrices of the integer matrix C (rows of Python ints, |entries| <= worst),
        transposed, as float64."""
        b, W = self.b, -(-worst.bit_length() // 64) or 1
        words = np.frombuffer(b"".join(abs(v).to_bytes(8 * W, "little") for r in C for v in r), dtype="<u8")
        words = words.reshape(len(C), len(C[0]), W)                      # |C| in 64-bit words
        sign = np.array([[(v > 0) - (v < 0) for v in r] for r in C], dtype=np.float64)
        out = []
        for j in range(J):                    # bits b j .. b (j + 1) - 1 of |C|; all the rest for the top limb
            w, off = divmod(b * j, 64)
            L = words[:, :, w] >> np.uint64(off)
            if w + 1 < W and off:
                L |= words[:, :, w + 1] << np.uint64(64 - off)
            if j < J - 1:
                L &= np.uint64((1 << b) - 1)
            out.append((sign * L.astype(np.float64)).T.copy())
        return out

    def inputs(self, xs) -> np.ndarray:
        """Limbs (K, N, 2) of the points' numerators and denominators (|v| < 2^(b (K - 1)): the
        top limb is 0 or -1)."""
        bits = max(max(abs(x.numerator).bit_length(), x.denominator.bit_length()) for x in xs)
        return _to_limbs(np.array([[x.numerator, x.denominator] for x in xs], dtype=object), self.b,
                         bits // self.b + 2)

    def layer(self, l: int, X) -> np.ndarray:
        """The normalized limbs of layer l's pre-activations (the carried s as the last column)
        from the limbs X of its inputs."""
        b, mats = self.b, self.mats[l]
        live = X.any(axis=(0, 1))
        if not live.all():          # inputs that are 0 at every point (ReLU off) drop out of the products
            X, mats = X[:, :, live], [C[live] for C in mats]
        K, N, n = X.shape
        Z = np.zeros((K + self.grow[l], N, mats[0].shape[1]), dtype=np.int64)
        Xf = X.reshape(K * N, n).astype(np.float64)
        for j, C in enumerate(mats):
            if n <= 4:   # (p, q) into the first layer: broadcasting beats a threaded BLAS call
                P = Xf[:, :1] * C[0]
                for i in range(1, n):
                    P += Xf[:, i:i + 1] * C[i]
            else:
                P = Xf @ C
            Zj = Z[j:j + K]      # += P, converted on the fly (exact: P holds integers below 2^53)
            np.add(Zj, P.reshape(K, N, -1), out=Zj, dtype=np.int64, casting="unsafe")
            if j % CARRY_EVERY == CARRY_EVERY - 1:
                _carry(Z, b)
        _carry(Z, b)
        if np.abs(Z[-1]).max(initial=0) >= 1 << b:   # never expected: grow bounds |Z|
            raise ArithmeticError("pl1d: limb overflow")
        return Z

    def forward(self, xs, upto: int) -> np.ndarray:
        """The limbs of the inputs of layer ``upto`` at the points xs."""
        X = self.inputs(xs)
        for l in range(upto):
            X = _relu(self.layer(l, X))
        return X


def _to_limbs(V, b: int, K: int) -> np.ndarray:
    """Limbs (K, ...) of an object array of Python ints, |V| < 2^(b K) (the top limb signed)."""
    mask = (1 << b) - 1
    return np.stack([((V >> (b * m)) & mask if m < K - 1 else V >> (b * m)).astype(np.int64) for m in range(K)])


def _carry(Z, b: int) -> None:
    """Every limb but the top back into [0, 2^b), in place (the value is unchanged)."""
    for m in range(len(Z) - 1):
        c = Z[m] >> b
        Z[m] -= c << b
        Z[m + 1] += c


def _positive(Z) -> np.ndarray:
    """Boolean (N, n): the limb numbers that are > 0."""
    return (Z[-1] > 0) | ((Z[-1] == 0) & (Z[:-1] > 0).any(axis=0))


def _relu(Z) -> np.ndarray:
    """ReLU of normalized limbs (the carried s > 0 stays), without the top limbs that are 0 everywhere."""
    X = Z * _positive(Z)[None]
    k = len(X)
    while k > 1 and not X[k - 1].any():
        k -= 1
    return X[:k]


def _ints(Z, b: int, j: int) -> list:
    """Column j of normalized limbs as Python ints, one per point."""
    return sum((Z[m, :, j].astype(object) << (b * m) for m in range(len(Z))), np.zeros(Z.shape[1], dtype=object)).tolist()


def _limbnet(net: Net) -> _LimbNet:
    """One _LimbNet per network (keyed by identity; the nets are immutable)."""
    key = id(net)
    hit = _CACHE.get(key)
    if hit is None or hit[0] is not net:
        if len(_CACHE) > 64:
            _CACHE.clear()
        hit = _CACHE[key] = (net, _LimbNet(net))
    return hit[1]


_CACHE: dict = {}


def _step(net: Net) -> int:
    """Points per chunk."""
    return max(2, CHUNK_ENTRIES // max(net.widths, default=1))


def _chunks(n_points: int, step: int):
    """(start, stop) index ranges over n_points points, overlapping by one point (for crossings)."""
    start = 0
    while start < n_points - 1 or start == 0:
        stop = min(n_points, start + step)
        yield start, stop
        if stop >= n_points:
            return
        start = stop - 1


def _crossings(xs, Z, b: int) -> list:
    """Sorted (k, t): t in (xs[k], xs[k + 1]) where a neuron (pre-activations Z, normalized limbs
    with s last) has strictly opposite signs at xs[k] and xs[k + 1], and is 0 at t."""
    pos, neg = _positive(Z[:, :, :-1]), Z[-1, :, :-1] < 0
    ks, js = np.nonzero((pos[:-1] & neg[1:]) | (neg[:-1] & pos[1:]))
    new = set()
    for k, j in zip(ks.tolist(), js.tolist()):
        a, c = xs[k], xs[k + 1]
        za = Fraction(sum(int(Z[m, k, j]) << (b * m) for m in range(len(Z))), a.denominator)
        zc = Fraction(sum(int(Z[m, k + 1, j]) << (b * m) for m in range(len(Z))), c.denominator)
        new.add((k, a + (c - a) * za / (za - zc)))     # za, zc: one positive constant times z(a), z(c)
    return sorted(new)


def _insert(xs, X, new, Xn):
    """xs and their limbs X with the points of ``new`` ((k, t) sorted, t after xs[k]; limbs Xn)
    inserted in order."""
    ks = np.array([k for k, _ in new])
    at_new = ks + 1 + np.arange(len(new))                 # after xs[k] and the new points before it
    at_old = np.arange(len(xs)) + np.searchsorted(ks, np.arange(len(xs)))
    merged = [None] * (len(xs) + len(new))
    for i, x in zip(at_old.tolist(), xs):
        merged[i] = x
    for i, (_, t) in zip(at_new.tolist(), new):
        merged[i] = t
    out = np.zeros((max(len(X), len(Xn)), len(merged), X.shape[2]), dtype=np.int64)   # X >= 0: zeros pad
    out[:len(X), at_old] = X
    out[:len(Xn), at_new] = Xn
    return merged, out


def _net_knots(net: Net, xs, added, max_knots, tick):
    """(xs', outs): xs with every breakpoint of net's hidden neurons between them inserted, and
    net's exact outputs at xs'.  ``added[0]`` counts the knots inserted (for ``max_knots``)."""
    from ..errors import LimitReached
    lnet, step = _limbnet(net), _step(net)
    pieces = [(xs[a0:a1], None, 0) for a0, a1 in _chunks(len(xs), step)][::-1]
    out_x, out_v = [], []
    while pieces:                               # a stack: the leftmost piece is on top
        part, X, l = pieces.pop()
        X = lnet.inputs(part) if X is None else X
        while True:
            Z = lnet.layer(l, X)
            if tick is not None:
                tick(len(part))
            if l == net.depth - 1:
                vals = [Fraction(p, q) for p, q in zip(_ints(Z, lnet.b, 0), _ints(Z, lnet.b, -1))]
                skip = 1 if out_x else 0         # the end point shared with the previous piece
                out_x += part[skip:]
                out_v += vals[skip:]
                break
            new = _crossings(part, Z, lnet.b)
            X = _relu(Z)
            if new:
                added[0] += len(new)
                if max_knots is not None and added[0] > max_knots:
                    raise LimitReached(f"more than {max_knots} knots (layer {l} of a net with widths "
                                       f"{list(net.widths)})")
                ts = [t for _, t in new]
                part, X = _insert(part, X, new, _relu(lnet.layer(l, lnet.forward(ts, l))))
            l += 1
            if len(part) > step:
                pieces += [(part[a0:a1], X[:, a0:a1], l) for a0, a1 in _chunks(len(part), step)][::-1]
                break
    return out_x, out_v


def _cost(net: Net) -> int:
    return sum(len(lay.bias) * len(lay.weight[0]) for lay in net.layers)


def knots_and_values(nets, lo: Fraction, hi: Fraction, *, max_knots: int | None = None, tick=None):
    """(xs, [values of net at xs for each net]): the knots of :func:`knots` and every net's exact
    output at them.  The nets are propagated cheapest first, so the costliest one's outputs come
    with its knots; the others' are computed at the knots found after them."""
    xs, outs = _knots(nets, lo, hi, max_knots, tick)
    for i, (got_x, got_v) in enumerate(outs):
        if got_x != xs:
            have = dict(zip(got_x, got_v))
            missing = [x for x in xs if x not in have]
            have.update(zip(missing, values(nets[i], missing, tick=tick)))
            outs[i] = [have[x] for x in xs]
        else:
            outs[i] = got_v
    return xs, outs


def _knots(nets, lo, hi, max_knots, tick):
    xs = [Fraction(lo), Fraction(hi)] if lo != hi else [Fraction(lo)]
    added, outs = [len(xs)], [None] * len(nets)
    for i in sorted(range(len(nets)), key=lambda i: _cost(nets[i])):
        xs, v = _net_knots(nets[i], xs, added, max_knots, tick)
        outs[i] = (xs, v)
    return xs, outs


def knots(nets, lo: Fraction, hi: Fraction, *, max_knots: int | None = None, tick=None) -> list[Fraction]:
    """Sorted exact knots in [lo, hi], ends included, containing every breakpoint of every
    hidden neuron of every net in ``nets`` (d = 1).

    ``max_knots``: raise LimitReached as soon as more knots than that are found.  ``tick(n)``, when
    given, is called after each chunk of n points is propagated through a layer (progress and time
    checks)."""
    return _knots(nets, lo, hi, max_knots, tick)[0]


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
    lnet, step, out = _limbnet(net), _step(net), []
    for a in range(0, len(xs), step):
        part = xs[a:a + step]
        Z = lnet.layer(net.depth - 1, lnet.forward(part, net.depth - 1))
        out += [Fraction(p, q) for p, q in zip(_ints(Z, lnet.b, 0), _ints(Z, lnet.b, -1))]
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
