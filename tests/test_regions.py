"""Linear regions and exact gradient norms (exactrelu.analysis.regions)."""
from fractions import Fraction as F

import pytest
from hypothesis import given, settings

from exactrelu import InputError, LimitReached, Net
from exactrelu.analysis.regions import (count_pieces, count_regions, least_regions, linear_regions, lipschitz,
                                        pieces)
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
        lipschitz(net, time_limit=0)
    # the first layer shows one crossing hyperplane only; the second layer's 3 show up on the way
    deep = Net([([[1, 1]], [0]), ([[1], [2], [4]], [-1, -1, -1]), ([[1, -1, 1]], [0])])
    assert least_regions(deep, [(0, 1), (0, 1)]) == 1 and count_regions(deep) == 4
    with pytest.raises(LimitReached, match="max_regions=2 reached"):
        count_regions(deep, max_regions=2)


def test_too_many_regions_are_refused_up_front():
    # 3 distinct first-layer hyperplanes cross [0,1]^2 (x1 + 2 x2 = 1/2 twice, scaled): at least 4 regions
    net = Net([([[1, 2], [-2, -4], [1, -1], [0, 1]], [F(-1, 2), 1, 0, F(-1, 3)]), ([[1, 1, 1, 1]], [0])])
    assert least_regions(net, [(0, 1), (0, 1)]) == 4 <= count_regions(net)
    with pytest.raises(InputError, match="at least 4 activation regions .* max_regions=3"):
        count_regions(net, max_regions=3)
    # on the segment x2 = 1/3 the fourth neuron is constant and x1 - x2 = 0 crosses at x1 = 1/3 ...
    seg = [(F(0), F(1)), (F(1, 3), F(1, 3))]
    assert least_regions(net, seg) == 2     # ... and x1 + 2 x2 = 1/2 is x1 = -1/6, outside the segment
    assert count_regions(net, seg) == 2


@pytest.mark.parametrize("call", [lambda: lipschitz(ABS, norm="l3"), lambda: count_regions(ABS, [(1, 0)]),
                                  lambda: list(linear_regions("net"))])
def test_bad_arguments(call):
    with pytest.raises(InputError):
        call()


# -- degenerate boxes: the function restricted to the box -------------------------------------------

def restricted(net, fixed):
    """The net with the inputs of ``fixed`` ({axis: value}) frozen: an independent lower-dimensional net."""
    first = net.layers[0]
    keep = [i for i in range(net.input_dim) if i not in fixed]
    W = [[row[i] for i in keep] for row in first.weight]
    b = [bias + sum((row[i] * v for i, v in fixed.items()), F(0)) for row, bias in zip(first.weight, first.bias)]
    return Net([(W, b)] + [(lay.weight, lay.bias) for lay in net.layers[1:]])


def test_lipschitz_on_a_segment_is_the_restricted_constant():
    net = Net([([[1, 0], [0, 100]], [0, 0]), ([[1, 1]], [0])])   # relu(x1) + relu(100 x2)
    seg = [(F(0), F(1)), (F(1, 2), F(1, 2))]
    assert lipschitz(net, seg, "l2").value == 1                  # was 10001, the full-space gradient
    assert lipschitz(net, seg, "linf").value == 1
    assert lipschitz(net, [(F(1, 3), F(1, 3)), (F(1, 2), F(1, 2))], "l2").value == 0   # a point


@settings(max_examples=25)
@given(net=nets(input_dim=2, max_depth=3, max_width=3, entries=small), y=small)
def test_regions_on_a_segment_match_the_restricted_net(net, y):
    seg = [(F(-1), F(1)), (y, y)]
    g = restricted(net, {1: y})
    assert count_regions(net, seg) == count_regions(g, [(F(-1), F(1))])
    assert count_pieces(net, seg) == count_pieces(g, [(F(-1), F(1))])
    for norm in ("l2", "linf"):
        assert lipschitz(net, seg, norm).value == lipschitz(g, [(F(-1), F(1))], norm).value
    for r in linear_regions(net, seg, vertices=False):       # interior relative to the segment
        assert -1 < r.interior[0] < 1 and r.interior[1] == y
        assert all(sum((a * v for a, v in zip(c, r.interior)), c[-1]) < 0 for c in r.constraints)
        assert net(r.interior) == _affine(r, r.interior)


@settings(max_examples=10)
@given(net=nets(input_dim=3, max_depth=3, max_width=3, entries=small))
def test_regions_on_a_face_match_the_restricted_net(net):
    face = [(F(0), F(1)), (F(1, 3), F(1, 3)), (F(-1), F(1))]
    g = restricted(net, {1: F(1, 3)})
    assert count_regions(net, face) == count_regions(g, [(F(0), F(1)), (F(-1), F(1))])
    assert count_pieces(net, face) == count_pieces(g, [(F(0), F(1)), (F(-1), F(1))])
    assert lipschitz(net, face).value == lipschitz(g, [(F(0), F(1)), (F(-1), F(1))]).value


