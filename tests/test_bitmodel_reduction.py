"""Lemma 3.2's reduction BitSLP -> ERM_bit built as a real instance, Remark B.3's hinge variant and
Appendix C's Backprop-Sign reduction (Doron-Arad and Mossel 2026, issue 10 item 7): checks (a)-(e) on
fixed and random SLPs, each against a broken construction that it must catch."""
import json
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactrelu.bitmodel import reduction as R
from exactrelu.bitmodel.dag import forward
from exactrelu.bitmodel.erm import check_witness, evaluate
from exactrelu.bitmodel.gadget import integer_gadget
from exactrelu.bitmodel.instance import instance_to_dict, load_instance, load_theta
from exactrelu.bitmodel.slp import SLP, bit_slp, bounded_norm, evaluate as slp_eval, random_slp, repeated_squaring
from exactrelu.errors import InputError

SIGMAS = ["T^2", "T^3", "T^2 + T", "T^4 - 3*T + 1/2", "2*T^3 - T/5 + 7"]
P3 = SLP(1, [("+", 0, 0), ("*", 1, 1), ("-", 2, 0)])          # 2, 4, 3


@st.composite
def slps(draw, max_gates=7):
    n = draw(st.integers(1, max_gates))
    gates = [(draw(st.sampled_from("+-*")), draw(st.integers(0, i - 1)), draw(st.integers(0, i - 1)))
             for i in range(1, n + 1)]
    a0 = draw(st.sampled_from([F(1), F(1, 2 ** n), F(-3, 2), F(2)]))
    return SLP(a0, gates)


# -- the construction, entry by entry ------------------------------------------------------------------
def test_theta_star_entry_by_entry():
    red = R.lemma32(P3, 0, "T^2 + T", b=2)
    D, lam = integer_gadget("T^2 + T")
    th = red.theta
    assert (D, lam) == (4, [4, -3, 1])
    assert th[("v0", "v1")] == (2, 0)                            # a_0 + a_0: the paper's two edges are one
    assert th[("v2", "v3")] == (1, 0) and th[("v0", "v3")] == (-1, 0)
    for r in range(3):
        assert th[("v1", f"L1_2_{r}")] == (2, r)                 # j = k: weights 1 + 1, bias r
        assert th[("v1", f"L2_2_{r}")] == (1, r) and th[("v1", f"L3_2_{r}")] == (1, r)
        for t in (1, 2, 3):
            assert th[(f"L{t}_2_{r}", f"U{t}_2_{r}")] == (1, 0)
        assert th[(f"U1_2_{r}", "z2")] == (lam[r], 0)
        assert th[(f"U2_2_{r}", "z2")] == th[(f"U3_2_{r}", "z2")] == (-lam[r], 0)
    assert th[("z2", "v2")] == (F(1, 4), 0)
    acts = red.instance.net.activations
    assert acts["U1_2_0"].coeffs == (0, 1, 1) and acts["L1_2_0"].kind == acts["z2"].kind == "identity"
    assert red.alpha1 == 1
    sz = R.size_report(red)
    assert {k: sz[k] for k in sz["predicted"]} == sz["predicted"]
    assert sz["vertices"] == 4 + 1 * (6 * 3 + 1)
    # the main sample: a_0 at v_0 and 0 elsewhere, b copies; each auxiliary sample b + 1 copies
    inst = red.instance
    assert set(inst.x_of(red.main).values()) == {0, 1} and inst.x_of(red.main)["v0"] == 1
    assert inst.samples[red.main].count == 2 and {s.count for s in inst.samples[:-1]} == {3}


@pytest.mark.parametrize("sigma", SIGMAS)
def test_checks_a_to_c_hold_on_fixed_slps(sigma):
    for j in range(3):
        c = R.check(R.lemma32(P3, j, sigma, b=3))
        assert c.failures == [] and c.main_values["v3"] == 3
        assert c.loss == (0 if (3 >> j) & 1 else 3)


@given(slps(), st.sampled_from(SIGMAS[:4]), st.integers(-2, 5), st.integers(1, 3))
@settings(max_examples=40)
def test_checks_a_to_c_on_random_slps(P, sigma, j, b):
    red = R.lemma32(P, j, sigma, b=b)
    c = R.check(red)
    assert c.failures == []
    vals = slp_eval(P)
    assert [c.main_values[v] for v in red.net.vertex] == vals                  # (a) every gate
    assert c.aux_failed == []                                                     # (b)
    assert c.loss == (0 if bit_slp(P, j) else b)                                  # (c)


