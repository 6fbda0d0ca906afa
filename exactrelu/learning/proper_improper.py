"""Proper versus improper learning of one bounded-weight ReLU in eps, measured (issue 11, item 6).

Goel, Klivans, Manurangsi and Reichman (ITCS 2021, "Tight Hardness Results for Training Depth-2 ReLU
Networks") prove, under Gap-ETH and a Densest-k-Subgraph hypothesis, that a *proper* learner for the best
bounded-weight ReLU needs time exp(1/eps^2)-type in eps, while the *improper* learner of Goel, Kanade,
Klivans and Thaler (2017, "Reliably learning the ReLU in polynomial time": polynomial / kernel regression of
degree O(1/eps)) runs in 2^{O(1/eps)} * poly.  Only the abstracts of the ITCS paper were available to us, so
every learner below is **our reconstruction** of the shape of the algorithms, with constants of our choosing
(docs/training-hardness-learners.md).  Floats throughout: this is a sweep for tables and plots, no verdict.

Data (:func:`make_instance`).  x uniform in the unit ball of R^d (a Gaussian direction times U^{1/d});
a teacher of k units, rows w*_j uniform on the unit sphere (||w*_j|| = 1), signs a*_j (k = 1: +1;
k = 2: +1, -1 by default); labels y = sum_j a*_j ReLU(w*_j . x) + noise * N(0, 1) (noise = 0: realizable;
noise > 0: agnostic, no ReLU fits the labels exactly).  The "best" loss is the teacher's own test loss.

Learners (every constant is our choice and is a module constant or an argument):

``proper_relu``      random projection P (m x d: a Gaussian matrix orthonormalised, :func:`projection`),
                     m = ceil(JL_C / eps^2);
                     the full grid eps-net of the unit ball of R^m (:func:`ball_net`: spacing
                     2 eps / sqrt(m), the points of radius <= 1 + eps, those outside the unit ball pushed
                     radially onto its sphere); each candidate lifted to w = P^T v (||w|| <= ||v|| <= 1, and
                     clipped to the unit ball against rounding: the output is proper); best empirical
                     square loss.  The net size is counted exactly before anything is enumerated and must
                     fit ``budget`` (else InputError, up front).
``proper_relu_sum``  the same net and lift per unit, any k >= 1 units with output weights in {+1, -1}:
                     every sign pattern and every multiset of k candidates, best empirical loss (for
                     k >= 2 by one Gram matrix of the candidates' activations).  ``budget`` bounds the
                     number of combinations (net size for k = 1, C(N + k - 1, k) for k >= 2).
``improper_poly``    ridge least squares over all polynomials of total degree <= deg = ceil(POLY_C / eps)
                     in the d inputs, in the basis of products of normalised Legendre polynomials (the same
                     span as the monomials, better conditioned); C(d + deg, deg) features, ridge RIDGE.
                     ``max_features`` bounds the feature count (else InputError, up front).

>>> inst = make_instance(d=2, n=400, n_test=400, seed=0)
>>> h = proper_relu(inst.X, inst.y, 0.5, seed=1)
>>> bool(np.linalg.norm(h.W) <= 1), h.info["m"], h.info["net_size"]
(True, 4, 425)
>>> p = improper_poly(inst.X, inst.y, 0.25)
>>> p.degree, p.n_features
(4, 15)
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations_with_replacement, product

import numpy as np

from ..errors import InputError

__all__ = ["JL_C", "POLY_C", "RIDGE", "NET_BUDGET", "FEATURE_BUDGET", "Instance", "ReluSum",
           "PolynomialPredictor", "make_instance", "ball_uniform", "projection", "square_loss", "jl_dim",
           "poly_degree", "net_size", "net_size_lower", "ball_net", "n_poly_features", "proper_relu",
           "proper_relu_sum", "improper_poly", "measure", "fit_log_time", "Measurement"]

#: m = ceil(JL_C / eps^2), the projected dimension of the proper learners (our choice; the JL lemma's
#: constant for n points is O(log n) -- we drop the log n, so m depends on eps only).
JL_C = 1
#: deg = ceil(POLY_C / eps), the degree of the improper learner (our choice; the uniform error of the best
#: degree-deg polynomial approximation of ReLU on [-1, 1] is about 0.14 / deg, Bernstein's constant / 2).
POLY_C = 1
#: Ridge parameter of improper_poly, on the normalised Gram matrix Phi^T Phi / n (our choice).
RIDGE = 1e-6
#: Default budget of the proper learners (candidates, or candidate pairs for k = 2).
NET_BUDGET = 2_000_000
#: Default budget of the improper learner (features).
FEATURE_BUDGET = 2_000
#: Candidates per chunk of the proper learners' loss evaluation (memory: n x CHUNK floats).
CHUNK = 4096


# -- arguments --------------------------------------------------------------------------------------

def _check_eps(eps) -> float:
    try:
        e = float(eps)
    except (TypeError, ValueError):
        raise InputError(f"eps must be a number in (0, 1), got {eps!r}") from None
    if not 0 < e < 1:
        raise InputError(f"eps must lie in (0, 1), got {eps!r}")
    return e


def _check_pos_int(name: str, v) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise InputError(f"{name} must be an integer >= 1, got {v!r}")
    return int(v)


def _check_data(X, y):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise InputError(f"X must be an (n, d) array with n, d >= 1, got shape {X.shape}")
    if y.shape != (X.shape[0],):
        raise InputError(f"y must have shape ({X.shape[0]},), got {y.shape}")
    return X, y


def _rng(seed, rng):
    if rng is not None:
        return rng
    return np.random.default_rng(seed)


def _ceil(x: float) -> int:
    """ceil after rounding to 9 decimals, so that eps = 1/3 gives ceil(1/eps) = 3 despite float error."""
    return math.ceil(round(x, 9))


def jl_dim(eps, C=JL_C) -> int:
    """m = ceil(C / eps^2)."""
    return max(1, _ceil(C / _check_eps(eps) ** 2))


def poly_degree(eps, C=POLY_C) -> int:
    """deg = ceil(C / eps)."""
    return max(1, _ceil(C / _check_eps(eps)))


# -- data -------------------------------------------------------------------------------------------

def ball_uniform(rng, n: int, d: int) -> np.ndarray:
    """n points uniform in the unit ball of R^d (Gaussian direction, radius U^{1/d})."""
    G = rng.standard_normal((n, d))
    G /= np.linalg.norm(G, axis=1, keepdims=True)
    return G * rng.random((n, 1)) ** (1.0 / d)


@dataclass(frozen=True)
class ReluSum:
    """x -> sum_j a_j ReLU(W_j . x): one bounded-weight ReLU (k = 1, a = (1,)) or a depth-2 sum."""
    W: np.ndarray          # (k, d)
    a: np.ndarray          # (k,)
    info: dict = field(default_factory=dict, compare=False)

    def __call__(self, X) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X, dtype=float))
        return np.maximum(X @ self.W.T, 0.0) @ self.a


@dataclass(frozen=True)
class Instance:
    """Training and test data of one synthetic problem and its teacher."""
    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    teacher: ReluSum
    noise: float

    @property
    def best_train(self) -> float:
        return square_loss(self.teacher, self.X, self.y)

    @property
    def best_test(self) -> float:
        return square_loss(self.teacher, self.X_test, self.y_test)


def make_instance(d: int, n: int, n_test: int = 2000, seed=None, *, k: int = 1, noise: float = 0.0,
                  signs=None, rng=None) -> Instance:
    """A synthetic instance (module docstring): realizable for noise = 0, agnostic for noise > 0."""
    d, n, n_test, k = (_check_pos_int(a, v) for a, v in (("d", d), ("n", n), ("n_test", n_test), ("k", k)))
    if not (isinstance(noise, (int, float)) and noise >= 0 and math.isfinite(noise)):
        raise InputError(f"noise must be a finite number >= 0, got {noise!r}")
    if signs is None:
        signs = [1.0] if k == 1 else [(-1.0) ** j for j in range(k)]
    a = np.asarray(signs, dtype=float)
    if a.shape != (k,) or not np.all(np.abs(a) == 1):
        raise InputError(f"signs must be k = {k} entries in {{+1, -1}}, got {signs!r}")
    rng = _rng(seed, rng)
    W = rng.standard_normal((k, d))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    teacher = ReluSum(W, a)
    X, X_test = ball_uniform(rng, n, d), ball_uniform(rng, n_test, d)
    y = teacher(X) + noise * rng.standard_normal(n)
    y_test = teacher(X_test) + noise * rng.standard_normal(n_test)
    return Instance(X, y, X_test, y_test, teacher, float(noise))


def square_loss(h, X, y) -> float:
    """Mean square loss (1/n) sum (h(x_i) - y_i)^2."""
    return float(np.mean((h(X) - np.asarray(y, dtype=float)) ** 2))


# -- the eps-net ------------------------------------------------------------------------------------

def _grid(m: int, eps: float):
    """Integer radius^2 R2 of the lattice points k with h |k| <= 1 + eps, h = 2 eps / sqrt(m) (exact)."""
    e = Fraction(eps)
    return (1 + e) ** 2 * m // (4 * e * e)


def net_size_lower(m: int, eps) -> float:
    """vol(B_m) / h^m, a lower bound on the net size (the unit cells of the net's points cover B_m)."""
    eps = _check_eps(eps)
    logv = (m / 2) * math.log(math.pi) - math.lgamma(m / 2 + 1) - m * math.log(2 * eps / math.sqrt(m))
    return math.exp(min(logv, 700.0))


def net_size(m: int, eps, budget: int | None = None) -> int:
    """The exact number of points of :func:`ball_net` (an integer DP over squared norms).

    With ``budget``, raises InputError up front if even :func:`net_size_lower` exceeds it."""
    m = _check_pos_int("m", m)
    eps = _check_eps(eps)
    if budget is not None and net_size_lower(m, eps) > budget:
        raise InputError(f"the eps-net of the unit ball of R^{m} at eps = {eps:g} has at least "
                         f"{net_size_lower(m, eps):.3g} points, over the budget {budget}")
    R2 = int(_grid(m, eps))
    K = math.isqrt(R2)
    one = np.zeros(R2 + 1, dtype=object)
    for k in range(-K, K + 1):
        one[k * k] += 1
    cnt = np.zeros(R2 + 1, dtype=object)
    cnt[0] = 1
    for _ in range(m):
        cnt = np.convolve(cnt, one)[:R2 + 1]
    total = int(sum(cnt))
    if budget is not None and total > budget:
        raise InputError(f"the eps-net of the unit ball of R^{m} at eps = {eps:g} has {total} points, "
                         f"over the budget {budget}")
    return total


def ball_net(m: int, eps, budget: int = NET_BUDGET) -> np.ndarray:
    """An eps-net of the unit ball of R^m inside the ball: (N, m) float array, N = net_size(m, eps).

    The points h k (k in Z^m, h = 2 eps / sqrt(m)) with h |k| <= 1 + eps, those of norm > 1 pushed
    radially onto the unit sphere.  Every u in the ball is within h sqrt(m) / 2 = eps of its nearest grid
    point g (|g| <= 1 + eps), and pushing g onto the ball (a projection onto a convex set) moves it no
    farther from u."""
    N = net_size(m, eps, budget)
    R2 = int(_grid(m, eps))
    K = math.isqrt(R2)
    ks = np.arange(-K, K + 1, dtype=np.int64)
    pts = np.zeros((1, 0), dtype=np.int8)
    sq = np.zeros(1, dtype=np.int64)
    for _ in range(m):
        tot = sq[:, None] + (ks * ks)[None, :]
        i, j = np.nonzero(tot <= R2)
        pts = np.concatenate([pts[i], ks[j].astype(np.int8)[:, None]], axis=1)
        sq = tot[i, j]
    assert pts.shape[0] == N
    h = 2 * float(eps) / math.sqrt(m)
    V = pts.astype(float) * h
    nrm = np.linalg.norm(V, axis=1, keepdims=True)
    return V / np.maximum(nrm, 1.0)


# -- proper learners --------------------------------------------------------------------------------

def projection(rng, m: int, d: int) -> np.ndarray:
    """The (m, d) random projection: a Gaussian matrix orthonormalised (QR, signs fixed by diag(R) > 0).

    m < d: orthonormal rows, the projection onto a uniformly random m-dimensional subspace (the
    Johnson-Lindenstrauss map without its scale sqrt(d / m)); m >= d: orthonormal columns, a random
    isometric embedding (P^T P = I_d).  Either way ||P^T v|| <= ||v||, so lifting the unit ball of R^m
    by P^T stays in the unit ball of R^d: the learner is proper without rescaling."""
    G = rng.standard_normal((max(m, d), min(m, d)))
    Q, R = np.linalg.qr(G)
    Q = Q * np.sign(np.where(np.diag(R) == 0, 1.0, np.diag(R)))
    return Q if m >= d else Q.T


def _candidates(d: int, eps: float, rng, budget_net: int, C):
    """The lifted, clipped candidates W (N, d) and the projection P (m, d)."""
    m = jl_dim(eps, C)
    P = projection(rng, m, d)
    V = ball_net(m, eps, budget_net)
    W = V @ P
    W /= np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1.0)
    return m, P, W