# -- linear pieces ----------------------------------------------------------------------------------

def test_pieces_merge_neighbours_with_the_same_map():
    # relu(x - 1/2) with output weight 0, plus relu(x): two activation regions, one affine map
    h = Net([([[1], [1]], [F(-1, 2), 0]), ([[0, 1]], [0])])
    assert count_regions(h, [(0, 1)]) == 2 and count_pieces(h, [(0, 1)]) == 1
    # 0 * relu(x1 - 1/2) + relu(x2) + relu(x1 + x2 - 1): 4 regions, 2 pieces
    h2 = Net([([[1, 0], [0, 1], [1, 1]], [F(-1, 2), 0, -1]), ([[0, 1, 1]], [0])])
    assert count_regions(h2) == 4 and count_pieces(h2) == 2
    assert count_pieces(ABS, [(-1, 1)]) == 2


def test_pieces_do_not_merge_regions_meeting_at_a_corner():
    # |u| + |v| - |u + v| (u = x1 - 1/2, v = x2 - 1/2) is 0 on two opposite quadrants, which meet
    # only at the centre: six regions, six pieces (one map on two regions is not one piece)
    W = [[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [-1, -1]]
    b = [F(-1, 2), F(1, 2), F(-1, 2), F(1, 2), -1, 1]
    net = Net([(W, b), ([[1, 1, 1, 1, -1, -1]], [0])])
    assert count_regions(net) == 6
    assert count_pieces(net) == 6
    zero = [g for g in pieces(net) if all(v == 0 for v in g[0].A[0]) and g[0].c[0] == 0]
    assert len(zero) == 2


# -- the command: activation regions, pieces, plots ------------------------------------------------

def _write_net(tmp_path, net, name="net.json"):
    from exactrelu.io import save_net
    p = tmp_path / name
    save_net(net, p)
    return p


def test_cli_counts_regions_and_pieces(tmp_path):
    import json
    from helpers import cli
    h2 = Net([([[1, 0], [0, 1], [1, 1]], [F(-1, 2), 0, -1]), ([[0, 1, 1]], [0])])
    p = _write_net(tmp_path, h2)
    code, out, err = cli("regions", p, "--pieces", "--json")
    assert code == 0 and json.loads(out)["regions"] == 4 and json.loads(out)["pieces"] == 2
    code, out, _ = cli("regions", p, "--pieces")
    assert code == 0 and "4 activation regions" in out and "2 linear pieces" in out
    code, out, _ = cli("regions", "--help")
    assert "activation pattern" in out and "--pieces" in out


def test_cli_plot_format_follows_the_suffix(tmp_path):
    pytest.importorskip("matplotlib")
    from helpers import cli
    p = _write_net(tmp_path, ABS_2D)
    code, _, err = cli("regions", p, "--plot", tmp_path / "r.pdf")
    assert code == 0, err
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    code, _, err = cli("regions", p, "--plot", tmp_path / "r.svg")
    assert code == 0 and b"<svg" in (tmp_path / "r.svg").read_bytes()
    code, _, err = cli("regions", p, "--plot", tmp_path / "r.xyz")
    assert code == 2 and "'.xyz'" in err and "--plot" in err and not (tmp_path / "r.xyz").exists()
    code, _, err = cli("regions", p, "--plot", tmp_path / "no" / "r.png")
    assert code == 2 and "does not exist" in err
    code, _, err = cli("regions", p, "--plot", tmp_path / "d.png", "--box", "0,1:1/2,1/2")
    assert code == 2 and "degenerate" in err and "[1/2, 1/2]" in err and not (tmp_path / "d.png").exists()


ABS_2D = Net([([[1, 1], [-1, -1]], [-1, 1]), ([[1, 1]], [0])])    # |x1 + x2 - 1|


def test_cli_plot_shows_the_function_not_flat_regions(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.image
    import numpy as np
    from helpers import cli
    one = Net([([[1, 2]], [1]), ([[1]], [0])])        # x1 + 2 x2 + 1 on [0,1]^2: a single region
    p = _write_net(tmp_path, one)
    code, _, err = cli("regions", p, "--plot", tmp_path / "one.png")
    assert code == 0, err
    img = matplotlib.image.imread(tmp_path / "one.png")
    h, w = img.shape[:2]
    crop = img[int(0.35 * h):int(0.65 * h), int(0.3 * w):int(0.5 * w), :3].reshape(-1, 3)
    assert len(np.unique(np.round(crop, 3), axis=0)) > 10     # a colour map of values, not one colour


def test_cli_plot_of_values_beyond_float64_is_refused(tmp_path):
    pytest.importorskip("matplotlib")
    from helpers import cli
    big = Net([([[F(10) ** 200, 0], [0, 1]], [0, 0]), ([[F(10) ** 200, 1]], [0])])   # 10^400 x1 + x2
    p = _write_net(tmp_path, big)
    code, _, err = cli("regions", p, "--plot", tmp_path / "big.png")
    assert code == 2 and "float64" in err and not (tmp_path / "big.png").exists()
