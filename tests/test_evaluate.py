"""The batched exact engine against the kernel (the Fraction oracle), path by path; the float64
twin against its bound; bad input; `exactrelu eval`; proofs/exact_evaluation.py with broken engines."""
import functools
import json
from fractions import Fraction as F

import numpy as np
import pytest
from helpers import cli, load_proof
from hypothesis import given, strategies as st

import exactrelu.evaluate as ev
from exactrelu.errors import DomainMismatch, InputError
from exactrelu.evaluate import (PATHS, EvalStats, evaluate_batch, evaluate_float_with_bound,
                                evaluate_scaled)
from exactrelu.kernel import evaluate as kernel
from exactrelu.net import Net
from exactrelu.proofkit import run_checks, run_script
from exactrelu.strategies import nets, point_sets, rationals

P61 = 2**61 - 1
RESTRICTIONS = [PATHS, ("int64", "bigint"), ("bigint",)]

signed = rationals(max_denominator=64, max_abs=2)
adversarial = st.one_of(
    rationals(max_denominator=16, max_abs=4),
    st.sampled_from([F(1, 65537), F(-3, 65537), F(1, P61), F(-2, P61), F(1, 2**100), F(0),
                     F(2**200 + 1, 3), F(-(2**199) - 7, 5)]))


def oracle(net, pts):
    return [kernel(net, x) for x in pts]


def check_all_paths(net, pts):
    want = oracle(net, pts)
    for allowed in RESTRICTIONS:
        assert evaluate_batch(net, pts, paths=allowed) == want, allowed


# -- engine == kernel, exactly --------------------------------------------------------------

@given(st.data())
def test_random_nets_all_paths(data):
    net = data.draw(nets(max_depth=4, max_width=5, max_output_dim=3, entries=signed))
    pts = data.draw(point_sets(net.input_dim, max_size=8, coords=signed))
    check_all_paths(net, pts)


@given(st.data())
def test_adversarial_entries(data):
    """Huge and tiny denominators (1/65537, 1/(2^61-1), 2^-100), 200-bit numerators."""
    net = data.draw(nets(max_depth=3, max_width=3, max_output_dim=2, entries=adversarial))
    pts = data.draw(point_sets(net.input_dim, max_size=4, coords=adversarial))
    check_all_paths(net, pts)


@given(st.data())
def test_depth_one_and_width_one(data):
    deep1 = data.draw(nets(max_depth=1, max_output_dim=3, entries=adversarial))
    check_all_paths(deep1, data.draw(point_sets(deep1.input_dim, max_size=5, coords=signed)))
    thin = data.draw(nets(max_width=1, max_depth=5, entries=signed))
    check_all_paths(thin, data.draw(point_sets(thin.input_dim, max_size=5, coords=signed)))


def test_dead_layers():
    zero = Net([([[1, -2], [3, 1]], [0, 0]), ([[0, 0], [0, 0]], [0, 0]), ([[2, 1]], ["1/5"])])
    negative = Net([([["1/65537", 2], [-1, 1]], [-100, -100]), ([[1, 1]], ["-1/3"])])
    pts = [(F(1, 3), F(-2)), (F(5), F(7, 2)), (0, 0)]
    for net in (zero, negative):
        check_all_paths(net, pts)
    assert evaluate_batch(negative, pts) == [(F(-1, 3),)] * 3


def test_points_on_kinks():
    absx = Net([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])
    check_all_paths(absx, [(0,), (F(1, P61),), (F(-1, 65537),)])
    proof = load_proof("exact_evaluation")
    net, pts = proof._kinks()  # kinks met on the big-integer path, next to tiny nonzero values
    stats = EvalStats()
    assert evaluate_batch(net, pts, stats=stats) == oracle(net, pts)
    assert stats.paths_used() == {"bigint"} and stats.ambiguous > 0


