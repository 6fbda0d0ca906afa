"""The sample oracle, the shipped learners, the adversary, `exactrelu fool`, and proofs/adversary.py.

Every broken construction must be caught: a learner that peeks at its target, a learner that
is not a function of its seed and answers, a bump touched by a query, a tampered certificate,
and a missing torch (the adam claim must fail, not be skipped)."""
import json
import random
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactrelu.errors import CertificateRejected, InputError
from exactrelu.learning import learners as lrn
from exactrelu.learning.adversary import choose_bump, exact_predictor, fool, replay_certificate
from exactrelu.learning.oracle import BudgetExceeded, OracleError, SampleOracle
from exactrelu.proofkit import run_checks
from exactrelu.theory.grid import bump_index, grid_M
from helpers import cli, load_proof

CHEAP = ["a_star", "nearest_neighbour", "least_squares", "adaptive"]


# -- the oracle -----------------------------------------------------------------------------------

def test_oracle_exact_records_and_refuses_past_budget():
    o = SampleOracle(lambda x: x[0] + x[1], budget=3, d=2)
    assert o([F(1, 3), 0]) == F(1, 3)
    assert o(np.array([0.1, 0.5])) == F(0.1) + F(1, 2)  # the float 0.1, exactly, not 1/10
    assert o((F(1, 3), 0)) == F(1, 3)                     # repeats count
    assert o.queries == [(F(1, 3), F(0)), (F(0.1), F(1, 2)), (F(1, 3), F(0))] and o.remaining == 0
    with pytest.raises(BudgetExceeded, match="query 4 exceeds the budget of 3"):
        o((0, 0))
    assert o.used == 3


@pytest.mark.parametrize("x, match", [((F(1, 2),), "1 coordinates, expected 2"),
                                      ((F(3, 2), 0), "outside"), ((float("nan"), 0), "finite"),
                                      (("1/2", 0), "expected a number"), (5, "sequence")])
def test_oracle_refuses_bad_queries(x, match):
    o = SampleOracle(lambda x: F(0), budget=5, d=2)
    with pytest.raises(OracleError, match=match):
        o(x)
    assert o.used == 0


def test_oracle_refuses_float_answers_and_bad_arguments():
    with pytest.raises(OracleError, match="exact rational"):
        SampleOracle(lambda x: 0.5, budget=1, d=1)((0,))
    for kw in ({"budget": -1, "d": 1}, {"budget": 1, "d": 0}, {"budget": 1.5, "d": 1}):
        with pytest.raises(InputError):
            SampleOracle(lambda x: F(0), **kw)


@settings(max_examples=25)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=3))
def test_oracle_reads_floats_exactly(xs):
    o = SampleOracle(lambda x: sum(x, F(0)), budget=1, d=len(xs))
    assert o(xs) == sum((F(v) for v in xs), F(0))


# -- learners -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CHEAP)
@pytest.mark.parametrize("d", [1, 2])
def test_learners_respect_budget_and_are_deterministic(name, d):
    u = lambda x: sum(x, F(0))  # noqa: E731
    runs = []
    for _ in range(2):
        o = SampleOracle(u, budget=12, d=d)
        P = lrn.LEARNERS[name](o, 12, d, np.random.default_rng(7))
        runs.append((o.queries, exact_predictor(P, d)))
    (q1, p1), (q2, p2) = runs
    assert 1 <= len(q1) <= 12 and q1 == q2 and p1.fingerprint == p2.fingerprint
    assert p1.fn(q1[0]) == p2.fn(q1[0])


def test_least_squares_net_is_the_feature_model():
    coef = [F(k, 7) for k in range(1, 10)]
    net = lrn.hinge_features_net(coef, 2)
    for x in [(F(1, 3), F(5, 6)), (F(-1), F(2)), (F(0), F(3, 4))]:
        assert net(x)[0] == sum((c * f for c, f in zip(coef, lrn._features(x))), F(0))


