"""exactrelu.erm_kernel: honest ERM certificates replay; every tampering is rejected, saying where."""
import ast
import copy
import json
from fractions import Fraction as F
from pathlib import Path

import pytest

from exactrelu.erm_kernel import FORMAT, check_erm, sorted_signs
from exactrelu.errors import CertificateRejected
from exactrelu.learning.erm import erm

PTS = [(F(1),), (F(1),), (F(-2),), (F(0),), (F(2),)]
YS = [F(2), F(3, 2), F(1, 2), F(2), F(1)]
PTS2 = [(F(0), F(1)), (F(1), F(-1)), (F(1, 2), F(1, 2)), (F(-1), F(0)), (F(2), F(1))]
YS2 = [F(1), F(-1, 2), F(2), F(0), F(3, 2)]


@pytest.fixture(scope="module")
def honest():
    return {key: erm(p, y, k, b) for key, (p, y, k, b) in
            {"one": (PTS, YS, 1, True), "two": (PTS[:4], YS[:4], 2, True), "nobias": (PTS2, YS2, 1, False)}.items()}


DATA = {"one": (PTS, YS, 1, True), "two": (PTS[:4], YS[:4], 2, True), "nobias": (PTS2, YS2, 1, False)}


def _walk(nd, path=()):
    yield path, nd
    if "split" in nd:
        yield from _walk(nd["neg"], path + ("neg",))
        yield from _walk(nd["pos"], path + ("pos",))
    elif "fix" in nd:
        yield from _walk(nd["next"], path + ("next",))


def _nodes(cert, pred):
    for t, tr in enumerate(cert["trees"]):
        for path, nd in _walk(tr["tree"]):
            if pred(nd):
                yield t, path, nd


def _replay(key, cert):
    p, y, k, b = DATA[key]
    return check_erm(p, y, k, b, cert)


@pytest.mark.parametrize("key", list(DATA))
def test_honest_certificate_accepted(honest, key):
    res = honest[key]
    c = _replay(key, res.certificate)
    assert c.exact and c.lower == c.upper == res.upper
    json.loads(json.dumps(res.certificate))                  # plain JSON


def test_statement_and_sign_vectors():
    assert sorted_signs(2) == [[1, 1], [1, -1], [-1, -1]]
    assert sorted_signs(1) == [[1], [-1]]


def _reject(key, cert, *fragments):
    with pytest.raises(CertificateRejected) as e:
        _replay(key, cert)
    for f in fragments:
        assert f in str(e.value), (f, str(e.value))
    return str(e.value)


def test_split_replaced_by_unproven_fix(honest):
    """A pattern omitted from the tree: a split turned into a fix of one side (its dual proves nothing)."""
    cert = copy.deepcopy(honest["one"].certificate)
    t, path, nd = next(_nodes(cert, lambda n: "split" in n))
    neg = nd.pop("neg")
    nd.pop("pos"), nd.pop("split")
    nd.update({"fix": "-", "duals": [{}], "next": neg})
    _reject("one", cert, "does not prove")


def test_split_side_dropped(honest):
    cert = copy.deepcopy(honest["one"].certificate)
    t, path, nd = next(_nodes(cert, lambda n: "split" in n))
    del nd["pos"]
    _reject("one", cert, "not a node")


def test_a_tree_omitted(honest):
    cert = copy.deepcopy(honest["two"].certificate)
    cert["trees"].pop()
    _reject("two", cert, "trees")
    cert = copy.deepcopy(honest["two"].certificate)
    cert["trees"][1]["a"] = [1, 1]
    _reject("two", cert, "trees[1]")


def test_wrong_and_negative_multiplier(honest):
    base = honest["one"].certificate
    t, path, nd = next(_nodes(base, lambda n: "bound" in n and n["bound"]))
    for change, frag in ((lambda lam: F(lam) + 1, "stationary"), (lambda lam: -F(lam), "negative")):
        cert = copy.deepcopy(base)
        node = dict(_walk(cert["trees"][t]["tree"]))[path]
        j = next(iter(node["bound"]))
        node["bound"][j] = str(change(node["bound"][j]))
        _reject("one", cert, frag)
    cert = copy.deepcopy(base)
    node = dict(_walk(cert["trees"][t]["tree"]))[path]
    node["bound"]["99"] = "1"
    _reject("one", cert, "not one of")


def test_wrong_fix_dual(honest):
    base = honest["one"].certificate
    t, path, nd = next(_nodes(base, lambda n: "fix" in n and any(n["duals"])))
    s = next(i for i, dl in enumerate(nd["duals"]) if dl)
    cert = copy.deepcopy(base)
    node = dict(_walk(cert["trees"][t]["tree"]))[path]
    j = next(iter(node["duals"][s]))
    node["duals"][s][j] = str(F(node["duals"][s][j]) * 2)
    _reject("one", cert, "does not prove")
    cert = copy.deepcopy(base)
    node = dict(_walk(cert["trees"][t]["tree"]))[path]
    node["fix"] = node["fix"][:s] + ("+" if node["fix"][s] == "-" else "-") + node["fix"][s + 1:]
    _reject("one", cert, "does not prove")


