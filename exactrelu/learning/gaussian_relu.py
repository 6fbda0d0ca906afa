"""Learning one ReLU under Gaussian marginals to loss O(opt^(2/3)) by thresholding (issue 12, items 3-4).

Setting (Goel, Karmalkar, Klivans, NeurIPS 2019, "Time/Accuracy Tradeoffs for Learning a ReLU with
respect to Gaussian Marginals", arXiv 1911.01462): ReLU_w(x) = max(0, w.x) without bias, ||w|| <= 1,
x ~ N(0, I_d), labels y arbitrary, opt = min_{||w|| <= 1} E[(ReLU_w(x) - y)^2].  The paper's Result 2 is
an efficient algorithm reaching loss O(opt^(2/3)) by a reduction to learning a halfspace with noise
w.r.t. 0/1 loss.  **[R] reconstruction**: every threshold, grid, band schedule and constant below is our
choice; the paper gives the reduction's shape, not these numbers (docs/gaussian-relu.md).

The algorithm (:func:`learn`):

1. threshold the labels, l = sign(y - t) (ties to -1), for every t of a grid (0 and a geometric grid
   standing in for t ~ opt^(1/3), which is unknown); the candidate t is picked by validation loss;
2. key inequality (Markov plus the Gaussian density of w*.x, for w* a minimiser of the loss):
   P[l != sign(w*.x)] <= P(|ReLU(w*.x) - y| > t) + P(0 < w*.x <= 2t) <= opt/t^2 + 2t/(sqrt(2 pi)||w*||);
3. learn the halfspace: ``average`` (the Chow vector w_hat ~ E[l x], normalised) or ``localize``
   (**[R] reconstruction** after Awasthi, Balcan, Long 2017: rounds that restrict the sample to a band
   |w_k.x| <= b_k around the current hyperplane and refit; our step is the band's least squares of l
   on x, w_{k+1} ~ Sigma_band^{-1} E[l x 1_band], with Sigma_band known exactly (the truncated Gaussian
   variance along w_k, 1 across), instead of the paper line's hinge minimisation);
4. the scale in closed form, a = E[ReLU(w_hat.x) y] / E[ReLU(w_hat.x)^2] clipped to [0, 1] (so
   ||a w_hat|| <= 1), and w = 0 as one more candidate; the smallest validation loss wins;
5. loss <= 2 opt + 2 E(ReLU(a w_hat.x) - ReLU(w*.x))^2 = 2 opt + O(||w*||^2 angle^2) = O(opt^(2/3)).

Instances (:func:`planted`, :func:`parity_embedded`), all seeded and generated in fixed blocks of
``GEN_BLOCK`` rows (one child seed per block), so the data do not depend on the processing chunk:

``random``       y = ReLU(w*.x) with probability 1 - eta, else an independent U[0, 1].  The loss of every
                 w has a closed form (:func:`population_loss`) from E[ReLU(u.x) ReLU(v.x)] =
                 |u||v| (sin th + (pi - th) cos th) / (2 pi); opt is its exact minimum, attained at
                 r* w*/|w*| with r* = (1 - eta)|w*| + eta/sqrt(2 pi) (not at w* itself).
``adversarial``  y = ReLU(w*.x), except y = 1 on R = {u.x > s} & {w*.x < 0}, u a unit vector orthogonal
                 to w*, P(u.x > s) = 2 eta, so P(R) = eta: the adversary turns negatives into positives on
                 one side of a hyperplane orthogonal to the target, which tilts the Chow vector towards u
                 by phi(s).  opt <= L(w*) = eta exactly (the loss is 1 on R and 0 elsewhere); the true opt
                 may be lower (a tilted w trades loss off R against loss on R).
``boundary``     y = ReLU(w*.x), except y = 0 on R = {0 < w*.x/|w*| <= tau} & {u.x > 0} (u orthogonal to w*),
                 P(R) = eta (tau = Phi^{-1}(1/2 + 2 eta), eta < 1/4): the adversary that makes the key
                 inequality tight, a disagreement rate eta ~ tau at a loss opt <= L(w*) =
                 |w*|^2 (eta - tau phi(tau)/2) ~ tau^3 (exact upper bound); the Chow vector tilts by
                 ~ tau/pi, so the excess loss of averaging is ~ angle^2 ~ opt^(2/3).
``none``         y = ReLU(w*.x), opt = 0.
``parity``       (:func:`parity_embedded`) x uniform on {+-1}^d, g ~ N(0, I), z = x * |g| ~ N(0, I_d),
                 y = (1 + chi_S(x) * f)/2 with chi_S the parity on |S| = k (even) coordinates and f = -1
                 with probability eta: y depends on z only through the signs on S, so every Hermite
                 component of degree < k of y vanishes and gradient descent from a random start stalls.

Statistics (:func:`loss_upper_bound`): the loss of a fixed w on a fresh sample of m points with a
one-sided Hoeffding bound on the truncated terms min(l_i, B^2) in [0, B^2] plus an exact Gaussian tail
bound for the truncated part, floats rounded outward and the final sum in mpmath interval arithmetic.
:func:`guarantee_check` decides, per fixed-seed instance, whether the upper end is below C opt^(2/3) +
eps (C, eps, delta are arguments; defaults ``GUARANTEE_C``, ``GUARANTEE_EPS``, ``GUARANTEE_DELTA``).

Memory: the data are float64 arrays n x d (plus the labels); every pass over them runs in chunks of
``CHUNK`` rows, so temporaries stay bounded; :func:`memory_needed` is checked against ``memory_limit``
up front (InputError naming the limit).

>>> inst = planted(d=5, n=20000, noise="random", eta=0.1, seed=1)
>>> fit = learn(inst.X, inst.y)
>>> bool(angle(fit.w, inst.w_star) < 0.1), round(inst.opt, 4)
(True, 0.0416)
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..errors import InputError

__all__ = ["CHUNK", "GEN_BLOCK", "MEMORY_LIMIT", "T_GRID", "GUARANTEE_C", "GUARANTEE_EPS",
           "GUARANTEE_DELTA", "NOISES", "Instance", "Fit", "guarantee_row", "memory_needed", "check_memory", "planted",
           "parity_embedded", "relu_kernel", "relu_kernel_quadrature", "population_loss", "opt_random",
           "angle", "empirical_loss", "learn", "chow", "localize", "fit_scale", "loss_upper_bound",
           "guarantee_check", "gd_baseline", "key_inequality_bound"]

#: rows per processing chunk (memory of the temporaries ~ 8 * CHUNK * (d + candidates) bytes)
CHUNK = 65536
#: rows per generation block (one child seed each): the data do not depend on CHUNK
GEN_BLOCK = 65536
#: default memory limit for the data and the temporaries, in bytes (our choice: 4 GiB)
MEMORY_LIMIT = 4 * 2 ** 30
#: threshold grid: 0 and a geometric grid in [0.02, 0.6] ([R] reconstruction; t ~ opt^(1/3) unknown)
T_GRID = (0.0, 0.02, 0.04, 0.07, 0.1, 0.15, 0.2, 0.3, 0.45, 0.6)
#: guarantee_check defaults (our choice): loss <= C opt^(2/3) + eps with confidence 1 - delta per instance
GUARANTEE_C = 2.0
GUARANTEE_EPS = 0.05
GUARANTEE_DELTA = 0.01
NOISES = ("none", "random", "adversarial", "boundary")

_SQRT2PI = math.sqrt(2 * math.pi)


# ----------------------------------------------------------------------------------------------- checks

def _int(name, v, lo=1):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
        raise InputError(f"{name} must be an integer >= {lo}, got {v!r}")
    return int(v)


def _unit_interval(name, v, hi=1.0):
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number in [0, {hi:g}], got {v!r}") from None
    if not (0.0 <= f <= hi):
        raise InputError(f"{name} must be in [0, {hi:g}], got {v!r}")
    return f


def memory_needed(n: int, d: int, candidates: int = len(T_GRID)) -> int:
    """Bytes for n x d float64 data, the labels, and the chunk temporaries of one pass."""
    return 8 * n * (d + 2) + 8 * min(n, CHUNK) * (3 * d + 4 * candidates + 8)


def check_memory(n: int, d: int, memory_limit: int | None = None, candidates: int = len(T_GRID)) -> None:
    limit = MEMORY_LIMIT if memory_limit is None else memory_limit
    need = memory_needed(n, d, candidates)
    if need > limit:
        raise InputError(f"n = {n}, d = {d} needs {need / 2 ** 30:.2f} GiB, over the memory limit of "
                         f"{limit / 2 ** 30:.2f} GiB (memory_limit)")


def _check_data(X, y):
    if not isinstance(X, np.ndarray) or X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise InputError("X must be a 2-D numpy array with n >= 1 rows and d >= 1 columns")
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise InputError(f"y must have shape ({X.shape[0]},), got {y.shape}")
    if X.dtype != np.float64 or y.dtype != np.float64:
        raise InputError("X and y must be float64")
    return X, y


# ------------------------------------------------------------------------------------------- instances

@dataclass
class Instance:
    """A seeded data set with its population facts.  ``opt`` is exact (closed form) when ``opt_kind`` is
    "exact", an exact upper bound when "upper"; ``w_opt`` attains it."""
    X: np.ndarray
    y: np.ndarray
    w_star: np.ndarray
    noise: str
    eta: float
    seed: int
    opt: float
    opt_kind: str
    w_opt: np.ndarray
    u: np.ndarray | None = None
    s: float | None = None
    S: tuple = ()
    params: dict = field(default_factory=dict)

    def label_tail(self, B: float):
        """An upper bound (mpmath interval) on E[y^2 1{y > B}] for B >= 1 (labels other than
        ReLU(w*.x) are in [0, 1])."""
        if self.noise == "parity":
            return _iv().mpf(0)
        return _gauss_sq_tail(_norm_iv(self.w_star), B, two_sided=False)

    def sample(self, m: int, seed: int) -> "Instance":
        """A fresh sample of m points from the same distribution (same w*, u, S), another seed."""
        if self.noise == "parity":
            return parity_embedded(self.X.shape[1], m, k=len(self.S), eta=self.eta, seed=self.seed,
                                   data_seed=seed)
        return planted(self.X.shape[1], m, noise=self.noise, eta=self.eta, seed=self.seed, data_seed=seed,
                       norm=self.params["norm"])


def _blocks(n):
    for start in range(0, n, GEN_BLOCK):
        yield start, min(n, start + GEN_BLOCK)


def _direction(d, rng):
    v = rng.standard_normal(d)
    return v / np.linalg.norm(v)


def planted(d: int, n: int, *, noise: str = "random", eta: float = 0.1, seed: int = 0,
            data_seed: int | None = None, norm: float = 1.0, memory_limit: int | None = None) -> Instance:
    """A planted ReLU w* (a uniform direction of norm ``norm``) with ``noise`` in NOISES at rate ``eta``;
    ``seed`` fixes w* (and u), ``data_seed`` (default ``seed``) the sample."""
    d = _int("d", d)
    n = _int("n", n)
    if noise not in NOISES:
        raise InputError(f"noise must be one of {', '.join(NOISES)}, got {noise!r}")
    eta = _unit_interval("eta", eta, {"adversarial": 0.5, "boundary": 0.2499}.get(noise, 1.0))
    norm = float(norm)
    if not (0.0 < norm <= 1.0):
        raise InputError(f"norm must be in (0, 1], got {norm!r}")
    if noise in ("adversarial", "boundary") and d < 2:
        raise InputError("the adversarial model needs d >= 2 (u is orthogonal to w*)")
    check_memory(n, d, memory_limit)
    rng = np.random.default_rng([_int("seed", seed, 0), 12])
    w_star = _direction(d, rng) * norm
    u = s = None
    if noise in ("adversarial", "boundary"):
        u = rng.standard_normal(d)
        u -= (u @ w_star) / (w_star @ w_star) * w_star
        u /= np.linalg.norm(u)
        from scipy.stats import norm as _N
        s = (float(_N.isf(2 * eta)) if eta > 0 else math.inf) if noise == "adversarial" else \
            float(_N.ppf(0.5 + 2 * eta))
    X = np.empty((n, d))
    y = np.empty(n)
    ds = seed if data_seed is None else _int("data_seed", data_seed, 0)
    root = np.random.SeedSequence([ds, 34])
    kids = root.spawn((n + GEN_BLOCK - 1) // GEN_BLOCK)
    for (a, b), kid in zip(_blocks(n), kids):
        r = np.random.default_rng(kid)
        Xb = r.standard_normal((b - a, d))
        p = Xb @ w_star
        yb = np.maximum(p, 0.0)
        if noise == "random":
            flip = r.random(b - a) < eta
            yb = np.where(flip, r.random(b - a), yb)
        elif noise == "adversarial":
            yb[(Xb @ u > s) & (p < 0)] = 1.0
        elif noise == "boundary":
            yb[(Xb @ u > 0) & (p > 0) & (p <= s * norm)] = 0.0
        X[a:b] = Xb
        y[a:b] = yb
    if noise == "random":
        r_opt = (1 - eta) * norm + eta / _SQRT2PI
        w_opt = w_star / norm * min(1.0, r_opt)
        opt, kind = float(opt_random(norm, eta)), "exact"
    elif noise == "adversarial":
        w_opt, opt, kind = w_star.copy(), eta, "upper"
    elif noise == "boundary":
        w_opt, kind = w_star.copy(), "upper"
        opt = norm ** 2 * (eta - s * math.exp(-s * s / 2) / _SQRT2PI / 2)
    else:
        w_opt, opt, kind = w_star.copy(), 0.0, "exact"
    return Instance(X, y, w_star, noise, eta, seed, opt, kind, w_opt, u, s,
                    params={"d": d, "n": n, "norm": norm, "data_seed": ds})


def parity_embedded(d: int, n: int, *, k: int = 4, eta: float = 0.0, seed: int = 0,
                    data_seed: int | None = None, memory_limit: int | None = None) -> Instance:
    """x uniform on {+-1}^d, z = x |g| ~ N(0, I_d) (returned as X), y = (1 + chi_S(x) flipped w.p.
    eta)/2, |S| = k even, S drawn with ``seed``.  ``w_star`` holds the direction 1_S/sqrt(k) (the
    candidate that sees the parity; not a minimiser we know), ``opt`` = 1/2 = E[y^2] = L(0), an exact
    upper bound on opt (``opt_kind`` "upper"); the exact analysis of this instance is elsewhere
    (docs/gaussian-relu-hermite.md)."""
    d = _int("d", d)
    n = _int("n", n)
    k = _int("k", k)
    if k % 2 or k > d:
        raise InputError(f"k must be even and <= d, got k = {k}, d = {d}")
    eta = _unit_interval("eta", eta)
    check_memory(n, d, memory_limit)
    rng = np.random.default_rng([_int("seed", seed, 0), 56])
    S = tuple(sorted(int(i) for i in rng.choice(d, size=k, replace=False)))
    ds = seed if data_seed is None else _int("data_seed", data_seed, 0)
    kids = np.random.SeedSequence([ds, 78]).spawn((n + GEN_BLOCK - 1) // GEN_BLOCK)
    X = np.empty((n, d))
    y = np.empty(n)
    for (a, b), kid in zip(_blocks(n), kids):
        r = np.random.default_rng(kid)
        signs = np.where(r.random((b - a, d)) < 0.5, -1.0, 1.0)
        X[a:b] = signs * np.abs(r.standard_normal((b - a, d)))
        chi = np.prod(signs[:, S], axis=1)
        chi = np.where(r.random(b - a) < eta, -chi, chi)
        y[a:b] = (1 + chi) / 2
    w_S = np.zeros(d)
    w_S[list(S)] = 1 / math.sqrt(k)
    return Instance(X, y, w_S, "parity", eta, seed, 0.5, "upper", np.zeros(d), S=S,
                    params={"d": d, "n": n, "k": k, "norm": 1.0, "data_seed": ds})


# ----------------------------------------------------------------------------------------- closed forms

def relu_kernel(u, v) -> float:
    """E[ReLU(u.x) ReLU(v.x)] for x ~ N(0, I): |u||v| (sin th + (pi - th) cos th) / (2 pi)."""
    u, v = np.asarray(u, float), np.asarray(v, float)
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if nu == 0 or nv == 0:
        return 0.0
    th = math.acos(max(-1.0, min(1.0, float(u @ v) / (nu * nv))))
    return nu * nv * (math.sin(th) + (math.pi - th) * math.cos(th)) / (2 * math.pi)


def relu_kernel_quadrature(nu: float, nv: float, th: float, dps: int = 30):
    """The same expectation by direct integration (mpmath): in polar coordinates of the plane of u, v,
    (1/2pi) int_0^inf r^3 e^{-r^2/2} dr * int_0^{2pi} ReLU(cos p) ReLU(cos(p - th)) dp, the radial
    integral being 2; the angular one is integrated numerically over the arc where both are positive."""
    import mpmath
    with mpmath.workdps(dps):
        th = mpmath.mpf(th)
        radial = mpmath.quad(lambda r: r ** 3 * mpmath.exp(-r ** 2 / 2), [0, mpmath.inf])
        lo, hi = th - mpmath.pi / 2, mpmath.pi / 2          # cos p > 0 and cos(p - th) > 0
        ang = mpmath.quad(lambda p: mpmath.cos(p) * mpmath.cos(p - th), [lo, hi]) if hi > lo else 0
        return mpmath.mpf(nu) * nv * radial * ang / (2 * mpmath.pi)


def population_loss(w, inst_or_wstar, eta: float | None = None) -> float:
    """Exact population loss of ReLU_w for the ``random`` (or ``none``) model with target w* and rate eta:
    |w|^2/2 - 2(1-eta) K(w, w*) + (1-eta)|w*|^2/2 - eta |w|/sqrt(2 pi) + eta/3."""
    if isinstance(inst_or_wstar, Instance):
        if inst_or_wstar.noise not in ("random", "none"):
            raise InputError(f"no closed-form loss for the {inst_or_wstar.noise} model")
        w_star, eta = inst_or_wstar.w_star, inst_or_wstar.eta
    else:
        w_star = np.asarray(inst_or_wstar, float)
        eta = _unit_interval("eta", 0.0 if eta is None else eta)
    w = np.asarray(w, float)
    nw, ns = float(np.linalg.norm(w)), float(np.linalg.norm(w_star))
    return (nw ** 2 / 2 - 2 * (1 - eta) * relu_kernel(w, w_star) + (1 - eta) * ns ** 2 / 2
            - eta * nw / _SQRT2PI + eta / 3)


def opt_random(norm, eta, iv: bool = False):
    """opt of the random model (|w*| = norm): the minimum over r in [0, 1] of the loss along w*,
    r* = (1 - eta) norm + eta/sqrt(2 pi) (<= 1), opt = r^2/2 - (1-eta) r norm + (1-eta) norm^2/2 - eta r /
    sqrt(2 pi) + eta/3 at r*; with ``iv`` an mpmath interval from the exact rationals of the inputs.
    (Along any other direction the kernel term is smaller: sin th + (pi - th) cos th decreases in th.)"""
    if iv:
        m = _iv()
        s = norm if isinstance(norm, type(m.mpf(0))) else _q(norm)
        e = _q(eta)
        c = 1 / m.sqrt(2 * m.pi)
    else:
        s, e, c = float(norm), float(eta), 1 / _SQRT2PI
    r = (1 - e) * s + e * c
    return r * r / 2 - (1 - e) * r * s + (1 - e) * s * s / 2 - e * r * c + e / 3


def key_inequality_bound(opt: float, t: float, norm: float) -> float:
    """opt/t^2 + 2t/(sqrt(2 pi) norm): the bound on P[sign(y - t) != sign(w*.x)] (float, for tables)."""
    return opt / t ** 2 + 2 * t / (_SQRT2PI * norm)


def angle(u, v) -> float:
    """The angle between u and v in radians (pi/2 if either is 0)."""
    u, v = np.asarray(u, float), np.asarray(v, float)
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    if nu == 0 or nv == 0:
        return math.pi / 2
    return math.acos(max(-1.0, min(1.0, float(u @ v) / (nu * nv))))


# -------------------------------------------------------------------------------------------- learning

def _chunks(n, chunk=None):
    c = CHUNK if chunk is None else chunk
    for a in range(0, n, c):
        yield a, min(n, a + c)


def empirical_loss(X, y, W, rows=None) -> np.ndarray:
    """Mean square loss of ReLU_w for each column w of W (d x T, or a vector), chunked."""
    W = np.asarray(W, float)
    vec = W.ndim == 1
    W = W.reshape(X.shape[1], -1)
    a, b = (0, X.shape[0]) if rows is None else rows
    tot = np.zeros(W.shape[1])
    for i, j in _chunks(b - a):
        P = np.maximum(X[a + i:a + j] @ W, 0.0)
        P -= y[a + i:a + j, None]
        tot += np.einsum("ij,ij->j", P, P)
    out = tot / (b - a)
    return out[0] if vec else out


def chow(X, y, ts, rows) -> np.ndarray:
    """Columns E[sign(y - t) x] over the rows (a, b), one per t in ts (ties y = t count as -1)."""
    a, b = rows
    ts = np.asarray(ts, float)
    out = np.zeros((X.shape[1], len(ts)))
    for i, j in _chunks(b - a):
        L = np.where(y[a + i:a + j, None] > ts[None, :], 1.0, -1.0)
        out += X[a + i:a + j].T @ L
    return out / (b - a)


def _band_var(b: float) -> float:
    """Var of N(0,1) conditioned on |g| <= b: 1 - 2 b phi(b) / (2 Phi(b) - 1)."""
    mass = math.erf(b / math.sqrt(2))
    return 1 - 2 * b * math.exp(-b * b / 2) / _SQRT2PI / mass


def localize(X, y, t, w0, rows, *, rounds: int = 6, b0: float = 1.0, shrink: float = 0.6,
             min_band: int = 2000):
    """[R] reconstruction of localization (after Awasthi, Balcan, Long 2017): round k keeps the rows with
    |w_k.x| <= b_k (b_k = b0 shrink^k, stopping before a band would hold fewer than max(min_band, 20 d)
    rows) and sets w_{k+1} ~ Sigma_band^{-1} E[l x 1_band] (least squares of l = sign(y - t) on x in the
    band; Sigma_band = I except the variance _band_var(b_k) along w_k).  Returns (w, bands used)."""
    a, bnd = rows
    d = X.shape[1]
    w = np.asarray(w0, float) / np.linalg.norm(w0)
    used = []
    for k in range(rounds):
        b = b0 * shrink ** k
        s = np.zeros(d)
        cnt = 0
        for i, j in _chunks(bnd - a):
            Xc = X[a + i:a + j]
            m = np.abs(Xc @ w) <= b
            L = np.where(y[a + i:a + j][m] > t, 1.0, -1.0)
            s += Xc[m].T @ L
            cnt += int(m.sum())
        if cnt < max(min_band, 20 * d):
            break
        s /= cnt
        par = float(s @ w)
        v = s - par * w + (par / _band_var(b)) * w
        nv = np.linalg.norm(v)
        if nv == 0:
            break
        w = v / nv
        used.append((b, cnt))
    return w, used


def fit_scale(X, y, W, rows) -> np.ndarray:
    """Per column w of W (unit vectors): a = sum ReLU(w.x) y / sum ReLU(w.x)^2 clipped to [0, 1]."""
    a, b = rows
    num = np.zeros(W.shape[1])
    den = np.zeros(W.shape[1])
    for i, j in _chunks(b - a):
        P = np.maximum(X[a + i:a + j] @ W, 0.0)
        num += P.T @ y[a + i:a + j]
        den += np.einsum("ij,ij->j", P, P)
    with np.errstate(invalid="ignore", divide="ignore"):
        sc = np.where(den > 0, num / den, 0.0)
    return np.clip(sc, 0.0, 1.0)


@dataclass
class Fit:
    w: np.ndarray
    t: float | None
    method: str
    val_loss: float
    time_s: float
    table: list = field(default_factory=list)
    info: dict = field(default_factory=dict)


def learn(X, y, *, method: str = "average", ts=T_GRID, val_fraction: float = 0.2,
          learner=None, memory_limit: int | None = None, **loc) -> Fit:
    """The algorithm ([R] reconstruction): for each t in ``ts`` a direction (``average``: Chow vector;
    ``localize``: the Chow vector refined by :func:`localize`; ``both``: both candidates), its scale in
    closed form on the training rows, and w = 0; the smallest loss on the last ``val_fraction`` of the
    rows wins.  ``learner`` (a callable (X, y, t, rows) -> direction) replaces the halfspace step (tests
    use it to break the learner).  ``loc``: rounds, b0, shrink, min_band of :func:`localize`.  Every
    step is deterministic given the data."""
    t0 = time.perf_counter()
    X, y = _check_data(X, y)
    n, d = X.shape
    if method not in ("average", "localize", "both"):
        raise InputError(f"method must be average, localize or both, got {method!r}")
    val_fraction = _unit_interval("val_fraction", val_fraction)
    unknown = set(loc) - {"rounds", "b0", "shrink", "min_band"}
    if unknown:
        raise InputError(f"unknown localization options: {', '.join(sorted(unknown))}")
    try:
        ts = [float(t) for t in ts]
    except (TypeError, ValueError):
        raise InputError("ts must be a list of numbers") from None
    if not ts or any(not math.isfinite(t) for t in ts):
        raise InputError("ts must be a non-empty list of finite thresholds")
    check_memory(n, d, memory_limit, candidates=2 * len(ts) + 1)
    n_val = int(round(val_fraction * n))
    if n_val < 1 or n - n_val < 1:
        raise InputError(f"n = {n} is too small to split with val_fraction = {val_fraction}")
    train, val = (0, n - n_val), (n - n_val, n)
    dirs, labels = [], []
    if learner is not None:
        for t in ts:
            dirs.append(np.asarray(learner(X, y, t, train), float))
            labels.append((t, "custom"))
    else:
        C = chow(X, y, ts, train)
        for k, t in enumerate(ts):
            c = C[:, k]
            if np.linalg.norm(c) == 0:
                continue
            if method in ("average", "both"):
                dirs.append(c)
                labels.append((t, "average"))
            if method in ("localize", "both"):
                wl, used = localize(X, y, t, c, train, **loc)
                dirs.append(wl)
                labels.append((t, "localize"))
    W = np.zeros((d, len(dirs) + 1))
    for k, v in enumerate(dirs):
        nv = np.linalg.norm(v)
        W[:, k] = v / nv if nv > 0 else 0.0
    sc = fit_scale(X, y, W[:, :-1], train) if dirs else np.zeros(0)
    W[:, :-1] *= sc[None, :]
    labels.append((None, "zero"))
    vl = empirical_loss(X, y, W, val)
    best = int(np.argmin(vl))
    table = [{"t": t, "method": m, "scale": (float(sc[k]) if k < len(sc) else 0.0), "val_loss": float(vl[k])}
             for k, (t, m) in enumerate(labels)]
    return Fit(W[:, best].copy(), labels[best][0], labels[best][1], float(vl[best]),
               time.perf_counter() - t0, table, {"n_train": train[1], "n_val": n_val})


# ------------------------------------------------------------------------------------- certified bound

def _iv():
    import mpmath
    mpmath.iv.dps = 30
    return mpmath.iv


def _q(x):
    """An mpmath interval enclosing the exact rational x (a Fraction, an int or a float)."""
    m = _iv()
    fr = Fraction(x)
    return m.mpf(fr.numerator) / m.mpf(fr.denominator)


def _norm_iv(w):
    m = _iv()
    sq = sum(Fraction(float(c)) ** 2 for c in np.asarray(w, float))
    return m.sqrt(_q(sq))


def _gauss_sq_tail(sigma, B, two_sided=True):
    """Upper bound on E[(sigma g)^2 1{sigma g > B}] (one-sided) or 1{|sigma g| > B} (two-sided), g ~ N(0,1):
    sigma^2 (c phi(c) + Q(c)) per side, c = B/sigma, with Q(c) <= phi(c)/c (Mills); interval arithmetic."""
    m = _iv()
    if sigma.b == 0:
        return m.mpf(0)
    c = m.mpf(B) / sigma
    phi = m.exp(-c * c / 2) / m.sqrt(2 * m.pi)
    one = sigma * sigma * (c * phi + phi / c)
    return 2 * one if two_sided else one


def loss_upper_bound(w, test: Instance, delta: float, B: float | None = None) -> dict:
    """Upper end of a (1 - delta) confidence bound on E[(ReLU(w.x) - y)^2] from the fresh sample ``test``:
    mean of min(l_i, B^2) (each l_i rounded up for float64 error, the sum by math.fsum and rounded up)
    + B^2 sqrt(ln(1/delta)/(2m)) (one-sided Hoeffding, terms in [0, B^2]) + E[|w.x|^2 1{|w.x|>B}]
    + E[y^2 1{y>B}] (the truncated part: (l - B^2)^+ <= max(ReLU(w.x), y)^2 1{max > B}, both tails exact
    Gaussian bounds).  B >= 1 is chosen from m, delta, |w| and the labels' tail only (never the sample)."""
    delta = _unit_interval("delta", delta)
    if not 0 < delta < 1:
        raise InputError(f"delta must be in (0, 1), got {delta!r}")
    X, y = test.X, test.y
    m, d = X.shape
    w = np.asarray(w, float)
    mp = _iv()
    nw = _norm_iv(w)
    h = mp.sqrt(mp.log(1 / _q(delta)) / (2 * m))

    def extra(Bv):
        return Bv * Bv * h + _gauss_sq_tail(nw, Bv) + test.label_tail(Bv)

    if B is None:
        grid = [1 + 0.25 * i for i in range(41)]
        B = min(grid, key=lambda Bv: float(extra(Bv).b))
    u = 2.0 ** -53
    gam = 2 * (d + 2) * u / (1 - (d + 2) * u)
    tot = []
    absw = np.abs(w)
    for i, j in _chunks(m):
        p = X[i:j] @ w
        err = gam * (np.abs(X[i:j]) @ absw) * (1 + 4 * u)
        hi = np.maximum(p + err, 0.0) - y[i:j]
        lo = np.maximum(p - err, 0.0) - y[i:j]
        dev = np.maximum(np.abs(hi), np.abs(lo)) * (1 + 2 * u)
        term = np.minimum(dev * dev * (1 + 2 * u), B * B)
        tot.append(term)
    s = math.fsum(np.concatenate(tot).tolist())
    s = math.nextafter(s, math.inf)
    mean = mp.mpf(s) / m
    upper = mean + extra(B)
    return {"mean": float(mean.b), "upper": upper, "upper_f": float(upper.b), "B": B, "m": m,
            "hoeffding": float((B * B * h).b)}