def test_least_squares_fits_an_affine_target_closely():
    o = SampleOracle(lambda x: 2 * x[0] - x[1] + F(1, 3), budget=40, d=2)
    P = lrn.least_squares(o, 40, 2, np.random.default_rng(0))
    assert abs(P((F(1, 2), F(1, 2)))[0] - (F(1, 2) + F(1, 3))) < F(1, 1000)


def test_adaptive_refines_where_answers_vary():
    o = SampleOracle(lambda x: F(1) if x[0] > F(2, 3) else F(0), budget=31, d=1)
    P = lrn.adaptive(o, 31, 1, np.random.default_rng(0))
    near = sum(1 for (x,) in o.queries if abs(x - F(2, 3)) < F(1, 16))  # 1/8 of the interval
    assert 2 * near > len(o.queries) and P((F(7, 8),)) == 1 and P((F(1, 8),)) == 0


def test_get_learner_names_choices():
    with pytest.raises(InputError, match="a_star"):
        lrn.get_learner("svm")


# -- the adversary --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CHEAP)
def test_every_cheap_learner_is_defeated(name):
    r = fool(lrn.LEARNERS[name], 6, 2, 3, "1/2", seed=3, name=name)
    assert r.ok, r.failures
    assert r.same_run == {"queries": True, "answers_zero": True, "predictor": True}
    assert max(r.point_errors.values()) >= r.peak > 0
    assert bump_index(r.y, r.M, 2) is not None and all(bump_index(x, r.M, 2) != r.grid_index for x in r.queries)
    if name == "least_squares":
        assert set(r.sups) == {"plus", "minus"} and all(s["exact"] for s in r.sups.values())
    again = replay_certificate(json.loads(json.dumps(r.certificate)))
    assert again["defeated"] is True


def test_adam_is_defeated_with_certified_sups():
    pytest.importorskip("torch")
    r = fool(lrn.adam, 4, 1, 3, 1, seed=0, name="adam")
    assert r.ok, r.failures
    assert r.predictor_kind == "torch" and r.same_run["predictor"] is True
    sups = [F(s["sup"]) for s in r.sups.values()]
    assert max(sups) >= r.peak and sups[0] >= r.point_errors["plus"]


@settings(max_examples=12)
@given(m=st.integers(1, 40), d=st.integers(1, 2), seed=st.integers(0, 2**32 - 1),
       name=st.sampled_from(["a_star", "nearest_neighbour", "adaptive"]))
def test_defeated_for_any_budget_and_seed(m, d, seed, name):
    r = fool(lrn.LEARNERS[name], m, d, 3, 1, seed=seed, use_sup=False)
    assert r.ok, r.failures
    assert r.M == grid_M(m, d) and 2 * r.untouched >= r.N


def _cheater(oracle, m, d, rng):
    """Asks the oracle like A*, then peeks at the target itself: predicts u exactly."""
    lrn.a_star(oracle, m, d, rng)
    u = oracle._u
    return lambda x: u(tuple(F(v) for v in x))


def _forgetful(oracle, m, d, rng):
    """Ignores its seed: global random state, so the three runs differ."""
    pts = [(F(random.random()),) * d for _ in range(m)]
    return lrn.NearestNeighbour(tuple(pts), tuple(oracle(p) for p in pts))


def _greedy(oracle, m, d, rng):
    """Asks for more samples than its budget."""
    for k in range(m + 1):
        oracle((F(k, m + 1),) * d)
    return lambda x: F(0)


@pytest.mark.parametrize("learner, fragment", [(_cheater, "not defeated"),
                                               (_forgetful, "different points"),
                                               (_greedy, "BudgetExceeded")])
def test_broken_learners_are_not_reported_defeated(learner, fragment):
    r = fool(learner, 8, 1, 3, 1)
    assert not r.ok
    assert any(fragment in f for f in r.failures), r.failures


