"""kernel.py: each rejection for its own reason (docs/testing.md, mutation testing).

Every certificate here is wrong in exactly one way, and would otherwise prove a false statement;
each test asserts the kernel's message, so a deleted or weakened check cannot hide behind another
rejection.  The ibp tests pin the exact value of the interval bound (accepted at it, refused just
below it), derived by hand from the rule documented in kernel._ibp_net.
"""
import copy
import dataclasses
import pickle
from fractions import Fraction as F

import pytest

from exactrelu import kernel as K
from exactrelu.net import CertificateRejected, Net

R = 2**24  # kernel._R: slopes and breakpoints of unstable neurons are multiples of 1/R


def rejected(call) -> str:
    with pytest.raises(CertificateRejected) as e:
        call()
    return str(e.value)


# -- dual multipliers ------------------------------------------------------------------------
# f = relu(x - 1/4) - 2 relu(x - 3/8) on [0, 1] (a hidden neuron x - 1/2 with output weight 0
# drives the split): max 1/8 at x = 3/8.  The tree claims max 0; its only flaw is an "empty"
# leaf for 1/4 <= x <= 1/2 whose multipliers are negative: -(-1 (x - 1/2) - 1 (1/4 - x)) = -1/4 < 0.
PEAK = Net([([[1], [1], [1]], [F(-1, 2), F(-1, 4), F(-3, 8)]), ([[0, 1, -2]], [0])])
FALSE_EMPTY = {"split": True,
               "neg": {"split": True,
                       "neg": {"fix": "-", "dual": {"1": "1"}, "next": {"bound": None}},
                       "pos": {"empty": {"0": "-1", "1": "-1"}}},
               "pos": {"fix": "++", "duals": [{"0": "1"}, {"0": "1"}], "next": {"bound": {"0": "1"}}}}


def test_negative_multiplier_is_rejected_for_that_reason():
    assert K.evaluate(PEAK, (F(3, 8),)) == (F(1, 8),)       # the claim "max = 0" is false
    msg = rejected(lambda: K.check_sup(PEAK, [[0, 1]], "max", 0, [0], FALSE_EMPTY))
    assert msg == "tree[+].neg.pos: multiplier 0 is negative (-1)"


def test_nonnegative_multipliers_do_not_prove_the_false_emptiness():
    tree = copy.deepcopy(FALSE_EMPTY)
    tree["neg"]["pos"] = {"empty": {"0": "1", "1": "1"}}
    assert rejected(lambda: K.check_sup(PEAK, [[0, 1]], "max", 0, [0], tree)) == \
        "tree[+].neg.pos: emptiness not proven (box max of -sum lambda c = 1/4 >= 0)"
    tree["neg"]["pos"] = {"fix": "+", "next": {"bound": None}}   # no dual: the box alone does not prove it
    assert rejected(lambda: K.check_sup(PEAK, [[0, 1]], "max", 0, [0], tree)) == \
        "tree[+].neg.pos.fix[0]: neuron 2 >= 0 not proven (residual box max 3/8 > 0)"


@pytest.mark.parametrize("dual, msg", [
    ({"x": "1"}, "dual index 'x' is not an integer"),
    ({"5": "1"}, "dual index '5' outside the 2 constraints"),
    ({True: "1"}, "dual index True outside the 2 constraints"),
    ({" 01": "1"}, "dual index ' 01' outside the 2 constraints"),
    ({"1": "1/0"}, "multiplier 1: '1/0' is not an exact rational 'p/q'"),
    ([1], "dual must be a dict {k: lambda_k}, got list"),
])
def test_dual_format_reasons(dual, msg):
    tree = copy.deepcopy(FALSE_EMPTY)
    tree["neg"]["neg"]["dual"] = dual
    assert rejected(lambda: K.check_sup(PEAK, [[0, 1]], "max", 0, [0], tree)) == f"tree[+].neg.neg.fix[0]: {msg}"


