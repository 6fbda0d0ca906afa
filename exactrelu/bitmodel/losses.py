"""Losses of the bit model: the empirical loss is the *sum* over samples of loss(f(x_i), y_i)
(Doron-Arad and Mossel 2026, Section 2), each term a function of the output vector.

* :data:`square`:   1/2 sum_t (yhat_t - y_t)^2, summed over the output vertices t; d/dyhat_t = yhat_t - y_t.
* :data:`hinge`:    sum_t max(0, 1 - y_t yhat_t); d/dyhat_t = -y_t where 1 - y_t yhat_t > 0, else 0
  (0 at the kink, the same left-piece convention as the activations).
* :data:`zero_one`: 1 if yhat != y (exact equality of the whole vector), else 0; its derivative is 0
  (piecewise constant; 0 at the jump too).
* :func:`custom`:   any callable value(yhat, y) -> rational, with an optional grad(yhat, y) -> one
  rational per output; a custom loss receives the label ``y`` exactly as the sample gives it.

Each is callable on Fractions: ``square([Fraction(3)], [Fraction(1)]) == 2``.
"""
from __future__ import annotations

from fractions import Fraction

import flint

from ..errors import InputError
from .activations import plain_mul, rational, to_fraction, to_q

__all__ = ["Loss", "square", "hinge", "zero_one", "custom", "as_loss"]

fmpq = flint.fmpq
_HALF = fmpq(1, 2)


class Loss:
    """A loss of the output vector: ``value`` (and, for backpropagation, ``grad``).

    Built-in losses (``native``) compute on fmpq with the passes' budget-checked multiplication;
    a custom loss is called on Fractions."""

    def __init__(self, name: str, value, grad=None, *, native: bool = False):
        self.name, self._value, self._grad, self.native = name, value, grad, native

    @property
    def has_grad(self) -> bool:
        return self._grad is not None

    def __repr__(self) -> str:
        return f"Loss({self.name})"

    def __call__(self, yhat, y) -> Fraction:
        """The loss of one sample, on exact numbers (lists aligned with the outputs)."""
        if not self.native:
            return rational(self._value(tuple(yhat), y), what=f"{self.name} loss value")
        yq = [to_q(rational(v, what="label")) for v in y]
        hq = [to_q(rational(v, what="output")) for v in yhat]
        if len(yq) != len(hq):
            raise InputError(f"{self.name} loss: {len(hq)} outputs but {len(yq)} labels")
        return to_fraction(self._value(hq, yq, plain_mul))

    def gradient(self, yhat, y) -> tuple[Fraction, ...]:
        """d loss / d yhat_t for each output t, on exact numbers."""
        if self._grad is None:
            raise InputError(f"{self.name} loss has no derivative: give custom(value, grad)")
        if not self.native:
            return tuple(rational(v, what=f"{self.name} loss gradient") for v in self._grad(tuple(yhat), y))
        yq = [to_q(rational(v, what="label")) for v in y]
        return tuple(to_fraction(v) for v in self._grad([to_q(rational(v, what="output")) for v in yhat], yq))


def _square_value(yhat, y, mul):
    total = fmpq(0)
    for a, b in zip(yhat, y):
        d = a - b
        total += mul(d, d)
    return total * _HALF


def _hinge_value(yhat, y, mul):
    total = fmpq(0)
    for a, b in zip(yhat, y):
        m = 1 - mul(b, a)
        if m > 0:
            total += m
    return total


def _hinge_grad(yhat, y):
    return [-b if 1 - b * a > 0 else fmpq(0) for a, b in zip(yhat, y)]


square = Loss("square", _square_value, lambda yhat, y: [a - b for a, b in zip(yhat, y)], native=True)
hinge = Loss("hinge", _hinge_value, _hinge_grad, native=True)
zero_one = Loss("0/1", lambda yhat, y, mul: fmpq(int(any(a != b for a, b in zip(yhat, y)))),
                lambda yhat, y: [fmpq(0)] * len(yhat), native=True)


def custom(value, grad=None, *, name: str = "custom") -> Loss:
    """A user loss: ``value(yhat, y)`` and optionally ``grad(yhat, y)``, with ``yhat`` a tuple of
    Fractions aligned with the outputs and ``y`` the sample's label as given."""
    if not callable(value) or (grad is not None and not callable(grad)):
        raise InputError("custom loss: value (and grad, when given) must be callables")
    return Loss(name, value, grad)


def as_loss(loss_fn) -> Loss:
    """A :class:`Loss`, or a plain callable taken as :func:`custom` (value only)."""
    if isinstance(loss_fn, Loss):
        return loss_fn
    if callable(loss_fn):
        return custom(loss_fn)
    raise InputError(f"loss: expected square, hinge, zero_one or custom(...), got {type(loss_fn).__name__}")
