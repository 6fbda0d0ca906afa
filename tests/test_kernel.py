"""The trusted kernel: its imports and size, and sup certificates that must be rejected."""
import ast
import copy
import sys
from fractions import Fraction as F
from pathlib import Path

import pytest

from exactrelu import CertificateRejected, Net, kernel
from exactrelu.analysis.sup import sup

KERNEL = Path(kernel.__file__)
ALLOWED_RELATIVE = {"net"}


def test_kernel_imports_only_stdlib_and_net():
    tree = ast.parse(KERNEL.read_text())
    stdlib = set(sys.stdlib_module_names)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                assert a.name.split(".")[0] in stdlib, f"kernel imports {a.name}"
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                assert node.level == 1 and node.module in ALLOWED_RELATIVE, f"kernel imports .{node.module}"
            else:
                assert node.module.split(".")[0] in stdlib, f"kernel imports {node.module}"


def test_kernel_is_small():
    assert len(KERNEL.read_text().splitlines()) < 600


def test_checked_only_from_kernel():
    with pytest.raises(CertificateRejected):
        kernel.Checked("sup", "forged", 1)


# -- a certificate with cuts (d = 1) and one with splits and duals (d = 2) ------------------------

F1 = Net([([[1], [-1], [2]], [F(-1, 3), F(1, 4), F(-1)]), ([[1, 1, -1]], [0])])
G1 = Net([([[3], [-1]], [F(-1), F(1, 2)]), ([[1, -1]], [F(1, 8)])])
TEACHER = Net([([[2, 1], [1, -1], [-1, 3], [1, 1]], [0, F(1, 3), F(-1, 2), F(-1)]),
               ([[1, -2, 1, 1], [1, 1, -1, 2]], [F(1, 5), F(-1, 4)]), ([[1, -1]], [0])])
STUDENT = Net([([[1, 2], [-1, 1], [3, -1]], [F(-1, 2), 0, F(1, 4)]), ([[1, 1, -1]], [0])])


def _cert(nets):
    r = sup(*nets, prune=False)     # every region certified by duals (no interval leaves)
    assert r.exact
    return r.certificate


CERT1 = _cert((F1, G1))
CERT2 = _cert((TEACHER, STUDENT))


def _nodes(node, path=()):
    """Every (path, node) of a tree, depth first."""
    yield path, node
    for k in ("lo", "hi", "neg", "pos", "next"):
        if isinstance(node, dict) and k in node:
            yield from _nodes(node[k], path + (k,))


def _first(cert, pred):
    for sign in ("+", "-"):
        for path, node in _nodes(cert["trees"][sign]):
            if pred(node):
                return node
    raise LookupError("no such node")


def _nonempty_dual(node):
    return ("bound" in node and node["bound"]) or ("duals" in node and any(node["duals"]))


def _dual_of(node):
    return node["bound"] if "bound" in node else next(d for d in node["duals"] if d)


def inflate_multiplier(c):   # a split constraint changes sign in the box, so a huge multiplier breaks
    dual = _dual_of(_first(c, _nonempty_dual))
    k = next(iter(dual))
    dual[k] = str(F(dual[k]) * 10**9)


def zero_multipliers(c):     # the tight leaf (where the witness lies) needs its dual
    for sign in ("+", "-"):
        for _, node in _nodes(c["trees"][sign]):
            if "bound" in node:
                node["bound"] = {}


def negative_multiplier(c):
    dual = _dual_of(_first(c, _nonempty_dual))
    k = next(iter(dual))
    dual[k] = "-" + dual[k]


def index_out_of_range(c):
    dual = _dual_of(_first(c, _nonempty_dual))
    k = next(iter(dual))
    dual["999"] = dual.pop(k)


def drop_split_branch(c):
    del _first(c, lambda n: "split" in n)["pos"]


def drop_cut_branch(c):
    del _first(c, lambda n: "cut" in n)["hi"]


def move_cut_outside(c):
    _first(c, lambda n: "cut" in n)["at"] = "5"