def test_the_auxiliary_samples_against_the_other_engine():
    """(b) by passes.forward (another engine, dense inputs): every auxiliary sample's output vector is y."""
    for P, sigma in ((P3, "T^3"), (random_slp(5, 3), "T^4 - 3*T + 1/2")):
        red = R.lemma32(P, 1, sigma)
        inst = red.instance
        for k in range(len(inst.samples)):
            vals = forward(inst.net, red.theta, inst.x_of(k))
            if k == red.main:
                assert vals[red.output].act == slp_eval(P)[-1]
            else:
                assert {v: vals[v].act for v in inst.net.outputs} == inst.y_of(k)


# -- broken constructions must be caught ----------------------------------------------------------------
def _drop_gate(i):
    def mutate(nw):
        for e in [e for e in nw.edges if e[1] == f"v{i}"]:
            del nw.edges[e]
    return mutate


def _bias(edge, value):
    def mutate(nw):
        nw.edges[edge] = (nw.edges[edge][0], F(value))
    return mutate


def test_broken_constructions_fail_the_checks():
    P = SLP(1, [("+", 0, 0), ("+", 1, 0), ("*", 2, 1), ("-", 3, 0)])         # 2, 3, 6, 5
    good = R.check(R.lemma32(P, 0))
    assert good.failures == []
    dropped = R.check(R.lemma32(P, 0, mutate=_drop_gate(3)))                 # the product never computed
    assert dropped.failures and dropped.failures[0].startswith("(a) f^v3(x_main) = 0 != a_3 = 6")
    assert dropped.aux_failed == []          # its samples follow the broken network: only (a) sees it
    D, lam = integer_gadget("T^3")
    wrong = R.check(R.lemma32(P, 0, "T^3", gadget=(D, [lam[0] + 1] + lam[1:])))
    assert wrong.failures[0].startswith("(a) f^v3(x_main)")
    halved = R.check(R.lemma32(P, 0, "T^2", gadget=(1, [1, 0, 0])))            # D = 1: the unhalved c
    assert halved.main_values["v3"] == 12 and halved.failures
    bias = R.check(R.lemma32(P, 0, mutate=_bias(("v2", "L2_3_0"), 1)))        # x + 1 where x + 0 belongs
    assert bias.failures[0].startswith("(a) f^v3(x_main)")
    # for T^2, lambda' = (1, 0, 0): the shifts r = 1, 2 carry weight 0, so their biases cannot matter
    assert R.check(R.lemma32(P, 0, mutate=_bias(("v2", "L2_3_1"), 5))).failures == []


def test_a_perturbed_theta_breaks_auxiliary_samples():
    P = SLP(1, [("+", 0, 0), ("+", 1, 0), ("*", 2, 1), ("-", 3, 0)])
    red = R.lemma32(P, 0, b=2)                                                 # bit 0 of 5 is 1: L(theta*) = 0
    assert R.check(red).loss == 0
    for edge, new in ((("v1", "v2"), (F(2), F(0))), (("z3", "v3"), (F(1, 2), F(1, 9))), (("v3", "v4"), (1, 1))):
        theta = dict(red.theta)
        theta[edge] = new
        c = R.check(red, theta)
        assert c.aux_failed and any(f.startswith("(b)") for f in c.failures)
        assert c.loss >= red.b + 1                                             # Claim B.1's completion
    # Claim B.1's sigma-edge symmetries, sigma(w z + b) = sigma(z): T^2 with (-1, 0), T^2 + T with (-1, -1),
    # T^2 - 2T with (-1, 2).  Every sigma sample holds and x_main still gives n_P (x_U = 0 there), but
    # f^U = sigma(x_U + w f^L + b) != sigma(f^L) where x_U != 0, as in the identity-edge samples: these break.
    for sigma, wb in (("T^2", (F(-1), F(0))), ("T^2 + T", (F(-1), F(-1))), ("T^2 - 2*T", (F(-1), F(2)))):
        red2 = R.lemma32(P, 0, sigma)
        sym = {e: (wb if e in red2.e_sigma else v) for e, v in red2.theta.items()}
        c = R.check(red2, sym)
        assert c.main_values == R.check(red2).main_values
        assert c.aux_failed and all(k[0] == "edge" for k in c.aux_failed)
    red3 = R.lemma32(P, 0, "T^3")                                               # no such symmetry at all
    flip3 = {e: ((-w, b) if e in red3.e_sigma else (w, b)) for e, (w, b) in red3.theta.items()}
    assert any(k[0] == "sigma" for k in R.check(red3, flip3).aux_failed)


