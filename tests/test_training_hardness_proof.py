"""proofs/training_hardness.py (issue 11, item 7): the script holds in quick mode, and each claim fails, by a
failed check and not by a crash, when a hook injects a wrong threshold, drops the gadget points, omits a
pattern from an ERM certificate, or breaks the decider or the network."""
import copy

import pytest

from exactrelu.learning import reductions as R
from exactrelu.proofkit import run_checks
from helpers import load_proof, run_claim

PROOF = load_proof("training_hardness")
IDS = [cid for cid, _ in PROOF._claims(True)]


def run_one(cid, **hooks):
    return run_claim(PROOF, cid, **hooks)


def test_the_whole_script_holds_in_quick_mode():
    rep = run_checks(PROOF.checks, quick=True)
    assert [c.id for c in rep.claims] == IDS and len(IDS) == 7
    assert rep.ok, [(c.id, c.failures[:2]) for c in rep.claims if not c.held]
    assert all(c.ranges for c in rep.claims)


def test_unknown_hooks_are_refused():
    rep = run_checks(PROOF.checks, quick=True, only={"erm.oracle"}, treshold=1)
    assert not rep.ok and rep.claims[-1].id == "script" and "unknown hooks: treshold" in rep.claims[-1].failures[0]


def _omit_pattern(cert):
    """Replaces the first split node of every tree by its "neg" child: the "pos" side's cells (activation
    patterns) are no longer covered, and the rest of the tree is read one hyperplane early."""
    cert = copy.deepcopy(cert)

    def cut(nd):
        if "split" in nd:
            return nd["neg"], True
        for key in ("next", "neg", "pos"):
            if key in nd:
                nd[key], done = cut(nd[key])
                if done:
                    return nd, True
        return nd, False

    for t in cert["trees"]:           # (a certificate without a split, all fixes and one leaf, stays as it is)
        t["tree"], _ = cut(t["tree"])
    return cert


def _no_centroids(n, edges):
    return R.splitting_instance(n, edges, centroids=False)


def _monochrome_network(n, edges, colouring):
    return R.splitting_network(n, edges, [0] * n)


def _drop_last_edge_point(n, edges):
    pts, ys = R.indset_instance(n, edges)
    return (pts[:-1], ys[:-1]) if edges else (pts, ys)


def _drop_a_vertex_point(n, edges):
    pts, ys = R.indset_instance(n, edges)
    return pts[1:], ys[1:]


BROKEN = [  # (claim id, test id, hooks)
    ("hardness.indset_yes", "threshold-n-k-1", {"indset_threshold": lambda n, k: R.indset_threshold(n, k) - 1}),
    ("hardness.indset_yes", "vertex-point-dropped", {"indset_instance": _drop_a_vertex_point}),
    ("hardness.indset_no", "threshold-n-k+1", {"indset_threshold": lambda n, k: R.indset_threshold(n, k) + 1}),
    ("hardness.indset_no", "edge-point-dropped", {"indset_instance": _drop_last_edge_point}),
    ("hardness.indset_no", "pattern-omitted", {"certificate": _omit_pattern}),
    ("hardness.indset_bias", "midpoint-once", {"indset_bias_instance": lambda n, e: R.indset_instance(
        n, e, with_bias=True, copies=1)}),
    ("hardness.indset_bias", "threshold-n-k+1", {"indset_threshold": lambda n, k: R.indset_threshold(n, k) + 1}),
    ("hardness.indset_bias", "pattern-omitted", {"certificate": _omit_pattern}),
    ("erm.oracle", "pattern-omitted", {"certificate": _omit_pattern}),
    ("hardness.split_no", "pattern-omitted", {"certificate": _omit_pattern}),
    ("hardness.split_no", "threshold-1", {"threshold": 1}),
    ("hardness.split_no", "centroid-gadget-dropped", {"instance": _no_centroids}),
    ("hardness.split_yes", "threshold--1", {"threshold": -1}),
    ("hardness.split_yes", "monochrome-network", {"network": _monochrome_network}),
    ("hardness.split_decider", "ignores-singletons", {"decider": lambda n, e: R.is_two_colourable(
        n, [S for S in e if len(S) > 1])}),
    ("hardness.split_decider", "always-yes", {"decider": lambda n, e: True}),
]


@pytest.mark.parametrize("cid, hooks", [(c, h) for c, _, h in BROKEN], ids=[f"{c}:{t}" for c, t, _ in BROKEN])
def test_each_claim_fails_on_its_broken_hook(cid, hooks):
    claim = run_one(cid, **hooks)
    assert not claim.held
    assert not any(f.startswith(("crashed", "non-boolean", "no instances")) for f in claim.failures), claim.failures
    assert claim.instances > 0


def test_every_claim_has_a_broken_hook_test():
    assert {c for c, _, _ in BROKEN} == set(IDS)


def test_the_atlas_bound_of_the_no_sides(monkeypatch):
    """Full runs: 6 by default where the docs say so, 7 with EXACTRELU_ATLAS_NO=7, any other value refused;
    quick runs ignore it."""
    monkeypatch.delenv("EXACTRELU_ATLAS_NO", raising=False)
    assert PROOF._no_max(False, 6) == 6 and PROOF._no_instances(False)[1:] == (6, 5)
    monkeypatch.setenv("EXACTRELU_ATLAS_NO", "7")
    assert PROOF._no_max(False, 6) == 7 and PROOF._no_max(True, 3) == 3
    assert PROOF._no_instances(False)[1:] == (7, 5)         # two ReLUs with biases stay at 5 vertices
    monkeypatch.setenv("EXACTRELU_ATLAS_NO", "8")
    with pytest.raises(ValueError, match="EXACTRELU_ATLAS_NO"):
        PROOF._no_max(False, 6)