def move_cut_inside(c):
    node = _first(c, lambda n: "cut" in n)
    node["at"] = str(F(node["at"]) + F(1, 97))


def flip_fix_sign(c):
    node = _first(c, lambda n: "fix" in n and not n.get("duals"))
    node["fix"] = ("-" if node["fix"][0] == "+" else "+") + node["fix"][1:]


def smaller_value(c):
    c["value"] = str(F(c["value"]) - F(1, 1000))


def smaller_value_consistent_witness(c):  # a true value at another point, below the max
    nets = c.pop("_nets")
    w = [F(0)] * len(c["witness"])
    c["witness"] = ["0"] * len(w)
    c["value"] = str(abs(nets[0](w)[0] - nets[1](w)[0]))


def move_witness(c):
    c["witness"] = [str(F(v) / 2 + F(1, 7)) for v in c["witness"]]


def witness_outside_box(c):
    c["witness"][0] = "2"


def drop_minus_tree(c):
    del c["trees"]["-"]


def swap_trees(c):
    c["trees"]["+"], c["trees"]["-"] = c["trees"]["-"], c["trees"]["+"]


def unknown_key(c):
    _first(c, lambda n: True)["typo"] = 1


def replace_subtree_by_ibp(c):
    node = _first(c, lambda n: "split" in n)
    node.clear()
    node["ibp"] = True


def float_number(c):
    c["value"] = float(F(c["value"]))


def decimal_text(c):
    _first(c, lambda n: "cut" in n)["at"] = "0.5"


def bound_leaf_too_early(c):
    node = _first(c, lambda n: "fix" in n)
    node.clear()
    node["bound"] = {}


def empty_leaf_without_proof(c):
    node = _first(c, lambda n: "bound" in n)
    node.clear()
    node["empty"] = {}


def unknown_kind(c):
    c["kind"] = "sup2"


TAMPER = [
    (CERT2, inflate_multiplier), (CERT2, zero_multipliers), (CERT2, negative_multiplier), (CERT2, index_out_of_range),
    (CERT2, drop_split_branch), (CERT1, drop_cut_branch), (CERT1, move_cut_outside),
    (CERT1, move_cut_inside), (CERT1, flip_fix_sign), (CERT2, flip_fix_sign),
    (CERT1, smaller_value), (CERT2, smaller_value), (CERT2, smaller_value_consistent_witness),
    (CERT1, move_witness), (CERT2, move_witness), (CERT1, witness_outside_box), (CERT2, drop_minus_tree),
    (CERT2, swap_trees), (CERT2, unknown_key), (CERT2, replace_subtree_by_ibp), (CERT1, float_number),
    (CERT1, decimal_text), (CERT2, bound_leaf_too_early), (CERT2, empty_leaf_without_proof),
    (CERT1, unknown_kind),
]


def test_untampered_certificates_replay():
    assert kernel.replay((F1, G1), CERT1).kind == "sup"
    assert kernel.replay((TEACHER, STUDENT), CERT2).kind == "sup"


@pytest.mark.parametrize("cert,tamper", TAMPER, ids=[f"{'cuts' if c is CERT1 else 'splits'}-{t.__name__}"
                                                      for c, t in TAMPER])
def test_tampered_certificate_rejected(cert, tamper):
    nets = (F1, G1) if cert is CERT1 else (TEACHER, STUDENT)
    c = copy.deepcopy(cert)
    c["_nets"] = nets
    tamper(c)
    c.pop("_nets", None)
    with pytest.raises(CertificateRejected):
        kernel.replay(nets, c)


def test_rejection_names_the_node_path():
    c = copy.deepcopy(CERT2)
    inflate_multiplier(c)
    with pytest.raises(CertificateRejected, match=r"tree\[[+-]\]"):
        kernel.replay((TEACHER, STUDENT), c)