def test_loss_below_optimum(honest):
    for key in DATA:
        cert = copy.deepcopy(honest[key].certificate)
        low = str(F(cert["loss"]) - F(1, 1000))
        cert["loss"] = cert["lower"] = low
        _reject(key, cert, "not the claimed loss")


def test_lower_above_optimum_without_params(honest):
    cert = copy.deepcopy(honest["one"].certificate)
    cert.update(loss=None, params=None, lower=str(F(cert["lower"]) + F(1, 1000)))
    _reject("one", cert, "below the claimed lower bound")
    cert["lower"] = str(F(cert["lower"]) - F(2, 1000))            # a weaker true bound is accepted
    c = _replay("one", cert)
    assert not c.exact and c.upper is None


def test_wrong_params(honest):
    cert = copy.deepcopy(honest["one"].certificate)
    cert["params"]["w"][0][0] = str(F(cert["params"]["w"][0][0]) + F(1, 7))
    _reject("one", cert, "not the claimed loss")
    cert = copy.deepcopy(honest["nobias"].certificate)
    cert["params"]["b"] = ["1"]
    _reject("nobias", cert, "nonzero bias")


def test_wrong_theta(honest):
    cert = copy.deepcopy(honest["one"].certificate)
    t, path, nd = next(_nodes(cert, lambda n: "bound" in n and n["bound"]))
    nd["theta"][0] = str(F(nd["theta"][0]) + 1)
    _reject("one", cert, "stationary")


def test_farkas_leaf_for_a_nonempty_region_is_refused(honest):
    """Every region is a cone containing 0: a claimed-empty leaf is never accepted."""
    cert = copy.deepcopy(honest["one"].certificate)
    t, path, nd = next(_nodes(cert, lambda n: "bound" in n))
    nd.clear()
    nd["empty"] = {"0": "1"}
    _reject("one", cert, "not a node")


def test_other_data_or_claim_refused(honest):
    cert = honest["one"].certificate
    with pytest.raises(CertificateRejected, match="asked"):
        check_erm(PTS, YS, 1, False, cert)
    with pytest.raises(CertificateRejected):
        check_erm(PTS, YS[:-1] + [F(9)], 1, True, cert)        # other labels: some node or the loss fails
    for key, val in (("format", "x"), ("order", [0, 0, 1, 2, 3]), ("extra", 1)):
        bad = dict(copy.deepcopy(cert), **{key: val})
        with pytest.raises(CertificateRejected):
            check_erm(PTS, YS, 1, True, bad)
    bad = copy.deepcopy(cert)
    bad["lower"] = "1/0"
    with pytest.raises(CertificateRejected, match="exact rational"):
        check_erm(PTS, YS, 1, True, bad)


def test_kernel_imports_only_stdlib_and_errors():
    src = Path(__file__).resolve().parents[1] / "exactrelu" / "erm_kernel.py"
    tree = ast.parse(src.read_text())
    mods = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            mods.add(("." * node.level) + (node.module or ""))
        elif isinstance(node, ast.Import):
            mods.update(a.name for a in node.names)
    assert mods <= {"__future__", "re", "dataclasses", "fractions", ".errors", ".net"}, mods
    assert FORMAT == "exactrelu.erm-certificate"


def test_malformed_fields_rejected_not_crashing(honest):
    base = honest["one"].certificate
    t, path, nd = next(_nodes(base, lambda n: "bound" in n and n["bound"]))
    for change, frag in ((lambda c: c.update(relus=True), "integers"),
                         (lambda c: c.update(order=c["order"] + ["x"]), "permutation"),
                         (lambda c: c.update(order=[float(o) for o in c["order"]]), "permutation"),
                         (lambda c: c.update(lower="1." + "0" * 10), "exact rational"),
                         (lambda c: c.update(trees=c["trees"][:1]), "trees"),
                         (lambda c: dict(_walk(c["trees"][t]["tree"]))[path]["bound"].update({"\u0663": "1"}),
                          "not one of"),
                         (lambda c: dict(_walk(c["trees"][t]["tree"]))[path].update(theta=["1"]), "theta")):
        cert = copy.deepcopy(base)
        change(cert)
        _reject("one", cert, frag)


def test_huge_numerals_exact_or_limited(honest):
    cert = copy.deepcopy(honest["one"].certificate)
    cert["loss"] = cert["lower"] = "1" * 5000 + "/" + "3" * 4999            # beyond int()'s 4300 digits
    _reject("one", cert, "not the claimed loss")
    cert["lower"] = "1" * 100_001
    from exactrelu.errors import KernelLimit
    with pytest.raises(KernelLimit):
        _replay("one", cert)


