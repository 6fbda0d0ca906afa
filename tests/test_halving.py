"""Sample halving (Markov) over exact distributions, the 2^7 constant chain, and edge constants."""
import json
import math
from fractions import Fraction as F

import pytest
from hypothesis import given, strategies as st

from exactrelu.errors import InputError
from exactrelu.proofkit import run_checks
from exactrelu.theory import markov as mk
from exactrelu.theory.grid import grid_M
from helpers import cli, load_proof

ms = st.fractions(min_value=0, max_value=40, max_denominator=6)


@st.composite
def distributions(draw, max_value=100, max_atoms=6):
    """Exact distributions: integer counts >= 0, rational weights normalised to sum exactly 1."""
    vals = draw(st.lists(st.integers(0, max_value), min_size=1, max_size=max_atoms))
    w = draw(st.lists(st.integers(1, 30), min_size=len(vals), max_size=len(vals)))
    tot = sum(w)
    out = {}
    for v, x in zip(vals, w):
        out[v] = out.get(v, 0) + F(x, tot)
    return out


@st.composite
def boundary_distributions(draw):
    """(m, dist) near the Markov boundary: two-point at floor(2m)+1 with mean exactly m, point masses
    at 2m and 2m+1, and mass 1/2 at floor(2m)."""
    m = draw(st.fractions(min_value=F(1, 6), max_value=40, max_denominator=6))
    k = math.floor(2 * m)
    kind = draw(st.sampled_from(["two_point", "at_2m", "at_2m_plus_1", "half"]))
    t = draw(st.integers(k + 1, k + 20))
    dist = {"two_point": {0: 1 - m / t, t: m / t}, "at_2m": {k: 1}, "at_2m_plus_1": {k + 1: 1},
            "half": {0: F(1, 2), k: F(1, 2)} if k else {0: 1}}[kind]
    return m, dist, kind


@given(distributions(), ms)
def test_markov_halving(dist, m):
    if mk.mean(dist) > m:
        with pytest.raises(InputError):
            mk.halving(dist, m)
        return
    P, ok = mk.halving(dist, m)
    assert ok and P >= F(1, 2)
    if m > 0:
        assert P >= 1 - m / (math.floor(2 * m) + 1)  # the extremal distribution is the worst case


@given(boundary_distributions())
def test_markov_boundary(case):
    m, dist, kind = case
    if mk.mean(dist) <= m:
        P, ok = mk.halving(dist, m)
        assert ok
    elif kind == "at_2m_plus_1":  # mean > m, and the conclusion indeed fails: the hypothesis is needed
        assert mk.prob_at_most(dist, 2 * m) == 0
    else:
        with pytest.raises(InputError):
            mk.halving(dist, m)


@given(st.fractions(min_value=F(1, 8), max_value=10**6, max_denominator=8))
def test_extremal_distribution(m):
    ext = mk.extremal_distribution(m)
    assert mk.mean(ext) == m
    P = mk.prob_at_most(ext, 2 * m)
    assert P == 1 - m / (math.floor(2 * m) + 1) and P > F(1, 2)


def test_non_integer_m_uses_floor_2m():
    # m = 7/4: 2m = 7/2, counts <= 3 count; mass at 4 is above 2m
    assert mk.halving_threshold(F(7, 4)) == 3
    P, ok = mk.halving({0: F(9, 16), 4: F(7, 16)}, F(7, 4))
    assert P == F(9, 16) and ok


@pytest.mark.parametrize("dist, word", [
    ({0: F(1, 2)}, "sum"), ({-1: 1}, "count"), ({F(1, 2): 1}, "count"), ({0: F(3, 2), 1: F(-1, 2)}, "probability"),
    ({0: 0.5, 1: 0.5}, "float"), ({"x": 1}, "count"),
])
def test_distribution_validation(dist, word):
    with pytest.raises(InputError, match=word):
        mk.distribution(dist)


@given(d=st.integers(1, 8), L=st.integers(3, 6),
       c=st.fractions(min_value=F(1, 4), max_value=100, max_denominator=4),
       m=st.one_of(st.integers(1, 10**6), st.fractions(min_value=1, max_value=10**4, max_denominator=7)))
def test_chain_holds(d, L, c, m):
    ch = mk.halving_chain(d, L, c, m)
    assert ch.ok, [s for s in ch.steps if not s.ok]
    assert ch.eps == c**L * F(3 * d) ** (L - 2) / (8 * ch.M)


def test_chain_steps_fail_when_broken():
    assert not mk.halving_chain(2, 3, 1, 5, M_fn=lambda m, d: grid_M(m, d) + 1).steps[0].ok
    assert not mk.halving_chain(2, 3, 1, 5, markov_factor=F(1, 2)).steps[1].ok
    assert not mk.halving_chain(2, 3, 1, 5, ceil_factor=1).steps[2].ok
    assert not mk.halving_chain(1, 3, 1, F(7, 2), linf=64).steps[3].ok
    with pytest.raises(InputError):
        mk.halving_chain(2, 3, 1, F(1, 2))


