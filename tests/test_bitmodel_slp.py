"""Straight-line programs: validation, exact evaluation under a bit budget, BitSLP and PosSLP, and
Lemma A.5's bounded-norm reduction (with Lemma A.4's bound), each property also fed a broken variant."""
import itertools
import math
from fractions import Fraction as F

import pytest
from hypothesis import given, settings, strategies as st

from exactrelu.bitmodel import slp as s
from exactrelu.bitmodel.slp import SLP
from exactrelu.errors import InputError, LimitReached


@st.composite
def slps(draw, max_gates=7, a0=None):
    n = draw(st.integers(0, max_gates))
    gates = [(draw(st.sampled_from("+-*")), draw(st.integers(0, i - 1)), draw(st.integers(0, i - 1)))
             for i in range(1, n + 1)]
    first = F(1) if a0 is None else draw(a0)
    return SLP(first, gates)


def oracle_value(p):
    """a_l by a separate recursion over the gate list (memoised), not the module's loop."""
    memo = {0: p.a0}

    def val(i):
        if i not in memo:
            op, j, k = p.gates[i - 1]
            memo[i] = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}[op](val(j), val(k))
        return memo[i]
    for i in range(len(p) + 1):
        val(i)
    return memo[len(p)]


# -- the type -----------------------------------------------------------------------------------
BAD_GATES = [
    ([("/", 0, 0)], "gate 1: unknown operation '/'"), ([("x", 0, 0)], "unknown operation 'x'"),
    ([("+", 0, 1)], "gate 1: operand k=1 must be an integer in 0..0"), ([("+", -1, 0)], "operand j=-1"),
    ([("+", 0, 0), ("*", 2, 0)], "gate 2: operand j=2"), ([("+", True, 0)], "operand j=True"),
    ([("+", 0.0, 0)], "operand j=0.0"), ([("+", 0)], "gate 1: expected (op, j, k)"), (["+00"], "expected (op, j, k)"),
]