# -- (d) Claim B.1: each identity-head weight is pinned ----------------------------------------------------
@pytest.mark.parametrize("sigma, alpha", [("T^2", 1), ("T^4 - 3*T + 1/2", 1), ("T^2 - T", 2)])
def test_every_identity_head_edge_is_pinned(sigma, alpha):
    P = SLP(1, [("+", 0, 0), ("*", 1, 1), ("-", 2, 1), ("-", 3, 3), ("*", 3, 2)])
    red = R.lemma32(P, 0, sigma)
    assert red.alpha1 == alpha                           # T^2 - T: sigma(1) = sigma(0), so alpha_1 = 2
    assert len(red.e_id) == R.predicted_size(P, len(red.net.sigma) - 1)["e_id"]
    # Claim B.1's subtraction: y_q = w*(y_p - y_p^(0)) keeps e's x_q at the baseline's
    for e in red.e_id:
        assert red.instance.index[e[1]] not in red.instance.samples[red.aux[("edge", e)]].x
    for delta in (1, F(-1, 3)):
        assert R.check_forcing(red, delta) == []


@given(slps(5), st.sampled_from(SIGMAS[:3]))
@settings(max_examples=15)
def test_forcing_on_random_slps(P, sigma):
    assert R.check_forcing(R.lemma32(P, 0, sigma), 2) == []


def test_forcing_check_catches_an_unpinning_sample():
    red = R.lemma32(P3, 0)
    e = ("v2", "v3")
    k = red.aux[("edge", e)]
    red.instance.samples[k].x.clear()                      # e's sample made a copy of the baseline
    red.instance.samples[k].y.clear()
    assert R.check_forcing(red) == [e]
    with pytest.raises(InputError, match="nonzero"):
        R.check_forcing(red, 0)


# -- (e) size ------------------------------------------------------------------------------------------------
def test_sizes_are_linear_in_the_gates_and_the_dense_encoding_quadratic():
    rows = [R.size_report(R.lemma32(random_slp(n, 7), 0)) for n in (40, 80, 160)]
    for r in rows:
        assert {k: r[k] for k in r["predicted"]} == r["predicted"]
        # every coordinate of every copy is counted: |I| >= copies * (|V| + |V|) * len(0)
        assert r["sample_bits"] >= r["copies"] * 2 * r["vertices"] * 2
    for k in ("vertices", "edges", "samples", "stored_numbers", "theta_bits"):
        per_gate = [r[k] / r["gates"] for r in rows]
        assert max(per_gate) < 1.5 * min(per_gate), (k, per_gate)              # linear
    grow = rows[-1]["instance_bits"] / rows[0]["instance_bits"]
    assert grow > 10                                                          # 4x the gates, ~16x the bits


# -- Remark B.3 ---------------------------------------------------------------------------------------------
@given(slps(6), st.integers(1, 4))
@settings(max_examples=25)
def test_hinge_variant(P, b):
    P = SLP(1, P.gates)
    red = R.hinge_variant(P, "T^2", b=b)
    c = R.check(red)
    n_P = slp_eval(P)[-1]
    assert c.failures == [] and c.n_P == 2 * n_P - 1
    assert c.loss == b * max(0, 2 - 2 * n_P)                                  # b max(0, 1 - n_Q)
    assert (c.loss == 0) == (n_P > 0) and (c.loss == 0 or c.loss >= 2 * b)


def test_hinge_variant_needs_a0_one_and_catches_a_perturbation():
    with pytest.raises(InputError, match="a_0 = 1"):
        R.hinge_variant(SLP(F(1, 2), [("+", 0, 0)]))
    red = R.hinge_variant(SLP(1, [("-", 0, 0)]), b=3)                         # n_P = 0: n_Q = -1
    assert R.check(red).loss == 6
    theta = dict(red.theta)
    theta[("v0", "v3")] = (F(1), F(0))                                        # now n_Q = 1 at x_main ...
    c = R.check(red, theta)
    assert c.main_values["v3"] == 1 and len(c.aux_failed) == 2              # ... and two aux samples break:
    assert c.loss == 2 * (red.b + 1)                                        # over b, though below 2b + 2


# -- Appendix C -------------------------------------------------------------------------------------------
@given(slps(5), st.sampled_from(SIGMAS[:3]), st.integers(1, 3))
@settings(max_examples=20)
def test_backprop_derivative_is_B_a0_nP(P, sigma, B):
    bp = R.backprop_sign(P, sigma, B=B)
    assert R.backprop_derivative(bp) == B * P.a0 * slp_eval(P)[-1]


