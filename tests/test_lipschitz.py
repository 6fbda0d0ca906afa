"""The Lipschitz bound by induction on layers (slides [S], general q [R] reconstruction, docs/derivations.md §4), decided exactly."""
from fractions import Fraction as F

import pytest
from hypothesis import given, settings, strategies as st

from exactrelu import NetClass
from exactrelu.errors import InputError, LimitReached
from exactrelu.net import Layer, Net
from exactrelu.numbers import iroot_ceil
from exactrelu.strategies import nets, rationals
from exactrelu.theory.lipschitz import (PowerProduct, bound_ge, gradient_sq, lipschitz_bound_squared,
                                        max_pattern_gradient_sq, positive_part_exponent)
from helpers import load_proof

QS = [1, 2, 3, 4, "inf"]


def _upper_root(s: F, q: int) -> F:
    """A rational >= s^(1/q) (integer roots on a scaled numerator; no floats)."""
    scale = 1 << 20
    return F(iroot_ceil(-(-s.numerator * scale**q // s.denominator), q), scale)


def into_class(net: Net, c: F, q) -> Net:
    """Rescale each layer by a rational so that max(||W_l||_q, ||b_l||_q) <= c (exactly checked)."""
    layers = []
    for lay, (w, b) in zip(net.layers, net.layer_norm_power(q)):
        s = max(w, b)
        r = s if q == "inf" else _upper_root(s, q)
        t = c / r if r > c else F(1)
        layers.append(Layer(tuple(tuple(t * v for v in row) for row in lay.weight), tuple(t * v for v in lay.bias)))
    out = Net(layers, input_dim=net.input_dim)
    assert out.norm_le(c, q)
    return out


@st.composite
def class_members(draw, max_d=2, max_depth=4, max_width=3):
    """(net, d, L, B, c, q) with net in N(d, L, B, c, q), entries near the boundary."""
    c = draw(st.sampled_from([F(1, 2), F(1), F(2)]), label="c")
    q = draw(st.sampled_from(QS), label="q")
    raw = draw(nets(max_input_dim=max_d, max_depth=max_depth, max_width=max_width,
                    entries=rationals(max_denominator=8, max_abs=c)), label="net")
    net = into_class(raw, c, q)
    B = max(net.widths, default=1)
    assert net in NetClass(net.input_dim, net.depth, B, c, q)
    return net, net.input_dim, net.depth, B, c, q


@given(class_members())
@settings(max_examples=80)
def test_every_region_within_bound(member):
    """The exact gradient on every linear region of [0,1]^d (squared l2 norm) is <= the squared bound,
    and so is the induction's own object: ||W_L D ... W_1||^2 for every activation pattern D."""
    from exactrelu.analysis.regions import linear_regions
    net, d, L, B, c, q = member
    bound = lipschitz_bound_squared(d, L, B, c, q)
    for r in linear_regions(net, [(0, 1)] * d, vertices=False):
        assert bound_ge(bound, sum(a * a for a in r.A[0]))
    assert bound_ge(bound, max_pattern_gradient_sq(net))


@pytest.mark.parametrize("d,L,c,M", [(1, 3, F(1), 8), (2, 4, F(1, 2), 4), (3, 3, F(2), 8)])
def test_bump_gradient_is_one_over_6d_of_bound(d, L, c, M):
    """docs/derivations.md §4 ([R] reconstruction): ||grad phi_y|| = peak M sqrt(d) = bound / (6d) (squared, exactly)."""
    from exactrelu.analysis.regions import lipschitz
    from exactrelu.constructions.bumps import bump_net, bump_peak
    from exactrelu.theory.lipschitz import bump_ratio_squared
    net = bump_net(d, L, c, M, [F(1, M)] * d, "one-sided")
    lip2 = lipschitz(net, [(0, 1)] * d, "l2").value
    assert lip2 == bump_peak(d, L, c, M) ** 2 * M**2 * d
    assert lip2 / lipschitz_bound_squared(d, L, 3 * d, c, "inf").exact() == bump_ratio_squared(d) == F(1, 36 * d * d)


def test_bound_values():
    # q = inf reproduces the slides' c^L sqrt(d) B^(L-1), squared
    for d, L, B, c in [(1, 3, 3, F(1)), (3, 5, 9, F(1, 2)), (2, 4, 6, F(2))]:
        assert lipschitz_bound_squared(d, L, B, c, "inf").exact() == c ** (2 * L) * d * B ** (2 * (L - 1))
        assert lipschitz_bound_squared(d, L, B, c, 2).exact() == c ** (2 * L)
        assert lipschitz_bound_squared(d, L, B, c, 1).exact() == c ** (2 * L)
    # q = 4: d^(1/2) B^((L-1)): rational only when d is a square
    assert lipschitz_bound_squared(4, 3, 5, 1, 4).exact() == 2 * 25
    assert lipschitz_bound_squared(2, 3, 5, 1, 4).exact() is None
    assert [positive_part_exponent(q) for q in (1, 2, 3, 4, "inf")] == [0, 0, F(1, 3), F(1, 2), 1]


@given(st.integers(1, 3), st.integers(1, 5), st.integers(1, 6), st.sampled_from([3, 4, 5, 6]), rationals(max_abs=10**6).map(abs))
def test_bound_decision_exact(d, L, B, q, x):
    """x <= bound decided exactly: agrees with raising both sides to the exponents' denominator q."""
    bound = lipschitz_bound_squared(d, L, B, 1, q)        # d^((q-2)/q) B^(2(L-1)(q-2)/q)
    lhs = x**q
    rhs = F(d) ** (q - 2) * F(B) ** (2 * (L - 1) * (q - 2))
    assert bound_ge(bound, x) == (lhs <= rhs)


def test_gradient_sq_and_limit():
    net = Net([([[1, 2], [3, -1]], [0, 0]), ([[1, 1]], [0])])
    assert gradient_sq(net, [(1, 1)]) == 4**2 + 1**2
    assert gradient_sq(net, [(0, 1)]) == 9 + 1
    assert max_pattern_gradient_sq(net) == 17
    with pytest.raises(LimitReached):
        max_pattern_gradient_sq(net, limit=2)
    with pytest.raises(InputError):
        lipschitz_bound_squared(0, 3, 3, 1)
    with pytest.raises(InputError):
        lipschitz_bound_squared(1, 3, 3, 0)


# -- the verification script fails closed on wrong bounds ----------------------------------------------

@pytest.fixture(scope="module")
def proof():
    return load_proof("lipschitz_induction")


def _held(proof, **hooks):
    from exactrelu.proofkit import run_checks
    rep = run_checks(proof.checks, quick=True, **hooks)
    return rep, {c.id: c.held for c in rep.claims}


def test_script_verifies(proof):
    rep, held = _held(proof)
    assert rep.ok, rep.table()
    assert set(held) == {"lip.induction", "lip.sharp", "lip.bump_ratio"}


def _exponent_L_minus_2(d, L, B, c, q):
    """B^(2(L-2)...) for B^(2(L-1)...): one layer too few in the induction."""
    e = positive_part_exponent(q)
    return PowerProduct([(F(c), 2 * L), (d, e), (B, 2 * (L - 2) * e)])


def _no_sqrt_d(d, L, B, c, q):
    return lipschitz_bound_squared(d, L, B, c, q) / PowerProduct([(d, positive_part_exponent(q))])


BROKEN = [("B^(L-2)", dict(bound=_exponent_L_minus_2), ["lip.induction", "lip.sharp"]),
          ("no-sqrt(d)", dict(bound=_no_sqrt_d), ["lip.induction", "lip.sharp"]),
          ("ratio-1/(3d)", dict(ratio=lambda d: F(1, 9 * d * d)), ["lip.bump_ratio"]),
          ("peak-2^8-style", dict(peak_formula=lambda d, L, c, M: F(c) ** L * (3 * d) ** (L - 2) / (4 * M)),
           ["lip.bump_ratio"])]


@pytest.mark.parametrize("hooks,claims", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_script_reports_wrong_bound(proof, hooks, claims):
    rep, held = _held(proof, **hooks)
    assert not rep.ok and not any(held[c] for c in claims), rep.table()
