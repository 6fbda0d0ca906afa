"""Exact ERM of sums of ReLUs (exactrelu.learning.erm) and the `exactrelu erm` verb.

The certified optimum is compared with an independent brute force: an exact rational grid and a float
random search over the parameters, with the loss evaluated here from scratch, never beat it, and the
reported parameters attain it exactly."""
import json
import random
from fractions import Fraction as F
from itertools import product

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from exactrelu.erm_kernel import check_erm
from exactrelu.errors import InputError
from exactrelu.learning.erm import ErmLimit, erm, pattern_bound, qp
from helpers import cli


def _loss(pts, ys, W, B, A):
    """Independent exact loss of x -> sum_u A_u max(0, W_u . x + B_u)."""
    tot = F(0)
    for x, y in zip(pts, ys):
        f = sum(a * max(F(0), sum(w_ * x_ for w_, x_ in zip(w, x)) + b) for w, b, a in zip(W, B, A))
        tot += (f - y) ** 2
    return tot


def _float_search(pts, ys, k, bias, tries, rng):
    X = np.array([[float(v) for v in x] for x in pts])
    Y = np.array([float(v) for v in ys])
    best = np.inf
    for a in product((1.0, -1.0), repeat=k):
        W = rng.normal(scale=3, size=(tries, k, X.shape[1]))
        B = rng.normal(scale=3, size=(tries, k)) if bias else np.zeros((tries, k))
        f = (np.maximum(np.einsum("tkd,nd->tkn", W, X) + B[:, :, None], 0) * np.array(a)[None, :, None]).sum(1)
        best = min(best, ((f - Y) ** 2).sum(1).min())
    return best


def _random_data(seed, n, d):
    r = random.Random(seed)
    pts = [tuple(F(r.randint(-4, 4), r.randint(1, 2)) for _ in range(d)) for _ in range(n)]
    ys = [F(r.randint(-2, 6), r.randint(1, 2)) for _ in range(n)]
    return pts, ys


GRID = [F(i, 2) for i in range(-6, 7)]


@pytest.mark.parametrize("seed,n,d,bias", [(0, 5, 1, True), (1, 6, 1, True), (2, 4, 2, True), (3, 6, 2, False),
                                           (4, 5, 1, False), (5, 6, 1, True)])
def test_single_relu_against_brute_force(seed, n, d, bias):
    pts, ys = _random_data(seed, n, d)
    res = erm(pts, ys, 1, bias)
    assert res.exact and check_erm(pts, ys, 1, bias, res.certificate).exact
    p = res.params
    assert _loss(pts, ys, p["w"], p["b"], p["a"]) == res.upper
    best_grid = min(_loss(pts, ys, [w], [b], [a]) for w in product(GRID, repeat=d)
                    for b in (GRID if bias else [F(0)]) for a in (1, -1))
    assert best_grid >= res.upper
    assert _float_search(pts, ys, 1, bias, 4000, np.random.default_rng(seed)) >= float(res.upper) - 1e-9


@pytest.mark.parametrize("seed,n", [(10, 4), (11, 4), (12, 5)])
def test_two_relus_against_brute_force(seed, n):
    pts, ys = _random_data(seed, n, 1)
    res = erm(pts, ys, 2, True)
    assert res.exact and check_erm(pts, ys, 2, True, res.certificate).exact
    p = res.params
    assert _loss(pts, ys, p["w"], p["b"], p["a"]) == res.upper
    g = [F(i) for i in range(-3, 4)]
    best_grid = min(_loss(pts, ys, [(w1,), (w2,)], [b1, b2], a) for w1, w2, b1, b2 in product(g, repeat=4)
                    for a in ((1, 1), (1, -1), (-1, -1)))
    assert best_grid >= res.upper
    assert _float_search(pts, ys, 2, True, 20000, np.random.default_rng(seed)) >= float(res.upper) - 1e-9