def test_vector_outputs_and_scaled():
    net = Net([([[F(1, 3), -1], [2, F(1, 7)]], [F(1, 5), 0]), ([[1, 1], [F(1, 11), -2], [0, 0]], [0, F(1, 13), 3])])
    pts = [(F(1, 2), F(-3)), (F(2, 9), F(4, 5)), (0, 1)]
    want = oracle(net, pts)
    check_all_paths(net, pts)
    s = evaluate_scaled(net, pts)
    assert s.denominator > 0 and s.numerators.shape == (3, 3)
    assert [tuple(F(int(v), s.denominator) for v in row) for row in s.numerators.tolist()] == want
    assert s.fractions() == want
    assert evaluate_scaled(net, []).numerators.shape == (0, 3) and evaluate_batch(net, []) == []


# -- each path, chosen by the exact bound, checked against the kernel -----------------------

PATH_CASES = [
    ("float64", Net([([["3/4", -1], ["1/8", 2]], ["1/2", 0]), ([[1, -1]], [0])]), [(F(1, 3), 5), (-2, F(1, 7))]),
    ("int64", Net([([[2**40, -3], [5, 2**38]], [1, -2**39]), ([[1, -1]], [7])]),
     [(2**14 + 1, -2**13), (-(2**12), 2**15 - 3)]),                      # two float64 limbs
    ("int64", Net([([[2**52 + 1, 1]], [0])]), [(3, -5), (-2, 7)]),      # numpy's int64 product
    ("bigint", Net([([[2**70 + 1, -1], [-3, 2**66]], [1, -(2**80)]), ([[1, F(1, 3)]], [0])]),
     [(5, -7), (F(1, 3), 2**20)]),                                        # outputs beyond int64
    ("bigint", Net([([[2**70, -(2**70)], [1, 0]], [0, 0]), ([[1, 1]], [F(1, 3)])]),
     [(3, 3), (5, 5), (F(1, 2), F(1, 2))]),  # huge bound, exact zeros; outputs within int64
]


def test_bigint_outputs_within_int64_read_modulo_2_64(monkeypatch):
    calls = []
    real = ev._Rows.exact_int64
    monkeypatch.setattr(ev._Rows, "exact_int64", lambda self, t, n: calls.append(1) or real(self, t, n))
    path, net, pts = PATH_CASES[4]
    assert evaluate_batch(net, pts) == oracle(net, pts) == [(F(10, 3),), (F(16, 3),), (F(5, 6),)]
    assert calls


@pytest.mark.parametrize("path,net,pts", PATH_CASES)
def test_each_path_is_taken_and_exact(path, net, pts):
    stats = EvalStats()
    assert evaluate_batch(net, pts, stats=stats) == oracle(net, pts)
    assert path in stats.paths_used()
    assert all(b >= 1 for _, _, b in stats.layers)
    check_all_paths(net, pts)


def test_forcing_paths():
    net, pts = PATH_CASES[0][1], PATH_CASES[0][2]
    for allowed, used in [(PATHS, {"float64"}), (("int64", "bigint"), {"int64"}), (("bigint",), {"bigint"})]:
        stats = EvalStats()
        evaluate_batch(net, pts, paths=allowed, stats=stats)
        assert stats.paths_used() == used
    stats = EvalStats()  # a fast path that the bound does not prove safe is never taken
    evaluate_batch(PATH_CASES[3][1], PATH_CASES[3][2], paths=("float64",), stats=stats)
    assert stats.paths_used() == {"bigint"}


def test_reference_nets_and_chunks(monkeypatch):
    proof = load_proof("exact_evaluation")
    cases = {name: (net, pts) for name, net, pts in proof.instances(quick=True)}
    for name in ("ref-net", "ref-net-nondyadic"):
        check_all_paths(*cases[name])
    # chunks whose paths differ (float64, then bigint with outputs beyond int64) join exactly
    monkeypatch.setattr(ev, "_CHUNK", 256)
    net = Net([([[1, F(1, 3)], [-2, 1]], [0, F(1, 7)]), ([[1, -1]], [0])])
    pts = [(F(k, 64), F(-k, 32)) for k in range(256)] + [(2**80 + k, -(2**75)) for k in range(44)]
    stats = EvalStats()
    got = evaluate_batch(net, pts, stats=stats)
    assert stats.chunks == 2 and stats.paths_used() == {"float64", "bigint"}
    assert got == oracle(net, pts)


