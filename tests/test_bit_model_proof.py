"""proofs/bit_model.py (Doron-Arad and Mossel 2026, issue 10): the whole script holds in quick mode, and each
claim fails, by a failed check and not by a crash, when its hook injects a broken construction or a wrong
constant.  Each hook test runs only its own claim (the script's ``only`` hook)."""
import dataclasses
from fractions import Fraction as F

import pytest

from exactrelu.bitmodel import erm, figure1, gadget as g, pac, passes, slp as S
from exactrelu.bitmodel.dag import from_net
from exactrelu.proofkit import run_checks
from helpers import load_proof, run_claim

PROOF = load_proof("bit_model")
IDS = [cid for cid, _ in PROOF._claims(True)]


def run_one(cid, **hooks):
    return run_claim(PROOF, cid, **hooks)


def test_the_whole_script_holds_in_quick_mode():
    rep = run_checks(PROOF.checks, quick=True)
    assert [c.id for c in rep.claims] == IDS and len(IDS) == 17
    assert rep.ok, [(c.id, c.failures[:2]) for c in rep.claims if not c.held]
    assert all(c.ranges for c in rep.claims)                       # every claim records its instance set


def test_unknown_hooks_are_refused():
    rep = run_checks(PROOF.checks, quick=True, only={"bits.slp"}, bit_sl=lambda P, j: True)
    assert not rep.ok and rep.claims[-1].id == "script" and "unknown hooks: bit_sl" in rep.claims[-1].failures[0]


# -- broken constructions and wrong constants, one claim each ------------------------------------------------
def _forward_at_sources_only(net, theta, x):
    """Injects the input at the sources only (the paper injects it at every input vertex)."""
    if isinstance(x, dict):
        x = {v: (q if v in net.sources else 0) for v, q in x.items()}
    else:
        x = [q if v in net.sources else 0 for v, q in zip(net.inputs, x)]
    return passes.forward(net, theta, x)


def _bias_on_every_edge(net):
    """Puts each neuron's bias on every incoming edge instead of one (z_v then counts it fan-in times)."""
    dag, theta = from_net(net)
    bias = {}
    for (u, v), (w, b) in theta.items():
        bias.setdefault(v, b)                 # the first edge into v, from unit 0 below, carries the bias
    return dag, {(u, v): (w, bias[v]) for (u, v), (w, b) in theta.items()}


def _one_sample_only(net, theta, samples, loss):
    return passes.backprop(net, theta, samples[:1], loss)


def _gradient_off_by_2_to_the_minus_60(net, theta, samples, loss):
    p = passes.backprop(net, theta, samples, loss)
    if not net.edges:
        return p
    gw = dict(p.grad_w)
    gw[net.edges[-1]] += F(1, 2 ** 60)
    return dataclasses.replace(p, grad_w=gw)


def _integer_gadget_bumped(sigma):
    D, lam = g.integer_gadget(sigma)
    return D, [lam[0] + 1] + lam[1:]


def _drop_gate_1(nw):
    for e in [e for e in nw.edges if e[1] == "v1"]:
        del nw.edges[e]


def _paper_edge_count(P, mu):
    """The paper's picture: two edges v_j -> v_i (and v_j -> L1) even when j = k."""
    out = PROOF._size_formula(P, mu)
    extra = sum(1 if op != "*" else mu + 1 for op, j, k in P.gates if j == k)
    out["edges"] += extra
    out["e_id"] += extra
    out["samples"] += extra
    return out


def _broken_bounded_norm(gadget):
    def build(P):
        gates, e, index = S._construct(P, gadget)
        return S.BoundedNorm(S.SLP(F(1, 2 ** len(gates)), gates), len(gates), e, index)
    return build


def _skip_alignment(emit, z, t):
    return z


def _one_power_short(emit, z, t):
    return S.power_gadget(emit, z, max(t - 1, 0))


def _wrong_b0(P):
    bn = S.bounded_norm(P)
    return bn._replace(slp=S.SLP(F(3, 4) if bn.m else bn.slp.a0, bn.slp.gates))


def _loss_ignored(inst, theta, **kw):
    rep = erm.check_witness(inst, theta, **kw)
    return dataclasses.replace(rep, verified=rep.size_ok, failed=[f for f in rep.failed if f.startswith("size")])


def _size_ignored(inst, theta, **kw):
    rep = erm.check_witness(inst, theta, **kw)
    return dataclasses.replace(rep, verified=rep.loss_ok, failed=[f for f in rep.failed if f.startswith("loss")])


def _twins_one_digit_late(q, prefix):
    c1, _ = pac.twins(q, prefix)
    return c1, c1 + F(1, 2 ** (2 * q + 1))