def _activations(X, W):
    """Column blocks of relu(X W^T) (n, c)."""
    for s in range(0, W.shape[0], CHUNK):
        Z = X @ W[s:s + CHUNK].T
        np.maximum(Z, 0.0, out=Z)
        yield s, Z


def proper_relu(X, y, eps, seed=None, *, rng=None, budget: int = NET_BUDGET, C=JL_C,
                clock=None) -> ReluSum:
    """The proper learner for one bounded-weight ReLU (module docstring); ``info`` holds m, net_size, time_s."""
    clock = clock or time.perf_counter
    t0 = clock()
    X, y = _check_data(X, y)
    eps = _check_eps(eps)
    budget = _check_pos_int("budget", budget)
    n, d = X.shape
    net_size(jl_dim(eps, C), eps, budget)              # up front: raises before anything is drawn
    m, P, W = _candidates(d, eps, _rng(seed, rng), budget, C)
    yy = float(y @ y)
    best, arg = math.inf, 0
    for s, A in _activations(X, W):
        L = np.einsum("ij,ij->j", A, A) - 2.0 * (y @ A) + yy
        j = int(np.argmin(L))
        if L[j] < best:
            best, arg = float(L[j]), s + j
    info = {"m": m, "net_size": W.shape[0], "train_loss": best / n, "time_s": clock() - t0}
    return ReluSum(W[arg:arg + 1].copy(), np.ones(1), info)