@pytest.mark.parametrize("tree", [None, [], {"split": 1, "neg": {}, "pos": {}}, {"fix": "", "next": {}},
                                  {"fix": "+x", "next": {}}, {"cut": True, "at": "1/2", "lo": {}, "hi": {}},
                                  {"cut": 0, "at": "1/2"}, {"ibp": 1}, {"bound": [1]}, {"bound": {"0": "1"}},
                                  {"fix": "+", "dual": {}, "duals": [{}], "next": {"bound": {}}},
                                  {"fix": "++++++++++", "next": {"bound": {}}}])
def test_malformed_trees_rejected(tree):
    with pytest.raises(CertificateRejected):
        kernel.check_max_le(F1, [(0, 1)], 1, 100, tree)


def test_check_max_le_and_interval():
    box = [(-1, 1)]
    f = Net([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])   # |x| <= 1 on [-1, 1]
    tree = {"cut": 0, "at": "0", "lo": {"fix": "-+", "next": {"bound": {}}},
            "hi": {"fix": "+-", "next": {"bound": {}}}}
    assert kernel.check_max_le(f, box, 1, 1, tree).kind == "max_le"
    with pytest.raises(CertificateRejected):
        kernel.check_max_le(f, box, 1, F(99, 100), tree)
    assert kernel.check_interval(f, box, "max", F(1, 2), 1, [F(1, 2)], tree).kind == "sup_interval"
    with pytest.raises(CertificateRejected):
        kernel.check_interval(f, box, "max", F(2, 3), 1, [F(1, 2)], tree)
    assert kernel.check_max_le(f, box, 1, 5, {"ibp": True}).kind == "max_le"
    # the split form with duals proves the same
    split = {"split": True, "neg": {"fix": "+", "dual": {"0": "1"}, "next": {"bound": {}}},
             "pos": {"fix": "-", "dual": {"0": "1"}, "next": {"bound": {}}}}
    assert kernel.check_sup(f, box, "max", 1, [1], split).instances == 2
    # an empty region: x >= 0 and (x <= -1/2 by a second split) is proven empty by 2*(-x) + ... no:
    g = Net([([[1], [1]], [0, F(1, 2)]), ([[1, 1]], [0])])
    empty = {"split": True, "neg": {"split": True, "neg": {"bound": {}}, "pos": {"bound": {}}},
             "pos": {"split": True, "neg": {"empty": {"0": "1", "1": "1"}}, "pos": {"bound": {}}}}
    with pytest.raises(CertificateRejected):   # the neg/neg region is x <= -1/2: fine; but the bound
        kernel.check_max_le(g, box, 1, F(1, 2), empty)  # 2x + 1/2 <= 1/2 fails on x in [0, 1]
    assert kernel.check_max_le(g, box, 1, F(5, 2), empty).instances == 4


# -- knots leaves (d = 1) -------------------------------------------------------------------------

def _knots_cert():
    r = sup(F1, G1, box=[(-1, 1)], method="knots")
    assert r.exact and "knots" in r.certificate["trees"]["+"]
    return r


def test_knots_leaf_replays_and_tampering_is_rejected():
    r = _knots_cert()
    assert kernel.replay((F1, G1), r.certificate).kind == "sup"
    knots = r.certificate["trees"]["+"]["knots"]
    assert knots
    for bad in (knots[1:],                              # a breakpoint left out: a sign change
                [knots[0], knots[0]] + knots[1:],       # not strictly increasing
                ["5"] + knots,                          # outside the interval
                [float(F(knots[0]))] + knots[1:]):      # not an exact rational
        with pytest.raises(CertificateRejected):
            kernel.check_max_le((F1, G1), [(-1, 1)], 1, r.value, {"knots": bad})
    with pytest.raises(CertificateRejected):            # below the maximum
        kernel.check_max_le((F1, G1), [(-1, 1)], "abs", r.value - F(1, 1000),
                            {"+": {"knots": knots}, "-": {"knots": knots}})
    with pytest.raises(CertificateRejected):            # d = 2
        kernel.check_max_le(TEACHER, [(0, 1), (0, 1)], 1, 100, {"knots": []})