def test_the_promise_gap_needs_care_in_two_places():
    b = 3
    zero = SLP(1, [("-", 0, 0)])                                              # n_P = 0
    g = R.backprop_gap(R.backprop_sign(zero, B=b), b)
    assert g["derivative"] == 0 and g["case"] == "neither"                     # in neither promise case
    g = R.backprop_gap(R.backprop_sign(R.doubled_minus_one(zero), B=b), b)
    assert g["derivative"] == -b and g["case"] == "no"                          # 2 n_P - 1 closes it
    for P in (SLP(1, [("+", 0, 0), ("+", 1, 0)]), SLP(1, [("+", 0, 0), ("*", 1, 1), ("-", 2, 0)])):
        yes = R.backprop_gap(R.backprop_sign(R.doubled_minus_one(P), B=b), b)
        assert yes["case"] == "yes" and yes["derivative"] >= b                  # a_0 = 1: the gap holds
        bn = bounded_norm(P)                                                    # a_0 = 2^-m, |n_Q| <= 1
        small = R.backprop_gap(R.backprop_sign(bn.slp, B=b), b)
        assert small["derivative"] == b * F(1, 2 ** bn.m) * slp_eval(P)[-1] / 2 ** (bn.m * 2 ** len(P))
        assert 0 < small["derivative"] < b and small["case"] == "neither"
        lifted = SLP(F(1, 2 ** len(P)), P.gates)                                 # a_0 = 2^-l, same gates
        d = R.backprop_derivative(R.backprop_sign(lifted, B=b))
        assert d == b * lifted.a0 * slp_eval(lifted)[-1] and abs(d) < b


def test_the_intermediate_line_holds_only_for_a0_one():
    """Appendix C writes L = (B/2)(w n_P + 1)^2; the derivative at w is B (w n_P + a_0) n_P."""
    P = SLP(F(1, 2), [("+", 0, 0), ("+", 1, 0)])                               # a_0 = 1/2, n_P = 3/2
    bp = R.backprop_sign(P, B=2)
    bp.theta[bp.edge] = (F(1), F(0))
    d = R.backprop_derivative(bp)
    n = slp_eval(P)[-1]
    assert d == 2 * (n + P.a0) * n and d != 2 * (n + 1) * n


# -- files and the module's command line -------------------------------------------------------------------
def test_written_instances_verify_with_erm_check(tmp_path):
    P = random_slp(9, 4)
    for j in range(4):
        red = R.lemma32(P, j, "T^3", a=0, b=2)
        R.write(red, tmp_path / "i.json", tmp_path / "t.json")
        inst = load_instance(tmp_path / "i.json")
        theta = load_theta(tmp_path / "t.json", inst.net)
        assert instance_to_dict(inst) == instance_to_dict(red.instance) and theta == red.theta
        rep = check_witness(inst, theta)
        assert rep.verified == bool(bit_slp(P, j)) and rep.loss == (0 if bit_slp(P, j) else 2)
        assert not rep.piecewise_linear and rep.non_pl.startswith("U")
        assert evaluate(inst, theta).loss == evaluate(red.instance, red.theta).loss


def test_module_command_line(tmp_path, capsys):
    out, th = tmp_path / "i.json", tmp_path / "t.json"
    assert R._main(["--random", "20", "--seed", "3", "--sigma", "T^3", "--j", "1", "-o", str(out),
                    "--theta", str(th), "--check"]) == 0
    assert "checks (a)-(c)" in capsys.readouterr().out
    assert json.loads(out.read_text())["format"] == "exactrelu.erm"
    for variant in ("hinge", "backprop"):
        assert R._main(["--squaring", "4", "--variant", variant, "-o", str(out), "--theta", str(th)]) == 0
        inst = load_instance(out)
        assert load_theta(th, inst.net)
    assert R._main(["--random", "5", "--sigma", "T", "-o", str(out), "--theta", str(th)]) == 2
    assert "degree 1" in capsys.readouterr().err
    with pytest.raises(InputError, match="a < b"):
        R.lemma32(P3, 0, a=2, b=2)


def test_repeated_squaring_values_double_in_bits():
    acts = []
    for n in (6, 7, 8):
        c = R.check(R.lemma32(repeated_squaring(n), 0))
        assert c.failures == [] and c.n_P == 2 ** 2 ** (n - 1)
        acts.append(c.evaluation.bits["act"])                                  # U1 carries (2 a + r)^2
    assert acts == [2 ** (n - 1) + 4 for n in (6, 7, 8)]
