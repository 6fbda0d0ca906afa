"""pl1d, the d = 1 knots producer: its multi-limb weights, chunks and nets against independent
Fraction arithmetic (test_sup.pl_knots_1d, Net.__call__)."""
import random
from fractions import Fraction as F

import pytest
from hypothesis import given, settings, strategies as st

from exactrelu import LimitReached, Net
from exactrelu.analysis import pl1d
from exactrelu.strategies import nets, rationals
from test_sup import pl_knots_1d


def _float_net(widths, seed, spread=40):
    """Entries with 53-bit mantissas over a wide exponent range, as read from float64 training."""
    rng = random.Random(seed)

    def v(scale):
        return F(rng.gauss(0, scale) * 2.0 ** -rng.randint(0, spread))
    return Net([([[v(1.5 / a ** 0.5) for _ in range(a)] for _ in range(b)], [v(0.3) for _ in range(b)])
                for a, b in zip(widths[:-1], widths[1:])])


def _weight_limbs(net):
    return [len(m) for m in pl1d._limbnet(net).mats]


def _agrees(net, lo, hi):
    xs, (vals,) = pl1d.knots_and_values([net], lo, hi)
    assert xs == pl_knots_1d(net, lo, hi)
    assert vals == [net((x,))[0] for x in xs] == pl1d.values(net, xs)
    return xs


@pytest.mark.parametrize("seed", range(3))
def test_float64_weights_need_several_limbs_and_stay_exact(seed):
    net = _float_net([1, 12, 12, 12, 1], seed)
    assert max(_weight_limbs(net)) >= 3
    _agrees(net, F(-1, 2), F(1, 2))


@pytest.mark.parametrize("every", [1000, 1, 3])
def test_weights_of_many_limbs_carried_part_way(monkeypatch, every):
    # integer weights of ~2000 bits: ~80 weight limbs, their sums carried every `every` limbs too
    monkeypatch.setattr(pl1d, "CARRY_EVERY", every)
    big = F(1, 2 ** 2000)
    net = Net([([[1 + big], [-1 + 3 * big], [2]], [F(-1, 3) + big, F(1, 4), -big]),
               ([[1, 1 - big, -1], [-1, big, 1]], [big, F(-1, 7)]), ([[1, -1]], [F(0)])])
    pl1d._CACHE.clear()
    assert max(_weight_limbs(net)) > 50
    _agrees(net, F(-1), F(1))


def test_chunks_split_as_they_grow(monkeypatch):
    net = _float_net([1, 10, 10, 10, 1], 7)
    whole = _agrees(net, F(-1), F(1))
    monkeypatch.setattr(pl1d, "CHUNK_ENTRIES", 30)          # three points a chunk: pieces split per layer
    pl1d._CACHE.clear()
    sizes = []
    assert pl1d.knots([net], F(-1), F(1), tick=sizes.append) == whole
    assert max(sizes) == 3                      # every piece a layer takes has at most 3 points
    xs, (vals,) = pl1d.knots_and_values([net], F(-1), F(1))
    assert xs == whole and vals == [net((x,))[0] for x in xs]


def test_two_nets_in_either_order():
    f, g = _float_net([1, 8, 8, 1], 1), _float_net([1, 16, 16, 16, 1], 2, spread=8)
    lo, hi = F(-1, 2), F(1, 2)
    xs, (vf, vg) = pl1d.knots_and_values([f, g], lo, hi)
    assert xs == pl1d.knots([g, f], lo, hi) == sorted(set(pl_knots_1d(f, lo, hi)) | set(pl_knots_1d(g, lo, hi)))
    assert vf == [f((x,))[0] for x in xs] and vg == [g((x,))[0] for x in xs]
    xs2, (vg2, vf2) = pl1d.knots_and_values([g, f], lo, hi)
    assert (xs2, vf2, vg2) == (xs, vf, vg)


def test_one_point_interval_and_no_hidden_layer():
    net = _float_net([1, 6, 6, 1], 4)
    assert pl1d.knots_and_values([net], F(1, 3), F(1, 3)) == ([F(1, 3)], [[net((F(1, 3),))[0]]])
    affine = Net([([[F(3, 2)]], [F(-1, 5)])])
    assert pl1d.knots_and_values([affine], F(0), F(1)) == ([F(0), F(1)], [[F(-1, 5), F(13, 10)]])


def test_max_knots_is_counted_across_nets():
    f, g = _float_net([1, 8, 8, 1], 1), _float_net([1, 8, 8, 1], 3)
    n = len(pl1d.knots([f, g], F(-1), F(1)))
    assert len(pl1d.knots([f, g], F(-1), F(1), max_knots=n)) == n
    with pytest.raises(LimitReached, match=f"more than {n - 1} knots"):
        pl1d.knots([f, g], F(-1), F(1), max_knots=n - 1)


def test_tick_reports_every_layer_of_every_piece():
    net = _float_net([1, 6, 6, 1], 5)
    seen = []
    xs = pl1d.knots([net], F(-1), F(1), tick=seen.append)
    assert len(seen) == net.depth and seen[-1] == len(xs)


@settings(max_examples=40)
@given(net=nets(input_dim=1, max_depth=4, max_width=6, entries=rationals(max_denominator=10 ** 9, max_abs=3)),
       ends=st.lists(rationals(max_denominator=1000, max_abs=2), min_size=2, max_size=2, unique=True))
def test_random_nets_equal_the_fraction_oracle(net, ends):
    lo, hi = sorted(ends)
    _agrees(net, lo, hi)
