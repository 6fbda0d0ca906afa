"""Teachers, torch import/export, exact batched errors, student training, and proofs/sampled_vs_certified.py."""
import json
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactrelu import kernel
from exactrelu.errors import CertificateRejected, InputError
from exactrelu.learning import teacher_student as ts
from exactrelu.net import INF, NetClass
from exactrelu.proofkit import run_checks
from exactrelu.strategies import dyadics, nets, rationals
from helpers import load_proof

torch = pytest.importorskip("torch")
from exactrelu.torchio import from_torch, mlp, state_fingerprint, to_torch  # noqa: E402

#: float64 forward passes of tiny nets agree with the exact value to well within this
#: (a few roundings of numbers of size <= 10, each relative 2^-53).
F64_TOL = 2.0**-30


# -- teachers ---------------------------------------------------------------------------------------

def test_teacher_is_exact_uniform_and_in_the_class():
    T = ts.teacher(2, 4, 6, seed=5)
    assert T.architecture == (2, 6, 6, 6, 1) and T.box() == ts.HALF_BOX(2)
    assert T in NetClass(2, 4, 6, F(1, 2), INF)
    entries = [v for lay in T.layers for v in lay.entries()]
    assert all((v * 2**ts.TEACHER_BITS).denominator == 1 for v in entries)
    assert min(entries) < F(-1, 4) and max(entries) > F(1, 4)  # spread over [-1/2, 1/2]
    assert ts.teacher(2, 4, 6, seed=5) == T and ts.teacher(2, 4, 6, seed=6) != T


def test_teacher_bad_arguments():
    for args in ((0, 3, 4, 0), (1, 0, 4, 0), (1, 3, 0, 0)):
        with pytest.raises(InputError):
            ts.teacher(*args)


# -- torch import/export ---------------------------------------------------------------------------

@settings(max_examples=25)
@given(nets(max_input_dim=3, max_depth=3, max_width=4, entries=dyadics(max_exponent=12)))
def test_torch_round_trip_is_exact_for_float64_entries(net):
    assert from_torch(to_torch(net, require_exact=True)) == net
    assert from_torch(to_torch(net).state_dict()) == net


def test_to_torch_require_exact_refuses_thirds():
    from exactrelu.net import Net
    with pytest.raises(InputError, match="not a float64"):
        to_torch(Net([([[F(1, 3)]], [0])]), require_exact=True)


@settings(max_examples=20)
@given(nets(input_dim=2, max_depth=3, max_width=4), st.lists(st.tuples(rationals(max_abs=1), rationals(max_abs=1)),
                                                            min_size=1, max_size=4))
def test_from_torch_is_the_exact_function_of_the_float_weights(net, pts):
    module = to_torch(net)  # entries rounded to float64
    exact = from_torch(module)
    for lay_e, lay in zip(exact.layers, net.layers):  # each entry is the float nearest the original
        for a, b in zip(lay_e.entries(), lay.entries()):
            assert a == F(float(b))
    X = torch.tensor([[float(v) for v in p] for p in pts], dtype=torch.float64)
    got = module(X).reshape(-1).tolist()
    for p, g in zip(pts, got):
        assert abs(float(exact(tuple(F(float(v)) for v in p))[0]) - g) <= F64_TOL * (1 + abs(g))


def test_input_scale_is_folded_exactly():
    gen = torch.Generator().manual_seed(0)
    module = mlp([2, 5, 1], gen, input_scale=(ts.STANDARDIZE_SCALE, 0.125))
    net = from_torch(module)
    assert net.architecture == (2, 5, 1)
    X = np.array([[0.25, -0.5], [0.1, 0.3]])
    got = module(torch.tensor(X)).reshape(-1).tolist()
    for x, g in zip(X, got):
        assert abs(float(net(tuple(F(v) for v in x))[0]) - g) <= F64_TOL
    # the folded first layer is W diag(a) and b - W diag(a) s, exactly
    W = [[F(v) for v in row] for row in module[1].weight.tolist()]
    a, s = F(ts.STANDARDIZE_SCALE), F(0.125)
    assert net.layers[0].weight[0][1] == W[0][1] * a
    assert net.layers[0].bias[0] == F(module[1].bias.tolist()[0]) - (W[0][0] + W[0][1]) * a * s