def test_constant_2_7_is_sharp_for_the_chain():
    """Any constant below 2^7 fails at m = 2 for some d (ceil(t)/t -> 2 as t -> 1+)."""
    d = next(d for d in range(1, 200) if (F(128, 127)) ** d > 2)
    assert not mk.halving_chain(d, 3, 1, 2, linf=127).steps[3].ok
    assert mk.halving_chain(d, 3, 1, 2).steps[3].ok


# -- proof scripts fail on broken hooks --------------------------------------------------------
@pytest.mark.parametrize("hooks, failing", [
    ({"mean_fn": lambda dist: mk.mean(dist) / 2}, {"halving.markov"}),
    ({"M_fn": lambda m, d: grid_M(m, d) + 1}, {"halving.chain"}),
    ({"M_fn": lambda m, d: grid_M(m, d) - 8}, {"halving.chain"}),
    ({"linf": 2**6}, {"halving.chain"}),
    ({"linf": 2**8}, {"halving.constant_sharp"}),
    ({"markov_factor": F(1, 2)}, {"halving.chain"}),
    ({"ceil_factor": 1}, {"halving.chain"}),
])
def test_halving_proof_fails(hooks, failing):
    rep = run_checks(load_proof("sample_halving").checks, quick=True, **hooks)
    assert rep.ok is False
    assert failing <= {c.id for c in rep.claims if not c.held}


@pytest.mark.parametrize("hooks, failing", [
    ({"linf": 2**8}, {"edge.atoms", "edge.2_7_vs_2_9", "edge.m1"}),
    ({"omega_ge2": F(1, 47)}, {"edge.2_7_vs_2_9", "edge.q2_jump", "edge.teacher_scale"}),
    ({"upper": 4}, {"edge.upper_lipschitz", "edge.atoms"}),
    ({"M_fn": lambda m, d: grid_M(m, d) + 1}, {"edge.m1", "edge.float_roots"}),
])
def test_edge_proof_fails(hooks, failing):
    rep = run_checks(load_proof("edge_constants").checks, quick=True, **hooks)
    assert rep.ok is False
    assert failing <= {c.id for c in rep.claims if not c.held}


def test_halving_and_edge_proofs_hold():
    for name in ("sample_halving", "edge_constants"):
        assert run_checks(load_proof(name).checks, quick=True).ok is True


def test_atoms_from_the_cli_agrees_with_edge_script():
    code, out, _ = cli("bounds", "--d", 15, "--L", 7, "--c", 2, "--eps", "1/256", "--json")
    r = json.loads(out)
    assert code == 0 and len(r["lower"]["m"]) > 80 and int(r["lower"]["m"]) > 10**80 * r["n_params"]


# -- the halving claims compare against constructions of their own (issue 7 section 3) ------------
def _failures(rep, cid):
    return next(c.failures for c in rep.claims if c.id == cid)


@pytest.mark.parametrize("quick", [True, False])
def test_halving_threshold_off_by_one_fails_quick_and_full(monkeypatch, quick):
    """floor(2m) + 1 instead of floor(2m): both halving claims fail, and not only on the direct
    comparison of the threshold: halving() and extremal_distribution() are caught by the script's
    own floor(2m) and two-point distributions."""
    true_threshold = mk.halving_threshold
    monkeypatch.setattr(mk, "halving_threshold", lambda m: true_threshold(m) + 1)
    rep = run_checks(load_proof("sample_halving").checks, quick=quick)
    assert rep.ok is False
    markov, extremal = _failures(rep, "halving.markov"), _failures(rep, "halving.extremal")
    assert "m=1: halving_threshold is floor(2m) = 2" in markov
    assert any(f.startswith("m=") and ", P[X <= " in f for f in markov)          # halving's P is wrong
    assert "extremal m=1: extremal_distribution is mass 1/3 at 3, the rest at 0" in extremal
    assert "extremal m=1: halving gives 1 on it, not 2/3" in extremal
    assert {c.id for c in rep.claims if not c.held} == {"halving.markov", "halving.extremal"}


def test_wrong_extremal_distribution_is_caught():
    """A two-point distribution with mean m, but at floor(2m) + 2: not the minimiser."""
    def wrong(m):
        t = math.floor(2 * m) + 2
        return {0: 1 - m / t, t: m / t}
    rep = run_checks(load_proof("sample_halving").checks, quick=True, extremal_fn=wrong)
    assert {c.id for c in rep.claims if not c.held} == {"halving.extremal"}
    assert _failures(rep, "halving.extremal")[0] == \
        "extremal m=1: extremal_distribution is mass 1/3 at 3, the rest at 0"


def test_wrong_halving_probability_is_caught(monkeypatch):
    """halving() summing P[X <= 2m - 1]: the script's own P[X <= floor(2m)] disagrees."""
    monkeypatch.setattr(mk, "prob_at_most", lambda dist, k: sum(
        (p for v, p in mk.distribution(dist) if v < k), F(0)))
    rep = run_checks(load_proof("sample_halving").checks, quick=True)
    assert any(", P[X <= " in f for f in _failures(rep, "halving.markov"))
    assert "halving.extremal" in {c.id for c in rep.claims if not c.held}
