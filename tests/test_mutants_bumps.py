"""constructions/bumps.py: tests that pin what mutation testing showed unpinned (docs/testing.md).

Exact values of the hats, f_y, the pyramid and both networks at chosen points; the exact
weights of layer 2; the expression f_y_sympy builds for each variant; and every argument
message, which must name the argument.
"""
from fractions import Fraction as F

import pytest
import sympy

from exactrelu.constructions import bumps as b
from exactrelu.errors import InputError
from exactrelu.kernel import evaluate
from exactrelu.net import Net

NUM = "is not a number (use an integer, 'p/q' or decimal text)"


@pytest.mark.parametrize("call, msg", [
    (lambda: b.bump_net(1, 3, 1, 8, "0.5"), "y='0.5' must be a list of 1 coordinates"),
    (lambda: b.bump_net(1, 3, 1, 8, 5), "y=5 must be a list of 1 coordinates"),
    (lambda: b.bump_net(1, 3, 1, 8, ["x"]), f"y[0]: 'x' {NUM}"),
    (lambda: b.bump_peak("X3", 3, 1, 8), "d='X3' must be an integer >= 1"),
    (lambda: b.bump_peak(1, "x", 1, 8), "L='x' must be an integer >= 3"),
    (lambda: b.bias_condition_holds(2, "x", 8), f"c: 'x' {NUM}"),
    (lambda: b.bias_condition_holds(2, 0, 8), "c=0 must be > 0"),
    (lambda: b.hat("x", 0, 8), f"t: 'x' {NUM}"),
    (lambda: b.hat(0, "x", 8), f"y: 'x' {NUM}"),
    (lambda: b.hat(0, 0, 0), "M=0 must be > 0"),
    (lambda: b.hat(0, 0, "x"), f"M: 'x' {NUM}"),
    (lambda: b.f_y((0, 0), (0,), 8), "x has 2 coordinates, y has 1"),
    (lambda: b.pyramid((0,), (0,), 0), "M=0 must be > 0"),
    (lambda: b.pyramid_net(2, 8, [0], 1), "y has 1 coordinates, expected d = 2"),
    (lambda: b.pyramid_net(1, 8, [0], "x"), f"height: 'x' {NUM}"),
    (lambda: b.pyramid_net(1, 8, ["x"], 1), f"y: 'x' {NUM}"),
    (lambda: b.pyramid_net(0, 8, [], 1), "d=0 must be an integer >= 1"),
    (lambda: b.pyramid_net(1, "x", [0], 1), f"M: 'x' {NUM}"),
    (lambda: b.pyramid_net(1, 0, [0], 1), "M=0 must be > 0"),
    (lambda: b.bump_net(5, 3, 2, 2, ["1/2"] * 5),
     "M=2 violates the clipped variant's layer-2 bias condition M >= c(d-1)/2 = 4 (|bias| = 4 > c); "
     "use the one-sided variant (no condition) or check=False"),
    (lambda: b.grid_centres("x"), f"M: 'x' {NUM}"),
    (lambda: b.grid_centres(3), "M=3 must be a positive even integer"),
    (lambda: b.lp_norm_power("x", 8, 1), "d='x' must be an integer >= 1"),
    (lambda: b.lp_norm_power(1, 8, "x"), "p='x' must be an integer >= 1"),
    (lambda: b.f_y_sympy(1, 8, ["1/4"], "CLIPPED"), "variant='CLIPPED' must be one of clipped, one-sided"),
])
def test_messages_name_the_argument(call, msg):
    with pytest.raises(InputError) as e:
        call()
    assert str(e.value) == msg


def test_integer_text_is_accepted():
    assert b.bump_peak("2", "+3", 1, 8) == b.bump_peak(2, 3, 1, 8) == F(6, 16)


def test_hat_values():
    y, M = F(1, 4), 8
    pts = {y - F(1, 8): 0, y - F(1, 16): F(1, 2), y: 1, y + F(1, 16): F(1, 2), y + F(1, 8): 0, y + F(1, 4): 0}
    for t, want in pts.items():
        assert b.hat(t, y, M) == want
    assert b.hat(y + F(1, 4), y, M, "one-sided") == -1     # beyond the support: -M (t - y - 1/M)
    assert b.hat(1, y, M) == 0 and b.hat(1, y, M, "one-sided") == -5