def _arb_to_iv(a):
    """An mpmath interval enclosing the python-flint arb ball a (its exact endpoints)."""
    m = _iv()
    ends = []
    for e in (a.lower(), a.upper()):
        man, ex = e.man_exp()
        ends.append(_q(Fraction(int(man)) * Fraction(2) ** int(ex)))
    return m.mpf([ends[0].a, ends[1].b])


def _opt_upper_iv(inst: Instance):
    """The exact upper bound L(w*) as an interval: for the adversarial model P(R) = P(u.x > s)/2 with the
    float s the generator used (python-flint arb, rigorous; = eta up to the rounding of s), for the boundary
    model |w*|^2 (erf(tau/sqrt 2)/4 - tau phi(tau)/2) with the float tau the generator used (python-flint
    arb, rigorous)."""
    import flint
    old = flint.ctx.prec
    flint.ctx.prec = 200
    try:
        sq = sum(Fraction(float(c)) ** 2 for c in inst.w_star)
        s2 = flint.arb(flint.fmpq(sq.numerator, sq.denominator))
        tau = flint.arb(flint.fmpq(*Fraction(inst.s).as_integer_ratio()))
        if inst.noise == "adversarial":   # loss 1 on R: P(u.x > s) / 2 = erfc(s / sqrt 2) / 4
            val = (tau / flint.arb(2).sqrt()).erfc() / 4
        else:
            phi = (-(tau * tau) / 2).exp() / (2 * flint.arb.pi()).sqrt()
            val = s2 * ((tau / flint.arb(2).sqrt()).erf() / 4 - tau * phi / 2)
        return _arb_to_iv(val)
    finally:
        flint.ctx.prec = old


