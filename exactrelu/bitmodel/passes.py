"""Exact forward and backward passes over a :class:`~exactrelu.bitmodel.dag.DagNet`, with bit accounting.

Forward, per sample, in topological order: z_v = x_v + sum_u (w_uv f^u + b_uv) (the biases of v's
incoming edges summed once per pass), f^v = sigma^v(z_v); f^s = z_s = x_s at a source.
Backward, in reverse order, with g_v = d loss / d f^v at an output vertex (0 elsewhere):

    delta_v = dL/dz_v = sigma^v'(z_v) (g_v + sum_{(v,w) in E} w_vw delta_w)     (v not a source)
    dL/dx_s = g_s + sum_{(s,w) in E} w_sw delta_w,  dL/dx_v = delta_v            (input vertices)
    dL/dw_uv = sum_i delta_v^(i) f^u^(i),  dL/db_uv = sum_i delta_v^(i)          (summed over samples)

sigma' at a breakpoint is the slope of the piece on its left (activations.py), so for a
piecewise-linear network the gradient is the exact gradient of the affine map active on the pieces
the forward pass chose.

Bit accounting: the bit length (activations.bit_length) of every pre-activation, activation,
backpropagated error delta_v, input derivative and final gradient entry, as a :class:`BitReport`
(maxima over the samples, per vertex, per edge, per layer and per pass).  A bit budget bounds every
single quantity: each value is measured as it is produced (partial sums included), and a product
whose operands' bit lengths sum beyond the budget is refused before it is computed (len(ab) <=
len(a) + len(b)), so a deep x^2 network stops at the first layer that would need it, with
:class:`~exactrelu.errors.LimitReached` naming the vertex, the quantity, the sample and the bits.
"""
from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

import flint

from ..errors import InputError, LimitReached
from ..numbers import to_integer, to_positive
from .activations import bit_length, plain_mul, rational, to_fraction, to_q
from .losses import as_loss
from .report import NAMES, BitReport, build_report, name

__all__ = ["Value", "Pass", "passes", "forward", "loss", "backprop", "backward"]

fmpq = flint.fmpq
_NO_LIMIT = 1 << 62


class Value(NamedTuple):
    """One vertex's pre-activation z_v and activation f^v (at a source both are x_s)."""
    pre: Fraction
    act: Fraction


@dataclass(frozen=True)
class Pass:
    """What :func:`passes` computed; gradients are None after a forward-only run."""
    loss: Fraction | None
    grad_w: dict | None
    grad_b: dict | None
    grad_x: list | None
    values: list | None
    report: BitReport


# -- checking what comes in ------------------------------------------------------------------------

def _theta(net, theta, floats: bool):
    if not isinstance(theta, Mapping):
        raise InputError(f"theta: expected a dict {{(u, v): (w, b)}}, got {type(theta).__name__}")
    E = len(net.edges)
    W, B = [None] * E, [None] * E
    eix = net._eix
    for key, val in theta.items():
        e = eix.get(key) if isinstance(key, tuple) else None
        if e is None:
            raise InputError(f"theta: {key!r} is not an edge of the network")
        if not isinstance(val, (tuple, list)) or len(val) != 2:
            raise InputError(f"theta[({name(key[0])}, {name(key[1])})]: expected a pair (w, b), got {val!r}")
        W[e] = _number(val[0], key, "weight", floats)
        B[e] = _number(val[1], key, "bias", floats)
    for e, w in enumerate(W):
        if w is None:
            u, v = net.edges[e]
            raise InputError(f"theta: no (w, b) for edge ({name(u)}, {name(v)})")
    bsum = [fmpq(0)] * len(net.vertices)
    for e, (_, v) in enumerate(net.edges):
        bsum[net._ix[v]] += B[e]
    return W, [bit_length(w) for w in W], bsum


def _number(v, key, what: str, floats: bool) -> fmpq:
    if type(v) is Fraction:                                  # the common case, without the checks' overhead
        return fmpq(v.numerator, v.denominator)
    return to_q(rational(v, what=f"theta[({name(key[0])}, {name(key[1])})] {what}", floats=floats))


