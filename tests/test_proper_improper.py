"""exactrelu.learning.proper_improper: the proper (JL + eps-net) and improper (polynomial) learners of
bounded-weight ReLUs, their budgets, their argument checks, and the measuring harness (issue 11, item 6)."""
import math

import numpy as np
import pytest

from exactrelu.errors import InputError
from exactrelu.learning import proper_improper as pi


@pytest.fixture(scope="module")
def easy():
    """Realizable, low dimension: d = 2 (m = 4 >= d at eps = 1/2, so the projection loses nothing)."""
    return pi.make_instance(d=2, n=500, n_test=1000, seed=3)


# -- data -------------------------------------------------------------------------------------------

def test_instance_is_in_the_unit_ball_and_realizable():
    inst = pi.make_instance(d=4, n=300, n_test=200, seed=0)
    assert inst.X.shape == (300, 4) and inst.X_test.shape == (200, 4)
    assert np.all(np.linalg.norm(inst.X, axis=1) <= 1) and np.all(np.linalg.norm(inst.X_test, axis=1) <= 1)
    assert np.allclose(np.linalg.norm(inst.teacher.W, axis=1), 1)
    assert inst.best_train == 0 and inst.best_test == 0
    noisy = pi.make_instance(d=4, n=2000, n_test=200, seed=0, noise=0.1)
    assert 0.005 < noisy.best_train < 0.02       # about noise^2: agnostic, no exact fit
    two = pi.make_instance(d=3, n=10, seed=0, k=2)
    assert two.teacher.W.shape == (2, 3) and list(two.teacher.a) == [1, -1]


def test_seeds_reproduce(easy):
    again = pi.make_instance(d=2, n=500, n_test=1000, seed=3)
    assert np.array_equal(again.X, easy.X) and np.array_equal(again.y, easy.y)
    assert not np.array_equal(pi.make_instance(d=2, n=500, seed=4).X, easy.X)
    h1 = pi.proper_relu(easy.X, easy.y, 0.5, seed=7)
    h2 = pi.proper_relu(easy.X, easy.y, 0.5, seed=7)
    assert np.array_equal(h1.W, h2.W)
    g1 = pi.proper_relu_sum(easy.X, easy.y, 0.7, 2, seed=7)
    g2 = pi.proper_relu_sum(easy.X, easy.y, 0.7, 2, seed=7)
    assert np.array_equal(g1.W, g2.W) and np.array_equal(g1.a, g2.a)
    p1, p2 = pi.improper_poly(easy.X, easy.y, 0.25), pi.improper_poly(easy.X, easy.y, 0.25)
    assert np.array_equal(p1.coef, p2.coef)


# -- the eps-net ------------------------------------------------------------------------------------

@pytest.mark.parametrize("m,eps", [(1, 0.5), (2, 0.3), (3, 0.45), (4, 0.6)])
def test_net_covers_the_ball_and_lies_in_it(m, eps):
    V = pi.ball_net(m, eps)
    assert V.shape == (pi.net_size(m, eps), m)
    assert pi.net_size_lower(m, eps) <= V.shape[0]
    assert np.all(np.linalg.norm(V, axis=1) <= 1 + 1e-12)
    U = pi.ball_uniform(np.random.default_rng(0), 3000, m)
    U[:100] /= np.linalg.norm(U[:100], axis=1, keepdims=True)          # the sphere too
    dist = np.min(np.linalg.norm(U[:, None, :] - V[None, :, :], axis=2), axis=1)
    assert dist.max() <= eps


def test_net_size_small_cases():
    # m = 1, eps = 1/2: h = 1, radius 3/2: the points -1, 0, 1
    assert pi.net_size(1, 0.5) == 3
    # m = 2, eps = 1/2: h = 1/sqrt(2), k in Z^2 with |k|^2 <= 4.5: 1 + 4 + 4 + 4 = 13
    assert pi.net_size(2, 0.5) == 13
    assert pi.jl_dim(0.5) == 4 and pi.jl_dim(0.4) == 7 and pi.poly_degree(1 / 3) == 3


# -- the learners -----------------------------------------------------------------------------------

def test_proper_learner_is_proper_and_accurate(easy):
    h = pi.proper_relu(easy.X, easy.y, 0.5, seed=1)
    assert h.W.shape == (1, 2) and list(h.a) == [1]
    assert np.linalg.norm(h.W) <= 1                                   # proper: a bounded-weight ReLU
    assert h.info["m"] == 4 and h.info["net_size"] == pi.net_size(4, 0.5)
    assert pi.square_loss(h, easy.X_test, easy.y_test) < 0.02          # labels' second moment ~ 1/8
    assert pi.square_loss(h, easy.X, easy.y) == pytest.approx(h.info["train_loss"])