def guarantee_row(inst: Instance, fit: Fit, ub: dict, C: float, eps: float) -> dict:
    """One instance's verdict: held iff the upper end of ``ub`` (:func:`loss_upper_bound`) is <= C opt^(2/3) +
    eps, in mpmath intervals (opt: the exact closed form for random noise and none, else the exact upper
    bound L(w*)).  Returns opt, opt_kind, loss (the closed form where it exists, else the sample mean),
    loss_kind, loss_upper, bound and held."""
    mp = _iv()
    if inst.noise in ("random", "none"):
        opt_iv = opt_random(_norm_iv(inst.w_star), inst.eta, iv=True)
        loss, kind = population_loss(fit.w, inst), "closed form"
    else:
        opt_iv = _opt_upper_iv(inst)
        loss, kind = ub["mean"], "test-sample mean"
    opt_pos = mp.mpf([0, opt_iv.b]) if opt_iv.a < 0 else opt_iv   # opt >= 0
    bound = _q(C) * opt_pos ** (mp.mpf(2) / 3) + _q(eps)
    return {"opt": float(opt_iv.b), "opt_kind": inst.opt_kind, "loss": float(loss), "loss_kind": kind,
            "loss_upper": ub["upper_f"], "bound": float(bound.a), "held": bool(ub["upper"].b <= bound.a)}