def proper_relu_sum(X, y, eps, k: int = 2, seed=None, *, rng=None, budget: int = NET_BUDGET,
                    C=JL_C, clock=None) -> ReluSum:
    """The proper learner for k bounded-weight units with output weights in {+1, -1}: every multiset of k
    candidates of the net (for k >= 3 as arrays of index tuples), every sign vector, best training loss."""
    clock = clock or time.perf_counter
    t0 = clock()
    X, y = _check_data(X, y)
    eps = _check_eps(eps)
    k = _check_pos_int("k", k)
    budget = _check_pos_int("budget", budget)
    n, d = X.shape
    m = jl_dim(eps, C)
    N = net_size(m, eps, budget if k == 1 else None)
    combos = math.comb(N + k - 1, k)                    # multisets of k candidates
    if k >= 2 and combos > budget:
        raise InputError(f"k = {k} units over an eps-net of {N} points (m = {m}, eps = {eps:g}) give "
                         f"{combos} {'pairs' if k == 2 else 'multisets'}, over the budget {budget}")
    m, P, W = _candidates(d, eps, _rng(seed, rng), max(budget, N), C)
    A = np.maximum(X @ W.T, 0.0)                       # (n, N)
    q = np.einsum("ij,ij->j", A, A)                   # |A_j|^2
    r = y @ A                                          # y . A_j
    yy = float(y @ y)
    if k == 1:
        L = np.stack([q - 2 * r + yy, q + 2 * r + yy])  # signs +1, -1
        s, j = np.unravel_index(int(np.argmin(L)), L.shape)
        Wout, a, best = W[[j]], np.array([1.0 - 2 * s]), float(L[s, j])
    elif k >= 3:
        G = A.T @ A
        idx = np.array(list(combinations_with_replacement(range(N), k)), dtype=np.int64).reshape(-1, k)
        best, Wout, a = math.inf, None, None
        for s_ in product((1.0, -1.0), repeat=k):
            L = np.full(len(idx), yy)
            for u in range(k):
                L -= 2 * s_[u] * r[idx[:, u]]
                for v in range(k):
                    L += s_[u] * s_[v] * G[idx[:, u], idx[:, v]]
            t = int(np.argmin(L))
            if L[t] < best:
                best, Wout, a = float(L[t]), W[idx[t]], np.array(s_)
    else:
        G = A.T @ A
        best, Wout, a = math.inf, None, None
        iu = np.triu_indices(N)
        for s1, s2 in ((1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)):
            # |s1 A_i + s2 A_j - y|^2 = q_i + q_j + 2 s1 s2 G_ij - 2 s1 r_i - 2 s2 r_j + yy
            L = (q - 2 * s1 * r)[:, None] + (q - 2 * s2 * r)[None, :] + 2 * s1 * s2 * G + yy
            t = int(np.argmin(L[iu]))
            i, j = int(iu[0][t]), int(iu[1][t])
            if L[i, j] < best:
                best, Wout, a = float(L[i, j]), W[[i, j]], np.array([s1, s2])
    info = {"m": m, "net_size": N, "combinations": combos,
            "train_loss": best / n, "time_s": clock() - t0}
    return ReluSum(Wout.copy(), a, info)


