"""Straight-line programs (Definition 2.2), BitSLP and PosSLP, and the bounded-norm form of Lemma A.5.

Doron-Arad and Mossel (2026).  An SLP is a0 in Q and gates a_i = a_j op a_k, j, k < i, op in {+, -, *};
its value n_P is the last gate a_l.  BitSLP asks for floor((|u|/v) / 2^j) mod 2 where u/v = n_P (Problem
2.3), PosSLP whether n_P > 0 (Problem 2.5); both are answered here by exact evaluation, which takes
exponential space in the worst case (repeated squaring reaches 2^(2^n)): ``budget`` bounds it.

Lemma A.5 turns an SLP P with a0 = 1 and n gates into a BN-SLP Q (Definition A.3): m gates over the
constant b0 = 2^-m, every value in [-1, 1] (Lemma A.4: |b_i| <= 2^i b0), output 2^(-m 2^n) n_P.  Each
gate of P gets an exponent e_i (e_0 = 1; e_j + e_k for a product; max(e_j, e_k) for a sum or
difference, whose operands are first aligned by multiplying with b0^t) and the invariant
ã_i = b0^(e_i) a_i; the output is lifted to the exponent 2^n.  Two passes, as in the proof:
:func:`bn_length` counts m from the exponents alone, then :func:`bounded_norm` emits the gates.
"""
from __future__ import annotations

import random
from fractions import Fraction
from typing import NamedTuple

from ..errors import ExactReluError, InputError, LimitReached
from ..numbers import fmt, to_integer, to_rational

__all__ = ["SLP", "evaluate", "value_bits", "bit_slp", "pos_slp", "random_slp", "repeated_squaring",
           "exponents", "alignment_cost", "bn_length", "bn_length_bound", "power_gadget", "BoundedNorm",
           "bounded_norm", "check_bounded_norm", "lemma_a4_violations"]

OPS = "+-*"


class SLP:
    """a0 and gates [(op, j, k), ...]: gate i (from 1) is a_i = a_j op a_k with 0 <= j, k < i.

    >>> evaluate(SLP(1, [("+", 0, 0), ("*", 1, 1), ("-", 2, 0)]))
    [Fraction(1, 1), Fraction(2, 1), Fraction(4, 1), Fraction(3, 1)]
    """

    __slots__ = ("a0", "gates")

    def __init__(self, a0, gates):
        self.a0 = to_rational(a0, what="SLP a0")
        checked = []
        for i, g in enumerate(gates, start=1):
            if not isinstance(g, (tuple, list)) or len(g) != 3:
                raise InputError(f"SLP gate {i}: expected (op, j, k), got {g!r}")
            op, j, k = g
            if op not in ("+", "-", "*"):
                raise InputError(f"SLP gate {i}: unknown operation {op!r} (use '+', '-' or '*')")
            for name, v in (("j", j), ("k", k)):
                if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < i:
                    raise InputError(f"SLP gate {i}: operand {name}={v!r} must be an integer in 0..{i - 1}")
            checked.append((op, j, k))
        self.gates = tuple(checked)

    def __len__(self):
        return len(self.gates)

    def __eq__(self, other):
        return isinstance(other, SLP) and (self.a0, self.gates) == (other.a0, other.gates)

    def __hash__(self):
        return hash((self.a0, self.gates))

    def __repr__(self):
        return f"SLP(a0={fmt(self.a0)!r}, gates={list(self.gates)!r})"


def value_bits(x: Fraction) -> int:
    """Bit length of a rational's reduced numerator (absolute value) plus that of its denominator."""
    return abs(x.numerator).bit_length() + x.denominator.bit_length()


def evaluate(slp: SLP, budget: int | None = None) -> list[Fraction]:
    """[a_0, ..., a_l], exact.  With ``budget``, LimitReached as soon as a value has more than
    ``budget`` bits (:func:`value_bits`): each operation then works on operands within the budget.

    >>> evaluate(repeated_squaring(4))[-1]
    Fraction(256, 1)
    """
    if budget is not None:
        budget = to_integer(budget, what="budget", least=1)
    if budget is not None and value_bits(slp.a0) > budget:
        raise LimitReached(f"SLP a0 has {value_bits(slp.a0)} bits, over the budget of {budget} bits")
    vals = [slp.a0]
    for i, (op, j, k) in enumerate(slp.gates, start=1):
        a, b = vals[j], vals[k]
        v = a + b if op == "+" else a - b if op == "-" else a * b
        if budget is not None and value_bits(v) > budget:
            raise LimitReached(f"SLP gate {i} (a_{j} {op} a_{k}) has {value_bits(v)} bits, "
                               f"over the budget of {budget} bits")
        vals.append(v)
    return vals