def _twins_one_digit_early(q, prefix):
    c1, _ = pac.twins(q, prefix)
    return c1, c1 + F(1, 2 ** (2 * q - 1))


BROKEN = [  # (claim id, test id, hooks)
    ("bits.dag_model", "input-at-sources-only", {"forward": _forward_at_sources_only}),
    ("bits.dag_model", "bias-on-every-edge", {"from_net": _bias_on_every_edge}),
    ("bits.backprop", "first-sample-only", {"backprop": _one_sample_only}),
    ("bits.backprop", "gradient-off-by-2^-60", {"backprop": _gradient_off_by_2_to_the_minus_60}),
    ("bits.budget", "guard-lifted", {"lift_guard": True}),
    ("bits.e1_bound", "constant-1/4", {"e1_scale": F(1, 4)}),
    ("bits.e1_bound", "vacuous-constant-4", {"e1_scale": 4}),
    ("bits.poly_growth", "factor-mu+1", {"growth_factor": lambda mu: mu + 1}),
    ("bits.poly_growth", "factor-2-for-every-mu", {"growth_factor": lambda mu: 2}),
    ("bits.figure1", "weights-scaled-by-2", {"figure1_setup": figure1.Setup(width=8, seed=0, max_depth=8, scale=2)}),
    ("bits.figure1", "another-seed", {"figure1_setup": figure1.Setup(width=8, seed=1, max_depth=8)}),
    ("bits.gadget", "unhalved-lambda", {"gadget_lambda": lambda p: [2 * x for x in g.gadget_coefficients(p)]}),
    ("bits.gadget", "lambda_mu-bumped", {"gadget_lambda": lambda p: g.gadget_coefficients(p)[:-1]
                                         + [g.gadget_coefficients(p)[-1] + F(1, 97)]}),
    ("bits.basis", "sign-dropped", {"det_formula": lambda p: abs(PROOF._closed_form(p))}),
    ("bits.basis", "extra-factor-mu+1", {"det_formula": lambda p: PROOF._closed_form(p) * len(p)}),
    ("bits.power_negative", "integer-alpha-3", {"f1_alphas": [F(3)]}),
    ("bits.power_negative", "integer-beta-2", {"f2_betas": [F(2)]}),
    ("bits.bounded_norm", "alignment-skipped", {"bounded_norm": _broken_bounded_norm(_skip_alignment)}),
    ("bits.bounded_norm", "aligned-one-power-short", {"bounded_norm": _broken_bounded_norm(_one_power_short)}),
    ("bits.bounded_norm", "b0-3/4", {"bounded_norm": _wrong_b0}),
    ("bits.slp", "bit-j+1", {"bit_slp": lambda P, j: S.bit_slp(P, j + 1)}),
    ("bits.slp", "pos-as-nonnegative", {"pos_slp": lambda P: S.evaluate(P)[-1] >= 0}),
    ("bits.lemma32", "wrong-lambda", {"lemma32_gadget": _integer_gadget_bumped}),
    ("bits.lemma32", "unhalved-lambda", {"lemma32_gadget": lambda s: (1, [2 * x for x in g.gadget_coefficients(s)])}),
    ("bits.lemma32", "gate-dropped", {"lemma32_mutate": _drop_gate_1}),
    ("bits.lemma32_size", "paper-edge-count", {"size_formula": _paper_edge_count}),
    ("bits.hinge", "opt-without-b", {"hinge_opt": lambda b, nQ: max(F(0), 1 - nQ)}),
    ("bits.backprop_sign", "a0-dropped", {"appc_formula": lambda B, a0, nP: B * nP}),
    ("bits.np_witness", "loss-ignored", {"witness_check": _loss_ignored}),
    ("bits.np_witness", "size-ignored", {"witness_check": _size_ignored}),
    ("bits.pac", "twins-differ-one-digit-late", {"twins": _twins_one_digit_late}),
    ("bits.pac", "twins-differ-one-digit-early", {"twins": _twins_one_digit_early}),
    ("bits.pac", "log-base-2", {"log_base": 2}),
]


@pytest.mark.parametrize("cid, hooks", [(c, h) for c, _, h in BROKEN], ids=[f"{c}:{t}" for c, t, _ in BROKEN])
def test_each_claim_fails_on_its_broken_hook(cid, hooks):
    claim = run_one(cid, **hooks)
    assert not claim.held
    assert not any(f.startswith(("crashed", "non-boolean", "no instances")) for f in claim.failures), claim.failures
    assert claim.instances > 0


def test_every_claim_has_a_broken_hook_test():
    assert {c for c, _, _ in BROKEN} == set(IDS)