# -- the improper learner ---------------------------------------------------------------------------

def n_poly_features(d: int, deg: int) -> int:
    """C(d + deg, deg): the polynomials of total degree <= deg in d variables."""
    return math.comb(d + deg, deg)


def _multi_indices(d: int, deg: int) -> np.ndarray:
    """All alpha in N^d with |alpha| <= deg, (F, d), graded."""
    rows = []
    for t in range(deg + 1):
        for c in combinations_with_replacement(range(d), t):
            a = [0] * d
            for i in c:
                a[i] += 1
            rows.append(a)
    return np.array(rows, dtype=np.int64).reshape(-1, d)


def _legendre(X, deg):
    """L[:, i, j] = sqrt(2j + 1) P_j(x_i) (Legendre, orthonormal on [-1, 1] for dx / 2)."""
    n, d = X.shape
    L = np.empty((n, d, deg + 1))
    L[:, :, 0] = 1.0
    if deg >= 1:
        L[:, :, 1] = X
    for j in range(1, deg):
        L[:, :, j + 1] = ((2 * j + 1) * X * L[:, :, j] - j * L[:, :, j - 1]) / (j + 1)
    L *= np.sqrt(2 * np.arange(deg + 1) + 1.0)
    return L


@dataclass(frozen=True)
class PolynomialPredictor:
    """x -> sum_alpha c_alpha prod_i sqrt(2 alpha_i + 1) P_{alpha_i}(x_i): a polynomial, not a ReLU."""
    alpha: np.ndarray      # (F, d) multi-indices
    coef: np.ndarray       # (F,)
    degree: int
    info: dict = field(default_factory=dict, compare=False)

    @property
    def n_features(self) -> int:
        return int(self.alpha.shape[0])

    def features(self, X) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X, dtype=float))
        L = _legendre(X, self.degree)
        Phi = np.ones((X.shape[0], self.n_features))
        for i in range(X.shape[1]):
            Phi *= L[:, i, self.alpha[:, i]]
        return Phi

    def __call__(self, X) -> np.ndarray:
        return self.features(X) @ self.coef