def test_proper_sum_learner_k2_fits_a_difference_of_relus():
    inst = pi.make_instance(d=2, n=400, n_test=800, seed=5, k=2)
    g = pi.proper_relu_sum(inst.X, inst.y, 0.6, 2, seed=2)
    assert g.W.shape == (2, 2) and set(np.abs(g.a)) == {1.0}
    assert np.all(np.linalg.norm(g.W, axis=1) <= 1)
    assert pi.square_loss(g, inst.X, inst.y) == pytest.approx(g.info["train_loss"])
    base = float(np.mean(inst.y_test ** 2))
    assert pi.square_loss(g, inst.X_test, inst.y_test) < base / 3
    one = pi.proper_relu_sum(inst.X, inst.y, 0.6, 1, seed=2)
    assert one.W.shape == (1, 2) and one.info["train_loss"] >= g.info["train_loss"] - 1e-12


def test_proper_sum_learner_any_k_is_the_exhaustive_minimum():
    """k = 3: the vectorised search equals a plain loop over every multiset and sign vector of the same net,
    and a third unit never costs on training data."""
    import itertools
    inst = pi.make_instance(d=2, n=120, n_test=50, seed=6, k=3)
    g3 = pi.proper_relu_sum(inst.X, inst.y, 0.8, 3, seed=3)
    g2 = pi.proper_relu_sum(inst.X, inst.y, 0.8, 2, seed=3)
    assert g3.W.shape == (3, 2) and g3.info["train_loss"] <= g2.info["train_loss"] + 1e-12
    assert g3.info["combinations"] == math.comb(g3.info["net_size"] + 2, 3)
    m, P, W = pi._candidates(2, 0.8, pi._rng(3, None), max(pi.NET_BUDGET, g3.info["net_size"]), pi.JL_C)
    A = np.maximum(inst.X @ W.T, 0.0)
    best = min(float(np.sum((sum(s * A[:, j] for s, j in zip(sg, c)) - inst.y) ** 2))
               for c in itertools.combinations_with_replacement(range(len(W)), 3)
               for sg in itertools.product((1.0, -1.0), repeat=3))
    assert g3.info["train_loss"] * len(inst.y) == pytest.approx(best, rel=1e-9)
    assert pi.square_loss(g3, inst.X, inst.y) == pytest.approx(g3.info["train_loss"])


def test_improper_learner_is_accurate_and_not_a_relu(easy):
    p = pi.improper_poly(easy.X, easy.y, 0.25)
    assert p.degree == 4 and p.n_features == math.comb(6, 4) == 15
    assert pi.square_loss(p, easy.X_test, easy.y_test) < 0.002
    # not x -> ReLU(w . x): a ReLU is >= 0 and positively homogeneous; the polynomial is neither
    Z = pi.ball_uniform(np.random.default_rng(1), 500, 2) / 2
    vals, twice = p(Z), p(2 * Z)
    assert vals.min() < 0 or np.max(np.abs(twice - 2 * vals)) > 1e-3
    assert np.max(np.abs(twice - 2 * vals)) > 1e-3


def test_agnostic_instance_learners_approach_the_best():
    inst = pi.make_instance(d=2, n=1500, n_test=1500, seed=2, noise=0.1)
    best = inst.best_test
    h = pi.proper_relu(inst.X, inst.y, 0.45, seed=0)
    p = pi.improper_poly(inst.X, inst.y, 0.25)
    assert pi.square_loss(h, inst.X_test, inst.y_test) < best + 0.02
    assert pi.square_loss(p, inst.X_test, inst.y_test) < best + 0.005


# -- bad arguments ----------------------------------------------------------------------------------

def _one_line(excinfo):
    msg = str(excinfo.value)
    assert msg and "\n" not in msg
    return msg


@pytest.mark.parametrize("eps", [0, 1, -0.1, 1.5, float("nan"), "x"])
def test_eps_outside_the_open_unit_interval(easy, eps):
    for call in (lambda: pi.proper_relu(easy.X, easy.y, eps), lambda: pi.improper_poly(easy.X, easy.y, eps),
                 lambda: pi.proper_relu_sum(easy.X, easy.y, eps, 2), lambda: pi.measure([eps], 2, 10)):
        with pytest.raises(InputError) as e:
            call()
        assert "eps" in _one_line(e)