def _aligned(net, vals, keys, what: str, kind: str, floats: bool) -> list:
    if isinstance(vals, Mapping):
        for key in vals:
            if key not in set(keys):
                raise InputError(f"{what}: {name(key)} is not an {kind} vertex ({kind}s: {', '.join(map(name, keys))})")
        for k in keys:
            if k not in vals:
                raise InputError(f"{what}: no value for {kind} vertex {name(k)}")
        vals = [vals[k] for k in keys]
    elif isinstance(vals, (list, tuple)):
        if len(vals) != len(keys):
            raise InputError(f"{what}: {len(vals)} values, the network has {len(keys)} {kind} vertices "
                             f"({', '.join(map(name, keys))})")
    else:
        raise InputError(f"{what}: expected a dict vertex -> number or a list of {len(keys)} numbers, "
                         f"got {type(vals).__name__}")
    return [to_q(rational(v, what=f"{what}[{name(k)}]", floats=floats)) for k, v in zip(keys, vals)]


def _point(net, x, what: str, floats: bool) -> list:
    out = [None] * len(net.vertices)
    for v, q in zip(net.inputs, _aligned(net, x, net.inputs, what, "input", floats)):
        out[net._ix[v]] = q
    return out


def _samples(net, samples, lossobj, floats: bool):
    if isinstance(samples, (str, bytes, Mapping)) or not hasattr(samples, "__iter__"):
        raise InputError(f"samples: expected a list, got {type(samples).__name__}")
    X, Y = [], []
    for i, smp in enumerate(samples):
        if lossobj is None:
            X.append(_point(net, smp, f"sample {i}: x", floats))
            continue
        if not isinstance(smp, (tuple, list)) or len(smp) != 2:
            raise InputError(f"sample {i}: expected a pair (x, y)")
        X.append(_point(net, smp[0], f"sample {i}: x", floats))
        Y.append(_aligned(net, smp[1], net.outputs, f"sample {i}: y", "output", floats) if lossobj.native else smp[1])
    if not X:
        raise InputError("samples: need at least one sample")
    return X, Y


# -- the budget ------------------------------------------------------------------------------------

def _seconds(value) -> float:
    """A time limit: a number of seconds > 0 (a float is fine here: it is a limit, not a value)."""
    if isinstance(value, float) and not isinstance(value, bool):
        if not (math.isfinite(value) and value > 0):
            raise InputError(f"seconds={value!r} must be a finite number > 0")
        return value
    return float(to_positive(value, what="seconds"))


class _Guard:
    def __init__(self, net, budget, seconds):
        self.net = net
        self.budget = None if budget is None else to_integer(budget, what="budget", least=1)
        self.limit = _NO_LIMIT if self.budget is None else self.budget
        self.seconds = None if seconds is None else _seconds(seconds)
        self.deadline = None if seconds is None else time.monotonic() + self.seconds

    def _at(self, i, s, edge) -> str:
        if edge is not None:
            u, v = self.net.edges[edge]
            place = f"edge ({name(u)}, {name(v)})"
        elif i is None:
            place = "the loss"
        else:
            place = f"vertex {name(self.net.vertices[i])} (layer {self.net._layer[i]})"
        return f"{place}, sample {s}"

    def over(self, bits, i, s, quantity, edge=None):
        raise LimitReached(f"bit budget {self.budget} reached at {self._at(i, s, edge)}: "
                           f"the {quantity} has {bits} bits")

    def product(self, la, lb, i, s, quantity, edge=None):
        raise LimitReached(f"bit budget {self.budget} reached at {self._at(i, s, edge)}: the {quantity} would multiply "
                           f"a {la}-bit and a {lb}-bit number (up to {la + lb} bits); refused before multiplying")

    def mul_at(self, i, s, quantity):
        if self.budget is None:
            return plain_mul
        limit = self.limit

        def mul(a, b):
            la, lb = bit_length(a), bit_length(b)
            if la + lb > limit:
                self.product(la, lb, i, s, quantity)
            return a * b
        return mul

    def tick(self, i, s, phase):
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise LimitReached(f"time budget {self.seconds:g} s reached at {self._at(i, s, None)}, in the {phase} pass")


# -- the passes ------------------------------------------------------------------------------------

