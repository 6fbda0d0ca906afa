"""Linear regions and exact gradient norms (exactrelu.analysis.regions)."""
from fractions import Fraction as F

import pytest
from hypothesis import given, settings

from exactrelu import InputError, LimitReached, Net
from exactrelu.analysis.regions import count_regions, linear_regions, lipschitz
from exactrelu.strategies import nets, rationals

from test_sup import pl_knots_1d

small = rationals(max_denominator=8, max_abs=2)
ABS = Net([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])


def _area(vertices):
    """Area of a convex polygon from its (unordered) vertices, exactly."""
    if len(vertices) < 3:
        return F(0)
    cx = sum(v[0] for v in vertices) / len(vertices)
    cy = sum(v[1] for v in vertices) / len(vertices)
    # sort by angle without floats: half-plane then cross product
    import functools

    def half(v):
        return 0 if (v[1] - cy > 0 or (v[1] == cy and v[0] - cx > 0)) else 1

    def cmp(a, b):
        ha, hb = half(a), half(b)
        if ha != hb:
            return ha - hb
        cr = (a[0] - cx) * (b[1] - cy) - (a[1] - cy) * (b[0] - cx)
        return -1 if cr > 0 else 1 if cr < 0 else 0
    vs = sorted(vertices, key=functools.cmp_to_key(cmp))
    return abs(sum(vs[i][0] * vs[i - 1][1] - vs[i - 1][0] * vs[i][1] for i in range(len(vs)))) / 2


def _affine(r, x):
    return tuple(sum((a * v for a, v in zip(row, x)), c) for row, c in zip(r.A, r.c))


def _pattern(net, x):
    a, pat = list(x), []
    for lay in net.layers[:-1]:
        z = [sum((w * v for w, v in zip(row, a)), b) for row, b in zip(lay.weight, lay.bias)]
        pat.append(tuple(1 if v > 0 else 0 for v in z))
        a = [v if v > 0 else F(0) for v in z]
    return tuple(pat)


def test_abs_has_two_regions():
    rs = list(linear_regions(ABS, [(-1, 1)]))
    assert count_regions(ABS, [(-1, 1)]) == 2
    assert [r.A for r in rs] == [((F(-1),),), ((F(1),),)]
    assert [r.vertices for r in rs] == [((F(-1),), (F(0),)), ((F(0),), (F(1),))]


@settings(max_examples=30)
@given(net=nets(input_dim=2, max_depth=3, max_width=3, entries=small, max_output_dim=2))
def test_2d_regions_tile_the_box_and_match_the_net(net):
    box = [(F(-1), F(1)), (F(0), F(1))]
    total = F(0)
    for r in linear_regions(net, box):
        x = r.interior
        assert all(lo < v < hi for v, (lo, hi) in zip(x, box))
        assert all(sum((a * v for a, v in zip(g, x)), g[-1]) < 0 for g in r.constraints)   # interior
        assert net(x) == _affine(r, x)
        for v in r.vertices:                     # continuity: the affine map is right up to the boundary
            assert net(v) == _affine(r, v)
        total += _area(r.vertices)
    assert total == 2                            # regions are interior-disjoint and cover the box


@settings(max_examples=30)
@given(net=nets(input_dim=1, max_depth=4, max_width=4, entries=small))
def test_1d_lipschitz_equals_max_knot_slope(net):
    knots = sorted(set(pl_knots_1d(net, F(-1), F(1))))
    slopes = [abs((net((b,))[0] - net((a,))[0]) / (b - a)) for a, b in zip(knots, knots[1:])]
    got = lipschitz(net, [(F(-1), F(1))], "linf")
    assert got.value == max(slopes) and not got.squared
    assert lipschitz(net, [(F(-1), F(1))], "l2").value == max(slopes) ** 2
    # regions: intervals tiling [-1, 1]
    rs = list(linear_regions(net, [(F(-1), F(1))]))
    ends = [r.vertices for r in rs]
    assert ends[0][0] == (F(-1),) and ends[-1][-1] == (F(1),)
    assert all(a[-1] == b[0] for a, b in zip(ends, ends[1:]))


@settings(max_examples=15)
@given(net=nets(input_dim=3, max_depth=3, max_width=3, entries=small))
def test_3d_interior_points_have_the_reported_pattern(net):
    for r in linear_regions(net, None, vertices=False):
        pat = _pattern(net, r.interior)
        # a neuron that is identically 0 on the region is reported active (1); otherwise exact
        assert all(p <= q for lp, lq in zip(pat, r.pattern) for p, q in zip(lp, lq))
        assert net(r.interior) == _affine(r, r.interior)


def test_bump_lipschitz_matches_formula():
    bumps = pytest.importorskip("exactrelu.constructions.bumps")
    for d in (1, 2):
        M, L, c = 8, 4, F(1)
        net = bumps.bump_net(d, L, c, M, [F(3, 8)] * d)
        peak = bumps.bump_peak(d, L, c, M)
        l2 = lipschitz(net, norm="l2")
        assert l2.squared and l2.value == (peak * M) ** 2 * d
        assert lipschitz(net, norm="linf").value == peak * M * d


def test_limits_raise():
    net = Net([([[1, 2], [-1, 1], [3, -1]], [F(-1, 2), 0, F(1, 4)]), ([[1, 1, -1]], [0])])
    assert count_regions(net) > 1
    with pytest.raises(LimitReached):
        count_regions(net, max_regions=1)
    with pytest.raises(LimitReached):
        lipschitz(net, time_limit=0)


@pytest.mark.parametrize("call", [lambda: lipschitz(ABS, norm="l3"), lambda: count_regions(ABS, [(1, 0)]),
                                  lambda: list(linear_regions("net"))])
def test_bad_arguments(call):
    with pytest.raises(InputError):
        call()
