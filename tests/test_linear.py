"""The kernel's linear nodes (claimed neuron intervals and relaxations, proven by back-substitution)
and their producer (exactrelu.analysis.linear, the default bnb bounds): tampered claims are
rejected, the bound is never below the true maximum and never looser than the ibp leaf's."""
import copy
import json
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, strategies as st

from exactrelu import CertificateRejected, Net, kernel
from exactrelu.analysis import linear
from exactrelu.analysis.sup import sup


def _net(rows, seed):
    rng = np.random.default_rng(seed)
    dims = rows
    return Net([([[F(int(rng.integers(-64, 65)), 64) for _ in range(dims[l])] for _ in range(dims[l + 1])],
                 [F(int(rng.integers(-64, 65)), 64) for _ in range(dims[l + 1])]) for l in range(len(dims) - 1)])


F_NET, G_NET = _net([2, 6, 6, 1], 1), _net([2, 5, 1], 2)
BOX = [(F(-1, 2), F(1, 2)), (F(-1, 2), F(1, 2))]


def root_claims(nets, box, sign=1):
    """The producer's claims on the whole box (all new) and its float bound."""
    fl = [linear.float_layers(n) for n in nets]
    c = np.array([[float((lo + hi) / 2) for lo, hi in box]])
    r = np.array([[float((hi - lo) / 2) for lo, hi in box]])
    ub, cl = linear.bounds(fl, c, r, sign)
    return linear.emit(cl, 0), float(ub[0])


def exact_max(nets, box, sign=1):
    r = sup(*nets, box=box, sign="max" if sign > 0 else "min", method="regions")
    return r.value


def ibp_bound(nets, box, sign=1):
    return kernel._ibp_max(kernel._State(nets, box, sign))


def check(nets, box, U, node, sign=1):
    return kernel.check_max_le(nets, [[lo, hi] for lo, hi in box], "max" if sign > 0 else "min", U, node)


CLAIMS, UB = root_claims((F_NET, G_NET), BOX)
U_OK = F(UB) + F(1, 2 ** 20)


def test_the_producers_linear_leaf_replays_and_beats_intervals():
    c = check((F_NET, G_NET), BOX, U_OK, {"linear": CLAIMS})
    assert c.kind == "max_le" and c.upper == U_OK
    assert exact_max((F_NET, G_NET), BOX) <= U_OK < ibp_bound((F_NET, G_NET), BOX)
    assert any(isinstance(x, list) for x in CLAIMS) and "-" in CLAIMS    # lines and a dead neuron


def _lines():
    return [i for i, x in enumerate(CLAIMS) if isinstance(x, list)]


def _tampered(i, k, delta):
    claims = copy.deepcopy(CLAIMS)
    claims[i][k] = str(F(claims[i][k]) + delta)
    return {"linear": claims}


@pytest.mark.parametrize("k", [1, 4, 12, 20])
def test_a_slope_off_by_a_power_of_two_is_rejected(k):
    for i in _lines():
        for sgn in (1, -1):
            with pytest.raises(CertificateRejected, match="not a relaxation|not proven|linear bound"):
                check((F_NET, G_NET), BOX, U_OK, _tampered(i, 2, sgn * F(1, 2 ** k)))


@pytest.mark.parametrize("k", [1, 8, 20])
def test_an_intercept_moved_down_is_rejected(k):
    for i in _lines():
        with pytest.raises(CertificateRejected, match="not a relaxation"):
            check((F_NET, G_NET), BOX, U_OK, _tampered(i, 3, -F(1, 2 ** k)))


def test_an_interval_narrowed_is_not_proven():
    for i in _lines():
        for k, delta in ((0, F(1, 2 ** 10)), (1, -F(1, 2 ** 10))):     # lower bound up, upper bound down
            claims = copy.deepcopy(CLAIMS)
            claims[i][k] = str(F(claims[i][k]) + delta)
            l, u = F(claims[i][0]), F(claims[i][1])
            claims[i][2], claims[i][3] = "1", str(-l) if l < 0 else "0"   # keep the relaxation itself valid
            claims[i][4] = "0"
            assert F(claims[i][2]) * u + F(claims[i][3]) >= u
            with pytest.raises(CertificateRejected, match=f"neuron {i} (<=|>=) .* not proven"):
                check((F_NET, G_NET), BOX, U_OK, {"linear": claims})


def test_wrong_signs_lower_slopes_and_shapes_are_rejected():
    i = _lines()[0]
    for bad, msg in [("-", "not proven"), ("+", "not proven"), (None, "no claim"), ("x", "a claim is"),
                     ([1, 2, 3], "a claim is"), (["0", "1", "1", "0", "2"], "not a relaxation"),
                     (["0", "1", "1", "0", "-1/2"], "not a relaxation"), (["a", "1", "1", "0", "0"], "exact rational")]:
        claims = copy.deepcopy(CLAIMS)
        claims[i] = bad
        with pytest.raises(CertificateRejected, match=msg):
            check((F_NET, G_NET), BOX, U_OK, {"linear": claims})
    with pytest.raises(CertificateRejected, match="list of 17 claims"):
        check((F_NET, G_NET), BOX, U_OK, {"linear": CLAIMS[:-1]})
    with pytest.raises(CertificateRejected, match="unknown keys"):
        check((F_NET, G_NET), BOX, U_OK, {"linear": CLAIMS, "dual": {}})