def passes(net, theta, samples, loss_fn=None, *, backward: bool = True, budget=None, seconds=None,
           floats: bool = False, values: bool = False, as_fmpq: bool = False) -> Pass:
    """Forward (and backward) passes over ``samples`` with bit accounting: the general entry.

    ``samples``: (x, y) pairs, or inputs x alone when ``loss_fn`` is None (then no loss and no
    backward pass).  x is a dict input vertex -> number or a list aligned with ``net.inputs``; y a
    dict output vertex -> number or a list aligned with ``net.outputs`` (a custom loss gets y as given).
    ``budget``: the most bits any single quantity may have (None: no limit); ``seconds``: a time
    limit for the call.  ``values=True`` keeps every sample's per-vertex :class:`Value`.
    Results are Fractions, or python-flint fmpq with ``as_fmpq=True`` (no gcd to redo on huge values).
    """
    lossobj = None if loss_fn is None else as_loss(loss_fn)
    backward = backward and lossobj is not None
    if backward and not lossobj.has_grad:
        raise InputError(f"{lossobj.name} loss has no derivative: give custom(value, grad) to backpropagate")
    W, lw, bsum = _theta(net, theta, floats)
    X, Y = _samples(net, samples, lossobj, floats)
    guard = _Guard(net, budget, seconds)
    return _run(net, W, lw, bsum, X, Y, lossobj, guard, backward, values, (lambda q: q) if as_fmpq else to_fraction)


def forward(net, theta, x, budget=None, *, floats: bool = False) -> dict:
    """{vertex: Value(pre, act)} for one input x (exact Fractions)."""
    return passes(net, theta, [x], budget=budget, floats=floats, values=True).values[0]


def loss(net, theta, samples, loss_fn, budget=None, *, floats: bool = False) -> Fraction:
    """The empirical loss sum_i loss(f(x_i), y_i), exactly."""
    return passes(net, theta, samples, loss_fn, backward=False, budget=budget, floats=floats).loss


def backprop(net, theta, samples, loss_fn, budget=None, **options) -> Pass:
    """Loss, dL/dw and dL/db per edge, dL/dx per sample and the bit report (see :func:`passes`)."""
    return passes(net, theta, samples, loss_fn, backward=True, budget=budget, **options)


def backward(net, theta, samples, loss_fn, budget=None, **options):
    """``(loss, grad_w, grad_b, report)``, grad_w and grad_b dicts keyed by edge (see :func:`passes`)."""
    p = backprop(net, theta, samples, loss_fn, budget, **options)
    return p.loss, p.grad_w, p.grad_b, p.report


def _run(net, W, lw, bsum, X, Y, lossobj, guard, backward, keep, conv) -> Pass:
    n, E = len(net.vertices), len(net.edges)
    order, preds, succs, acts, source = net._order, net._preds, net._succs, net._act, net._source
    limit, zero = guard.limit, fmpq(0)
    best = {q: [0] * n for q in ("pre", "act", "delta", "dx")}
    seen = {q: [None] * n for q in best}
    GW, GB, ubw, ubb = [zero] * E, [zero] * n, [2] * E, [2] * n
    total, kept, dxs = zero, [], []

    def note(q, i, bits, s):
        if bits > limit:
            guard.over(bits, i, s, NAMES[q])
        if bits > best[q][i] or seen[q][i] is None:
            best[q][i], seen[q][i] = bits, s

    for s, x in enumerate(X):
        z, h, lh = [zero] * n, [zero] * n, [2] * n
        for i in order:
            guard.tick(i, s, "forward")
            if source[i]:
                z[i] = h[i] = x[i]
                lh[i] = bit_length(x[i])
                note("pre", i, lh[i], s)
                note("act", i, lh[i], s)
                continue
            acc = bsum[i] if x[i] is None else x[i] + bsum[i]
            z[i] = acc = _dot(acc, preds[i], W, h, lw, lh, guard, i, s, "pre-activation")
            note("pre", i, bit_length(acc), s)
            h[i] = acts[i].value(acc, guard.mul_at(i, s, "activation"))
            lh[i] = bit_length(h[i])
            note("act", i, lh[i], s)
        if keep:
            kept.append({v: Value(conv(z[i]), conv(h[i])) for i, v in enumerate(net.vertices)})
        if lossobj is None:
            continue
        yhat = [h[o] for o in net._out_ix]
        total += _loss_value(lossobj, yhat, Y[s], guard.mul_at(None, s, "loss"))
        if bit_length(total) > limit:
            guard.over(bit_length(total), None, s, "loss (summed over the samples so far)")
        if not backward:
            continue
        g = [None] * n
        for o, gv in zip(net._out_ix, _loss_grad(lossobj, yhat, Y[s], len(net.outputs))):
            g[o] = gv
        d, ld, dx = [zero] * n, [2] * n, {}
        for i in reversed(order):
            guard.tick(i, s, "backward")
            acc = _dot(zero if g[i] is None else g[i], succs[i], W, d, lw, ld, guard, i, s, "backpropagated error")
            if source[i]:
                dx[i] = acc
                note("dx", i, bit_length(acc), s)
                continue
            lb = bit_length(acc)
            if lb > limit:
                guard.over(lb, i, s, "backpropagated error dL/df")
            sl = acts[i].slope(z[i], guard.mul_at(i, s, "derivative of the activation"))
            if sl == 1 or sl == 0:                  # ReLU, the identity: no product to check
                d[i] = acc if sl == 1 else zero
            else:
                la = bit_length(sl)
                if la + lb > limit:
                    guard.product(la, lb, i, s, "delta (dL/dpre-activation)")
                d[i] = sl * acc
            ld[i] = bit_length(d[i])
            note("delta", i, ld[i], s)
            if net._in_pos[i] >= 0:
                dx[i] = d[i]
                note("dx", i, ld[i], s)
        dxs.append(dx)
        for i in order:
            di = d[i]
            if not di:
                continue
            GB[i] += di
            ubb[i] = 2 * (ubb[i] + ld[i])
            if ubb[i] > limit:
                ubb[i] = bit_length(GB[i])
                if ubb[i] > limit:
                    guard.over(ubb[i], i, s, "gradient dL/db of its incoming edges (summed over the samples so far)")
            _accumulate(GW, ubw, di, ld[i], preds[i], h, lh, guard, s)
    report = build_report(net, best, seen, GW if backward else None, GB if backward else None,
                     None if lossobj is None else bit_length(total))
    out = None
    if backward:
        grad_w = {ed: conv(GW[e]) for e, ed in enumerate(net.edges)}
        per_vertex = [conv(g) for g in GB]
        grad_b = {ed: per_vertex[net._ix[ed[1]]] for ed in net.edges}
        grad_x = [{net.vertices[i]: conv(v) for i, v in dx.items()} for dx in dxs]
        out = (grad_w, grad_b, grad_x)
    return Pass(None if lossobj is None else conv(total), *(out or (None, None, None)), kept if keep else None, report)