def test_known_optima():
    # labels of a ReLU: realizable, loss 0
    pts = [(F(x),) for x in (-2, -1, 0, 1, 2)]
    assert erm(pts, [F(0), F(0), F(0), F(1), F(2)], 1, False).upper == 0
    # |x| is a sum of two ReLUs but not one: k = 1 has loss > 0, k = 2 loss 0
    ys = [F(2), F(1), F(0), F(1), F(2)]
    one, two = erm(pts, ys, 1, True), erm(pts, ys, 2, True)
    assert one.upper > 0 and two.upper == 0 and two.exact
    # a constant label and no bias, all points at 0: f = 0, loss = n c^2
    assert erm([(F(0),)] * 3, [F(1)] * 3, 1, False).upper == 3


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 4), st.integers(1, 2), st.booleans())
def test_properties_random_tiny(seed, n, d, bias):
    pts, ys = _random_data(seed, n, d)
    r1 = erm(pts, ys, 1, bias)
    c = check_erm(pts, ys, 1, bias, r1.certificate)
    assert c.exact and 0 <= r1.upper <= sum(y * y for y in ys)
    p = r1.params
    assert _loss(pts, ys, p["w"], p["b"], p["a"]) == r1.upper
    # more freedom never costs: a bias, a second ReLU
    if not bias:
        assert erm(pts, ys, 1, True).upper <= r1.upper
    if n <= 3 and d == 1:
        assert erm(pts, ys, 2, bias).upper <= r1.upper
    # realizable mode agrees
    rr = erm(pts, ys, 1, bias, realizable=True)
    cr = check_erm(pts, ys, 1, bias, rr.certificate)
    assert (cr.upper == 0) == (r1.upper == 0)
    if r1.upper > 0:
        assert 0 < cr.lower <= r1.upper


def test_qp_kkt_exact():
    # min (t1 - 1)^2 + (t2 + 2)^2 subject to -t2 <= 0: t = (1, 0), value 4, lambda = 4
    v, t, lam = qp([[F(1), F(0)], [F(0), F(1)]], [F(1), F(-2)], [[F(0), F(-1)]], 2)
    assert v == 4 and t == [1, 0] and lam == {0: 4}


def test_pattern_bound():
    assert pattern_bound(30, 2, 1, True) == 2 * 2 * (1 + 29 + 406)
    assert pattern_bound(12, 2, 2, True) == 3 * 134 ** 2
    with pytest.raises(InputError, match="max_patterns"):
        erm(*_random_data(0, 6, 2), 1, True, max_patterns=5)


def test_time_limit_reports_bounds():
    pts, ys = _random_data(7, 9, 2)
    with pytest.raises(ErmLimit) as e:
        erm(pts, ys, 2, True, time_limit=1e-6)
    r = e.value.result
    assert r.lower == 0 and not r.exact and r.upper == _loss(pts, ys, r.params["w"], r.params["b"], r.params["a"])
    assert set(r.to_json()) == {"lower", "upper", "exact", "params", "reason"}


# ------------------------------------------------------------------------ the command line
GOOD = {"points": [[0], [1], [2.5], ["3/2"]], "labels": [1, 0, "2", 0.3]}


def _data(tmp_path, obj=GOOD, name="data.json"):
    p = tmp_path / name
    p.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return p