def _first_touched(queries, M, d):
    """The centre of the first bump some query touches."""
    j = next(j for j in (bump_index(x, M, d) for x in queries) if j is not None)
    return tuple(F(2 * ji - 1, M) for ji in j)


def test_a_touched_bump_is_caught():
    r = fool(lrn.nearest_neighbour, 8, 1, 3, 1, y=_first_touched)
    assert not r.ok and not r.replayed
    assert any("touched" in f for f in r.failures) and any("rejected" in f for f in r.failures)


def _tampered(cert, path, value):
    c = json.loads(json.dumps(cert))
    obj = c
    for k in path[:-1]:
        obj = obj[k]
    if value == "ADD_Y":  # a query at the bump's centre
        obj[path[-1]] = obj[path[-1]] + [c["y"]]
    else:
        obj[path[-1]] = value(obj[path[-1]]) if callable(value) else value
    return c


TAMPER = [
    (("peak",), lambda v: str(2 * F(v))),                                   # a larger ||phi||
    (("y",), lambda v: [str(F(v[0]) + F(2, 64))]),                          # the next centre (M = 64)
    (("queries",), "ADD_Y"),                                                # a query inside the support
    (("phi", "layers", 0, "weight", 0, 0), "1000"),                         # phi outside the class
    (("M",), 32),                                                           # wrong grid
    (("phi_norm", "value"), lambda v: str(F(v) / 2)),                       # wrong norm
    (("predictor", "at_y", "plus"), lambda v: str(F(v) + 1)),               # P(y) altered
    (("sups", "plus", "value"), lambda v: str(F(v) / 2)),                    # a smaller sup
    (("sups", "minus", "trees"), {}),                                       # no tree
    (("format",), "something"),
]


@pytest.mark.parametrize("path, value", TAMPER, ids=["/".join(map(str, p)) for p, _ in TAMPER])
def test_tampered_certificates_are_rejected(path, value):
    r = fool(lrn.least_squares, 8, 1, 3, 1, seed=0)
    assert r.ok and r.M == 64 and r.y[0] + F(2, 64) < 1  # the table moves y to the next centre
    replay_certificate(r.certificate)
    with pytest.raises(CertificateRejected):
        replay_certificate(_tampered(r.certificate, path, value))
    r2 = fool(lrn.least_squares, 8, 1, 3, 1, seed=0, tamper=lambda c: _tampered(c, path, value))
    assert not r2.ok and not r2.replayed