def test_a_bound_below_the_maximum_is_rejected():
    m = exact_max((F_NET, G_NET), BOX)
    with pytest.raises(CertificateRejected, match="linear bound"):
        check((F_NET, G_NET), BOX, m - F(1, 2 ** 30), {"linear": CLAIMS})


def test_claims_stay_in_force_below_their_node_and_only_there():
    lo, hi = BOX[0]
    nulls = [None] * len(CLAIMS)
    tree = {"linear": CLAIMS, "next": {"cut": 0, "at": "0", "lo": {"linear": nulls}, "hi": {"linear": nulls}}}
    check((F_NET, G_NET), BOX, U_OK, tree)
    # nulls under a sibling's claims: nothing is in force there
    tree = {"cut": 0, "at": "0", "lo": {"linear": CLAIMS}, "hi": {"linear": nulls}}
    with pytest.raises(CertificateRejected, match=r"tree\[\+\]\.hi\.linear\[0\]: null, but no claim"):
        check((F_NET, G_NET), BOX, U_OK, tree)


def test_linear_leaves_after_fixes_use_the_decided_outputs():
    # decide f's first-layer neurons the region search's way, then a linear leaf for the rest
    r = sup(F_NET, G_NET, box=BOX, sign="max", method="regions", check=False)
    claims, _ = root_claims((F_NET, G_NET), BOX)
    fixed = {"fix": "".join("+" if x == "+" else "-" for x in claims[:1]), "next": {"linear": claims[1:]}}
    if claims[0] in ("+", "-"):
        check((F_NET, G_NET), BOX, U_OK, fixed)
    assert r.exact


small = st.lists(st.integers(2, 5), min_size=1, max_size=2)


@given(seed=st.integers(0, 10 ** 6), widths=small, gw=small, d=st.integers(1, 3), sign=st.sampled_from([1, -1]))
def test_linear_bound_is_sound_and_never_looser_than_ibp(seed, widths, gw, d, sign):
    f, g = _net([d, *widths, 1], seed), _net([d, *gw, 1], seed + 1)
    box = [(F(-1, 2), F(1, 4))] * d
    claims, ub = root_claims((f, g), box, sign)
    true = exact_max((f, g), box, sign)
    U = F(ub) + F(1, 2 ** 20) * (1 + abs(F(ub)))
    check((f, g), box, U, {"linear": claims}, sign)                    # the float bound replays
    with pytest.raises(CertificateRejected):
        check((f, g), box, true - F(1, 2 ** 40), {"linear": claims}, sign)
    # never looser than the interval bound, up to the outward rounding of the claims (2^-24 slopes)
    assert ub <= float(ibp_bound((f, g), box, sign)) + 1e-6 * (1 + abs(ub))


def test_bnb_with_linear_bounds_agrees_with_the_baseline_and_the_regions():
    a = sup(F_NET, G_NET, box=BOX, method="bnb")
    b = sup(F_NET, G_NET, box=BOX, method="bnb-ibp")
    c = sup(F_NET, G_NET, box=BOX, method="regions")
    assert a.exact and a.value == b.value == c.value
    assert (a.stats["method"], b.stats["method"]) == ("bnb", "bnb-ibp")
    assert '"linear"' in str(a.certificate).replace("'", '"') and "linear" not in str(b.certificate)


def test_unstable_counts_report_both_bounds():
    u = linear.unstable_counts((F_NET, G_NET), BOX)
    assert set(u) == {"ibp", "linear"} and [len(x) for x in u["linear"]] == [2, 1]
    assert all(a <= b for n, m in zip(u["linear"], u["ibp"]) for a, b in zip(n, m))
    tree = sup(F_NET, G_NET, box=BOX, sign="max", method="bnb", check=False).certificate["trees"]["+"]
    leaves = linear.leaf_boxes(tree, BOX)
    assert leaves and all(lo >= a and hi <= b for bx in leaves for (lo, hi), (a, b) in zip(bx, BOX))
    assert sum((hi - lo) * (h2 - l2) for ((lo, hi), (l2, h2)) in leaves) <= 1     # disjoint pieces of the box
    u = linear.unstable_counts((F_NET, G_NET), BOX, leaves)
    assert u["leaves"]["boxes"] == len(leaves) and len(u["leaves"]["linear"]) == 2


# x1 + 2 and x2 + 2 are active on [-1/2, 1/2]^2 (the box alone proves it: fix "++"); then x1 - x2 + 1
# is active, and the net is x1 - x2 + 1 there: every bound below is exact, max 2 at (1/2, -1/2)
AFFINE = Net([([[1, 0], [0, 1]], [2, 2]), ([[1, -1]], [1]), ([[1]], [0])])


