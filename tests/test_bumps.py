"""The bump phi_y ([R] reconstruction, docs/derivations.md §2): hats, f_y, the network, its input checks, the CLI, and the
verification script failing closed on broken constructions."""
import json
from fractions import Fraction as F

import pytest
from hypothesis import given, settings, strategies as st

from exactrelu import NetClass
from exactrelu.constructions import bumps as Bm
from exactrelu.errors import InputError
from exactrelu.io import load_net
from exactrelu.net import Net
from exactrelu.strategies import points, rationals
from helpers import cli, load_proof


@st.composite
def bump_args(draw, max_d=3, max_L=5):
    """(d, L, c, M, y, variant) with y anywhere in [1/M, 1 - 1/M]^d and the bias condition met."""
    d = draw(st.integers(1, max_d), label="d")
    L = draw(st.integers(3, max_L), label="L")
    c = draw(st.sampled_from([F(1, 2), F(1), F(2), F(3, 4)]), label="c")
    variant = draw(st.sampled_from(Bm.VARIANTS), label="variant")
    M = draw(st.integers(2, 12), label="M")
    if variant == "clipped":
        M = max(M, int(-(-c * (d - 1) // 2)))
    M = max(M, 2)
    k = draw(st.integers(1, 4), label="den")
    y = [F(1, M) + (1 - F(2, M)) * F(draw(st.integers(0, k)), k) for _ in range(d)]
    return d, L, c, M, y, variant


@given(rationals(max_abs=2), rationals(max_abs=1), st.integers(1, 16), st.sampled_from(Bm.VARIANTS))
def test_hat_shape(t, y, M, variant):
    """Lambda <= 1 with equality only at y; Lambda = 1 - M|t - y| inside; Lambda <= 0 outside."""
    v = Bm.hat(t, y, M, variant)
    assert v <= 1 and (v == 1) == (t == y)
    if abs(t - y) <= F(1, M):
        assert v == 1 - M * abs(t - y)
    else:
        assert v <= 0
        assert (v == 0) if variant == "clipped" or t < y else (v == 1 - M * abs(t - y))


@given(st.data())
def test_f_y_is_the_pyramid(data):
    d, L, c, M, y, variant = data.draw(bump_args())
    x = data.draw(points(d))
    assert Bm.f_y(x, y, M, variant) == Bm.pyramid(x, y, M)


@given(st.data())
@settings(max_examples=30)
def test_bump_net_pointwise(data):
    """Sample check only (the proof script checks every linear region): phi_y = peak * pyramid."""
    d, L, c, M, y, variant = data.draw(bump_args())
    net = Bm.bump_net(d, L, c, M, y, variant)
    peak = Bm.bump_peak(d, L, c, M)
    assert net in NetClass(d, L, 3 * d, c, "inf") and Bm.check_params(net, c) == []
    assert net.architecture == (d,) + (3 * d,) * (L - 1) + (1,)
    assert net(y) == (peak,)
    for x in data.draw(st.lists(points(d), min_size=1, max_size=4)):
        assert net(x) == (peak * Bm.pyramid(x, y, M),)
    ref = Bm.pyramid_net(d, M, y, peak)
    x = data.draw(points(d))
    assert ref(x) == net(x)


def test_peak_matches_notes_instances():
    # docs/derivations.md §2.5: instances (d, L, c, M)
    for d, L, c, M in [(1, 3, 1, 8), (2, 3, 2, 8), (2, 4, F(1, 2), 16), (3, 5, 2, 8)]:
        y = [F(1, M)] * d
        assert Bm.bump_net(d, L, c, M, y)(y) == (Bm.bump_peak(d, L, c, M),)


def test_lp_norm_examples_and_sympy():
    # docs/derivations.md §3 gives these values; the formula is the input, sympy the cross-check
    assert [Bm.lp_norm_power(1, 8, p) for p in (1, 2, 3)] == [F(1, 8), F(1, 12), F(1, 16)]
    assert [Bm.lp_norm_power(2, 8, p) for p in (1, 2)] == [F(1, 96), F(1, 192)]
    for d, p in [(1, 2), (2, 3), (3, 1)]:
        y = [F(3, 8)] * d
        assert Bm.lp_norm_power_sympy(d, 8, y, p, "one-sided") == Bm.lp_norm_power(d, 8, p)


def test_bias_condition_biconditional():
    """The clipped net is in the class exactly when M >= c(d-1)/2; one-sided always."""
    for d in (1, 2, 3, 5):
        for c in (F(1, 2), F(1), F(2), F(7)):
            for M in (2, 3, 4, 6, 8, 14):
                y = [F(1, 2)] * d
                held = Bm.bias_condition_holds(d, c, M)
                assert held == (M >= c * (d - 1) / 2)
                net = Bm.bump_net(d, 3, c, M, y, check=False)
                assert (net in NetClass(d, 3, 3 * d, c, "inf")) == held
                if not held:
                    with pytest.raises(InputError, match=r"M >= c\(d-1\)/2"):
                        Bm.bump_net(d, 3, c, M, y)
                assert Bm.bump_net(d, 3, c, M, y, "one-sided") in NetClass(d, 3, 3 * d, c, "inf")


BAD = [  # (kwargs changes, fragment of the message)
    (dict(d=0), "d=0"), (dict(d="x"), "d="), (dict(L=2), "L=2"), (dict(c=0), "c=0"), (dict(c="-1"), "c=-1"),
    (dict(M=1), "M=1"), (dict(M="0"), "M=0"), (dict(y=["1/4"]), "y has 1 coordinates"),
    (dict(y=["1/8", "1/4"]), "y[0]=1/8"), (dict(y=["1/4", "7/8"]), "y[1]=7/8"),
    (dict(variant="other"), "variant="), (dict(y=["1/4", "1/2"], grid=True), "not a grid centre"),
    (dict(M=6, y=["1/6", "1/6"], grid=False, c=20), "M >= c(d-1)/2"),
    (dict(M=5, y=["1/5", "1/5"], grid=True), "even"), (dict(c=0.5), "float"),
]


@pytest.mark.parametrize("change,frag", BAD, ids=[b[1] for b in BAD])
def test_bad_arguments_named(change, frag):
    kw = dict(d=2, L=3, c=1, M=4, y=["1/4", "3/4"], variant="clipped")
    kw.update(change)
    with pytest.raises(InputError, match=__import__("re").escape(frag)):
        Bm.bump_net(**kw)


def test_grid_centres():
    assert Bm.grid_centres(8) == [F(1, 8), F(3, 8), F(5, 8), F(7, 8)]
    assert all(Bm.is_grid_centre(v, 8) for v in Bm.grid_centres(8))
    assert not Bm.is_grid_centre(F(1, 4), 8) and not Bm.is_grid_centre(F(9, 8), 8)
    for v in Bm.grid_centres(8):
        Bm.bump_net(1, 3, 1, 8, [v], grid=True)


def test_cli_writes_net_and_json(tmp_path):
    out = tmp_path / "b.json"
    code, so, se = cli("bump", "--d", 2, "--L", 4, "--c", "1/2", "--M", 16, "--y", "3/16,5/16",
                       "--variant", "one-sided", "-o", out, "--json")
    assert code == 0, se
    j = json.loads(so)
    net = load_net(out)
    y = [F(3, 16), F(5, 16)]
    assert j["peak"] == "9/128" and j["center"] == ["3/16", "5/16"] and j["L"] == 4
    assert net == Bm.bump_net(2, 4, F(1, 2), 16, y, "one-sided") and net(y) == (F(9, 128),)


CLI_BAD = [
    (["--d", 2, "--L", 2, "--c", 1, "--M", 8, "--y", "1/8,1/8"], "--L=2"),
    (["--d", 2, "--L", 3, "--c", 0, "--M", 8, "--y", "1/8,1/8"], "--c=0"),
    (["--d", 2, "--L", 3, "--c", 1, "--M", 8, "--y", "1/8"], "--y has 1 coordinates"),
    (["--d", 2, "--L", 3, "--c", 1, "--M", 8, "--y", "1/16,1/8"], "--y[0]=1/16"),
    (["--d", 2, "--L", 3, "--c", 1, "--M", 8, "--y", "1/4,1/8", "--grid"], "--y[0]=1/4 is not a grid centre"),
    (["--d", 3, "--L", 3, "--c", 9, "--M", 2, "--y", "1/2,1/2,1/2"], "M >= c(d-1)/2"),
    (["--d", "x", "--L", 3, "--c", 1, "--M", 8, "--y", "1/8"], "--d: 'x' is not a number"),
    (["--d", 1, "--L", 3, "--c", 1, "--M", "1", "--y", "1/2"], "--M=1"),
    (["--d", 1, "--L", 3, "--c", 1, "--M", "8", "--y", "1/8", "--variant", "x"], "--variant"),
    (["--d", 1, "--L", 3, "--c", 1, "--M", "8", "--y", "a"], "--y coordinate 0"),
]


@pytest.mark.parametrize("args,frag", CLI_BAD, ids=[c[1] for c in CLI_BAD])
def test_cli_bad_input_exit_2(tmp_path, args, frag):
    out = tmp_path / "b.json"
    code, so, se = cli("bump", *args, "-o", out)
    assert code == 2 and frag in se and len(se.strip().splitlines()) == 1 and not out.exists()


def test_cli_one_sided_has_no_condition(tmp_path):
    out = tmp_path / "b.json"
    code, _, se = cli("bump", "--d", 3, "--L", 3, "--c", 9, "--M", 2, "--y", "1/2,1/2,1/2",
                      "--variant", "one-sided", "-o", out)
    assert code == 0, se
    assert load_net(out) in NetClass(3, 3, 9, 9, "inf")


# -- the verification script fails closed on broken constructions -------------------------------------

SMALL = [(2, 4, F(1), 4, (F(1, 4), F(3, 4)), "clipped", "mixed"),
         (1, 4, F(2), 8, (F(3, 8),), "one-sided", "interior")]


def _mutated(mutate):
    """A bump builder whose network is changed by ``mutate(layers, d, L, c, M, y)`` (lists, in place)."""
    def build(d, L, c, M, y, variant="clipped", **kw):
        net = Bm.bump_net(d, L, c, M, y, variant, **kw)
        layers = [[[list(r) for r in lay.weight], list(lay.bias)] for lay in net.layers]
        layers = mutate(layers, d, L, F(c), F(M), y) or layers
        return Net([tuple(lay) for lay in layers], input_dim=d)
    return build


def _flip_sign(layers, d, L, c, M, y):
    layers[1][0][0][0] = -layers[1][0][0][0]          # layer 2, neuron 0, weight on the first hat neuron


def _bias_off_by_one(layers, d, L, c, M, y):
    layers[0][1][0] = c / (M + 1) - c * y[0]          # c/M - c y_0 with M + 1 for M


def _missing_layer(layers, d, L, c, M, y):
    return layers[:2] + layers[3:]                      # one amplification layer dropped


@pytest.fixture(scope="module")
def proof():
    return load_proof("bump_construction")


def _run(proof, **hooks):
    from exactrelu.proofkit import run_checks
    rep = run_checks(proof.checks, quick=True, instances=SMALL, print_times=False, **hooks)
    return rep, {c.id: c.held for c in rep.claims}


def test_script_verifies_good_construction(proof):
    rep, held = _run(proof)
    assert rep.ok, rep.table()
    assert set(held) == {"bump.params", "bump.bias_condition", "bump.support", "bump.shape", "bump.peak",
                         "bump.lp_norm"}


BROKEN = [
    ("sign-flipped-weight", dict(build=_mutated(_flip_sign)), "bump.shape"),
    ("M-off-by-one-in-bias", dict(build=_mutated(_bias_off_by_one)), "bump.shape"),
    ("missing-layer", dict(build=_mutated(_missing_layer)), "bump.params"),
    ("peak-constant-4M-for-2M", dict(peak_formula=lambda d, L, c, M: F(c) ** L * (3 * d) ** (L - 2) / (4 * M)),
     "bump.peak"),
    ("lp-norm-(p+d+1)!", dict(lp_formula=lambda d, M, p: Bm.lp_norm_power(d, M, p) / (p + d + 1)), "bump.lp_norm"),
    ("bias-condition-strict", dict(bias_formula=lambda d, c, M: M > F(c) * (d - 1) / 2), "bump.bias_condition"),
]


@pytest.mark.parametrize("hooks,claim", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_script_reports_broken_construction(proof, hooks, claim):
    rep, held = _run(proof, **hooks)
    assert not rep.ok and held[claim] is False, rep.table()
