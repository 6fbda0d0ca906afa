"""The thresholding learner for one ReLU under Gaussian marginals (issue 12, items 3-4; [R] reconstruction
of Goel, Karmalkar, Klivans, NeurIPS 2019): recovery on planted instances, the closed forms against
quadrature and Monte Carlo, the guarantee check (and that it can fail), bad input."""
import math

import numpy as np
import pytest

from exactrelu.errors import InputError
from exactrelu.learning import gaussian_relu as g


@pytest.mark.parametrize("noise,eta", [("none", 0.0), ("random", 0.05), ("random", 0.2), ("adversarial", 0.02)])
@pytest.mark.parametrize("method", ["average", "localize"])
def test_recovers_the_direction_and_meets_the_bound(noise, eta, method):
    inst = g.planted(6, 20000, noise=noise, eta=eta, seed=3)
    fit = g.learn(inst.X, inst.y, method=method)
    assert g.angle(fit.w, inst.w_star) < (0.15 if noise == "adversarial" else 0.08)
    assert np.linalg.norm(fit.w) <= 1 + 1e-12
    if noise != "adversarial":     # exact population loss against the exact opt
        assert g.population_loss(fit.w, inst) <= 2 * inst.opt ** (2 / 3) + 0.01


def test_localization_beats_averaging_against_the_tilting_adversary():
    inst = g.planted(6, 40000, noise="adversarial", eta=0.05, seed=4)
    a = g.learn(inst.X, inst.y, method="average")
    b = g.learn(inst.X, inst.y, method="localize")
    # averaging is tilted by phi(s) towards u: tan(angle) ~ phi(s) sqrt(pi/2)
    tilt = math.atan(math.exp(-inst.s ** 2 / 2) / math.sqrt(2 * math.pi) * math.sqrt(math.pi / 2))
    assert abs(g.angle(a.w, inst.w_star) - tilt) < 0.08
    assert g.angle(b.w, inst.w_star) < g.angle(a.w, inst.w_star) / 2


def test_kernel_closed_form_matches_quadrature():
    for th in (0.0, 0.3, 1.0, 2.0, math.pi - 1e-3):
        u, v = np.array([0.7, 0.0]), 0.9 * np.array([math.cos(th), math.sin(th)])
        assert abs(g.relu_kernel(u, v) - float(g.relu_kernel_quadrature(0.7, 0.9, th))) < 1e-12


def test_population_loss_matches_monte_carlo_and_opt_is_its_minimum():
    inst = g.planted(4, 300000, noise="random", eta=0.3, seed=5, norm=0.8)
    rng = np.random.default_rng(0)
    for _ in range(3):
        w = rng.standard_normal(4)
        w *= rng.random() / np.linalg.norm(w)
        terms = (np.maximum(inst.X @ w, 0) - inst.y) ** 2
        se = terms.std() / math.sqrt(len(terms))
        assert abs(g.population_loss(w, inst) - terms.mean()) < 5 * se
    assert abs(g.population_loss(inst.w_opt, inst) - inst.opt) < 1e-12
    for r in (0.5, 0.9, 1.0):    # the minimiser is not w* itself, and no other point beats it
        assert g.population_loss(r * inst.w_star / 0.8, inst) >= inst.opt
    assert g.population_loss(inst.w_star, inst) > inst.opt
    iv = g.opt_random(0.8, 0.3, iv=True)
    assert abs(float(iv.mid) - inst.opt) < 1e-15 and iv.b - iv.a < 1e-20


def test_guarantee_check_holds_with_fixed_seeds():
    rows = g.guarantee_check(quick=True)
    assert len(rows) == 8 and all(r["held"] for r in rows)
    for r in rows:
        assert r["loss"] <= r["ci_upper"] <= r["bound"]
        assert r["C"] == g.GUARANTEE_C and r["delta"] == g.GUARANTEE_DELTA


SMALL = [dict(noise="random", eta=0.01, d=6, n=20000, m=100000, seed=1)]


def test_a_biased_threshold_breaks_the_check():
    assert g.guarantee_check(instances=SMALL)[0]["held"]
    assert not g.guarantee_check(instances=SMALL, threshold=50.0)[0]["held"]


def test_a_broken_learner_breaks_the_check():
    def flipped(X, y, t, rows):
        return -g.chow(X, y, [t], rows)[:, 0]
    assert not g.guarantee_check(instances=SMALL, learner=flipped)[0]["held"]


def test_loss_upper_bound_covers_the_exact_loss():
    inst = g.planted(5, 1000, noise="random", eta=0.1, seed=7)
    test = inst.sample(50000, seed=8)
    w = inst.w_star * 0.5
    ub = g.loss_upper_bound(w, test, 0.01)
    assert g.population_loss(w, inst) <= ub["upper_f"]
    assert ub["mean"] <= ub["upper_f"] and ub["B"] >= 1