def test_linear_leaf_after_fixes_back_substitutes_the_decided_outputs_exactly():
    leaf = {"fix": "++", "next": {"linear": ["+"]}}
    assert check((AFFINE,), BOX, 2, leaf).upper == 2                     # the bound equals U: accepted
    with pytest.raises(CertificateRejected, match=r"linear bound 2 > 3/2"):
        check((AFFINE,), BOX, F(3, 2), leaf)
    with pytest.raises(CertificateRejected, match=r"neuron 2 <= 0 not proven \(back-substituted bound 2\)"):
        check((AFFINE,), BOX, 2, {"fix": "++", "next": {"linear": ["-"]}})
    with pytest.raises(CertificateRejected, match=r"neuron 2 >= 1 not proven \(back-substituted bound 0\)"):
        check((AFFINE,), BOX, 2, {"fix": "++", "next": {"linear": [["1", "2", "1", "0", "1"]]}})
    with pytest.raises(CertificateRejected, match=r"neuron 2 <= 3/2 not proven \(back-substituted bound 2\)"):
        check((AFFINE,), BOX, 2, {"fix": "++", "next": {"linear": [["0", "3/2", "1", "0", "1"]]}})
    assert check((AFFINE,), BOX, 2, {"fix": "++", "next": {"linear": [["0", "2", "1", "0", "1"]]}})
    # the minimum side: -(x1 - x2 + 1) <= 0 at (-1/2, 1/2)
    assert check((AFFINE,), BOX, 0, leaf, sign=-1).upper == 0
    with pytest.raises(CertificateRejected, match=r"linear bound 0 > -1/8"):
        check((AFFINE,), BOX, F(-1, 8), leaf, sign=-1)


# --- branch nodes: a neuron's sign splits the region (method "bnb-mixed") ---------------------------

def branch_tree(nets, box, k, sign=1):
    """Root claims, then a branch on neuron k with each side's claims (k forced) as leaves; the bound."""
    fl = [linear.float_layers(n) for n in nets]
    c = np.array([[float((lo + hi) / 2) for lo, hi in box]])
    r = np.array([[float((hi - lo) / 2) for lo, hi in box]])
    _, cl = linear.bounds(fl, c, r, sign)
    sides, ub = {}, []
    for name, pos in (("neg", False), ("pos", True)):
        u, kid = linear.bounds(fl, c, r, sign, cl.force(k, pos))
        sides[name], ub = {"linear": linear.emit(kid, 0)}, ub + [float(u[0])]
    return {"linear": linear.emit(cl, 0), "next": dict(branch=k, **sides)}, F(max(ub)) + F(1, 2 ** 20)


UNSTABLE = [k for k, x in enumerate(CLAIMS) if isinstance(x, list)]


def test_a_branch_on_an_unstable_neuron_replays_and_tightens():
    tree, U = branch_tree((F_NET, G_NET), BOX, UNSTABLE[0])
    assert check((F_NET, G_NET), BOX, U, tree).upper == U
    assert exact_max((F_NET, G_NET), BOX) <= U


@pytest.mark.parametrize("k", [-1, len(CLAIMS), True, "0", 1.0])
def test_a_branch_needs_an_undecided_neuron(k):
    tree, U = branch_tree((F_NET, G_NET), BOX, UNSTABLE[0])
    tree["next"]["branch"] = k
    with pytest.raises(CertificateRejected, match="branch needs an undecided neuron"):
        check((F_NET, G_NET), BOX, U, tree)


def test_a_branch_with_a_missing_side_or_extra_key_is_rejected():
    tree, U = branch_tree((F_NET, G_NET), BOX, UNSTABLE[0])
    for bad in ({k: v for k, v in tree["next"].items() if k != "pos"}, dict(tree["next"], cut=0)):
        with pytest.raises(CertificateRejected):
            check((F_NET, G_NET), BOX, U, dict(tree, next=bad))


def test_a_branch_never_certifies_below_the_true_max():
    """Each side's bound holds on its part only; the part holding the maximum keeps the bound honest."""
    top = exact_max((F_NET, G_NET), BOX)
    for k in UNSTABLE[:4]:
        tree, _ = branch_tree((F_NET, G_NET), BOX, k)
        with pytest.raises(CertificateRejected):
            check((F_NET, G_NET), BOX, top - F(1, 2 ** 30), tree)


def test_a_branch_sides_claims_are_checked_under_their_sign():
    """Each side's claims were proven with its sign in force: swapped, they do not replay."""
    tree, U = branch_tree((F_NET, G_NET), BOX, UNSTABLE[0])
    nxt = tree["next"]
    with pytest.raises(CertificateRejected, match="not proven"):
        check((F_NET, G_NET), BOX, U, dict(tree, next=dict(nxt, neg=nxt["pos"], pos=nxt["neg"])))


def test_mixed_search_is_exact_and_replays():
    nets = (F_NET, G_NET)
    r = sup(*nets, box=BOX, sign="abs", method="bnb-mixed")
    assert r.exact and r.value == sup(*nets, box=BOX, sign="abs", method="regions").value
    assert r.checked is not None and '"branch"' in json.dumps(r.certificate)