def test_choose_bump_counts_and_skips_touched():
    M = grid_M(2, 1)  # 16: centres 1/16, 3/16, ..., 15/16
    assert choose_bump([(F(1, M),), (F(3, M),)], 2, 1) == (M, M // 2, M // 2 - 2, (F(5, M),), (3,))
    assert choose_bump([(F(2, M),)], 2, 1)[3] == (F(1, M),)  # a shared face touches nothing


@pytest.mark.parametrize("kw, match", [({"m": 0}, "m=0"), ({"L": 2}, "L=2"), ({"c": "0"}, "c=0"),
                                       ({"d": 0}, "d=0"), ({"budget": 100}, "budget")])
def test_fool_bad_arguments(kw, match):
    args = {"m": 4, "d": 1, "L": 3, "c": 1, **kw}
    with pytest.raises(InputError, match=match):
        fool(lrn.a_star, **args)


# -- the command ----------------------------------------------------------------------------------

def test_cli_fool_defeats_and_writes_report(tmp_path):
    out = tmp_path / "r.json"
    code, stdout, err = cli("fool", "--learner", "least_squares", "--m", "8", "--d", "1", "--L", "3",
                            "--c", "1", "--seed", "2", "-o", out)
    assert code == 0, err
    assert "DEFEATED" in stdout and "certified sup" in stdout
    rep = json.loads(out.read_text())
    assert rep["ok"] and rep["M"] == 64 and len(rep["queries"]) == 8
    assert replay_certificate(rep["certificate"])["defeated"]
    code, stdout, err = cli("fool", "--learner", "a_star", "--m", "4", "--d", "2", "--L", "3", "--c", "1/2", "--json")
    assert code == 0 and json.loads(stdout)["defeated"] is True


def test_cli_fool_exit_1_when_not_defeated(monkeypatch):
    monkeypatch.setitem(lrn.LEARNERS, "cheater", _cheater)
    code, stdout, err = cli("fool", "--learner", "cheater", "--m", "4", "--d", "1", "--L", "3", "--c", "1")
    assert code == 1 and "NOT DEFEATED" in stdout


BAD = [(["--learner", "svm"], "svm"), (["--m", "0"], "--m=0"), (["--m", "abc"], "--m"),
       (["--m", "10000000"], "at most"), (["--d", "0"], "--d=0"), (["--L", "2"], "--L=2"),
       (["--c", "0"], "--c=0"), (["--c", "x"], "--c"), (["--seed", "-1"], "--seed"),
       (["--variant", "round"], "--variant"), (["-o", "/no/such/dir/r.json"], "does not exist")]


@pytest.mark.parametrize("change, fragment", BAD, ids=[b[1] for b in BAD])
def test_cli_fool_bad_input_exit_2_one_line(change, fragment):
    args = {"--learner": "a_star", "--m": "4", "--d": "1", "--L": "3", "--c": "1"}
    for k, v in zip(change[::2], change[1::2]):
        args[k] = v
    code, out, err = cli("fool", *[t for kv in args.items() for t in kv])
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and "Traceback" not in err and fragment in err


# -- the verification script ----------------------------------------------------------------------

def test_proof_adversary_quick_verified(monkeypatch):
    mod = load_proof("adversary")
    monkeypatch.setattr(mod, "LEARNERS", {k: lrn.LEARNERS[k] for k in CHEAP})  # adam: its own test
    rep = run_checks(mod.checks, quick=True)
    assert rep.ok, rep.table()
    assert {c.id for c in rep.claims} >= {f"adversary.{k}" for k in CHEAP}


@pytest.mark.parametrize("hook, reason", [("cheater", "not defeated"), ("tamper", "rejected"),
                                          ("touched", "touched")])
def test_proof_adversary_fails_on_broken_constructions(hook, reason, monkeypatch):
    mod = load_proof("adversary")
    monkeypatch.setattr(mod, "LEARNERS", {"nearest_neighbour": lrn.nearest_neighbour})
    hooks = {"cheater": {"learners": {"nearest_neighbour": _cheater}},
             "tamper": {"tamper": lambda c: _tampered(c, ("peak",), "1")},
             "touched": {"choose_y": _first_touched}}[hook]
    rep = run_checks(mod.checks, quick=True, **hooks)
    claim = next(c for c in rep.claims if c.id == "adversary.nearest_neighbour")
    assert not rep.ok and not claim.held
    assert any(reason in f for f in claim.failures), claim.failures


def test_no_sup_still_replays_network_predictors():
    r = fool(lrn.least_squares, 8, 1, 3, 1, use_sup=False)
    assert r.ok and not r.sups and "nets" in r.certificate["predictor"] and "sups" not in r.certificate


def test_proof_adversary_fails_without_torch(monkeypatch):
    import exactrelu.torchio as tio

    def missing():
        raise InputError("torch is not installed: pip install 'exactrelu[train]' (torch==2.13.0)")
    monkeypatch.setattr(tio, "require_torch", missing)
    mod = load_proof("adversary")
    monkeypatch.setattr(mod, "LEARNERS", {"adam": lrn.adam})
    rep = run_checks(mod.checks, quick=True)
    claim = next(c for c in rep.claims if c.id == "adversary.adam")
    assert not claim.held and "torch is not installed" in claim.failures[0]
