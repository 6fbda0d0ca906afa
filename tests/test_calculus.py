"""Each calculus operation realizes exactly the function it should (kernel evaluation)."""
from fractions import Fraction as F

import pytest
from hypothesis import given, strategies as st

from exactrelu import calculus as C
from exactrelu.errors import InputError
from exactrelu.strategies import nets, points, rationals

small = dict(max_depth=3, max_width=3, entries=rationals(max_denominator=8))


@given(st.data())
def test_compose(data):
    inner = data.draw(nets(max_input_dim=2, max_output_dim=2, **small))
    outer = data.draw(nets(input_dim=inner.output_dim, **small))
    x = data.draw(points(inner.input_dim))
    h = C.compose(outer, inner)
    assert h(x) == outer(inner(x)) and h.depth == outer.depth + inner.depth - 1


@given(st.data())
def test_parallel_add_scale_difference(data):
    f = data.draw(nets(max_input_dim=2, **small))
    g = data.draw(nets(input_dim=f.input_dim, **small))
    a = data.draw(rationals())
    x = data.draw(points(f.input_dim))
    L = max(f.depth, g.depth)
    fp, gp = C.pad_depth(f, L), C.pad_depth(g, L)
    assert fp(x) == f(x) and gp(x) == g(x) and fp.depth == L
    assert C.parallel(fp, gp)(x) == f(x) + g(x)
    assert C.add(fp, gp)(x) == (f(x)[0] + g(x)[0],)
    assert C.scale(f, a)(x) == (a * f(x)[0],)
    assert C.difference(f, g)(x) == (f(x)[0] - g(x)[0],)


@given(st.integers(1, 3), st.integers(1, 4), st.data())
def test_identity(d, L, data):
    x = data.draw(st.tuples(*[rationals(max_abs=5)] * d))
    n = C.identity(d, L)
    assert n(x) == x and n.depth == L


@given(st.data())
def test_affine_pre_post(data):
    f = data.draw(nets(max_input_dim=2, **small))
    d = f.input_dim
    A = [[data.draw(rationals()) for _ in range(d)] for _ in range(d)]
    b = [data.draw(rationals()) for _ in range(d)]
    x = data.draw(points(d))
    Ax = tuple(sum((a * v for a, v in zip(row, x)), F(0)) + bb for row, bb in zip(A, b))
    assert C.affine_pre(f, A, b)(x) == f(Ax)
    assert C.affine_post(f, [[2]], [F(1, 3)])(x) == (2 * f(x)[0] + F(1, 3),)


def test_mismatches_refused():
    f = C.affine([[1, 1]], [0])
    with pytest.raises(InputError):
        C.compose(f, C.affine([[1, 1, 1]], [0]))
    with pytest.raises(InputError):
        C.parallel(f, C.identity(1, 1))
    with pytest.raises(InputError):
        C.pad_depth(C.identity(1, 3), 2)