def improper_poly(X, y, eps, *, degree: int | None = None, ridge: float = RIDGE,
                  max_features: int = FEATURE_BUDGET, C=POLY_C, clock=None) -> PolynomialPredictor:
    """Ridge polynomial regression of degree ceil(C / eps) (or ``degree``); deterministic."""
    clock = clock or time.perf_counter
    t0 = clock()
    X, y = _check_data(X, y)
    eps = _check_eps(eps)
    deg = poly_degree(eps, C) if degree is None else _check_pos_int("degree", degree)
    max_features = _check_pos_int("max_features", max_features)
    n, d = X.shape
    F = n_poly_features(d, deg)
    if F > max_features:
        raise InputError(f"degree {deg} in d = {d} has C({d + deg}, {deg}) = {F} features, "
                         f"over the budget {max_features}")
    alpha = _multi_indices(d, deg)
    p0 = PolynomialPredictor(alpha, np.zeros(F), deg)
    Phi = p0.features(X)
    Gm = Phi.T @ Phi / n
    Gm[np.diag_indices(F)] += ridge
    coef = np.linalg.solve(Gm, Phi.T @ y / n)
    p = PolynomialPredictor(alpha, coef, deg)
    info = {"degree": deg, "n_features": F, "train_loss": float(np.mean((Phi @ coef - y) ** 2)),
            "time_s": clock() - t0}
    return PolynomialPredictor(alpha, coef, deg, info)


