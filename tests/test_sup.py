"""Certified maxima over boxes (exactrelu.analysis.sup) against independent brute force."""
from fractions import Fraction as F
from itertools import combinations

import pytest
from hypothesis import given, settings, strategies as st

from exactrelu import InputError, LimitReached, Net, kernel
from exactrelu.analysis.sup import max_over_box, maximize, min_over_box, sup
from exactrelu.strategies import nets, rationals

UNIT = [(F(0), F(1))]


# -- independent oracles ------------------------------------------------------------------------

def pl_knots_1d(net, lo, hi):
    """Exact knots of a 1-D net on [lo, hi] by propagating piecewise-linear functions layer by
    layer (values at a sorted knot list; ReLU adds the zero crossings between knots)."""
    xs = [lo, hi]
    vals = [[x] for x in xs]          # per knot: current layer's values
    for l, lay in enumerate(net.layers):
        new = [[sum((w * v for w, v in zip(row, vs)), b) for row, b in zip(lay.weight, lay.bias)] for vs in vals]
        if l < len(net.layers) - 1:
            xs2, new2 = [xs[0]], [new[0]]
            for k in range(1, len(xs)):
                x0, x1, a, b = xs[k - 1], xs[k], new[k - 1], new[k]
                roots = sorted({x0 + (x1 - x0) * a[j] / (a[j] - b[j])
                                for j in range(len(a)) if (a[j] < 0 < b[j]) or (b[j] < 0 < a[j])})
                for t in roots:
                    s = (t - x0) / (x1 - x0)
                    xs2.append(t)
                    new2.append([u + s * (v - u) for u, v in zip(a, b)])
                xs2.append(x1)
                new2.append(b)
            xs, new = xs2, [[v if v > 0 else F(0) for v in vs] for vs in new2]
        vals = new
    return xs


def brute_1d(nets_, lo, hi, s):
    pts = set()
    for n in nets_:
        pts.update(pl_knots_1d(n, lo, hi))
    return max(_obj(nets_, s, (x,)) for x in pts)


def _obj(nets_, s, x):
    v = nets_[0](x)[0] - (nets_[1](x)[0] if len(nets_) > 1 else 0)
    return abs(v) if s == "abs" else v if s in ("max", 1) else -v


def brute_2d_shallow(nets_, box, s):
    """For one-hidden-layer nets in d = 2: the max is at a vertex of the line arrangement
    (neuron lines and box edges): evaluate at every pairwise intersection inside the box."""
    lines = []
    for n in nets_:
        lay = n.layers[0]
        lines += [(w[0], w[1], b) for w, b in zip(lay.weight, lay.bias) if w[0] or w[1]]
    (x0, x1), (y0, y1) = box
    lines += [(F(1), F(0), -x0), (F(1), F(0), -x1), (F(0), F(1), -y0), (F(0), F(1), -y1)]
    best = None
    for (a, b, c), (d, e, f) in combinations(lines, 2):
        det = a * e - b * d
        if det == 0:
            continue
        x, y = (-c * e + b * f) / det, (-a * f + c * d) / det
        if x0 <= x <= x1 and y0 <= y <= y1:
            v = _obj(nets_, s, (x, y))
            best = v if best is None else max(best, v)
    return best


# -- properties ---------------------------------------------------------------------------------

small = rationals(max_denominator=8, max_abs=2)


@given(f=nets(input_dim=1, max_depth=4, max_width=4, entries=small),
       g=st.none() | nets(input_dim=1, max_depth=3, max_width=3, entries=small),
       s=st.sampled_from(["abs", "max", "min"]), prune=st.booleans())
def test_1d_equals_breakpoint_brute_force(f, g, s, prune):
    r = sup(f, g, box=[(F(-1), F(1))], sign=s, prune=prune)
    nets_ = (f,) if g is None else (f, g)
    assert r.exact and r.value == brute_1d(nets_, F(-1), F(1), s)
    kernel.replay(nets_, r.certificate, expect=("sup", "sup_interval"))


@given(f=nets(input_dim=2, max_depth=2, max_width=4, entries=small),
       g=st.none() | nets(input_dim=2, max_depth=2, max_width=3, entries=small),
       s=st.sampled_from(["abs", "max", "min"]), prune=st.booleans())
def test_2d_shallow_equals_arrangement_brute_force(f, g, s, prune):
    box = [(F(-1), F(1)), (F(0), F(1, 2))]
    nets_ = (f,) if g is None else (f, g)
    r = sup(f, g, box=box, sign=s, prune=prune)
    assert r.exact and r.value == brute_2d_shallow(nets_, box, s)
    assert kernel.replay(nets_, r.certificate, expect=("sup", "sup_interval")).kind == "sup"