# -- knots: a sign test at an integer numerator of exactly 1 -------------------------------------
# g = relu(x) - 2 relu(x - 1/2): at x = 1 the second pre-activation is 1/2, integer numerator
# 2 * 1 - 1 = 1 over the layer's denominator 2.  Its max is 1/2 at x = 1/2, not 0.
KNEE = Net([([[1], [1]], [0, F(-1, 2)]), ([[1, -2]], [0])])


def test_knots_sign_change_at_numerator_one():
    assert K.evaluate(KNEE, (1,)) == (0,) and K.evaluate(KNEE, (F(1, 2),)) == (F(1, 2),)
    msg = rejected(lambda: K.check_sup(KNEE, [[0, 1]], "max", 0, [0], {"knots": []}))
    assert msg == "tree[+]: neuron 1 changes sign between the knots 0 and 1"
    assert K.check_sup(KNEE, [[0, 1]], "max", "1/2", ["1/2"], {"knots": ["1/2"]}).upper == F(1, 2)


def test_knots_objective_and_order_reasons():
    assert rejected(lambda: K.check_sup(KNEE, [[0, 1]], "max", 0, [0], {"knots": ["1/2"]})) == \
        "tree[+]: objective 1/2 > 0 at the knot 1/2"
    assert rejected(lambda: K.check_sup(KNEE, [[0, 1]], "max", "1/2", ["1/2"], {"knots": ["1/2", "1/2"]})) == \
        "tree[+]: knots must increase strictly inside (0, 1)"
    assert rejected(lambda: K.check_sup(KNEE, [[0, 1]], "max", "1/2", ["1/2"], {"knots": ["1"]})) == \
        "tree[+]: knots must increase strictly inside (0, 1)"
    assert rejected(lambda: K.check_sup(KNEE, [[0, 1]], "max", "1/2", ["1/2"], {"knots": "1/2"})) == \
        "tree[+]: a knots leaf needs d = 1 and a list of knots"


# -- what the sup checks accept as nets, boxes and signs ------------------------------------------
F1 = Net([([[1]], [0]), ([[1]], [0])])
F2 = Net([([[1, 1]], [0]), ([[1]], [0])])
VEC = Net([([[1]], [0]), ([[1], [1]], [0, 0])])


@pytest.mark.parametrize("nets, msg", [
    ((F1, F1, F1), "sup: need one Net or a pair (f, g) of Nets"),
    (("x",), "sup: need one Net or a pair (f, g) of Nets"),
    ((F1, "x"), "sup: need one Net or a pair (f, g) of Nets"),
    ("net", "sup: need one Net or a pair (f, g) of Nets"),
    ((), "sup: need one Net or a pair (f, g) of Nets"),
    (VEC, "sup: networks must have scalar output and the same input_dim"),
    ((F1, VEC), "sup: networks must have scalar output and the same input_dim"),
    ((F1, F2), "sup: networks must have scalar output and the same input_dim"),
])
def test_sup_checks_refuse_other_nets(nets, msg):
    assert rejected(lambda: K.check_max_le(nets, [[0, 1]], "max", 1, {"knots": []})) == msg
    assert rejected(lambda: K.check_sup(nets, [[0, 1]], "max", 0, [0], {"knots": []})) == msg


@pytest.mark.parametrize("box, msg", [
    ([[0, 1], [0, 1]], "sup: box must list 1 intervals [lo, hi]"),
    ([], "sup: box must list 1 intervals [lo, hi]"),
    ("0,1", "sup: box must list 1 intervals [lo, hi]"),
    ([[0, 1, 2]], "sup: box[0] must be [lo, hi]"),
    ([0], "sup: box[0] must be [lo, hi]"),
    ([[1, 0]], "sup: box[0] has lo 1 > hi 0"),
    ([["a", 1]], "box[0].lo: 'a' is not an exact rational 'p/q'"),
])
def test_sup_checks_refuse_malformed_boxes(box, msg):
    assert rejected(lambda: K.check_max_le(F1, box, "max", 1, {"knots": []})) == msg