# -- the harness ------------------------------------------------------------------------------------

def fit_log_time(xs, ts) -> dict:
    """Least squares log(t) = a + b x: {"slope": b, "intercept": a, "r2": ..., "points": n}."""
    xs, ts = np.asarray(xs, dtype=float), np.asarray(ts, dtype=float)
    if len(xs) < 2 or np.ptp(xs) == 0:
        return {"slope": float("nan"), "intercept": float("nan"), "r2": float("nan"), "points": len(xs)}
    lt = np.log(ts)
    b, a = np.polyfit(xs, lt, 1)
    res = lt - (a + b * xs)
    tot = float(np.sum((lt - lt.mean()) ** 2))
    r2 = 1.0 - float(res @ res) / tot if tot > 0 else float("nan")
    return {"slope": float(b), "intercept": float(a), "r2": r2, "points": int(len(xs))}


@dataclass
class Measurement:
    """Rows (one per eps) and fits of :func:`measure`."""
    rows: list
    fits: dict
    params: dict


def measure(eps_list, d: int, n: int, seed: int = 0, *, k: int = 1, noise: float = 0.0,
            n_test: int = 2000, budget: int = NET_BUDGET, max_features: int = FEATURE_BUDGET,
            C_jl=JL_C, C_poly=POLY_C, clock=None) -> Measurement:
    """Per eps: each learner's excess test loss over the teacher's, time, net size / feature count; fits.

    One instance (seeded) for all eps and learners.  The proper learner is ``proper_relu`` for k = 1 and
    ``proper_relu_sum`` for k = 2 (projection seed: ``seed + 1``); an eps whose net (or feature count)
    exceeds its budget is skipped for that learner (size reported, time None).  Fits, by least squares
    over the learners' measured eps: log time and log size against 1/eps^2 (proper) and 1/eps (improper),
    log size against log(1/eps) / eps^2 (the shape (1/eps)^{O(1/eps^2)}), and, for comparison, both
    times against log(1/eps) (a polynomial in 1/eps).  ``clock``: the learners' clock (default
    time.perf_counter; the benchmark passes time.process_time)."""
    eps_list = [_check_eps(e) for e in eps_list]
    if not eps_list:
        raise InputError("eps_list must not be empty")
    d, n, k = _check_pos_int("d", d), _check_pos_int("n", n), _check_pos_int("k", k)
    budget, max_features = _check_pos_int("budget", budget), _check_pos_int("max_features", max_features)
    if k > 2:
        raise InputError(f"measure runs k in {{1, 2}} units, got k = {k}")
    inst = make_instance(d, n, n_test, seed, k=k, noise=noise)
    best = inst.best_test
    rows = []
    for eps in eps_list:
        row = {"eps": eps, "best_test": best}
        m = jl_dim(eps, C_jl)
        row["m"] = m
        try:
            if k == 1:
                h = proper_relu(inst.X, inst.y, eps, seed + 1, budget=budget, C=C_jl, clock=clock)
            else:
                h = proper_relu_sum(inst.X, inst.y, eps, k, seed + 1, budget=budget, C=C_jl, clock=clock)
            row.update(proper_size=h.info["net_size"], proper_time=h.info["time_s"],
                       proper_excess=square_loss(h, inst.X_test, inst.y_test) - best,
                       proper_norm=float(np.max(np.linalg.norm(h.W, axis=1))))
        except InputError:
            row.update(proper_size=net_size_lower(m, eps), proper_time=None, proper_excess=None,
                       proper_norm=None)
        deg = poly_degree(eps, C_poly)
        row["degree"] = deg
        try:
            p = improper_poly(inst.X, inst.y, eps, max_features=max_features, C=C_poly, clock=clock)
            row.update(improper_features=p.n_features, improper_time=p.info["time_s"],
                       improper_excess=square_loss(p, inst.X_test, inst.y_test) - best)
        except InputError:
            row.update(improper_features=n_poly_features(d, deg), improper_time=None, improper_excess=None)
        rows.append(row)
    P = [r for r in rows if r["proper_time"] is not None]
    Q = [r for r in rows if r["improper_time"] is not None]
    fits = {
        "proper_time_vs_inv_eps2": fit_log_time([1 / r["eps"] ** 2 for r in P], [r["proper_time"] for r in P]),
        "proper_size_vs_inv_eps2": fit_log_time([1 / r["eps"] ** 2 for r in P], [r["proper_size"] for r in P]),
        "proper_time_vs_log_inv_eps": fit_log_time([-math.log(r["eps"]) for r in P],
                                                   [r["proper_time"] for r in P]),
        "proper_size_vs_inv_eps2_log": fit_log_time([-math.log(r["eps"]) / r["eps"] ** 2 for r in P],
                                                    [r["proper_size"] for r in P]),
        "improper_time_vs_inv_eps": fit_log_time([1 / r["eps"] for r in Q], [r["improper_time"] for r in Q]),
        "improper_features_vs_inv_eps": fit_log_time([1 / r["eps"] for r in Q],
                                                     [r["improper_features"] for r in Q]),
        "improper_time_vs_log_inv_eps": fit_log_time([-math.log(r["eps"]) for r in Q],
                                                     [r["improper_time"] for r in Q]),
    }
    params = {"d": d, "n": n, "n_test": n_test, "seed": seed, "k": k, "noise": noise, "budget": budget,
              "max_features": max_features, "C_jl": C_jl, "C_poly": C_poly, "ridge": RIDGE}
    return Measurement(rows, fits, params)