def bit_slp(slp: SLP, j: int, budget: int | None = None) -> bool:
    """BitSLP: whether floor((|u|/v) / 2^j) mod 2 = 1 for u/v = a_l (Problem 2.3, j >= 0 there).

    Any integer j is accepted: j < 0 reads the digits after the binary point (bit -1 is the first).

    >>> bit_slp(SLP(1, [("+", 0, 0), ("+", 1, 0)]), 0), bit_slp(SLP(Fraction(1, 4), []), -2)
    (True, True)
    """
    j = to_integer(j, what="bit index j")
    v = evaluate(slp, budget)[-1]
    u, d = abs(v.numerator), v.denominator
    return bool((u // (d << j) if j >= 0 else (u << -j) // d) & 1)


def pos_slp(slp: SLP, budget: int | None = None) -> bool:
    """PosSLP: whether a_l > 0 (Problem 2.5)."""
    return evaluate(slp, budget)[-1] > 0


def random_slp(n: int, seed: int, *, a0=1, ops: str = OPS) -> SLP:
    """n gates, each op drawn uniformly from ``ops`` and j, k uniformly from 0..i-1 (random.Random(seed))."""
    n = to_integer(n, what="n", least=0)
    if not ops or any(o not in OPS for o in ops):
        raise InputError(f"ops={ops!r} must be a non-empty string of '+', '-', '*'")
    rng = random.Random(seed)
    return SLP(a0, [(rng.choice(ops), rng.randrange(i), rng.randrange(i)) for i in range(1, n + 1)])


def repeated_squaring(n: int, a0=1) -> SLP:
    """a_1 = a0 + a0, a_i = a_(i-1)^2: a_n = (2 a0)^(2^(n-1)), 2^(2^(n-1)) bits-worth for a0 = 1."""
    n = to_integer(n, what="n", least=1)
    return SLP(a0, [("+", 0, 0)] + [("*", i - 1, i - 1) for i in range(2, n + 1)])


# -- Lemma A.5 ------------------------------------------------------------------------------------
def exponents(slp: SLP) -> list[int]:
    """e_0..e_n of Lemma A.5: e_0 = 1, e_j + e_k for '*', max(e_j, e_k) for '+' and '-'."""
    e = [1]
    for op, j, k in slp.gates:
        e.append(e[j] + e[k] if op == "*" else max(e[j], e[k]))
    return e


def alignment_cost(t: int) -> int:
    """Gates of the gadget G_t (z -> z b0^t): floor(log2 t) squarings and popcount(t) products; 0 for t = 0."""
    return 0 if t == 0 else t.bit_length() - 1 + bin(t).count("1")


def bn_length(slp: SLP) -> int:
    """First pass of Lemma A.5: the number m of gates the construction emits, from the exponents alone."""
    e, m = exponents(slp), 0
    for i, (op, j, k) in enumerate(slp.gates, start=1):
        m += 1 if op == "*" else 1 + alignment_cost(e[i] - e[j]) + alignment_cost(e[i] - e[k])
    return m + alignment_cost(2 ** len(slp) - e[-1])


def bn_length_bound(n: int) -> int:
    """n^2 + n for n >= 1 (0 for n = 0): my bound on m, not the paper's (which says O(n^2)).

    Gate i's operands have exponents in [1, 2^(i-1)], so an alignment has t <= 2^(i-1) - 1 and costs at
    most (i - 2) + (i - 1) gates (none for i = 1); with the gate itself, at most 2i - 2 for i >= 2 and 1
    for i = 1.  The output lift has t <= 2^n - 1: at most 2n - 1.  Sum: 1 + n(n-1) + 2n - 1 = n^2 + n.
    """
    return n * n + n


def power_gadget(emit, z: int, t: int) -> int:
    """The gadget G_t of Lemma A.5: p_0 = b0 (gate 0), p_(r+1) = p_r^2 for r < floor(log2 t), then z times
    each p_r with bit r of t set.  ``emit(op, j, k)`` appends a gate and returns its index; returns the
    index of z b0^t (z itself when t = 0)."""
    if t == 0:
        return z
    powers = [0]
    for _ in range(t.bit_length() - 1):
        powers.append(emit("*", powers[-1], powers[-1]))
    for r, p in enumerate(powers):
        if t >> r & 1:
            z = emit("*", z, p)
    return z


class BoundedNorm(NamedTuple):
    """Lemma A.5's output: the BN-SLP, its length m, the exponents e_i and where each a_i went in it."""
    slp: SLP
    m: int
    exponents: list[int]
    index: list[int]


def _construct(slp: SLP, gadget=power_gadget):
    """Second pass: the gates of Q, and the index in Q of each gate of P (the output is Q's last gate)."""
    gates: list[tuple[str, int, int]] = []

    def emit(op, j, k):
        gates.append((op, j, k))
        return len(gates)

    e, index = exponents(slp), [0]
    for i, (op, j, k) in enumerate(slp.gates, start=1):
        if op == "*":
            index.append(emit("*", index[j], index[k]))
        else:
            zj, zk = gadget(emit, index[j], e[i] - e[j]), gadget(emit, index[k], e[i] - e[k])
            index.append(emit(op, zj, zk))
    gadget(emit, index[-1], 2 ** len(slp) - e[-1])
    return gates, e, index


def bounded_norm(slp: SLP) -> BoundedNorm:
    """Lemma A.5: a BN-SLP Q with b0 = 2^-m and m gates whose last gate is 2^(-m 2^n) n_P.

    ``slp`` must have a0 = 1 (the lemma's P computes n_P at x = 1).

    >>> bn = bounded_norm(SLP(1, [("+", 0, 0), ("*", 1, 0)]))  # 2, then 2 * 1
    >>> bn.m, bn.exponents, evaluate(bn.slp)[-1] == Fraction(2, 2 ** (bn.m * 4))
    (4, [1, 1, 2], True)
    """
    if slp.a0 != 1:
        raise InputError(f"Lemma A.5 needs an SLP with a0 = 1, got a0 = {fmt(slp.a0)}")
    m = bn_length(slp)
    gates, e, index = _construct(slp)
    if len(gates) != m:
        raise ExactReluError(f"internal: Lemma A.5's two passes disagree ({m} counted, {len(gates)} emitted)")
    return BoundedNorm(SLP(Fraction(1, 2 ** m), gates), m, e, index)


def lemma_a4_violations(slp: SLP) -> list[int]:
    """The gates i with |b_i| > 2^i b0 (Lemma A.4's induction bound, b0 = a0 > 0), or with |b_i| > 1."""
    b0 = slp.a0
    if b0 <= 0:
        raise InputError(f"Lemma A.4 needs b0 > 0, got {fmt(b0)}")
    return [i for i, v in enumerate(evaluate(slp)) if abs(v) > 2 ** i * b0 or abs(v) > 1]


def check_bounded_norm(p: SLP, bn: BoundedNorm) -> list[str]:
    """Every property of Lemmas A.4 and A.5 that fails for P and its claimed BN-SLP (empty: all hold).

    Checked exactly: Q's constant is 2^-m and it has m gates (Definition A.3); the last gate equals
    2^(-m 2^n) n_P; the invariant ã_i = b0^(e_i) a_i at every gate of P; e_i <= 2^i; Lemma A.4 (every
    |b_i| <= 2^i b0 <= 1); m <= :func:`bn_length_bound`.
    """
    q, m, e, index = bn
    n = len(p)
    bad = []
    if q.a0 != Fraction(1, 2 ** m) or len(q) != m:
        bad.append(f"Q has a0 = {fmt(q.a0)} and {len(q)} gates, not 2^-{m} and {m}")
    a, b = evaluate(p), evaluate(q)
    if b[-1] != a[-1] / 2 ** (m * 2 ** n):
        bad.append(f"output {fmt(b[-1])} != 2^-(m 2^n) n_P with m = {m}, n = {n}, n_P = {fmt(a[-1])}")
    bad += [f"invariant fails at gate {i}" for i in range(n + 1) if b[index[i]] != q.a0 ** e[i] * a[i]]
    bad += [f"e_{i} = {e[i]} > 2^{i}" for i in range(n + 1) if e[i] > 2 ** i]
    bad += [f"Lemma A.4 fails at gate {i}" for i in lemma_a4_violations(q)]
    if m > bn_length_bound(n):
        bad.append(f"m = {m} > n^2 + n = {bn_length_bound(n)}")
    return bad
