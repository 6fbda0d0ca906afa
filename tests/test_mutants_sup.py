"""analysis/sup.py: tests that pin what mutation testing showed unpinned (docs/testing.md).

Signs and their spellings, the up-front refusals of the d = 1 knot budget (memory, regions) at
their exact thresholds, every limit reaching the branch and bound (and the reason it reports),
the JSON of an interval result, min_over_box's box and message, and the search statistics.
"""
import random
from fractions import Fraction as F

import pytest

from exactrelu.analysis import sup as S
from exactrelu.errors import InputError, LimitReached
from exactrelu.net import Net

ABS = Net([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])      # |x|
IDENT = Net([([[1], [-1]], [0, 0]), ([[1, -1]], [0])])   # x
KINK = Net([([[1], [2]], [0, -1]), ([[1, -2]], [0])])    # breakpoints 0 and 1/2, 2 neurons
MANY = Net([([[1]] * 20, [F(-k, 21) for k in range(1, 21)]), ([[1] * 20], [0])])


def _random(dims, seed=3):
    rng = random.Random(seed)
    return Net([([[F(rng.randint(-8, 8), 8) for _ in range(dims[l])] for _ in range(dims[l + 1])],
                 [F(rng.randint(-8, 8), 8) for _ in range(dims[l + 1])]) for l in range(len(dims) - 1)])


NET2 = _random([2, 8, 8, 1])


@pytest.mark.parametrize("sign, value", [("-", 1), ("min", 1), (-1, 1), ("max", F(1, 2)), ("+", F(1, 2)), (1, F(1, 2))])
def test_sign_spellings(sign, value):
    assert S.maximize(IDENT, [(-1, F(1, 2))], sign).value == value


@pytest.mark.parametrize("sign", ["x", True, 2])
def test_bad_sign_message(sign):
    with pytest.raises(InputError) as e:
        S.maximize(IDENT, [(-1, 1)], sign)
    assert str(e.value) == f"sign={sign!r} must be 1, -1, 'max' or 'min'"


def test_knot_memory_budget_threshold():
    """3 knots (0, 1/2, 1) x 2 neurons x KNOT_NEURON_BYTES: accepted at exactly that budget."""
    need = 3 * 2 * S.KNOT_NEURON_BYTES
    assert S.sup(KINK, box=[(0, 1)], memory_limit=need).value == 1
    with pytest.raises(InputError, match=r"^the kernel's replay of at least 3 knots x 2 neurons would need about"):
        S.sup(KINK, box=[(0, 1)], memory_limit=need - 1)
    assert S.sup(KINK, box=[(0, 1)], memory_limit=None).value == 1
    with pytest.raises(InputError) as e:
        S.maximize(MANY, memory_limit=1000)                      # maximize forwards memory_limit
    assert str(e.value) == ("the kernel's replay of at least 22 knots x 20 neurons would need about 2.1e-05 GB; "
                            "the memory budget is 1e-06 GB (memory_limit, --memory-limit)")


def test_knot_region_budget():
    with pytest.raises(InputError) as e:
        S.sup(MANY, max_regions=5)
    assert str(e.value) == "at least 21 linear regions (first-layer breakpoints inside the box); the limit is max_regions=5"
    with pytest.raises(InputError, match=r"^at least 21 linear regions .* max_regions=20$"):
        S.sup(MANY, max_regions=20)
    assert S.sup(MANY, max_regions=21).exact                     # 22 knots, 21 regions: allowed


def test_methods_reported():
    assert S.maximize(ABS, [(-1, F(1, 2))]).stats["method"] == "knots"
    assert S.maximize(_random([2, 40, 40, 1]), rel_gap=F(1, 10)).stats["method"] == "bnb"
    r = S.sup(ABS, box=[(-1, 1)], method="regions")
    assert r.stats["method"] == "cuts" and r.stats["boxes"] == 2   # one cut at 0 per sign


def test_bnb_limits_reach_the_search():
    r = S.sup(NET2, method="bnb", max_boxes=1)
    assert not r.exact and r.reason == "max_boxes=1 reached"
    r = S.sup(NET2, method="bnb", time_limit=0)
    assert not r.exact
    assert r.reason == "time_limit=0s: the search's share (0s) is spent, the rest is kept for the kernel's replay"
    r = S.sup(NET2, method="bnb", rel_gap=F(1, 2))
    assert not r.exact and r.reason == "rel_gap=1/2 reached" and r.upper - r.lower <= r.upper / 2
    full = S.sup(NET2, method="bnb")
    assert full.exact and full.reason is None and full.lower == full.upper == full.value
    assert full.stats["boxes"] == full.stats["float_boxes"] > 1


def test_interval_result_json():
    r = S.sup(NET2, method="regions", max_regions=0)
    assert not r.exact and r.reason == "max_regions=0 reached"
    assert r.to_json() == {"lower": S.fmt(r.lower), "upper": S.fmt(r.upper),
                           "witness": [S.fmt(v) for v in r.witness], "exact": False, "reason": "max_regions=0 reached"}
    assert r.certificate["lower"] == S.fmt(r.lower) and r.certificate["upper"] == S.fmt(r.upper)


def test_min_over_box_uses_its_box_and_names_the_interval():
    assert S.min_over_box(IDENT, [(-1, F(1, 2))]) == (-1, (-1,))
    assert S.max_over_box(IDENT, [(-1, F(1, 2))]) == (F(1, 2), (F(1, 2),))
    r = S.maximize(NET2, None, -1, max_regions=0, max_boxes=0)
    with pytest.raises(LimitReached) as e:
        S.min_over_box(NET2, max_regions=0, max_boxes=0)
    assert str(e.value) == (f"min_over_box: {r.reason}; certified interval for -min "
                            f"[{S.fmt(r.lower)}, {S.fmt(r.upper)}]")


