"""The kernel's packed exact evaluation (kernel._outputs): per-point slot widths, inputs that drop
out (0 at every point), inputs folded into the layer before (positive at every point), per-point
gcds, and the sign codes of the knots leaves, each against plain Fraction arithmetic."""
import random
from fractions import Fraction as F

import pytest
from hypothesis import given, settings, strategies as st

from exactrelu import CertificateRejected, Net, kernel
from exactrelu.strategies import nets, rationals
from test_kernel import fraction_eval, fraction_signs


def _net(widths, seed, bias=(-1, 1), den=2 ** 20):
    rng = random.Random(seed)
    return Net([([[F(rng.randint(-den, den), den) for _ in range(a)] for _ in range(b)],
                 [F(rng.randint(bias[0] * den, bias[1] * den), den) for _ in range(b)])
                for a, b in zip(widths[:-1], widths[1:])])


def _check(net, pts):
    signs = [[] for _ in pts]
    assert kernel._outputs(net, pts, signs) == [fraction_eval(net, x) for x in pts]
    assert signs == [fraction_signs(net, x) for x in pts]


def _gcd_calls(monkeypatch):
    calls = []
    real = kernel._gcd
    monkeypatch.setattr(kernel, "_gcd", lambda *a: calls.append(1) or real(*a))
    return calls


def test_inputs_positive_everywhere_are_folded_into_the_layer_before(monkeypatch):
    # every neuron positive at every point (weights >= 0, biases >= 1, x > 0): layer 1 folds its
    # inputs into layer 0's (x, s), and the output layer folds layer 1's into those again
    # (points of 300-bit denominators: long products, which folding saves, cost more than short ones)
    rng = random.Random(3)
    w = 16
    pos = Net([([[F(rng.randint(1, 99), 64)] for _ in range(w)], [F(rng.randint(64, 99), 64) for _ in range(w)]),
               ([[F(rng.randint(0, 99), 64) for _ in range(w)] for _ in range(w)], [F(1)] * w),
               ([[F(rng.randint(-99, 99), 64) for _ in range(w)]], [F(-3)])])
    pts = [(F(k, 7) + F(1, 3 ** 190 + k),) for k in range(1, 17)]
    calls = _gcd_calls(monkeypatch)
    _check(pos, pts)
    assert calls == []                      # both boundaries folded: no point divided by its gcd


def test_folding_mixed_with_inputs_that_change_sign_or_drop_out(monkeypatch):
    # a first layer of 24 neurons, most positive on [1, 2], some changing sign, some 0 throughout
    rows = [[F(1)]] * 16 + [[F(1)]] * 4 + [[F(-1)]] * 4
    bias = [F(k, 3) for k in range(16)] + [F(-3, 2)] * 4 + [F(-5)] * 4
    rng = random.Random(5)
    net = Net([(rows, bias),
               ([[F(rng.randint(-50, 50), 16) for _ in range(24)] for _ in range(6)], [F(rng.randint(-9, 9), 4) for _ in range(6)]),
               ([[F(rng.randint(-50, 50), 16) for _ in range(6)]], [F(0)])])
    pts = [(F(1) + F(k, 11) + F(1, 3 ** 100 + k),) for k in range(12)]
    calls = _gcd_calls(monkeypatch)
    _check(net, pts)
    assert len(calls) == len(pts)           # layer 0 folded into layer 1, layer 1 divided by gcds


def test_folded_values_larger_than_the_layer_inputs_fit_their_slots(monkeypatch):
    # x ~ 10^6 but relu(x - 10^6 + j) <= 12: layer 1's slots must hold the folded numerators of x too
    net = Net([([[F(1)]] * 12, [F(-10 ** 6 + j) for j in range(12)]),
               ([[F(1), F(-1), F(2), F(0)] * 3, [F(-1)] * 12, [F(1)] * 12], [F(0), F(1), F(0)]),
               ([[F(1), F(1), F(-1)]], [F(0)])])
    pts = [(F(10 ** 6) + F(k, 10 ** 100 + 1),) for k in range(1, 17)]
    calls = _gcd_calls(monkeypatch)
    _check(net, pts)
    assert len(calls) == len(pts)           # layer 0 folded into layer 1 (then divided by gcds)


@pytest.mark.parametrize("seed", range(4))
def test_points_of_very_different_sizes_in_one_call(seed):
    rng = random.Random(seed)
    net = _net([1, 9, 9, 9, 1], seed)
    pts = [(F(rng.randint(-10 ** 300, 10 ** 300), rng.randint(1, 10 ** 300)),) for _ in range(5)]
    pts += [(F(k, 5),) for k in range(-5, 6)] + [(F(0),), (F(1, 2 ** 200),)]
    rng.shuffle(pts)
    _check(net, pts)


def test_float64_like_weights_and_long_knots():
    # entries with 53-bit mantissas over a wide exponent range (as read from float64 training)
    rng = random.Random(9)
    net = Net([([[F(rng.gauss(0, 1) * 2.0 ** rng.randint(-40, 0))] for _ in range(10)],
                [F(rng.gauss(0, 1) * 2.0 ** rng.randint(-40, 0)) for _ in range(10)]),
               ([[F(rng.gauss(0, 0.5)) for _ in range(10)] for _ in range(10)], [F(rng.gauss(0, 0.1)) for _ in range(10)]),
               ([[F(rng.gauss(0, 0.5)) for _ in range(10)]], [F(0)])])
    pts = [(F(rng.randint(-2 ** 120, 2 ** 120), 2 ** 121 + rng.randint(0, 2 ** 100)),) for _ in range(20)]
    _check(net, pts)


@settings(max_examples=40)
@given(data=st.data(), n=st.integers(1, 12))
def test_wide_positive_nets_equal_fractions(data, n):
    # biases pushed up so that many neurons are positive at every point: folding, chained or not
    entries = rationals(max_denominator=50, max_abs=3)
    net = data.draw(nets(input_dim=1, max_depth=4, max_width=12, entries=entries))
    lift = data.draw(st.integers(0, 6))
    net = Net([(lay.weight, [b + lift for b in lay.bias]) if l < net.depth - 1 else lay
               for l, lay in enumerate(net.layers)])
    pts = [(data.draw(rationals(max_denominator=10 ** 6, max_abs=3)),) for _ in range(n)]
    _check(net, pts)


def test_a_knots_leaf_whose_first_layer_folds_still_rejects_a_missing_knot():
    # the knots leaf with a student whose first-layer neurons are mostly positive on the interval
    rng = random.Random(2)
    n = 30
    f = Net([([[F(1)]] * n, [F(j, n) for j in range(n)]),                    # relu(x + j/n): one knot, at x = -j/n
             ([[F(rng.randint(-9, 9), 8) for _ in range(n)] for _ in range(4)], [F(rng.randint(-9, 9), 8) for _ in range(4)]),
             ([[F(1)] * 4], [F(0)])])
    from exactrelu.analysis.sup import sup
    r = sup(f, box=[(F(-1, 2), F(1))], sign="max", method="knots")
    knots = r.certificate["trees"]["+"]["knots"]
    assert kernel.check_max_le(f, [(F(-1, 2), F(1))], "max", r.value, {"knots": knots}).upper == r.value
    gone = knots.index("-1/3") if "-1/3" in knots else 0
    with pytest.raises(CertificateRejected, match="changes sign between the knots"):
        kernel.check_max_le(f, [(F(-1, 2), F(1))], "max", r.value, {"knots": knots[:gone] + knots[gone + 1:]})