@pytest.mark.parametrize("gates,message", BAD_GATES)
def test_invalid_gates_are_refused_naming_the_gate(gates, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        SLP(1, gates)


def test_a0_is_read_exactly():
    assert SLP("0.1", []).a0 == F(1, 10)
    with pytest.raises(InputError, match="float"):
        SLP(0.5, [])


def test_equality_and_repr():
    p = SLP(1, [["+", 0, 0]])
    assert p == SLP("1", [("+", 0, 0)]) and hash(p) == hash(SLP(1, [("+", 0, 0)]))
    assert repr(p) == "SLP(a0='1', gates=[('+', 0, 0)])" and len(p) == 1


# -- evaluation ---------------------------------------------------------------------------------
@given(slps(a0=st.fractions(min_value=-3, max_value=3, max_denominator=5)))
def test_evaluate_matches_an_independent_recursion(p):
    assert s.evaluate(p)[-1] == oracle_value(p)


def test_repeated_squaring_and_the_budget_boundary():
    """a_i = 2^(2^(i-1)) has 2^(i-1) + 2 bits (numerator and denominator): gate 10 has 514."""
    p = s.repeated_squaring(10)
    assert s.evaluate(p)[-1] == 2 ** 2 ** 9
    assert s.evaluate(p, budget=514)[-1] == 2 ** 512
    with pytest.raises(LimitReached, match=r"gate 10 \(a_9 \* a_9\) has 514 bits, over the budget of 513"):
        s.evaluate(p, budget=513)


def test_budget_stops_doubly_exponential_growth_early():
    with pytest.raises(LimitReached, match="gate 11 "):
        s.evaluate(s.repeated_squaring(64), budget=1000)  # 2^(2^63) is never built
    with pytest.raises(LimitReached, match="a0 has"):
        s.evaluate(SLP(F(2 ** 100, 3), []), budget=50)
    with pytest.raises(InputError, match="budget"):
        s.evaluate(s.repeated_squaring(3), budget=0)


# -- BitSLP and PosSLP ---------------------------------------------------------------------------
@given(slps(a0=st.fractions(min_value=-3, max_value=3, max_denominator=6)), st.integers(-12, 40))
def test_bit_slp_is_the_definition(p, j):
    v = oracle_value(p)
    assert s.bit_slp(p, j) == (math.floor(abs(v) / F(2) ** j) % 2 == 1)
    assert s.pos_slp(p) == (v > 0)


def test_bit_slp_reads_binary_digits():
    p = SLP(1, [("+", 0, 0), ("+", 1, 0), ("*", 2, 2), ("-", 3, 0)])  # 2, 3, 9, 8
    assert [s.bit_slp(p, j) for j in range(5)] == [False, False, False, True, False]
    q = SLP(F(-5, 8), [])  # 0.101 in binary
    assert [s.bit_slp(q, j) for j in (0, -1, -2, -3, -4)] == [False, True, False, True, False]
    assert not s.pos_slp(q) and s.pos_slp(p)


def test_random_slp_is_seeded_and_valid():
    assert s.random_slp(12, 5) == s.random_slp(12, 5) != s.random_slp(12, 6)
    assert all(op == "*" for op, _, _ in s.random_slp(6, 1, ops="*").gates)
    with pytest.raises(InputError, match="ops"):
        s.random_slp(3, 0, ops="+/")


# -- Lemma A.5 -----------------------------------------------------------------------------------
@settings(max_examples=300)
@given(slps(max_gates=8))
def test_lemma_a5_properties_hold(p):
    bn = s.bounded_norm(p)
    assert s.check_bounded_norm(p, bn) == []
    assert bn.m == s.bn_length(p) == len(bn.slp)  # the two passes agree
    assert all(-1 <= v <= 1 for v in s.evaluate(bn.slp))


@pytest.mark.parametrize("seed", range(40))
def test_lemma_a5_on_seeded_random_slps(seed):
    p = s.random_slp(4 + seed % 5, seed)
    assert s.check_bounded_norm(p, s.bounded_norm(p)) == []


@given(slps(max_gates=5), st.integers(0, 24))
def test_bitslp_and_posslp_survive_the_reduction(p, j):
    """The paper: the scale 2^(-m 2^n) shifts every bit right by m 2^n places and keeps the sign."""
    bn = s.bounded_norm(p)
    shift = bn.m * 2 ** len(p)
    assert s.bit_slp(p, j) == s.bit_slp(bn.slp, j - shift)
    assert s.pos_slp(p) == s.pos_slp(bn.slp)


def test_the_bits_sit_m_2n_places_after_the_point_not_in_the_first_n():
    """Care: the paper says the hard bit is "one of the first n bits to the right of the decimal point";
    on instances those digits are 0 and bit j of n_P sits m 2^n - j places after the point."""
    for p in (s.repeated_squaring(3), s.random_slp(5, 2), SLP(1, [("+", 0, 0), ("+", 1, 0), ("*", 2, 2)])):
        bn, n = s.bounded_norm(p), len(p)
        assert not any(s.bit_slp(bn.slp, -i) for i in range(1, n + 1))
        width = abs(s.evaluate(p)[-1].numerator).bit_length()
        digits = [s.bit_slp(p, j) for j in range(width)]
        assert digits == [s.bit_slp(bn.slp, j - bn.m * 2 ** n) for j in range(width)] and any(digits)


def _broken(p, gadget):
    gates, e, index = s._construct(p, gadget)
    return s.BoundedNorm(SLP(F(1, 2 ** len(gates)), gates), len(gates), e, index)


def skip_alignment(emit, z, t):
    return z


def one_power_short(emit, z, t):
    return s.power_gadget(emit, z, max(t - 1, 0))


MIXED = SLP(1, [("*", 0, 0), ("+", 1, 0), ("*", 2, 1)])  # exponents 1, 2, 2, 4: one alignment by b0^1


@pytest.mark.parametrize("gadget", [skip_alignment, one_power_short])
def test_broken_alignment_is_caught(gadget):
    bad = s.check_bounded_norm(MIXED, _broken(MIXED, gadget))
    assert any(b.startswith("output") for b in bad) and any(b.startswith("invariant") for b in bad), bad


def test_wrong_constant_b0_breaks_lemma_a4():
    """The same gates over b0 = 3/4 instead of 2^-m: values leave [-1, 1] (check can fail)."""
    q = s.bounded_norm(s.repeated_squaring(5)).slp
    assert s.lemma_a4_violations(q) == []
    assert s.lemma_a4_violations(SLP(F(3, 4), q.gates)) == [1, 2, 3, 4, 5, 10]
    tight = SLP(F(1, 2), [("+", 0, 0), ("+", 1, 1), ("*", 2, 2), ("*", 3, 3)])  # 1, 2, 4, 16
    assert s.lemma_a4_violations(tight) == [2, 3, 4]  # |b_i| > 1 from gate 2; 16 > 2^4 b0 at gate 4


def test_wrong_output_lift_and_wrong_length_are_caught():
    p = s.repeated_squaring(3)
    bn = s.bounded_norm(p)
    short = s.BoundedNorm(SLP(bn.slp.a0, bn.slp.gates[:-1]), bn.m, bn.exponents, bn.index)
    assert any(b.startswith("Q has") for b in s.check_bounded_norm(p, short))
    wrong_e = s.BoundedNorm(bn.slp, bn.m, [1] + bn.exponents[1:-1] + [bn.exponents[-1] + 1], bn.index)
    assert any(b.startswith("invariant") for b in s.check_bounded_norm(p, wrong_e))


def test_needs_a0_one_and_handles_the_empty_program():
    with pytest.raises(InputError, match="a0 = 1"):
        s.bounded_norm(SLP(2, [("+", 0, 0)]))
    bn = s.bounded_norm(SLP(1, []))
    assert bn.m == 0 and bn.slp == SLP(1, []) and s.check_bounded_norm(SLP(1, []), bn) == []


def test_alignment_cost_is_the_gadget_size():
    for t in range(0, 70):
        gates = []
        out = s.power_gadget(lambda op, j, k: gates.append((op, j, k)) or len(gates), 0, t)
        assert len(gates) == s.alignment_cost(t)
        vals = s.evaluate(SLP(F(1, 3), gates))
        assert vals[out] == F(1, 3) ** (t + 1)  # z = b0 itself: b0 * b0^t


# -- the size m against n ------------------------------------------------------------------------
def chain(n, k):
    """k squarings (exponent 2^k), then n - k additions of a_0 (each aligns a_0 by b0^(2^k - 1))."""
    return SLP(1, [("*", i - 1, i - 1) for i in range(1, k + 1)] + [("+", i - 1, 0) for i in range(k + 1, n + 1)])


def test_worst_case_size_exhaustive_small_n():
    """Over every SLP with n <= 4 gates (order of operands and '+'/'-' do not change m), the largest m
    is the best chain's: 2, 5, 9, 15; all within n^2 + n."""
    for n, worst in zip(range(1, 5), (2, 5, 9, 15)):
        choices = [[(op, j, k) for op in "+*" for j in range(i) for k in range(j, i)] for i in range(1, n + 1)]
        top = max(s.bn_length(SLP(1, list(gs))) for gs in itertools.product(*choices))
        assert top == worst == max(s.bn_length(chain(n, k)) for k in range(n + 1)) <= s.bn_length_bound(n)


@pytest.mark.parametrize("n", [6, 10, 16, 32])
def test_chain_size_is_quadratic(n):
    """Measured: the best chain (k = n/2) has m = n^2/2 + 2n - 1 (n even), so m = Theta(n^2) is reached."""
    assert max(s.bn_length(chain(n, k)) for k in range(n + 1)) == n * n // 2 + 2 * n - 1 <= s.bn_length_bound(n)


def test_size_bound_with_a_wrong_constant_fails():
    n = 16
    assert s.bn_length(chain(n, n // 2)) > n * n // 2  # a bound of n^2/2 would be false