def test_multiple_test_needs_every_coordinate():
    """A later pre-activation x1 + x2 - 1/2 is not a multiple of the constraint x1 - 1/2 (the x2
    coefficient differs against a zero): the region search must not fix it with one multiplier."""
    net = Net([([[1, 1], [1, 0], [1, 1]], [-1, F(-1, 2), F(-1, 2)]), ([[1, -1, 1]], [0])])
    r = S.sup(net, sign="max", method="regions", prune=False)
    assert r.exact and r.value == 2 and r.witness == (1, 1) and r.checked.upper == 2
    assert S._ratio((2, 0, -1), (1, 0, F(-1, 2))) == 2 and S._ratio((1, 1, 0), (1, 0, 0)) is None
    assert S._ratio((0, 0, 0), (1, 0, 0)) is None and S._ratio((1, 0), (0, 1)) is None


# knots beyond the first layer: relu(x), then relu(a - k/10) for k = 1..9, alternating signs
DEEP = Net([([[1]], [0]), ([[1]] * 9, [F(-k, 10) for k in range(1, 10)]), ([[(-1) ** k for k in range(9)]], [0])])


def test_knot_limits_found_while_propagating():
    r = S.sup(DEEP)
    assert r.value == F(1, 2) and r.stats["knots"] == 11
    assert set(r.stats) == {"regions", "boxes", "lps", "knots", "seconds", "method", "search_seconds", "replay_seconds"}
    assert (r.stats["regions"], r.stats["boxes"], r.stats["lps"], r.stats["method"]) == (10, 0, 0, "knots")
    with pytest.raises(LimitReached) as e:
        S.sup(DEEP, max_regions=5)
    assert str(e.value) == "max_regions=5 reached: more than 6 knots (layer 1 of a net with widths [1, 9])"
    with pytest.raises(LimitReached) as e:
        S.sup(DEEP, memory_limit=7 * 10 * S.KNOT_NEURON_BYTES)
    assert str(e.value).startswith("memory budget of 3.4e-06 GB reached (the kernel keeps every neuron's sign at "
                                   "every knot): more than 7 knots")
    with pytest.raises(LimitReached, match=r"^time_limit=0\.0s reached while propagating the d = 1 knots"):
        S.sup(MANY, time_limit=0)


def test_objective_and_search_defaults():
    assert S.objective((IDENT,), "abs", (F(-1),)) == 1 and S.objective((IDENT,), -1, (F(-1),)) == 1
    assert S.objective((IDENT, ABS), 1, (F(-1),)) == -2
    srch = S._Search((IDENT,), [(F(-1), F(1))], 1, dict(S.DEFAULT_LIMITS), [None, None])
    srch.run()
    assert srch.best[0] == 1 and srch.regions >= 1


NUM = "is not a number (use an integer, 'p/q' or decimal text)"


@pytest.mark.parametrize("call, msg", [
    (lambda: S.sup(ABS, rel_gap="x"), f"rel_gap: 'x' {NUM}"),
    (lambda: S.sup(ABS, rel_gap=1), "rel_gap=1 must lie in [0, 1)"),
    (lambda: S.sup(ABS, memory_limit=0), "memory_limit=0 must be a positive number of bytes or None"),
    (lambda: S.sup(ABS, max_regions=-1), "max_regions=-1 must be a non-negative number or None"),
    (lambda: S.sup(ABS, max_region=1), "unknown limit max_region=1 (known: ['max_boxes', 'max_regions', 'time_limit'])"),
    (lambda: S.sup(ABS, method="x"), "method='x' must be one of 'auto', 'knots', 'bnb', 'bnb-mixed', 'bnb-ibp', 'regions'"),
    (lambda: S.sup(NET2, method="knots"), "method='knots' needs d = 1"),
    (lambda: S.sup(ABS, sign="up"), "sign='up' must be 'abs', 'max' or 'min'"),
])
def test_sup_argument_messages(call, msg):
    with pytest.raises(InputError) as e:
        call()
    assert str(e.value) == msg


def test_progress_is_a_keyword_not_a_limit(capsys):
    assert S.sup(IDENT, box=[(-1, 1)], progress=True).value == 1


def test_region_search_without_a_witness_takes_the_centre():
    r = S.sup(NET2, method="regions", prune=False, max_regions=0)
    assert not r.exact and r.witness == (F(1, 2), F(1, 2)) and r.reason == "max_regions=0 reached"
    assert r.lower == S.objective((NET2,), 1, (F(1, 2), F(1, 2))) or r.lower == S.objective((NET2,), -1, (F(1, 2), F(1, 2)))


def test_auto_method_and_certificate_sign():
    assert S.sup(NET2).stats["method"] == "regions"             # 16 neurons: the exact region search first
    assert S.sup(NET2, method="regions").stats["method"] == "regions"
    r = S.sup(IDENT, box=[(-1, 1)], sign=-1)
    assert r.certificate["sign"] == "min" and r.value == 1 and r.checked.sign == "min"
    assert S.sup(IDENT, box=[(-1, 1)], sign=1).certificate["sign"] == "max"


def test_time_limit_message_names_the_phase():
    with pytest.raises(LimitReached) as e:
        S.sup(MANY, time_limit=0)
    assert str(e.value) == "time_limit=0.0s reached while propagating the d = 1 knots during the search"