@pytest.mark.parametrize("kw", [{"d": 0}, {"n": 0}, {"d": -1}, {"n": 2.5}, {"d": True}])
def test_bad_dimension_or_sample_size(kw):
    args = {"d": 2, "n": 10} | kw
    for call in (lambda: pi.make_instance(args["d"], args["n"], seed=0),
                 lambda: pi.measure([0.5], args["d"], args["n"])):
        with pytest.raises(InputError) as e:
            call()
        _one_line(e)


def test_empty_or_misshapen_data():
    with pytest.raises(InputError) as e:
        pi.proper_relu(np.zeros((0, 2)), np.zeros(0), 0.5)
    _one_line(e)
    with pytest.raises(InputError) as e:
        pi.improper_poly(np.zeros((3, 2)), np.zeros(4), 0.5)
    _one_line(e)


def test_budget_exceeded_up_front(easy, monkeypatch):
    def boom(*a, **k):  # nothing may be enumerated or fitted once the size is known to be over
        raise AssertionError("enumerated past the budget")
    monkeypatch.setattr(pi, "_candidates", boom)
    monkeypatch.setattr(pi, "_multi_indices", boom)
    for call in (lambda: pi.proper_relu(easy.X, easy.y, 0.1),                      # m = 100: > 10^100 points
                 lambda: pi.proper_relu(easy.X, easy.y, 0.5, budget=100),          # 425 points
                 lambda: pi.proper_relu_sum(easy.X, easy.y, 0.45, 2, budget=10**6)):  # 2863 points, 4.1e6 pairs
        with pytest.raises(InputError) as e:
            call()
        assert "budget" in _one_line(e)
    with pytest.raises(InputError) as e:
        pi.improper_poly(np.zeros((5, 20)), np.zeros(5), 0.1, max_features=1000)  # C(30, 10) features
    assert "budget" in _one_line(e)
    with pytest.raises(InputError) as e:
        pi.proper_relu_sum(easy.X, easy.y, 0.5, 3)
    _one_line(e)


# -- the harness ------------------------------------------------------------------------------------

def test_measure_rows_and_fits():
    M = pi.measure([0.8, 0.6, 0.5, 0.45, 0.3, 0.25], d=3, n=300, seed=1, n_test=300, budget=5000,
                   max_features=40)
    assert [r["eps"] for r in M.rows] == [0.8, 0.6, 0.5, 0.45, 0.3, 0.25]
    done = [r for r in M.rows if r["proper_time"] is not None]
    assert [r["eps"] for r in done] == [0.8, 0.6, 0.5, 0.45]                  # m = 12 at 0.3: skipped
    assert all(r["proper_norm"] <= 1 and r["proper_size"] == pi.net_size(r["m"], r["eps"]) for r in done)
    skipped = M.rows[4]
    assert skipped["proper_excess"] is None and skipped["proper_size"] > 5000
    assert [r["improper_features"] for r in M.rows] == [10, 10, 10, 20, 35, 35]
    assert all(r["improper_excess"] is not None and r["improper_excess"] >= -1e-12 for r in M.rows)
    f = M.fits["proper_size_vs_inv_eps2"]
    assert f["points"] == 4 and f["slope"] > 0
    assert M.fits["improper_time_vs_inv_eps"]["points"] == 6
    again = pi.measure([0.8, 0.6, 0.5, 0.45, 0.3, 0.25], d=3, n=300, seed=1, n_test=300, budget=5000,
                       max_features=40)
    strip = lambda rows: [{k: v for k, v in r.items() if "time" not in k} for r in rows]  # noqa: E731
    assert strip(again.rows) == strip(M.rows)


def test_measure_k2():
    M = pi.measure([0.8, 0.6], d=2, n=200, seed=0, k=2, n_test=200)
    assert all(r["proper_time"] is not None for r in M.rows)
    for kw in ({"k": 3}, {"budget": 0}, {"max_features": -1}):
        with pytest.raises(InputError) as e:
            pi.measure([0.5], 2, 10, **kw)
        _one_line(e)


def test_fit_log_time_recovers_an_exponent():
    xs = np.array([1.0, 2.0, 3.0, 4.0])
    f = pi.fit_log_time(xs, 0.5 * np.exp(1.5 * xs))
    assert f["slope"] == pytest.approx(1.5) and f["intercept"] == pytest.approx(math.log(0.5))
    assert f["r2"] == pytest.approx(1.0)
    assert math.isnan(pi.fit_log_time([1.0], [2.0])["slope"])