def test_sign_and_tree_reasons():
    assert rejected(lambda: K.check_max_le(F1, [[0, 1]], "up", 1, {"knots": []})) == \
        "sup: sign 'up' must be 'abs', 'max', 'min', 1 or -1"
    assert rejected(lambda: K.check_max_le(F1, [[0, 1]], True, 1, {"knots": []})) == \
        "sup: sign True must be 'abs', 'max', 'min', 1 or -1"
    assert rejected(lambda: K.check_max_le(F1, [[0, 1]], "abs", 1, {"knots": []})) == \
        "sup: sign 'abs' needs trees {'+': tree, '-': tree}"
    assert rejected(lambda: K.check_max_le(F1, [[0, 1]], "abs", 1, {"+": {"knots": []}})) == \
        "sup: trees for signs ['+'], need ['+', '-']"
    c = K.check_max_le(F1, [[0, 1]], -1, 0, {"knots": []})
    assert (c.kind, c.sign, c.upper, c.box) == ("max_le", "min", 0, ((0, 1),))


def test_witness_reasons():
    assert rejected(lambda: K.check_sup(F1, [[0, 1]], "max", 1, [2], {"knots": []})) == \
        "sup: witness[0] = 2 outside [0, 1]"
    assert rejected(lambda: K.check_sup(F1, [[0, 1]], "max", 1, [F(1, 2)], {"knots": []})) == \
        "sup: objective at the witness is 1/2, certificate says value = 1"
    assert rejected(lambda: K.check_interval(F1, [[0, 1]], "max", 1, F(1, 2), [1], {"knots": []})) == \
        "sup: lower 1 > upper 1/2"
    assert rejected(lambda: K.check_sup(F1, [[0, 1]], "max", F(1, 2), [F(1, 2)], {"knots": []})) == \
        "tree[+]: objective 1 > 1/2 at the knot 1"