@settings(max_examples=25)
@given(f=nets(input_dim=2, max_depth=4, max_width=3, entries=small),
       pts=st.lists(st.tuples(rationals(max_denominator=16, max_abs=1).map(abs),
                              rationals(max_denominator=16, max_abs=1).map(abs)), min_size=1, max_size=20))
def test_deep_2d_replays_and_dominates_samples(f, pts):
    r = sup(f, sign="max", prune=False)
    assert r.exact
    kernel.replay(f, r.certificate, expect=("sup", "sup_interval"))
    assert all(f(p)[0] <= r.value for p in pts) and f(r.witness)[0] == r.value


@settings(max_examples=15)
@given(f=nets(input_dim=3, max_depth=3, max_width=3, entries=small))
def test_3d_replays(f):
    r = sup(f)
    assert r.exact
    kernel.replay(f, r.certificate, expect=("sup", "sup_interval"))


# -- limits -------------------------------------------------------------------------------------

TEACHER = Net([([[2, 1], [1, -1], [-1, 3], [1, 1]], [0, F(1, 3), F(-1, 2), F(-1)]),
               ([[1, -2, 1, 1], [1, 1, -1, 2]], [F(1, 5), F(-1, 4)]), ([[1, -1]], [0])])
STUDENT = Net([([[1, 2], [-1, 1], [3, -1]], [F(-1, 2), 0, F(1, 4)]), ([[1, 1, -1]], [0])])


@pytest.mark.parametrize("limit", [{"max_regions": 1}, {"max_regions": 0}, {"max_boxes": 0},
                                   {"time_limit": 0}])
def test_limits_give_certified_intervals(limit):
    exact = sup(TEACHER, STUDENT)
    assert exact.exact
    r = sup(TEACHER, STUDENT, **limit)
    assert r.lower <= exact.value <= r.upper
    assert r.exact is (r.lower == r.upper)
    if not r.exact:
        assert r.reason and "lower" in r.to_json() and r.to_json()["exact"] is False
    kernel.replay((TEACHER, STUDENT), r.certificate, expect=("sup", "sup_interval"))


def test_max_and_min_over_box():
    f = Net([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])     # |x|
    assert max_over_box(f, [(F(-1), F(1, 2))]) == (F(1), (F(-1),))
    v, w = min_over_box(f, [(F(-1), F(1, 2))])
    assert v == 0 and f(w)[0] == 0
    with pytest.raises(LimitReached):
        max_over_box(TEACHER, time_limit=0)


def test_maximize_fields_and_json():
    r = maximize((TEACHER, STUDENT), sign=-1)
    assert r.exact and r.value == r.lower == r.upper and r.reason is None
    assert set(r.stats) >= {"regions", "boxes", "seconds", "method"}
    kernel.check_sup((TEACHER, STUDENT), [(0, 1), (0, 1)], "min", r.value, r.witness, r.tree)
    j = sup(TEACHER, STUDENT).to_json()
    assert j["exact"] is True and isinstance(j["sup"], str) and len(j["witness"]) == 2


@pytest.mark.parametrize("kwargs", [{"sign": "median"}, {"box": [(1, 0), (0, 1)]}, {"box": [(0, 1)]},
                                    {"max_regions": -1}, {"bogus": 3}])
def test_bad_arguments(kwargs):
    with pytest.raises(InputError):
        sup(TEACHER, STUDENT, **kwargs)


def test_bump_peak_certified():
    bumps = pytest.importorskip("exactrelu.constructions.bumps")
    for d in (1, 2, 3):
        net = bumps.bump_net(d, 4, F(1), 8, [F(3, 8)] * d)
        r = sup(net, sign="max")
        assert r.exact and r.value == bumps.bump_peak(d, 4, F(1), 8)
        assert r.witness == (F(3, 8),) * d
        kernel.replay(net, r.certificate, expect=("sup", "sup_interval"))


# -- the fast producers: knots (d = 1), float-guided branch and bound (d >= 2), rel_gap ---------

@settings(max_examples=20)
@given(f=nets(input_dim=1, max_depth=4, max_width=5, entries=small),
       g=nets(input_dim=1, max_depth=3, max_width=4, entries=small))
def test_knots_agree_with_the_region_search(f, g):
    a = sup(f, g, box=[(F(-1), F(1))], method="knots")
    b = sup(f, g, box=[(F(-1), F(1))], prune=False)
    assert a.exact and b.exact and a.value == b.value and a.stats["method"] == "knots"
    kernel.replay((f, g), a.certificate, expect=("sup", "sup_interval"))


