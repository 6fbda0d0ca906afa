"""Bit growth in the bit model: Theorem E.1's bound made explicit, and per-layer growth.

Doron-Arad and Mossel (2026), Theorem E.1: with piecewise-linear activations every pre-activation,
activation and backpropagated error has bit length <= N + O(|E|)(N + 1).  :func:`e1_bound` is an
explicit bound of that kind, derived in docs/bit-model-passes.md ([R] reconstruction: the paper's
step count uses len(a + b) <= max(B, C) + 1, which holds for integers but not for rationals, e.g.
len(1 + 1/255) = 17 > len(1/255) + 1 = 10; the derivation below uses common denominators instead).

With N >= the bit length of every number that enters a value (inputs, labels, weights, biases, the
activations' slopes and intercepts), P = 2|E| + 4|V| and T = (N - 1) P, depth L, fan-in k, fan-out
k', n samples, and the monomial counts pi(0) = 2, pi(d) = 2 + k + k pi(d - 1), rho = (pi(L) + 1)
(1 + k' + ... + k'^L):

    value (pre-activation, activation)   <= 2 T  + ceil(log2 pi(L))
    delta (dL/dz_v, dL/dx_v)             <= 4 T  + ceil(log2 rho)
    grad  (dL/dw_uv, dL/db_uv)           <= 6nT  + ceil(log2 (n rho pi(L)))

:func:`layer_bits` gives the maximum bit length per layer of one forward pass, for the polynomial
side of the dichotomy, where the bit length multiplies by about the degree per layer.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError
from ..numbers import to_integer, to_rational
from .activations import bit_length, rational
from .losses import as_loss
from .passes import backprop, passes
from .report import name

__all__ = ["e1_bound", "e1_check", "E1Check", "scalar_bits", "encoding_length", "layer_bits", "QUANTITIES"]

QUANTITIES = ("value", "delta", "grad")
_COEFF = {"value": 2, "delta": 4, "grad": 6}


def _clog2(c: int) -> int:
    return (c - 1).bit_length()       # ceil(log2 c) for c >= 1


def e1_bound(N: int, *, edges: int, vertices: int, depth: int, fan_in: int, fan_out: int, samples: int = 1,
             quantity: str = "value", scale=1) -> int:
    """The explicit Theorem E.1 bound on the bit length of a ``quantity`` ("value", "delta" or "grad").

    ``N`` bounds the bit length of every number that enters a value (the paper's N, the total
    encoding length, is one such bound).  ``scale`` multiplies the leading coefficient (2, 4 or 6n)
    of T = (N - 1)(2 edges + 4 vertices); anything below 1 is a deliberately wrong constant.

    >>> e1_bound(3, edges=1, vertices=2, depth=1, fan_in=1, fan_out=1)
    43
    """
    N = to_integer(N, what="N", least=2)
    E, V = to_integer(edges, what="edges", least=0), to_integer(vertices, what="vertices", least=1)
    L = to_integer(depth, what="depth", least=0)
    k, ko = to_integer(fan_in, what="fan_in", least=0), to_integer(fan_out, what="fan_out", least=0)
    n = to_integer(samples, what="samples", least=1)
    if quantity not in _COEFF:
        raise InputError(f"quantity={quantity!r} must be one of {', '.join(QUANTITIES)}")
    scale = to_rational(scale, what="scale")
    T = (N - 1) * (2 * E + 4 * V)
    pi = 2
    for _ in range(L):
        pi = 2 + k + k * pi
    rho = (pi + 1) * sum(ko**j for j in range(L + 1))
    coeff = _COEFF[quantity] * (n if quantity == "grad" else 1)
    count = {"value": pi, "delta": rho, "grad": n * rho * pi}[quantity]
    lead = scale * coeff * T
    return lead.numerator // lead.denominator + _clog2(count)


def scalar_bits(net, theta, samples, *, floats: bool = False) -> int:
    """The largest bit length of a number that enters a value: weights, biases, inputs, labels,
    slopes and intercepts (breakpoints are only compared with)."""
    nums = [q for wb in theta.values() for q in wb]
    nums += [c for a in net.activations.values() for c in a.constants()]
    for smp in samples:
        for part in smp:
            nums += list(part.values()) if isinstance(part, dict) else list(part)
    return max(bit_length(rational(q, what="number", floats=floats)) for q in nums)


def encoding_length(net, theta, samples, *, floats: bool = False) -> int:
    """The total bit length of the instance's numbers (theta, the samples, every activation's
    breakpoints, slopes and intercepts): the paper's N, less the graph's own encoding."""
    nums = [q for wb in theta.values() for q in wb]
    for a in net.activations.values():
        nums += list(a.breakpoints) + list(a.constants())
    for smp in samples:
        for part in smp:
            nums += list(part.values()) if isinstance(part, dict) else list(part)
    return sum(bit_length(rational(q, what="number", floats=floats)) for q in nums)


@dataclass(frozen=True)
class E1Check:
    """Measured maxima against :func:`e1_bound` for one instance."""
    N: int
    bound: dict
    measured: dict
    violations: tuple

    @property
    def ok(self) -> bool:
        return not self.violations


def e1_check(net, theta, samples, loss_fn, *, scale=1, budget=None) -> E1Check:
    """Run one exact backpropagation step and compare every quantity's bit length with the bound.

    Refuses a network with a non-piecewise-linear activation and a custom loss (the bound covers
    square, hinge and 0/1 losses)."""
    for v, a in net.activations.items():
        if not a.is_piecewise_linear:
            raise InputError(f"vertex {name(v)} has the activation {a!r}: Theorem E.1 covers piecewise-linear ones")
    lossobj = as_loss(loss_fn)
    if not lossobj.native:
        raise InputError(f"e1_check: the {lossobj.name} loss is not covered (square, hinge or zero_one)")
    rep = backprop(net, theta, samples, lossobj, budget, as_fmpq=True).report
    N = scalar_bits(net, theta, samples)
    shape = dict(edges=len(net.edges), vertices=len(net.vertices), depth=net.depth, fan_in=net.fan_in,
                 fan_out=net.fan_out, samples=len(samples))
    bound = {q: e1_bound(N, quantity=q, scale=scale, **shape) for q in QUANTITIES}
    rows = rep.vertex.values()
    measured = {"value": max(max(r["pre"], r["act"]) for r in rows),
                "delta": max([r[q] for r in rows for q in ("delta", "dx") if r[q] is not None], default=0),
                "grad": max([b for r in rep.edge.values() for b in r.values()], default=0)}
    bad = tuple(f"{q}: {measured[q]} bits > bound {bound[q]}" for q in QUANTITIES if measured[q] > bound[q])
    return E1Check(N, bound, measured, bad)


def layer_bits(net, theta, x, *, budget=None, quantity: str = "act") -> list[int]:
    """The largest bit length of ``quantity`` ("pre" or "act") per layer, layer 0 first, for one
    input x: the per-layer growth of a forward pass."""
    if quantity not in ("pre", "act"):
        raise InputError(f"quantity={quantity!r} must be 'pre' or 'act'")
    return passes(net, theta, [x], budget=budget).report.per_layer(quantity)