def _dot(acc, pairs, W, vals, lw, lens, guard, i, s, quantity):
    """acc + sum of W[e] vals[u] over the (e, u) in pairs, zero terms skipped.  Under a budget, a
    product whose operands' bit lengths (lw, lens) sum beyond it is refused before it is computed,
    and so is a partial sum over it; the whole sum is the caller's to check."""
    limit = guard.limit
    if limit == _NO_LIMIT:                          # the same sum without the budget's bookkeeping
        for e, u in pairs:
            if vals[u]:
                acc += W[e] * vals[u]
        return acc
    ub, last = bit_length(acc), len(pairs) - 1
    for k, (e, u) in enumerate(pairs):
        if not vals[u]:
            continue
        t = lw[e] + lens[u]
        if t > limit:
            guard.product(lw[e], lens[u], i, s, quantity)
        acc += W[e] * vals[u]
        ub = 2 * (ub + t)                           # len(a + b) <= 2 (len a + len b) for rationals
        if ub > limit and k < last:
            ub = bit_length(acc)
            if ub > limit:
                guard.over(ub, i, s, f"partial sum of the {quantity}")
    return acc


def _accumulate(GW, ubw, di, ldi, pairs, h, lh, guard, s):
    """GW[e] += di h[u] for the incoming edges (e, u) of one vertex, under the budget as in :func:`_dot`."""
    limit = guard.limit
    if limit == _NO_LIMIT:
        for e, u in pairs:
            if h[u]:
                GW[e] += di * h[u]
        return
    for e, u in pairs:
        t = ldi + lh[u]
        if t > limit:
            guard.product(ldi, lh[u], None, s, "gradient dL/dw", edge=e)
        GW[e] += di * h[u]
        ubw[e] = 2 * (ubw[e] + t)
        if ubw[e] > limit:
            ubw[e] = bit_length(GW[e])
            if ubw[e] > limit:
                guard.over(ubw[e], None, s, "gradient dL/dw (summed over the samples so far)", edge=e)




def _loss_value(lossobj, yhat, y, mul):
    if lossobj.native:
        return lossobj._value(yhat, y, mul)
    return to_q(rational(lossobj._value(tuple(to_fraction(v) for v in yhat), y), what=f"{lossobj.name} loss value"))


def _loss_grad(lossobj, yhat, y, k):
    if lossobj.native:
        return lossobj._grad(yhat, y)
    g = lossobj._grad(tuple(to_fraction(v) for v in yhat), y)
    if not isinstance(g, (list, tuple)) or len(g) != k:
        raise InputError(f"{lossobj.name} loss gradient: expected {k} numbers, one per output")
    return [to_q(rational(v, what=f"{lossobj.name} loss gradient")) for v in g]