def test_bnb_agrees_with_the_region_search_and_gap_is_honoured():
    a = sup(TEACHER, STUDENT, method="bnb")
    b = sup(TEACHER, STUDENT, method="regions")
    assert a.exact and b.exact and a.value == b.value and a.stats["method"] == "bnb"
    r = sup(TEACHER, STUDENT, rel_gap=F(1, 10))
    assert r.lower <= a.value <= r.upper and r.upper - r.lower <= F(1, 10) * r.upper
    assert r.exact or (r.reason and "rel_gap" in r.reason)
    kernel.replay((TEACHER, STUDENT), r.certificate, expect=("sup", "sup_interval"))


def test_bnb_time_limit_gives_a_marked_interval():
    r = sup(TEACHER, STUDENT, time_limit=0)
    exact = sup(TEACHER, STUDENT).value
    assert r.lower <= exact <= r.upper and (r.exact or "time_limit" in r.reason)
    kernel.replay((TEACHER, STUDENT), r.certificate, expect=("sup", "sup_interval"))


@pytest.mark.parametrize("gap", [F(-1, 10), 1, "2", "x"])
def test_bad_rel_gap(gap):
    with pytest.raises(InputError):
        sup(TEACHER, STUDENT, rel_gap=gap)


def test_every_certificate_is_replayed_with_check():
    f = Net([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])        # |x|
    r = sup(f, box=[(F(-1), F(1, 2))], sign="max")             # knots: replayed too, not only bnb
    assert r.checked is not None and r.checked.kind == "sup" and "replay_seconds" in r.stats
    assert sup(f, box=[(F(-1), F(1, 2))], sign="max", check=False).checked is None
    m = maximize(f, [(F(-1), F(1, 2))])
    assert m.checked is not None and m.checked.kind == "sup" and m.checked.statement.endswith("== 1")
    assert maximize(f, [(F(-1), F(1, 2))], check=False).checked is None
    m = maximize((TEACHER, STUDENT), sign=-1)                 # d = 2, a pair
    assert m.checked is not None and m.checked.kind == ("sup" if m.exact else "sup_interval")


# -- degenerate boxes (a point, a segment, a face): the sup of the restricted function ---------------

def _restricted(net, fixed):
    """The net with the inputs of ``fixed`` ({axis: value}) frozen: an independent lower-dimensional net."""
    first = net.layers[0]
    keep = [i for i in range(net.input_dim) if i not in fixed]
    W = [[row[i] for i in keep] for row in first.weight]
    b = [bias + sum((row[i] * v for i, v in fixed.items()), F(0)) for row, bias in zip(first.weight, first.bias)]
    return Net([(W, b)] + [(lay.weight, lay.bias) for lay in net.layers[1:]])


@settings(max_examples=15)
@given(f=nets(input_dim=2, max_depth=3, max_width=3, entries=rationals(max_denominator=8, max_abs=2)),
       y=rationals(max_denominator=8, max_abs=1))
def test_sup_on_a_segment_is_the_restricted_sup(f, y):
    seg = [(F(-1), F(1)), (y, y)]
    want = sup(_restricted(f, {1: y}), None, [(F(-1), F(1))]).value      # d = 1: knots
    for method in ("auto", "regions", "bnb"):
        r = sup(f, None, seg, method=method)
        assert r.exact and r.value == want, method
        assert r.witness[1] == y and abs(f(r.witness)[0]) == want


def test_sup_on_points_and_faces():
    f = Net([([[1, -1, 2], [2, 1, -1], [-1, 1, 1]], [F(-1, 3), F(1, 4), 0]), ([[1, -2, 1]], [F(1, 5)])])
    pt = [(F(1, 3), F(1, 3)), (F(1, 2), F(1, 2)), (F(-1, 4), F(-1, 4))]
    for method in ("regions", "bnb"):
        assert sup(f, None, pt, method=method).value == abs(f(tuple(a for a, _ in pt))[0])
    face = [(F(0), F(1)), (F(1, 2), F(1, 2)), (F(-1), F(1))]
    want = sup(_restricted(f, {1: F(1, 2)}), None, [(F(0), F(1)), (F(-1), F(1))], method="regions").value
    for method in ("regions", "bnb"):
        assert sup(f, None, face, method=method).value == want
    one = Net([([[2]], [F(-1, 3)]), ([[-3]], [1])])
    assert sup(one, None, [(F(1, 2), F(1, 2))]).value == abs(one((F(1, 2),))[0])