def test_f_y_and_pyramid_values():
    y, M = (F(1, 4), F(1, 4)), 8
    for x, want in [((F(1, 4), F(5, 16)), F(1, 2)), ((F(1, 4), F(1, 4)), 1), ((F(5, 16), F(5, 16)), 0),
                    ((F(9, 32), F(9, 32)), F(1, 2)), ((0, 0), 0)]:
        assert b.f_y(x, y, M) == want == b.f_y(x, y, M, "one-sided")
        assert b.pyramid(x, y, M) == want
    assert b.pyramid((F(1, 2),), (F(1, 4),), 2) == F(1, 2)


def test_pyramid_net_values_and_shape():
    net = b.pyramid_net(2, 8, ["1/4", "1/4"], 3)
    assert net.architecture == (2, 4, 1, 1) and net.input_dim == 2
    for x, want in [((F(1, 4), F(5, 16)), F(3, 2)), ((F(1, 4), F(1, 4)), 3), ((F(1, 2), F(1, 4)), 0),
                    ((F(3, 16), F(3, 16)), 0), ((F(7, 32), F(1, 4)), F(9, 4))]:
        assert evaluate(net, x) == (want,)
    assert net.layers[1].bias == (1,) and net.layers[2].bias == (0,)


def test_bump_net_layer_two_and_values():
    net = b.bump_net(2, 3, 1, 8, ["1/4", "3/4"])
    assert list(net.layers[1].weight[0]) == [F(1, 2), -1, F(1, 2)] * 2
    assert net.layers[1].bias[0] == F(-1, 16)                 # c^2 (1 - d) / (2M)
    one = b.bump_net(2, 3, 1, 8, ["1/4", "3/4"], "one-sided")
    assert list(one.layers[1].weight[0]) == [F(1, 2), -1, F(-1, 32)] * 2 and one.layers[1].bias[0] == 0
    peak = b.bump_peak(2, 3, 1, 8)
    for x in [(F(1, 4), F(3, 4)), (F(9, 32), F(3, 4)), (F(1, 4), F(25, 32)), (F(5, 16), F(3, 4)), (0, 0)]:
        want = peak * b.pyramid(x, (F(1, 4), F(3, 4)), 8)
        assert evaluate(net, x) == (want,) == evaluate(one, x)


def test_check_params_lists_every_entry():
    n = Net([([[1, 3], [F(-1, 2), 0]], [-5, 0]), ([[2, 1]], [F(3, 2)])])
    assert b.check_params(n, 1) == ["layer 0 weight[0][1] = 3", "layer 0 bias[0] = -5",
                                    "layer 1 weight[0][0] = 2", "layer 1 bias[0] = 3/2"]
    assert b.check_params(n, 5) == []


def test_f_y_sympy_expression_per_variant():
    """The ReLU argument itself (not only f_y): the clipped hat is 0 two slopes past y, the
    one-sided hat -1; and the default variant is the clipped one."""
    x = sympy.Symbol("x", real=True)
    for variant, beyond in (("clipped", 0), ("one-sided", -1)):
        e, _ = b.f_y_sympy(1, 8, ["1/4"], variant, symbols=[x])
        inner = next(a for a in e.args if a != 0)
        assert inner.subs(x, sympy.Rational(1, 2)) == beyond
        assert e.subs(x, sympy.Rational(5, 16)) == sympy.Rational(1, 2)
    e, (x1,) = b.f_y_sympy(1, 8, ["1/4"])
    inner = next(a for a in e.args if a != 0)
    assert inner.subs(x1, sympy.Rational(1, 2)) == 0


def test_grid_centres_and_membership():
    assert b.grid_centres(6) == [F(1, 6), F(1, 2), F(5, 6)]
    assert [b.is_grid_centre(v, 6) for v in (F(1, 6), F(1, 3), F(5, 6), F(7, 6), F(-1, 6))] == \
        [True, False, True, False, False]