def test_parity_instance_hides_the_parity_from_averaging():
    inst = g.parity_embedded(12, 40000, k=4, seed=0)
    assert set(np.unique(inst.y)) <= {0.0, 1.0} and len(inst.S) == 4
    z = inst.X
    assert abs(z.mean()) < 0.01 and abs(z.var() - 1) < 0.02        # z ~ N(0, I)
    c = g.chow(inst.X, inst.y, [0.5], (0, len(inst.y)))[:, 0]
    assert np.linalg.norm(c) < 0.05                                 # no degree-1 signal
    assert inst.opt == 0.5 and g.empirical_loss(inst.X, inst.y, np.zeros(12)) == pytest.approx(0.5, abs=0.01)


def test_gd_baseline_reaches_the_algorithms_loss():
    pytest.importorskip("torch")
    inst = g.planted(5, 5000, noise="random", eta=0.1, seed=2)
    fit = g.learn(inst.X, inst.y)
    target = g.empirical_loss(inst.X, inst.y, fit.w)
    res = g.gd_baseline(inst.X, inst.y, seeds=[0, 1], steps=200, target=target + 1e-4)
    assert all(r["time_to_target"] is not None for r in res)
    mb = g.gd_baseline(inst.X, inst.y, seeds=[0], steps=200, batch=256, lr=0.5, record_every=50)
    assert mb[0]["final_loss"] < 0.1


def test_data_do_not_depend_on_the_chunk(monkeypatch):
    a = g.planted(3, 70000, noise="random", eta=0.2, seed=1)
    monkeypatch.setattr(g, "CHUNK", 1000)
    b = g.planted(3, 70000, noise="random", eta=0.2, seed=1)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    f = g.learn(b.X, b.y)
    monkeypatch.setattr(g, "CHUNK", 65536)
    f2 = g.learn(a.X, a.y)
    assert np.allclose(f.w, f2.w, atol=1e-12)


@pytest.mark.parametrize("call,msg", [
    (lambda: g.planted(0, 10), "d must be"),
    (lambda: g.planted(3, 0), "n must be"),
    (lambda: g.planted(3, 10, eta=1.5), "eta must be in"),
    (lambda: g.planted(3, 10, noise="adversarial", eta=0.7), "eta must be in"),
    (lambda: g.planted(3, 10, noise="salt"), "noise must be one of"),
    (lambda: g.planted(3, 10, norm=2.0), "norm must be in"),
    (lambda: g.planted(100, 10 ** 6, memory_limit=2 ** 29), "memory limit"),
    (lambda: g.parity_embedded(5, 10, k=3), "k must be even"),
    (lambda: g.learn(np.zeros((4, 2)), np.zeros(3)), "y must have shape"),
    (lambda: g.learn(np.zeros((4, 2)), np.zeros(4), method="svm"), "method must be"),
    (lambda: g.learn(np.zeros((1, 2)), np.zeros(1)), "too small"),
    (lambda: g.guarantee_check(C=-1), "C must be"),
    (lambda: g.guarantee_check(instances=[dict(noise="salt", eta=0.1, d=3, n=100, m=100, seed=0)]),
     "noise must be one of"),
    (lambda: g.learn(np.zeros((10, 2)), np.zeros(10), method="localize", band=3), "unknown localization"),
    (lambda: g.loss_upper_bound(np.zeros(3), g.planted(3, 10), 0.0), "delta must be in"),
])
def test_bad_input_is_one_line(call, msg):
    with pytest.raises(InputError, match=msg) as e:
        call()
    assert "\n" not in str(e.value)


# -- exactrelu gaussian-relu ------------------------------------------------------------------------------------
def test_cli_runs_and_prints_its_json():
    import json
    from helpers import cli
    code, out, err = cli("gaussian-relu", "--d", 6, "--n", 20000, "--eta", "0.05", "--json")
    r = json.loads(out)
    assert code == (0 if r["held"] else 1) and r["noise"] == "random" and r["opt_kind"] == "exact"
    assert r["loss"] >= r["opt"] - 1e-12 and r["loss_upper"] >= r["loss"] and r["held"] is True
    code, out, err = cli("gaussian-relu", "--d", 6, "--n", 20000, "--noise", "adversarial", "--eta", "0.05")
    assert code in (0, 1) and "C opt^(2/3) + eps" in out


@pytest.mark.parametrize("argv,fragment", [
    (["--eta", "2"], "eta"), (["--eta", "x"], "--eta"), (["--noise", "laplace"], "noise"),
    (["--d", "0"], "--d"), (["--n", "1.5"], "--n"), (["--d", "100", "--n", "1e9"], "memory limit"),
    (["--method", "sgd"], "--method"), (["--delta", "1"], "--delta"), (["--C", "-1"], "--C"),
    (["--noise", "boundary", "--eta", "0.3"], "eta")])
def test_cli_bad_arguments_exit_2_one_line(argv, fragment):
    from helpers import cli
    code, out, err = cli("gaussian-relu", *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and fragment in err, err