# -- bad input -------------------------------------------------------------------------------

NET2 = Net([([[1, 2]], [0])])


@pytest.mark.parametrize("pts,err,msg", [
    ([(1, 2), (1, 2, 3)], InputError, "point 1 has 3 coordinates, network input_dim is 2"),
    ([(1, 2), 5], InputError, "point 1 is not a sequence"),
    ([(1, 0.5)], DomainMismatch, "point 0 coordinate 1: float"),
    ([(1, np.float64(2))], DomainMismatch, "point 0 coordinate 1: float"),
    ([(True, 1)], InputError, "point 0 coordinate 0: True is not an exact rational"),
    ([(1, "1/2")], InputError, "is not an exact rational"),
])
def test_bad_points(pts, err, msg):
    for f in (evaluate_batch, evaluate_scaled, evaluate_float_with_bound):
        with pytest.raises(err, match=msg) as e:
            f(NET2, pts)
        assert "\n" not in str(e.value)


def test_bad_arguments():
    with pytest.raises(InputError, match="expected an exactrelu Net"):
        evaluate_batch([[1]], [(1,)])
    with pytest.raises(InputError, match="paths"):
        evaluate_batch(NET2, [(1, 2)], paths=("float32",))


# -- the float64 twin within its bound -----------------------------------------------------

def assert_within_bound(net, pts):
    values, bounds = evaluate_float_with_bound(net, pts)
    twin = net.to_float64()(np.array([[float(v) for v in x] for x in pts], dtype=np.float64).reshape(len(pts), -1))
    assert np.array_equal(values, twin)
    for k, row in enumerate(oracle(net, pts)):
        for i, z in enumerate(row):
            assert abs(F(float(values[k, i])) - z) <= F(float(bounds[k, i]))


@given(st.data())
def test_float_twin_within_bound(data):
    net = data.draw(nets(max_depth=4, max_width=5, max_output_dim=2, entries=adversarial))
    assert_within_bound(net, data.draw(point_sets(net.input_dim, max_size=5, coords=adversarial)))


def test_float_twin_where_float64_rounds():
    deep = Net([([["1/3"]], ["1/7"])] + [([["10/3"]], ["-1/65537"])] * 8)
    tiny = Net([([[F(1, 2**1100), 1]], [F(1, 3)])])  # underflows to 0 in float64
    for net in (deep, tiny):
        assert_within_bound(net, [(F(1, 3),) * net.input_dim, (F(2, 3),) * net.input_dim])
    _, b = evaluate_float_with_bound(deep, [(F(1, 3),)])
    assert 0 < b[0, 0] < 1e-9
    with pytest.raises(InputError, match="float64 range"):
        evaluate_float_with_bound(Net([([[2**1100]], [0])]), [(1,)])


# -- exactrelu eval, end to end ------------------------------------------------------------

def test_cli_eval(tmp_path):
    net = tmp_path / "net.json"
    net.write_text(json.dumps({"format": "exactrelu.net", "version": 1, "input_dim": 2, "layers": [
        {"weight": [["1/2", "-3"], ["0", "0.25"]], "bias": ["1/4", "-1"]},
        {"weight": [["1", "-1"]], "bias": ["0"]}]}))
    pts = tmp_path / "pts.json"
    pts.write_text(json.dumps({"points": [["1/2", "0"], ["0", "8"], ["1/3", 0.1]]}))
    code, out, err = cli("eval", net, pts)
    assert (code, err) == (0, "") and out.splitlines() == ["1/2", "-1", "7/60"]
    code, out, _ = cli("eval", net, pts, "--json")
    assert code == 0 and json.loads(out) == {"outputs": [["1/2"], ["-1"], ["7/60"]]}
    code, out, _ = cli("eval", net, pts, "--json", "--float64")
    got = json.loads(out)["outputs"]
    assert code == 0 and got[:2] == [[0.5], [-1.0]] and abs(got[2][0] - 7 / 60) < 1e-15
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"points": [["1", "2", "3"]]}))
    code, out, err = cli("eval", net, bad)
    assert code == 2 and out == "" and "point 0 has 3 coordinates" in err and err.count("\n") == 1