def guarantee_check(quick: bool = True, *, C: float = GUARANTEE_C, eps: float = GUARANTEE_EPS,
                    delta: float = GUARANTEE_DELTA, method: str = "average", threshold: float | None = None,
                    learner=None, instances=None) -> list[dict]:
    """Run the algorithm on fixed-seed planted instances and decide, per instance, whether the upper end
    of the (1 - delta) loss bound (:func:`loss_upper_bound`, on a fresh sample) is <= C opt^(2/3) + eps
    (mpmath intervals: held iff upper.b <= bound.a).  opt is exact for the random model and an exact upper
    bound L(w*) for the adversarial and boundary ones (then the check is of a consequence of the theorem:
    opt <= L(w*), so loss <= C opt^(2/3) + eps implies loss <= C L(w*)^(2/3) + eps).
    ``threshold`` forces a single t, ``learner`` replaces the halfspace step (hooks that must break it).
    Returns one dict per instance: loss (closed form where it exists, else the sample mean), ci_upper, opt,
    bound, held, and the parameters.  Quick: d = 8, n = 20000, m = 200000, 8 instances (about 3 s)."""
    C, eps = float(C), float(eps)
    if not (C > 0 and eps >= 0):
        raise InputError(f"C must be > 0 and eps >= 0, got C = {C}, eps = {eps}")
    if instances is None:
        d, n, m = (8, 20000, 200000) if quick else (50, 200000, 1000000)
        instances = [dict(noise="random", eta=e, d=d, n=n, m=m, seed=10 + i)
                     for i, e in enumerate((0.01, 0.05, 0.2))]
        instances += [dict(noise="adversarial", eta=e, d=d, n=n, m=m, seed=20 + i)
                      for i, e in enumerate((0.01, 0.05, 0.2))]
        instances += [dict(noise="boundary", eta=e, d=d, n=n, m=m, seed=30 + i)
                      for i, e in enumerate((0.05, 0.2))]
    out = []
    for spec in instances:
        inst = planted(spec["d"], spec["n"], noise=spec["noise"], eta=spec["eta"], seed=spec["seed"])
        ts = T_GRID if threshold is None else [threshold]
        fit = learn(inst.X, inst.y, method=method, ts=ts, learner=learner)
        test = inst.sample(spec["m"], seed=1000 + spec["seed"])
        ub = loss_upper_bound(fit.w, test, delta)
        row = guarantee_row(inst, fit, ub, C, eps)
        out.append({**spec, "opt": row["opt"], "opt_kind": inst.opt_kind, "loss": row["loss"],
                    "ci_upper": ub["upper_f"], "bound": row["bound"], "held": row["held"], "B": ub["B"],
                    "angle": angle(fit.w, inst.w_star), "t": fit.t, "method": fit.method,
                    "C": C, "eps": eps, "delta": delta})
    return out