def test_cli_json_certificate_and_replay(tmp_path):
    data, cert = _data(tmp_path), tmp_path / "c.json"
    code, out, err = cli("erm", data, "--bias", "--json", "--certificate", cert)
    assert code == 0, err
    o = json.loads(out)
    assert o["exact"] is True and set(o) == {"loss", "exact", "params"} and set(o["params"]) == {"w", "b", "a"}
    pts = [(F(0),), (F(1),), (F(5, 2),), (F(3, 2),)]
    ys = [F(1), F(0), F(2), F(3, 10)]                 # 0.3 read exactly from the JSON float literal
    p = o["params"]
    assert _loss(pts, ys, [[F(v) for v in r] for r in p["w"]], [F(v) for v in p["b"]], p["a"]) == F(o["loss"])
    assert not [f for f in tmp_path.iterdir() if f.name.endswith(".tmp")]
    code, out, err = cli("erm", data, "--bias", "--replay", cert)
    assert code == 0 and out.startswith("ACCEPTED") and F(o["loss"]) == F(out.split("= ")[-1].split(",")[0])
    code, out, err = cli("erm", data, "--bias", "--replay", cert, "--json")
    assert code == 0 and json.loads(out)["exact"] is True
    # the same certificate about another claim (no bias): rejected, exit 1, one line
    code, out, err = cli("erm", data, "--replay", cert)
    assert code == 1 and out.startswith("REJECTED") and out.count("\n") == 1
    bad = json.loads(cert.read_text())
    bad["loss"] = bad["lower"] = "0"
    cert.write_text(json.dumps(bad))
    code, out, err = cli("erm", data, "--bias", "--replay", cert)
    assert code == 1 and "loss" in out and out.count("\n") == 1


def test_cli_two_relus_and_realizable(tmp_path):
    data = _data(tmp_path)
    code, out, err = cli("erm", data, "--relus", 2, "--bias", "--json")
    assert code == 0 and json.loads(out)["loss"] == "0"
    code, out, err = cli("erm", data, "--relus", 2, "--bias", "--realizable", "--json")
    o = json.loads(out)
    assert code == 0 and o["realizable"] is True and o["params"]["a"]
    code, out, err = cli("erm", data, "--bias", "--realizable", "--json", "--certificate", tmp_path / "r.json")
    o = json.loads(out)
    assert code == 0 and o["realizable"] is False and F(o["lower"]) > 0
    code, out, err = cli("erm", data, "--bias", "--replay", tmp_path / "r.json")
    assert code == 0 and out.startswith("ACCEPTED")
    code, out, err = cli("erm", data, "--bias")
    assert code == 0 and "min loss = 1" in out


def test_cli_time_limit_exit_3(tmp_path):
    pts, ys = _random_data(7, 9, 2)
    data = _data(tmp_path, {"points": [[str(v) for v in x] for x in pts], "labels": [str(y) for y in ys]})
    code, out, err = cli("erm", data, "--relus", 2, "--bias", "--time-limit", "1/1000000", "--json")
    o = json.loads(out)
    assert code == 3 and o["exact"] is False and o["lower"] == "0" and "time limit" in o["reason"]