@pytest.mark.parametrize("module, match", [
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(3, 1)), "ReLU must separate"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)), "Tanh"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3, bias=False)), "no bias"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU()), "end with a Linear"),
    (lambda: {"0.weight": torch.ones(1, 2)}, "no matching"),
    (lambda: {"0.weight": torch.tensor([[float("nan"), 1.0]]), "0.bias": torch.zeros(1)}, "not finite"),
])
def test_from_torch_refuses_what_it_cannot_read(module, match):
    with pytest.raises(InputError, match=match):
        from_torch(module())


# -- exact errors at many points --------------------------------------------------------------------

@settings(max_examples=30)
@given(nets(max_input_dim=2, max_depth=4, max_width=4).flatmap(
    lambda n: st.tuples(st.just(n), st.lists(st.tuples(*[rationals(max_abs=1)] * n.input_dim), min_size=1,
                                             max_size=6))))
def test_exact_outputs_agree_with_the_kernel(net_pts):
    net, pts = net_pts
    assert ts.exact_outputs(net, pts) == [kernel.evaluate(net, p)[0] for p in pts]


# -- training and one case --------------------------------------------------------------------------

SMALL = ts.TrainConfig(width=6, epochs=30)


def test_training_is_deterministic_and_learns():
    T = ts.teacher(1, 3, 4, seed=0)
    a, info = ts.train_student(T, 32, config=SMALL, seed=3)
    b, _ = ts.train_student(T, 32, config=SMALL, seed=3)
    c, _ = ts.train_student(T, 32, config=SMALL, seed=4)
    assert state_fingerprint(a) == state_fingerprint(b) != state_fingerprint(c)
    assert info["batch_size"] == 7 and info["train_mse"] < 1.0


def test_run_case_sampled_below_certified_and_replays():
    r = ts.run_case(1, (3, 4), 32, n_test=256, config=SMALL)
    assert r.sup.exact and r.sampled_exact <= r.sup.value
    assert abs(r.sampled_float["linf"] - float(r.sampled_exact)) <= F64_TOL
    assert kernel.replay((r.student, r.teacher), r.sup.certificate, expect=("sup", "sup_interval")).kind == "sup"
    assert r.ratio >= 1 and json.loads(json.dumps(r.to_json()))["certified"]["exact"] is True


# -- the verification script ------------------------------------------------------------------------

TINY = [{"d": 1, "teacher": (3, 4), "m": 32, "teacher_seed": 0, "seed": 0, "width": 6, "epochs": 30, "n_test": 256},
        {"d": 2, "teacher": (3, 3), "m": 32, "teacher_seed": 1, "seed": 1, "width": 4, "epochs": 30, "n_test": 256}]


def test_proof_sampled_vs_certified_verified_on_tiny_cases():
    rep = run_checks(load_proof("sampled_vs_certified").checks, cases=TINY)
    assert rep.ok, rep.table()
    assert [c.id for c in rep.claims] == ["sampled.below_certified", "sampled.certificate_replayed"]
    assert all("ratio certified/sampled" in n for n in rep.claims[0].notes)


def _understated(S, T):
    """A broken sup: reports half the true maximum, with the true certificate's tree."""
    r = ts.certified_sup(S, T)
    r.value = r.lower = r.upper = r.value / 2
    r.certificate = {**r.certificate, "value": str(r.value)}
    return r


@pytest.mark.parametrize("hook", ["understated", "tamper_value", "tamper_box"])
def test_proof_sampled_vs_certified_fails_when_broken(hook):
    hooks = {"understated": {"sup_fn": _understated},
             "tamper_value": {"tamper": lambda c: {**c, "value": str(F(c["value"]) * 2)}},
             "tamper_box": {"tamper": lambda c: {**c, "box": [["0", "1/2"]] * len(c["box"])}}}[hook]
    rep = run_checks(load_proof("sampled_vs_certified").checks, cases=TINY[:1], **hooks)
    assert not rep.ok
    failed = {c.id for c in rep.claims if not c.held}
    assert "sampled.certificate_replayed" in failed
    if hook == "understated":
        assert "sampled.below_certified" in failed


def test_tampered_sup_certificate_is_rejected():
    r = ts.run_case(1, (3, 4), 16, n_test=64, config=SMALL)
    bad = json.loads(json.dumps(r.sup.certificate))
    bad["value"] = str(F(bad["value"]) * F(99, 100))
    with pytest.raises(CertificateRejected):
        kernel.replay((r.student, r.teacher), bad, expect=("sup", "sup_interval"))