# ----------------------------------------------------------------------------------- gradient descent

def gd_baseline(X, y, *, seeds=(0,), steps: int = 300, lr: float = 1.0, batch: int | None = None,
                target: float | None = None, init_scale: float = 0.1, project: bool = True,
                time_limit: float | None = None, record_every: int = 1, clock=time.perf_counter) -> list[dict]:
    """Gradient descent on the empirical square loss of ReLU_w (torch float64, one thread; full batch if
    ``batch`` is None, else minibatches of that size, one per step, sampled with the seed), from
    w0 ~ init_scale N(0, I/d), projected onto ||w|| <= 1 after each step if ``project``.  Per seed: the
    final w, the full-data loss curve (every ``record_every`` steps), and the time (s) at which the
    full-data loss first reached ``target`` (None if never), on ``clock`` (time.process_time for CPU).
    The loss is recorded at every step when ``target`` is given (the forward pass of full-batch GD
    computes it anyway)."""
    from ..torchio import single_thread
    X, y = _check_data(X, y)
    steps = _int("steps", steps)
    n, d = X.shape
    res = []
    with single_thread() as torch:
        Xt = torch.from_numpy(X)
        yt = torch.from_numpy(y)
        for sd in seeds:
            g = torch.Generator().manual_seed(int(sd))
            w = (torch.randn(d, generator=g, dtype=torch.float64) * init_scale / math.sqrt(d))
            curve, hit = [], None
            t0 = clock()
            for k in range(steps + 1):
                if batch is None:
                    p = torch.clamp(Xt @ w, min=0.0)
                    r = p - yt
                    loss = float(r @ r) / n
                    if k % record_every == 0 or k == steps:
                        curve.append((k, clock() - t0, loss))
                    if target is not None and hit is None and loss <= target:
                        hit = clock() - t0
                    if k == steps or (time_limit is not None and clock() - t0 > time_limit):
                        break
                    grad = Xt.T @ (r * (p > 0)) * (2.0 / n)
                else:
                    if k % record_every == 0 or k == steps:
                        loss = _torch_full_loss(Xt, yt, w)
                        curve.append((k, clock() - t0, loss))
                        if target is not None and hit is None and loss <= target:
                            hit = clock() - t0
                    if k == steps or (time_limit is not None and clock() - t0 > time_limit):
                        break
                    idx = torch.randint(0, n, (batch,), generator=g)
                    Xb = Xt[idx]
                    p = torch.clamp(Xb @ w, min=0.0)
                    grad = Xb.T @ ((p - yt[idx]) * (p > 0)) * (2.0 / batch)
                w = w - lr * grad
                if project:
                    nw = float(torch.linalg.vector_norm(w))
                    if nw > 1:
                        w = w / nw
            res.append({"seed": int(sd), "w": w.numpy().copy(), "curve": curve, "final_loss": curve[-1][2],
                        "time_to_target": hit, "time_s": clock() - t0, "steps": curve[-1][0]})
    return res


def _torch_full_loss(Xt, yt, w):
    tot = 0.0
    n = Xt.shape[0]
    for a in range(0, n, CHUNK):
        r = (Xt[a:a + CHUNK] @ w).clamp(min=0.0) - yt[a:a + CHUNK]
        tot += float(r @ r)
    return tot / n