# -- proofs/exact_evaluation.py fails closed on a broken engine ----------------------------

def perturbed(net, pts, **kw):
    """Right everywhere except one output, off by 2^-60."""
    out = evaluate_batch(net, pts, **kw)
    out[-1] = (out[-1][0] + F(1, 2**60),) + out[-1][1:]
    return out


def unguarded_float64(net, pts, **kw):
    """float64 BLAS without the exact guard, read back as if exact."""
    X = np.array([[float(v) for v in x] for x in pts], dtype=np.float64).reshape(len(pts), -1)
    return [tuple(F(v) for v in row) for row in net.to_float64()(X).tolist()]


def loose_bound(net, pts):
    values, bounds = evaluate_float_with_bound(net, pts)
    return values, bounds * 0.0


def test_proof_script_verifies():
    proof = load_proof("exact_evaluation")
    rep = run_checks(proof.checks, quick=True)
    assert rep.ok, rep.table()
    assert {c.id for c in rep.claims} == {"eval.engine_equals_kernel", "eval.paths_agree", "eval.float_within_bound"}


@pytest.mark.parametrize("hooks,failing", [
    ({"engine": perturbed}, {"eval.engine_equals_kernel", "eval.paths_agree"}),
    ({"engine": unguarded_float64}, {"eval.engine_equals_kernel", "eval.paths_agree"}),
    ({"float_engine": loose_bound}, {"eval.float_within_bound"}),
])
def test_proof_script_catches_broken_engines(hooks, failing):
    proof = load_proof("exact_evaluation")
    rep = run_checks(proof.checks, quick=True, **hooks)
    assert not rep.ok and "NOT VERIFIED" in rep.table()
    assert {c.id for c in rep.claims if not c.held} == failing
    assert run_script(functools.partial(proof.checks, **hooks), argv=["--quick"], title="exact_evaluation") == 1


@pytest.mark.parametrize("guard, moved, reasons", [
    # moved up: the engine becomes wrong, and --quick sees the wrong values at the guard
    ("_F64", 1 << 54, ["guard-f64-above paths=('float64', 'int64', 'bigint')",
                       "guard-f64-above: the engine gives 9007199254740992, the kernel 9007199254740993"]),
    ("_I62", 1 << 64, ["guard-i63-above paths=('float64', 'int64', 'bigint')",
                       "guard-i63-above-limbs paths=('int64', 'bigint')",
                       "guard-i63-above-neg takes the bigint path"]),
    # moved up but still sound (2^62 <= bound < 2^63 fits int64): the path is not the documented one
    ("_I62", 1 << 63, ["guard-i62-above takes the bigint path", "guard-i62-above-limbs takes the bigint path"]),
    # moved down: a slower path than the guard allows, seen just below it
    ("_F64", 1 << 52, ["guard-f64-below takes the float64 path", "guard-f64-below-neg takes the float64 path"]),
    ("_I62", 1 << 61, ["guard-i62-below takes the int64 path", "guard-i62-below-limbs takes the int64 path"]),
])
def test_quick_proof_catches_each_guard_moved(monkeypatch, guard, moved, reasons):
    """proofs/exact_evaluation.py --quick has instances just below and just above each guard."""
    monkeypatch.setattr(ev, guard, moved)
    rep = run_checks(load_proof("exact_evaluation").checks, quick=True)
    assert rep.ok is False
    failed = {c.id: c.failures for c in rep.claims if not c.held}
    assert set(failed) == {"eval.paths_agree"}
    for reason in reasons:
        assert reason in failed["eval.paths_agree"]