def _slots(obj, path=()):
    """Every (container, key) of a JSON tree, for mutation."""
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for k, v in items:
        yield obj, k
        yield from _slots(v, path + (k,))


@pytest.mark.parametrize("key", ["one", "two", "nobias"])
def test_random_tampering_never_proves_a_false_claim(honest, key):
    """Sound means: whatever a mutated certificate looks like, the checker either rejects it (as a
    CertificateRejected, never a crash) or what it accepts is true (lower <= the true minimum)."""
    import random
    rng = random.Random(key)
    opt = honest[key].upper
    accepted = 0
    for trial in range(150):
        cert = copy.deepcopy(honest[key].certificate)
        slots = list(_slots(cert))
        for _ in range(rng.randint(1, 2)):
            obj, k = rng.choice(slots)
            v = obj[k]
            choice = rng.random()
            if isinstance(v, str) and v and set(v) <= set("+-"):
                obj[k] = "".join(rng.choice("+-") for _ in v)
            elif isinstance(v, dict) and "neg" in v:
                v["neg"], v["pos"] = v["pos"], v["neg"]
            elif choice < 0.6:
                obj[k] = str(F(rng.randint(-5, 5), rng.randint(1, 4)))
            elif choice < 0.8 and isinstance(obj, dict):
                del obj[k]
            else:
                obj[k] = rng.choice([None, [], {}, True, "x", 0])
        try:
            c = _replay(key, cert)
        except CertificateRejected:
            continue
        accepted += 1
        assert c.lower <= opt, (trial, c.statement)
        if c.upper is not None:
            assert c.upper >= opt
    assert accepted < 150


# -- convex points (trees [+1..+1] / [-1..-1]: points with sg y <= 0 bounded by a subgradient) ----------------
def _convex_leaf(cert):
    return next((t, nd) for t, _, nd in _nodes(cert, lambda n: "convex" in n and n["convex"]))


def test_honest_certificates_use_convex_points(honest):
    for key in DATA:
        t, nd = _convex_leaf(honest[key].certificate)
        assert len(set(honest[key].certificate["trees"][t]["a"])) == 1


def test_convex_point_with_the_wrong_label_sign_is_rejected(honest):
    cert = copy.deepcopy(honest["nobias"].certificate)
    t, nd = _convex_leaf(cert)
    sg = cert["trees"][t]["a"][0]
    bad = next(i for i, y in enumerate(YS2) if sg * y > 0)
    nd["convex"][str(bad)] = ["0"]
    _reject("nobias", cert, "is not convex")


def test_convex_points_under_mixed_signs_are_rejected(honest):
    cert = copy.deepcopy(honest["two"].certificate)
    t = next(t for t, tr in enumerate(cert["trees"]) if tr["a"] == [1, -1])
    leaf = next(nd for path, nd in _walk(cert["trees"][t]["tree"]) if "bound" in nd)
    leaf["convex"] = {"3": ["0", "0"]}
    _reject("two", cert, "equal output signs")


@pytest.mark.parametrize("tau", ["2", "-1/2", "1/2"])
def test_a_tau_that_is_no_subgradient_is_rejected(honest, tau):
    cert = copy.deepcopy(honest["one"].certificate)
    t, nd = _convex_leaf(cert)
    i, taus = next(iter(nd["convex"].items()))
    th = [F(v) for v in nd["theta"]]
    z = sum(F(a) * b for a, b in zip(list(PTS[int(i)]) + [F(1)], th))
    if tau == "1/2" and z == 0:
        tau = "2"
    nd["convex"][i] = [tau]
    _reject("one", cert, "no subgradient")


def test_a_dropped_or_repeated_convex_point_is_rejected(honest):
    cert = copy.deepcopy(honest["one"].certificate)
    t, nd = _convex_leaf(cert)
    assert cert["trees"][t]["a"] == [-1] and len(nd["convex"]) == len(PTS)     # every label >= 0: all convex
    nd["convex"] = {}                                      # their terms are lost: the bound no longer holds
    _reject("one", cert, "below the claimed lower bound")
    cert = copy.deepcopy(honest["one"].certificate)
    t, nd = _convex_leaf(cert)
    i, taus = next(iter(nd["convex"].items()))
    nd["convex"][int(i)] = taus
    _reject("one", cert, "repeats")


def test_a_tree_order_must_be_a_permutation(honest):
    cert = copy.deepcopy(honest["one"].certificate)
    cert["trees"][0]["order"] = cert["trees"][0]["order"][:-1] + [0]
    _reject("one", cert, "trees[0].order")
    cert["trees"][0]["extra"] = 1
    _reject("one", cert, "trees[0]")
