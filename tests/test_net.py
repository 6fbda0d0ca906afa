from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, strategies as st

from exactrelu import INF, Net, NetClass
from exactrelu.errors import DomainMismatch, InputError, InvalidNet
from exactrelu.strategies import nets, point_sets, rationals

ABS = Net([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])  # |x|


def test_architecture():
    n = Net([([[1, 2], [3, 4], [5, 6]], [0, 0, 0]), ([[1, 1, 1]], ["1/2"])])
    assert n.input_dim == 2 and n.depth == 2 and n.widths == (3,) and n.output_dim == 1
    assert n.architecture == (2, 3, 1) and n.n_params == 3 * 3 + 4


def test_eval_abs():
    assert ABS([F(-3, 4)]) == (F(3, 4),) and ABS([F(2)]) == (F(2),)


@pytest.mark.parametrize("layers,msg", [
    ([], "at least one layer"),
    ([([[1, 2], [3]], [0, 0])], "row 1 has 1 entries"),
    ([([[1]], [0, 0])], "bias has 2 entries"),
    ([([[1]], [0]), ([[1, 2]], [0])], "expected 1"),
    ([([[1]], ["x"])], "not a number"),
    ([([[1]], [0.5])], "float"),
    ([([[1]], ["1/0"])], "zero denominator"),
])
def test_invalid(layers, msg):
    with pytest.raises(InvalidNet if msg in ("at least one layer",) else InputError, match=msg):
        Net(layers)


def test_norms_exact():
    n = Net([([[3, -4]], [0])])
    assert n.param_norm(1) == 7 and n.param_norm(INF) == 4 and n.param_norm(2) == 5
    assert n.norm_le(5, 2) and not n.norm_le(F(49999, 10000), 2)
    assert n.norm_le(4, "inf") and not n.norm_le(F(399, 100), INF)


@given(nets(entries=rationals(max_denominator=8)), rationals(max_denominator=16).map(abs), st.integers(1, 4))
def test_norm_le_matches_definition(net, c, q):
    # integer q: ||v||_q <= c  <=>  sum |v|^q <= c^q, per layer, weights and biases separately
    want = all(sum(abs(w) ** q for w in lay.entries() if lay) >= 0 and
               sum(abs(w) ** q for row in lay.weight for w in row) <= c**q and
               sum(abs(b) ** q for b in lay.bias) <= c**q for lay in net.layers)
    assert net.norm_le(c, q) == want


def test_class_membership():
    cls = NetClass(d=1, L=2, B=2, c=1, q="inf")
    assert ABS in cls
    assert "depth" in NetClass(d=1, L=3, B=2, c=1).why_not(ABS)
    assert "width" in NetClass(d=1, L=2, B=1, c=1).why_not(ABS)
    assert "norm" in NetClass(d=1, L=2, B=2, c=F(1, 2)).why_not(ABS)
    with pytest.raises(InputError):
        NetClass(d=0, L=2, B=2, c=1)
    with pytest.raises(InputError):
        NetClass(d=1, L=2, B=2, c=1, q=0)


@given(nets(max_input_dim=2), st.data())
def test_float_twin_close(net, data):
    pts = data.draw(point_sets(net.input_dim, max_size=5))
    X = np.array([[float(v) for v in p] for p in pts])
    got = net.to_float64()(X)
    for p, row in zip(pts, got):
        exact = net(p)
        assert all(abs(F(float(g)) - e) <= 1e-6 * (1 + abs(e)) for g, e in zip(row, exact))


def test_float_twin_refuses_exact_points():
    with pytest.raises(DomainMismatch):
        ABS.to_float64()(np.array([[F(1, 2)]], dtype=object))


def test_dict_roundtrip():
    from exactrelu.io import net_from_dict
    n = Net([([["1/3", "-2"]], ["0.25"])], domain=[["0", "1"], ["-1/2", "1/2"]])
    assert net_from_dict(n.to_dict()) == n and net_from_dict(n.to_dict()).domain == n.domain