BAD = [  # (id, data text, extra args, fragments)
    ("ragged", {"points": [[0, 1], [1]], "labels": [1, 2]}, [], ["data.json", "point 1", "coordinates"]),
    ("label-count", {"points": [[0], [1]], "labels": [1]}, [], ["data.json", "1 labels for 2 points"]),
    ("non-number-point", {"points": [[0], ["x"]], "labels": [1, 2]}, [], ["data.json", "point 1 coordinate 0"]),
    ("non-number-label", {"points": [[0], [1]], "labels": [1, "abc"]}, [], ["data.json", "label 1", "abc"]),
    ("bool-label", {"points": [[0], [1]], "labels": [1, True]}, [], ["data.json", "label 1", "boolean"]),
    ("unknown-key", {"points": [[0]], "labels": [1], "lables": []}, [], ["data.json", "unknown key 'lables'"]),
    ("missing-labels", {"points": [[0]]}, [], ["data.json", "'labels'"]),
    ("empty-points", {"points": [], "labels": []}, [], ["data.json", "'points'"]),
    ("point-not-list", {"points": [0], "labels": [1]}, [], ["data.json", "point 0"]),
    ("not-object", [[0], [1]], [], ["data.json", "JSON object"]),
    ("malformed", '{"points": [[0]', [], ["data.json", "malformed JSON"]),
    ("nan", '{"points": [[0]], "labels": [NaN]}', [], ["data.json", "NaN"]),
    ("zero-relus", GOOD, ["--relus", "0"], ["--relus"]),
    ("too-many-patterns", GOOD, ["--bias", "--max-patterns", "3"], ["patterns", "max_patterns=3"]),
    ("replay-missing", GOOD, ["--replay", "{dir}/none.json"], ["none.json", "no such file"]),
    ("replay-with-search-option", GOOD, ["--replay", "{dir}/data.json", "--max-patterns", "5"], ["--replay"]),
    ("certificate-folder-missing", GOOD, ["--certificate", "{dir}/no/c.json"], ["does not exist"]),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_cli_bad_input_exit_2_one_line(tmp_path, case):
    name, obj, extra, fragments = case
    data = _data(tmp_path, obj)
    code, out, err = cli("erm", data, *[str(a).format(dir=tmp_path) for a in extra])
    assert code == 2, (code, out, err)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for f in fragments:
        assert f in err, (f, err)
    assert not [f for f in tmp_path.rglob("*") if f.name.endswith(".tmp")]


def test_cli_missing_data_file(tmp_path):
    code, out, err = cli("erm", tmp_path / "nope.json")
    assert code == 2 and "nope.json" in err and "no such file" in err


def test_cli_replay_at_the_checker_limit_exit_3(tmp_path):
    data, cert = _data(tmp_path), tmp_path / "c.json"
    assert cli("erm", data, "--bias", "--certificate", cert)[0] == 0
    c = json.loads(cert.read_text())
    c["lower"] = "1" * 100_001
    cert.write_text(json.dumps(c))
    code, out, err = cli("erm", data, "--bias", "--replay", cert)
    assert code == 3 and "limit" in err and err.count("\n") == 1


def test_time_limit_with_loss_zero_found_is_exact(tmp_path):
    data = _data(tmp_path)            # two ReLUs fit GOOD exactly; the float start finds it
    code, out, err = cli("erm", data, "--relus", 2, "--bias", "--time-limit", "1/1000000", "--json")
    assert code == 0 and json.loads(out) == {**json.loads(out), "loss": "0", "exact": True}


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 5), st.integers(1, 2), st.booleans(), st.integers(1, 2))
def test_convex_points_change_the_search_not_the_optimum(seed, n, d, bias, k):
    """With and without the convex points (never branched on, bounded by their convex terms) the
    certified optimum is the same, and both certificates replay."""
    if k == 2 and (n > 3 or d > 1):
        n, d = min(n, 3), 1
    pts, ys = _random_data(seed, n, d)
    a = erm(pts, ys, k, bias)
    b = erm(pts, ys, k, bias, use_convex=False)
    assert a.upper == b.upper
    for r in (a, b):
        assert check_erm(pts, ys, k, bias, r.certificate).lower == r.upper


def test_qp_weights_and_the_float_guess_fallback():
    """Weighted rows equal repeated rows; a QP whose float working set is wrong still ends exact (KKT)."""
    A, y, G = [[F(1), F(1)], [F(1), F(-1)]], [F(3), F(1, 3)], [[F(-1), F(0)], [F(0), F(1)]]
    v1, t1, l1 = qp(A, y, G, 2, weights=[3, 1])
    v2, t2, l2 = qp([A[0]] * 3 + [A[1]], [y[0]] * 3 + [y[1]], G, 2)
    assert v1 == v2 and t1 == t2 and l1 == l2
    import exactrelu.learning.erm as E
    orig = E._float_working_set
    try:
        E._float_working_set = lambda H, c, G, N, warm: ([0, 1], [0.0] * N)     # a wrong guess
        v3, t3, l3 = qp(A, y, G, 2, weights=[3, 1])
    finally:
        E._float_working_set = orig
    assert (v3, t3, l3) == (v1, t1, l1)


def test_pattern_bound_counts_only_branched_points():
    ys = [F(1), F(0), F(-1), F(2)]          # [+1]: branches on the two positive labels, [-1] on the one negative
    assert pattern_bound(4, 1, 1, False, ys) == 2 + 2
    assert pattern_bound(4, 1, 1, False) == 2 * 2
    assert pattern_bound(4, 2, 1, True, ys) == 2 * (1 + 1) + 2 * 1      # C(1, 2) = 0