# -- Checked stays what the kernel minted -----------------------------------------------------------
def test_checked_is_immutable_and_not_forgeable():
    c = K.check_max_le(F1, [[0, 1]], "max", 1, {"knots": []})
    assert K.genuine(c) and (c.kind, c.sign, c.upper, c.lower) == ("max_le", "max", 1, None)
    for field, value in (("kind", "sup"), ("upper", 0), ("box", ((0, 2),)), ("sign", "abs")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(c, field, value)
    with pytest.raises(CertificateRejected, match="^Checked: only exactrelu.kernel may create a Checked result$"):
        K.Checked("sup", "forged", 1)
    with pytest.raises(CertificateRejected):
        dataclasses.replace(c, upper=0)
    assert copy.copy(c) is c and copy.deepcopy(c) is c
    with pytest.raises(TypeError, match="valid only in the process"):
        pickle.dumps(c)
    fake = object.__new__(K.Checked)
    object.__setattr__(fake, "kind", "sup")
    assert not K.genuine(fake) and not K.genuine("sup") and not K.genuine(None)


# -- ibp leaves: the exact value of the bound ------------------------------------------------------
def _ibp_ok(net, U, box=((0, 1),), sign="max"):
    return K.check_max_le(net, [list(iv) for iv in box], sign, U, {"ibp": True})


def _pinned(net, bound, box=((0, 1),), sign="max"):
    """Accepted at exactly ``bound``; refused just below it, naming the bound."""
    c = _ibp_ok(net, bound, box, sign)
    assert c.upper == bound and c.instances == 1
    below = bound - F(1, 10**30)
    msg = rejected(lambda: _ibp_ok(net, below, box, sign))
    assert msg == f"tree[{'+' if sign == 'max' else '-'}]: interval bound {K._txt(bound)} > {K._txt(below)}"


def test_ibp_stable_neurons_are_exact():
    _pinned(Net([([[1]], [1]), ([[1]], [0])]), F(2))                         # relu(x + 1), active
    _pinned(Net([([[1]], [-2]), ([[1]], [F(1, 3)])]), F(1, 3))               # relu(x - 2) = 0, inactive
    _pinned(Net([([[2, -1]], [1]), ([[3]], [0])]), F(9), box=((0, 1), (0, 1)))  # 3 (2x - y + 1)


def test_ibp_unstable_neuron_upper_and_lower_lines():
    # z = x - 1/2 on [0, 1]: l = -1/2, u = 1/2, s = 1/2; up = x/2; u >= -l so lo = z
    _pinned(Net([([[1]], [F(-1, 2)]), ([[1]], [0])]), F(1, 2))
    _pinned(Net([([[1]], [F(-1, 2)]), ([[-1]], [0])]), F(1, 2))               # -relu(z) <= -(x - 1/2)
    _pinned(Net([([[1]], [F(-1, 2)]), ([[1]], [0])]), F(1, 2), sign="min")    # min: -relu(z) <= -(x - 1/2)
    # z = x - 3/4: l = -3/4, u = 1/4, s = 1/4: up = x/4; u < -l so lo = 0
    _pinned(Net([([[1]], [F(-3, 4)]), ([[1]], [0])]), F(1, 4))
    _pinned(Net([([[1]], [F(-3, 4)]), ([[-1]], [0])]), F(0))


def test_ibp_rounds_slope_up_and_breakpoint_down():
    """z = x - 1/3: s = ceil(R (2/3) / 1) / R, l' = floor(-R/3) / R, bound s (2/3 - l')."""
    s, l2 = F(-(-2 * R // 3), R), F(-R // 3, R)
    assert s > F(2, 3) and l2 < F(-1, 3)
    _pinned(Net([([[1]], [F(-1, 3)]), ([[1]], [0])]), s * (F(2, 3) - l2))


def test_ibp_two_layers_and_a_pair_of_nets():
    # layer 2: z2 = a1 - 1/4 with a1 in [x - 1/2, x/2]: l = -3/4, u = 1/4, s = 1/4, up = (x/2 + 1/2)/4
    two = Net([([[1]], [F(-1, 2)]), ([[1]], [F(-1, 4)]), ([[1]], [0])])
    _pinned(two, F(1, 4))
    # the same net, output scaled by -1, then a pair (f, g): f - g with g = relu(x - 3/4)
    g = Net([([[1]], [F(-3, 4)]), ([[1]], [0])])
    f = Net([([[1]], [F(-1, 2)]), ([[1]], [0])])
    c = K.check_max_le((f, g), [[0, 1]], "max", F(1, 2), {"ibp": True})    # up_f - lo_g = x/2 - 0
    assert c.upper == F(1, 2)
    assert rejected(lambda: K.check_max_le((f, g), [[0, 1]], "max", F(49, 100), {"ibp": True})) == \
        "tree[+]: interval bound 1/2 > 49/100"
    # sign min: g - f <= up_g - lo_f = x/4 - (x - 1/2), max 1/2 at x = 0
    assert rejected(lambda: K.check_max_le((f, g), [[0, 1]], "min", F(49, 100), {"ibp": True})) == \
        "tree[-]: interval bound 1/2 > 49/100"


def test_ibp_leaf_format():
    net = Net([([[1]], [1]), ([[1]], [0])])
    assert rejected(lambda: K.check_max_le(net, [[0, 1]], "max", 5, {"ibp": 1})) == \
        "tree[+]: ibp leaf must be {'ibp': true}"


# -- messages name the node path and the number ----------------------------------------------------
# the true max of PEAK, 1/8 at x = 3/8, certified by hand (constraints: 0: x - 1/2, 1: x - 1/4, 2: x - 3/8)
TRUE_PEAK = {"split": True,
             "neg": {"split": True,
                     "neg": {"fix": "-", "dual": {"1": "1"}, "next": {"bound": None}},
                     "pos": {"split": True, "neg": {"bound": {"2": "1"}}, "pos": {"bound": {"2": "1"}}}},
             "pos": {"fix": "++", "duals": [{"0": "1"}, {"0": "1"}], "next": {"bound": {"0": "1"}}}}


def test_a_zero_multiplier_is_allowed():
    assert K.check_sup(PEAK, [[0, 1]], "max", "1/8", ["3/8"], TRUE_PEAK).upper == F(1, 8)
    tree = copy.deepcopy(TRUE_PEAK)
    tree["neg"]["pos"]["neg"]["bound"] = {"0": "0", "1": "0/5", "2": "1"}
    assert K.check_sup(PEAK, [[0, 1]], "max", "1/8", ["3/8"], tree).upper == F(1, 8)


@pytest.mark.parametrize("tree, msg", [
    ({"knots": ["x"]}, "tree[+].knots[0]: 'x' is not an exact rational 'p/q'"),
    ({"fix": "+++", "next": {"bound": None}}, "tree[+]: fixes 3 neurons, only 1 undecided"),
    ({"fix": "+", "next": {"bound": None}}, "tree[+].next: objective <= 0 not proven (residual box max 1 > 0)"),
    ({"cut": 1, "at": "1/2", "lo": {"ibp": True}, "hi": {"ibp": True}}, "tree[+]: cut axis 1 outside 0..0"),
    ({"cut": 0, "at": "0", "lo": {"ibp": True}, "hi": {"ibp": True}}, "tree[+]: cut x_0 = 0 not strictly inside [0, 1]"),
    ({"cut": 0, "at": "1/2", "lo": {"bound": None}, "hi": {"ibp": True}},
     "tree[+].lo: bound leaf with 1 neurons undecided"),
    ({"cut": 0, "at": "-1/2", "lo": {"bound": None}, "hi": {"ibp": True}},
     "tree[+]: cut x_0 = -1/2 not strictly inside [0, 1]"),
    ({"split": 1, "neg": {"ibp": True}, "pos": {"ibp": True}}, "tree[+]: split needs 'split': true and an undecided neuron"),
    ({"split": True, "neg": {"bound": None}, "pos": {"ibp": True}},
     "tree[+].pos: interval bound 1 > 0"),
])
def test_node_reasons(tree, msg):
    assert rejected(lambda: K.check_max_le(F1, [[0, 1]], "max", 0, tree)) == msg


def test_value_witness_and_eval_labels():
    assert rejected(lambda: K.check_sup(F1, [[0, 1]], "max", "x", [1], {"knots": []})) == \
        "value: 'x' is not an exact rational 'p/q'"
    assert rejected(lambda: K.check_interval(F1, [[0, 1]], "max", 1, "y", [1], {"knots": []})) == \
        "upper: 'y' is not an exact rational 'p/q'"
    assert rejected(lambda: K.check_sup(F1, [[0, 1]], "max", 1, ["x"], {"knots": []})) == \
        "sup: witness[0]: 'x' is not an exact rational 'p/q'"
    assert rejected(lambda: K.check_sup(F1, [[0, 1]], "max", 1, [1, 1], {"knots": []})) == \
        "sup: witness: need a list of 1 numbers"
    assert rejected(lambda: K.check_eval(F1, [[1]], [[2]])) == "eval: point 0: network gives (1), certificate says (2)"
    assert rejected(lambda: K.check_eval(F1, [["x"]], [[1]])) == "eval: points[0][0]: 'x' is not an exact rational 'p/q'"


@pytest.mark.parametrize("digits", [4001, 4003, 9001])
def test_long_numerals_of_odd_length_are_exact(digits):
    text = "7" * digits
    want = sum(7 * 10**i for i in range(digits))
    assert K._q(text, "x") == want and K._q(f"-{text}/3", "x") == F(-want, 3)
    assert K._dec(want) == text and K._txt(F(want, 3)) == f"{text}/3"


def test_depth_limit_message_keeps_sixty_characters_of_the_path():
    st = K._State((F1,), [(F(0), F(1))], 1)
    st.depth = K.MAX_DEPTH
    with pytest.raises(K.KernelLimit) as e:
        K._walk(st, {"ibp": True}, "p" * 100, F(1))
    assert str(e.value) == "p" * 60 + f"...: the tree is deeper than {K.MAX_DEPTH} nodes (the kernel's limit)"


def test_pickling_message():
    c = K.check_max_le(F1, [[0, 1]], "max", 1, {"knots": []})
    with pytest.raises(TypeError) as e:
        pickle.dumps(c)
    assert str(e.value) == ("a Checked result is valid only in the process whose kernel checked it; replay the "
                            "certificate instead of pickling the verdict")


def test_a_long_non_numeral_is_shown_shortened():
    assert rejected(lambda: K._q("x" * 100, "w")) == f"w: '{'x' * 40}... (100 characters)' is not an exact rational 'p/q'"
    assert rejected(lambda: K._q("1/" + "0" * 70, "w")) == f"w: '1/{'0' * 38}... (72 characters)' is not an exact rational 'p/q'"


# -- survivors of the kernel's mutation sample after the knots change (docs/testing.md) ------------

_ID = Net([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])                 # |x| on [-1, 1]
_ID2 = Net([([[1, 0]], [0]), ([[1]], [0])])                           # relu(x1), d = 2


def test_interval_messages_name_the_upper_end_and_the_lower_end():
    tree = {"+": {"knots": []}, "-": {"knots": []}}
    with pytest.raises(CertificateRejected, match=r"^upper: 'x' is not an exact rational"):
        K.check_interval(_ID, [(-1, 1)], "abs", 1, "x", [1], tree)
    with pytest.raises(CertificateRejected, match="certificate says lower = 1/2"):
        K.check_interval(_ID, [(-1, 1)], "abs", F(1, 2), 1, [1], tree)


def test_fix_duals_must_be_a_list_even_of_the_right_length():
    f = Net([([[1]], [1]), ([[1]], [0])])                             # relu(x + 1): active on [0, 1]
    assert K.check_max_le(f, [(0, 1)], "max", 2, {"fix": "+", "duals": [None], "next": {"bound": {}}})
    with pytest.raises(CertificateRejected, match="need one dual per fixed neuron"):
        K.check_max_le(f, [(0, 1)], "max", 2, {"fix": "+", "duals": {0: None}, "next": {"bound": {}}})


def test_a_cut_axis_that_is_a_bool_is_refused_even_where_it_would_be_in_range():
    tree = {"cut": True, "at": "1/2", "lo": {"ibp": True}, "hi": {"ibp": True}}
    with pytest.raises(CertificateRejected, match=r"cut axis True outside 0\.\.1"):
        K.check_max_le(_ID2, [(0, 1), (0, 1)], "max", 1, tree)


def test_a_non_node_says_what_a_node_is():
    with pytest.raises(CertificateRejected, match=r"tree\[\+\]: not a node \(need exactly one of"):
        K.check_max_le(_ID2, [(0, 1), (0, 1)], "max", 1, {"nothing": 1})


def test_a_60_character_non_numeral_is_shown_shortened():
    with pytest.raises(CertificateRejected, match=r"\.\.\. \(60 characters\)"):
        K.check_max_le(_ID2, [(0, 1), (0, 1)], "max", "y" * 60, {"ibp": True})


def test_eval_needs_lists_and_accepts_no_points():
    with pytest.raises(CertificateRejected, match="need a Net and lists of points and values"):
        K.check_eval(_ID, [[1]], "x")
    ok = K.check_eval(_ID, [], [])
    assert ok.kind == "eval" and ok.instances == 0
