"""Exact global ERM for sums of k ReLUs with output weights +-1 (untrusted producer).

min over ALL real (unbounded) w_u, b_u, a_u of  L = sum_i (sum_u a_u relu(w_u . x_i + b_u) - y_i)^2,
on rational data, by branch and bound over the arrangement of the hyperplanes z_{u,i} = 0 in
parameter space: every tree node is a cone R of parameters with some signs decided; a split is made
only where both sides have interior (decided by an exact LP, :func:`exactrelu.analysis.lp.lp_max`;
otherwise the sign is *fixed* with the LP's dual as proof), so the leaves are the full-dimensional
closed cells, which cover parameter space.  At a node whose decided points give a lower bound (the
exact convex QP of those points over R, solved by an exact primal active-set method, KKT multipliers
included) at least the best loss found, the subtree is pruned.  The output certificate is replayed
by :mod:`exactrelu.erm_kernel` (format and soundness there and in docs/erm.md).

Convex points: under the sign vectors [+1..+1] and [-1..-1] a point with sg y_i <= 0 has a convex loss
term (sum_u relu(z_u) + |y_i|)^2; it is never branched on but enters every node's bound through the
lifted convex QP (variables s_u >= 0, s_u >= z_u, term (sum_u s_u + |y_i|)^2; repeated points share
their variables with a weight), and its certificate entry is a subgradient (tau_u).  The QP's working
set is guessed in floats and verified exactly (:func:`qp`); a split is found by a reflected interior
point before an LP is tried.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from math import comb

import numpy as np

from ..errors import InputError, LimitReached
from ..erm_kernel import FORMAT, MAX_HYPERPLANES, sorted_signs
from ..numbers import fmt

__all__ = ["ErmResult", "ErmLimit", "erm", "pattern_bound", "convex_points", "qp", "loss", "MAX_PATTERNS"]

MAX_PATTERNS = 200_000
_Z = Fraction(0)


@dataclass
class ErmResult:
    """``exact``: lower == upper == loss, attained by ``params``.  Else ``lower`` (certified, when a
    certificate is given) and ``upper`` (attained by params).  ``params``: {"w": [[...] per unit],
    "b": [...], "a": [+-1 ...]} of Fractions."""
    lower: Fraction
    upper: Fraction | None
    params: dict | None
    certificate: dict | None
    exact: bool
    reason: str | None = None
    stats: dict = field(default_factory=dict)

    @property
    def loss(self):
        return self.upper if self.exact else None

    def params_json(self):
        if self.params is None:
            return None
        p = self.params
        return {"w": [[fmt(v) for v in row] for row in p["w"]], "b": [fmt(v) for v in p["b"]], "a": list(p["a"])}

    def to_json(self) -> dict:
        if self.exact:
            return {"loss": fmt(self.upper), "exact": True, "params": self.params_json()}
        out = {"lower": fmt(self.lower), "upper": None if self.upper is None else fmt(self.upper), "exact": False,
               "params": self.params_json()}
        if self.reason:
            out["reason"] = self.reason
        return out


class ErmLimit(LimitReached):
    """The time limit was reached; ``result`` holds the bounds reached (lower 0: nothing certified)."""

    def __init__(self, msg, result):
        super().__init__(msg)
        self.result = result


# ------------------------------------------------------------------ exact linear algebra
def _rref(M, ncols):
    """Gauss-Jordan elimination of the rows M (lists, changed in place) on their first ncols columns:
    the pivot columns; row i of the result has a 1 in pivot column i and 0 in the other pivot columns."""
    piv, r = [], 0
    for c in range(ncols):
        p = next((i for i in range(r, len(M)) if M[i][c]), None)
        if p is None:
            continue
        M[r], M[p] = M[p], M[r]
        inv = 1 / M[r][c]
        M[r] = [v * inv for v in M[r]]
        for i in range(len(M)):
            if i != r and M[i][c]:
                t = M[i][c]
                M[i] = [a - t * b for a, b in zip(M[i], M[r])]
        piv.append(c)
        r += 1
    return piv


def _flint_rref(rows, ncols):
    """(pivot columns, the reduced rows) by python-flint's fmpq_mat.rref (in C), rows of fmpq."""
    from flint import fmpq_mat
    R, rank = fmpq_mat(len(rows), ncols, [v for r in rows for v in r]).rref()
    out, piv = [], []
    for i in range(rank):
        row = [R[i, j] for j in range(ncols)]
        piv.append(next(j for j, v in enumerate(row) if v))
        out.append(row)
    return piv, out


def _is_fmpq(zero):
    return type(zero).__name__ == "fmpq"


def _solve(rows, rhs, ncols, zero=_Z):
    """A solution of rows . v = rhs (free variables 0), or None when inconsistent."""
    if rows and _is_fmpq(zero):
        piv, R = _flint_rref([list(r) + [b] for r, b in zip(rows, rhs)], ncols + 1)
        if piv and piv[-1] == ncols:
            return None
        v = [zero] * ncols
        for c, row in zip(piv, R):
            v[c] = row[-1]
        return v
    M = [list(r) + [b] for r, b in zip(rows, rhs)]
    piv = _rref(M, ncols)
    if any(M[i][-1] for i in range(len(piv), len(M))):
        return None
    v = [zero] * ncols
    for i, c in enumerate(piv):
        v[c] = M[i][-1]
    return v


def _nullspace(rows, ncols, zero=_Z, one=Fraction(1)):
    """A basis of {p : rows . p = 0}."""
    if rows and _is_fmpq(zero):
        piv, M = _flint_rref([list(r) for r in rows], ncols)
    else:
        M = [list(r) for r in rows]
        piv = _rref(M, ncols)
    basis = []
    for f in (c for c in range(ncols) if c not in piv):
        v = [zero] * ncols
        v[f] = one
        for i, c in enumerate(piv):
            v[c] = -M[i][f]
        basis.append(v)
    return basis


def _dot(a, b):
    return sum((x * y for x, y in zip(a, b) if x and y), _Z)


def qp(A, y, G, N, stop_at=None, warm=None, info=None, weights=None):
    """Exact min of sum_i w_i (A_i . t - y_i)^2 subject to G_j . t <= 0 (a cone: t = 0 is feasible);
    w_i = ``weights`` (default 1).

    Returns (value, t, {j: lambda_j}) with the KKT conditions exact: 2 A^T W (A t - y) + sum lambda_j G_j = 0,
    lambda >= 0, G t <= 0, so value is both attained and the Lagrangian dual bound.  With ``stop_at``,
    returns early (lambda = {}) when the unconstrained least-squares value is already >= stop_at.
    ``warm`` = (t, W): a start point and working set (used only when t is feasible and W tight there);
    ``info``, a dict, receives the final working set as info["W"].

    The working set is first guessed by a float active-set method (numpy) and its KKT system solved
    once exactly; only when the exact solution is infeasible or has a negative multiplier does the
    exact primal active-set method run (from the warm start), so the answer never rests on floats."""
    try:                                          # python-flint's fmpq: the same exact rationals, faster
        from flint import fmpq as Q
    except ImportError:                           # pragma: no cover
        Q = Fraction
    cv = _to_q(Q)
    back = (lambda v: Fraction(int(v.p), int(v.q))) if Q is not Fraction else Fraction
    zero, one = Q(0), Q(1)
    wts = [one] * len(A) if weights is None else [cv(v) for v in weights]
    A = [[cv(v) for v in a] for a in A]
    y = [cv(v) for v in y]
    G = [[cv(v) for v in g] for g in G]
    stop_at = None if stop_at is None else cv(stop_at)
    warm = None if warm is None else ([cv(v) for v in warm[0]], warm[1])
    H, cvec, yy = [[zero] * N for _ in range(N)], [zero] * N, zero
    for a, yi, w in zip(A, y, wts):                # sum_i w_i a_i a_i', sum_i w_i y_i a_i, sum_i w_i y_i^2 (sparse rows)
        nz = [(r, v) for r, v in enumerate(a) if v]
        for r, vr in nz:
            wr = w * vr
            cvec[r] += wr * yi
            row = H[r]
            for c, vc in nz:
                row[c] += wr * vc
        yy += w * yi * yi
    res = None
    if stop_at is not None:                      # the least-squares bound first (lambda = 0)
        t = _solve(H, cvec, N, zero)
        v = _quad(H, cvec, yy, t, zero)
        if v >= stop_at:
            if info is not None:
                info["W"] = []
            res = v, t, {}
    if res is None and Q is not Fraction:
        res = _qp_guess(H, cvec, yy, G, N, warm, info, zero)
    if res is None:
        res = _qp(H, cvec, yy, G, N, warm, info, zero, one)
    return back(res[0]), [back(v) for v in res[1]], {j: back(v) for j, v in res[2].items()}


def _to_q(Q):
    """Conversion to Q (fmpq or Fraction) that passes Q values through."""
    if Q is Fraction:
        return Fraction

    def cv(v):
        t = type(v)
        return v if t is Q else Q(v) if t is int else Q(v.numerator, v.denominator)
    return cv


def _quad(H, cvec, yy, t, zero):
    """t' H t - 2 c' t + yy, the objective."""
    Ht = [sum((h * v for h, v in zip(row, t) if h and v), zero) for row in H]
    return sum((a * b for a, b in zip(t, Ht) if a and b), zero) - 2 * sum((a * b for a, b in zip(cvec, t) if a and b),
                                                                          zero) + yy


def _float_working_set(H, cvec, G, N, warm):
    """A float primal active-set method for min t'Ht - 2c't, G t <= 0: its final working set and point
    (a guess), or None."""
    Hf = np.array([[float(v) for v in row] for row in H]).reshape(N, N)
    cf = np.array([float(v) for v in cvec])
    Gf = np.array([[float(v) for v in g] for g in G]).reshape(len(G), N)
    return _float_active_set(Hf, cf, Gf, None if warm is None else
                             (np.array([float(v) for v in warm[0]]), warm[1]))


def _float_active_set(Hf, cf, Gf, warm):
    """The float active-set method on float arrays (warm: (t, working set) or None)."""
    N, nG = len(cf), len(Gf)
    scale = max(1.0, float(np.abs(Hf).max(initial=0)), float(np.abs(cf).max(initial=0)))
    tol = 1e-9 * scale
    t, W = np.zeros(N), []
    if warm is not None:
        t0 = warm[0]
        if len(t0) == N and (Gf @ t0 <= tol).all():
            t, W = t0, [j for j in warm[1] if j < nG and abs(Gf[j] @ t0) <= tol]
    for _ in range(50 + 5 * (nG + N)):
        g = 2 * (Hf @ t - cf)
        K = np.zeros((N + len(W), N + len(W)))
        K[:N, :N] = 2 * Hf
        K[N:, :N] = Gf[W]
        K[:N, N:] = Gf[W].T
        sol = np.linalg.lstsq(K, np.concatenate([-g, np.zeros(len(W))]), rcond=None)[0]
        p, lam = sol[:N], sol[N:]
        if np.abs(p).max(initial=0) <= 1e-10 * (1 + np.abs(t).max(initial=0)):
            if not W or lam.min() >= -tol:
                return W, t
            W.pop(int(lam.argmin()))
            continue
        Gp = Gf @ p
        Gp[W] = 0.0
        cand = np.flatnonzero(Gp > tol)
        alpha, block = 1.0, None
        if len(cand):
            ratios = np.maximum(0.0, -(Gf[cand] @ t)) / Gp[cand]
            r = int(ratios.argmin())
            if ratios[r] < 1.0:
                alpha, block = float(ratios[r]), int(cand[r])
        t = t + alpha * p
        if block is not None:
            W.append(block)
    return None


def _qp_guess(H, cvec, yy, G, N, warm, info, zero):
    """The exact KKT point of the float working set, or None when it is not one (infeasible, a
    negative multiplier, an inconsistent system)."""
    found = _float_working_set(H, cvec, G, N, warm)
    if found is None:
        return None
    W, tf = found
    # first the float point rounded to small denominators, its multipliers from 2 H t + G_W' lam = 2 c;
    # then any exact solution of the KKT system of W (2 H t + G_W' lam = 2 c, G_W t = 0)
    Q = type(zero)
    tr = [Q(f.numerator, f.denominator) for f in (Fraction(float(v)).limit_denominator(10 ** 6) for v in tf)]
    grad = [2 * (sum((h * v for h, v in zip(row, tr) if h and v), zero) - cc) for row, cc in zip(H, cvec)]
    lam = _solve([[G[j][r] for j in W] for r in range(N)], [-g for g in grad], len(W), zero) if W else \
        ([] if not any(grad) else None)
    ok = lambda t, lam: (lam is not None and all(l >= 0 for l in lam) and
                         all(sum((a * b for a, b in zip(g, t) if a and b), zero) <= 0 for g in G) and
                         all(not sum((a * b for a, b in zip(G[j], t) if a and b), zero) for j in W))
    if ok(tr, lam):
        t = tr
    else:
        rows = [[2 * h for h in H[r]] + [G[j][r] for j in W] for r in range(N)] + [list(G[j]) + [zero] * len(W) for j in W]
        sol = _solve(rows, [2 * v for v in cvec] + [zero] * len(W), N + len(W), zero)
        if sol is None or not ok(sol[:N], sol[N:]):
            return None
        t, lam = sol[:N], sol[N:]
    if info is not None:
        info["W"] = list(W)
    return _quad(H, cvec, yy, t, zero), t, {j: l for j, l in zip(W, lam) if l}


def _qp(H, cvec, yy, G, N, warm, info, _Z, one):
    """The exact primal active-set method (the fallback of :func:`qp`)."""
    def dot(u, v):
        return sum((x * y for x, y in zip(u, v) if x and y), _Z)

    def val(t):
        return dot(t, [dot(h, t) for h in H]) - 2 * dot(cvec, t) + yy

    t, W = [_Z] * N, []
    if warm is not None:
        t0, W0 = warm
        if len(t0) == N and all(dot(g, t0) <= 0 for g in G) and all(j < len(G) and dot(G[j], t0) == 0 for j in W0):
            t, W = list(t0), list(W0)
    if info is not None:
        info["W"] = W
    for it in range(200 + 20 * (len(G) + N)):
        g = [2 * (dot(h, t) - cc) for h, cc in zip(H, cvec)]
        Z = _nullspace([G[j] for j in W], N, _Z, one) if W else [[one if i == j else _Z for i in range(N)]
                                                                  for j in range(N)]
        rhs = [-dot(zv, g) / 2 for zv in Z]
        if any(rhs):
            HZ = [[dot(h, zv) for h in H] for zv in Z]           # HZ[a] = H z_a
            M = [[dot(za, hzb) for hzb in HZ] for za in Z]
            u = _solve(M, rhs, len(Z), _Z)
            p = [sum((ua * za[v] for ua, za in zip(u, Z) if ua), _Z) for v in range(N)]
            alpha, block = one, None
            for j in range(len(G)):
                if j in W:
                    continue
                gp = dot(G[j], p)
                if gp > 0:
                    s = -dot(G[j], t) / gp
                    if s < alpha:
                        alpha, block = s, j
            t = [a + alpha * b for a, b in zip(t, p)]
            if block is not None:
                W.append(block)
            continue
        if not W:
            return val(t), t, {}
        lam = _solve([[G[j][v] for j in W] for v in range(N)], [-gv for gv in g], len(W), _Z)
        if lam is None:
            raise ArithmeticError("qp: no multipliers at a working-set optimum (internal error)")
        neg = [(l, j) for l, j in zip(lam, W) if l < 0]
        if not neg:
            return val(t), t, {j: l for j, l in zip(W, lam) if l}
        drop = min(neg)[1] if it < 100 else min(j for _, j in neg)     # Bland-like after many steps
        W.remove(drop)
    raise ArithmeticError("qp: the active-set method did not finish (internal error)")


# ------------------------------------------------------------------ the model
def loss(points, labels, params) -> Fraction:
    """The exact loss of params {"w", "b", "a"} on the data."""
    tot = _Z
    for x, y in zip(points, labels):
        f = sum((a * max(_Z, _dot(w, x) + b) for w, b, a in zip(params["w"], params["b"], params["a"])), _Z)
        tot += (f - y) ** 2
    return tot


def pattern_bound(n: int, d: int, k: int, bias: bool, labels=None) -> int:
    """Upper bound on the leaves the search may visit: (k + 1) sign vectors times R(n)^k, R(m) = 2 sum_{i<D}
    C(m-1, i) the most regions a central arrangement of m hyperplanes in R^D has (D = d + bias).  With
    ``labels``, each sign vector counts only the points it branches on (not its convex points):
    sum over the sign vectors s of R(n - #convex_s)^k."""
    D = d + bool(bias)

    def R(m):
        return 2 * sum(comb(m - 1, i) for i in range(D)) if m else 1
    if labels is None:
        return (k + 1) * R(n) ** k
    return sum(R(n - len(convex_points(labels, s))) ** k for s in sorted_signs(k))


def _params(theta, k, D, d, signs):
    return {"w": [list(theta[u * D:u * D + d]) for u in range(k)],
            "b": [theta[u * D + d] if D > d else _Z for u in range(k)], "a": list(signs)}


def _heuristic(xt, ys, k, signs, seed=0):
    """Float search (Adam from random starts); returns up to a few float theta vectors (a guess only)."""
    X = np.array([[float(v) for v in x] for x in xt])
    Y = np.array([float(v) for v in ys])
    n, D = X.shape
    rng = np.random.default_rng(seed)
    R = 24
    scale = (np.abs(Y).max() + 1) / (np.abs(X).max() + 1)
    th = rng.normal(size=(R, k, D)) * scale
    s = np.array(signs, dtype=float)
    m, v = np.zeros_like(th), np.zeros_like(th)
    lr = 0.05 * scale
    for step in range(1, 301):
        Zs = np.einsum("rkd,nd->rkn", th, X)
        act = np.maximum(Zs, 0)
        f = np.einsum("k,rkn->rn", s, act)
        res = f - Y
        gz = 2 * res[:, None, :] * s[None, :, None] * (Zs > 0)
        grad = np.einsum("rkn,nd->rkd", gz, X)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad ** 2
        th -= lr * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-12)
    Zs = np.einsum("rkd,nd->rkn", th, X)
    f = np.einsum("k,rkn->rn", s, np.maximum(Zs, 0))
    ls = ((f - Y) ** 2).sum(axis=1)
    best = np.argsort(ls)[:4]
    return [th[r] for r in best if np.isfinite(ls[r])]


# ------------------------------------------------------------------ the search
def convex_points(ys, signs) -> list:
    """The points whose loss term is convex in theta under the output signs (all equal to sg, and
    sg y_i <= 0: the term is (sum_u relu(z_u) + |y_i|)^2); none for mixed signs."""
    if len(set(signs)) != 1:
        return []
    return [i for i, y in enumerate(ys) if signs[0] * y <= 0]


class _Search:
    def __init__(self, pts, ys, k, bias, signs, order, realizable, deadline, shared, convex=()):
        self.pts, self.ys, self.k, self.signs = pts, ys, k, signs
        self.d = len(pts[0])
        self.xt = [list(x) + [Fraction(1)] if bias else list(x) for x in pts]
        self.D = len(self.xt[0])
        self.N = k * self.D
        convex = set(convex)
        self.C = [i for i in order if i in convex]              # never branched: bounded by their convex terms
        self.hyp = [(i, u) for i in order if i not in convex for u in range(k)]
        self.realizable, self.deadline, self.sh = realizable, deadline, shared
        self.cons = []            # (G vector, (i, u), sg): G = sg * z
        self.pref = [[] for _ in range(k)]      # per unit: (global constraint index, G-sign, point)
        self.ip = [[[Fraction(1 + (j * 7919) % 97, 97 + j + u) for j in range(self.D)]] for u in range(k)]
        # unit decisions depend on the data and the hyperplane sequence, not on the signs
        self.memo = shared.setdefault(("memo", tuple(order)), {})
        self.warm = [None]                          # (theta, working set) of the nearest QP above
        self.ext = self._extension()
        M, Ac, yc, Gc, wc = self.ext
        self.fext = (np.array([[float(v) for v in a] for a in Ac]).reshape(len(Ac), M), np.array([float(v) for v in yc]),
                     np.array([[float(v) for v in g] for g in Gc]).reshape(len(Gc), M), np.array(wc, dtype=float))
        self.xf = np.array([[float(v) for v in x] for x in self.xt])
        self.fwarm = [None]

    def probe(self):
        """The float value of the node's QP (lifted, decided points and convex points), a guess used only to
        skip exact QPs at nodes that will be split anyway; None when the float method does not finish."""
        D, M = self.D, self.ext[0]
        Acf, ycf, Gcf, wcf = self.fext
        rows, ys = [], []
        for i, active in self.decided():
            a = np.zeros(M)
            for u in active:
                a[u * D:(u + 1) * D] = self.signs[u] * self.xf[i]
            rows.append(a)
            ys.append(float(self.ys[i]))
        G = np.zeros((len(self.cons), M))
        for j, (_, (i, u), s_) in enumerate(self.cons):
            G[j, u * D:(u + 1) * D] = s_ * self.xf[i]
        A = np.vstack([np.array(rows).reshape(len(rows), M), Acf])
        y = np.concatenate([np.array(ys), ycf])
        w = np.concatenate([np.ones(len(rows)), wcf])
        G = np.vstack([G, Gcf])
        H = (A * w[:, None]).T @ A
        c = (A * w[:, None]).T @ y
        got = _float_active_set(H, c, G, self.fwarm[-1])
        if got is None:
            return None, None
        W, t = got
        return float(t @ H @ t - 2 * c @ t + (w * y * y).sum()), (t, W)

    def _extension(self):
        """Rows and constraints of the convex points in the lifted QP: variables s_{p,u} (p-th convex point,
        unit u) after theta, with s >= 0, s >= z_{u,i}, and the term (sum_u s_{p,u} + c_i)^2, c_i = -sg y_i."""
        N, k, D = self.N, self.k, self.D
        groups = {}                                              # repeated points share their variables
        for i in self.C:
            groups.setdefault((tuple(self.xt[i]), self.ys[i]), []).append(i)
        self.groups = list(groups.values())
        M = N + k * len(self.groups)
        A, y, G = [], [], []
        for p, (i, *_) in enumerate(self.groups):
            a = [_Z] * M
            for u in range(k):
                a[N + p * k + u] = Fraction(1)
                g = [_Z] * M
                g[N + p * k + u] = Fraction(-1)
                G.append(g)                                      # -s <= 0
                h = [_Z] * M
                h[u * D:(u + 1) * D] = self.xt[i]
                h[N + p * k + u] = Fraction(-1)
                G.append(h)                                      # z - s <= 0
            A.append(a)
            y.append(self.signs[0] * self.ys[i])                 # = -c_i
        return M, A, y, G, [len(g) for g in self.groups]

    def zvec(self, i, u):
        z = [_Z] * self.N
        z[u * self.D:(u + 1) * self.D] = self.xt[i]
        return z

    def decided(self):
        """(point, its active units) for every point whose k hyperplanes are decided on the current cone."""
        sg = {(i, u): s for _, (i, u), s in self.cons}
        return [(i, [u for u in range(self.k) if sg[(i, u)] == -1])
                for i in {i for _, (i, _u), _s in self.cons} if all((i, u) in sg for u in range(self.k))]

    def rows(self):
        """Model rows a_i and labels of the decided points on the current cone."""
        A, y = [], []
        for i, active in self.decided():
            a = [_Z] * self.N
            for u in active:
                a[u * self.D:(u + 1) * self.D] = [self.signs[u] * v for v in self.xt[i]]
            A.append(a)
            y.append(self.ys[i])
        return A, y

    def threshold(self):
        return None if self.realizable else self.sh["best"]

    def node(self):
        if time.monotonic() > self.deadline:
            raise TimeoutError
        if self.realizable and self.sh["best"] == 0:
            raise StopIteration               # a zero-loss cell was found: the answer is yes
        self.sh["nodes"] += 1
        m = len(self.cons)
        if m % self.k == 0 and (m > 0 or self.sh["best"] == 0 or self.C):
            if m < len(self.hyp) and not (self.sh["best"] == 0 and not self.realizable):
                vf, fw = self.probe()              # float: clearly no pruning here? then split without an exact QP
                best = float(self.sh["best"])
                if vf is not None and (vf <= 1e-7 * (1 + abs(vf)) if self.realizable else vf < best - 1e-7 * (1 + best)):
                    self.fwarm.append(fw)
                    try:
                        return self.branch(m)
                    finally:
                        self.fwarm.pop()
            A, y = self.rows()
            M, Ac, yc, Gc, wc = self.ext
            G = [c[0] + [_Z] * (M - self.N) for c in self.cons] + Gc
            wts = [1] * len(A) + wc
            A = [a + [_Z] * (M - self.N) for a in A] + Ac
            y = y + yc
            if self.sh["best"] == 0 and not self.realizable:
                A, y, G, M, wts = [], [], [c[0] for c in self.cons], self.N, []
            stop = self.threshold()
            info = {}
            v, th, lam = qp(A, y, G, M, stop_at=stop if stop is not None and stop > 0 else None,
                            warm=self.warm[-1] if M == self.ext[0] else None, info=info, weights=wts)
            self.warm.append((th, list(info["W"])))
            full = m == len(self.hyp)
            if full:
                self.sh["leaves"] += 1
                if v < self.sh["best"]:
                    self.sh["best"], self.sh["theta"], self.sh["signs"] = v, th[:self.N], self.signs
            if full or (v > 0 if self.realizable else v >= self.sh["best"]):
                self.warm.pop()
                self.sh["bounds"].append(v)
                return self._leaf(th, lam, M)
            try:
                return self.branch(m)
            finally:
                self.warm.pop()
        return self.branch(m)

    def _leaf(self, th, lam, M):
        """The bound node of a lifted QP solution: multipliers of the decided constraints, and per convex
        point tau_u = mu_u / (2 (sum_u s_u + c)) from the multiplier mu_u of z_u - s_u <= 0."""
        m, N, k = len(self.cons), self.N, self.k
        out = {"bound": {str(j): fmt(l) for j, l in lam.items() if j < m}, "theta": [fmt(t) for t in th[:N]]}
        if M == N or not self.C:
            return out
        if not lam and any(_dot(g, th) > 0 for g in self.ext[3]):
            return out            # qp's least-squares early exit: a bound on the decided points alone
        conv = {}
        for p, grp in enumerate(self.groups):        # a group of w copies: mu = 2 w (sum s + c) tau
            tot = (sum(th[N + p * k:N + (p + 1) * k], _Z) - self.signs[0] * self.ys[grp[0]]) * 2 * len(grp)
            taus = [fmt(lam.get(m + 2 * (p * k + u) + 1, _Z) / tot) if tot else "0" for u in range(k)]
            conv.update({str(i): taus for i in grp})
        out["convex"] = conv
        return out

    def branch(self, m):
        i, u = self.hyp[m]
        z = self.zvec(i, u)
        dec = self.decide(i, u)
        if dec[0] == "fix":
            _, c, s_, local = dec
            glob = self.pref[u]
            return self._fix(c, {glob[t][0]: l for t, l in local.items()}, z, i, u, s_)
        sides = {}
        for side, s_, pt in (("neg", 1, dec[1]), ("pos", -1, dec[2])):
            self._push(z, i, u, s_, pt)
            try:
                sides[side] = self.node()
            finally:
                self._pop(u)
        return {"split": True, "neg": sides["neg"], "pos": sides["pos"]}

    def _push(self, z, i, u, s_, pt):
        self.pref[u].append((len(self.cons), s_, i))
        self.cons.append(([s_ * c for c in z], (i, u), s_))
        self.ip[u].append(pt)

    def _pop(self, u):
        self.cons.pop()
        self.pref[u].pop()
        self.ip[u].pop()

    def decide(self, i, u):
        """The next hyperplane of unit u (point i) on the unit's own cone (R is a product of the units'
        cones, so this depends only on unit u's decided signs; memoised): ("fix", sign, G-sign, local
        dual) or ("split", interior point of the neg side, of the pos side), points in R^D."""
        key = (u, tuple(s_ for _, s_, _ in self.pref[u]))
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        x = self.xt[i]
        p = self.ip[u][-1]
        cons = [tuple(s_ * v for v in self.xt[ii]) + (_Z,) for _, s_, ii in self.pref[u]]
        if not any(x):
            out = ("fix", "+", -1, {})
        else:
            v = _dot(x, p)
            if v == 0:                                 # move p off the hyperplane, staying interior
                delta = Fraction(1)
                for g in cons:
                    gz = _dot(g, x)
                    if gz > 0:
                        delta = min(delta, -_dot(g, p) / (2 * gz))
                p = [a + delta * b for a, b in zip(p, x)]
                v = _dot(x, p)
            sg = 1 if v > 0 else -1                    # z takes the sign of v at p; can it take the other?
            xx = _dot(x, x)
            for step in (Fraction(17, 16), Fraction(2)):   # a point just across z = 0 (or p mirrored), still in R?
                q = [a - step * v / xx * b for a, b in zip(p, x)]
                if all(_dot(g, q) < 0 for g in cons):
                    out = ("split", p if v < 0 else q, p if v > 0 else q)
                    self.memo[key] = out
                    return out
            from ..analysis.lp import lp_max
            res = lp_max(tuple(-sg * c for c in x) + (_Z,), cons, [(Fraction(-1), Fraction(1))] * self.D)
            if res.value == 0:                         # -sg z <= 0 on the cone: fix the sign of z to sg
                out = ("fix", "+" if sg == 1 else "-", -sg, {t: l for t, l in res.dual.items() if l})
            else:
                y = res.x
                zy = _dot(x, y)                        # opposite sign to v; interior point of the other side
                t = (1 + v / (v - zy)) / 2
                q = [a + t * (b - a) for a, b in zip(p, y)]
                out = ("split", p if v < 0 else q, p if v > 0 else q)
        self.memo[key] = out
        return out

    def _fix(self, c, dual, z, i, u, s_):
        self._push(z, i, u, s_, self.ip[u][-1])
        try:
            nxt = self.node()
        finally:
            self._pop(u)
        dj = {str(j): fmt(l) for j, l in dual.items() if l}
        if "fix" in nxt:
            return {"fix": c + nxt["fix"], "duals": [dj] + nxt["duals"], "next": nxt["next"]}
        return {"fix": c, "duals": [dj], "next": nxt}


def _cell_qp(xt, ys, k, signs, theta_f, D):
    """The exact optimum of the closed cell of a float theta (its activation pattern)."""
    N = k * D
    A, G = [], []
    for i, x in enumerate(xt):
        a = [_Z] * N
        for u in range(k):
            zf = float(sum(float(v) * float(t) for v, t in zip(x, theta_f[u])))
            z = [_Z] * N
            z[u * D:(u + 1) * D] = x
            if zf > 0:
                G.append([-v for v in z])
                a[u * D:(u + 1) * D] = [signs[u] * v for v in x]
            else:
                G.append(z)
        A.append(a)
    v, th, _ = qp(A, list(ys), G, N)
    return v, th


def _span_first(xt, ys, order, also=()):
    """Reorder: repeatedly take the first point (in ``order``) whose x~ lies in the span of the points
    taken; when there is none, among the points left with the largest |y|, the one that brings the most
    points left into the span, counting the points ``also`` (not ordered here: the convex points), the
    first in ``order`` among equals.  A point in the span is often decided by an LP fix, and its label then
    constrains the decided points at once, so contradictions surface near the root (on a graph's
    instance this takes the vertices in a connected order, each followed by its edges)."""
    basis, out, left = {}, [], list(order)      # basis: pivot column -> reduced row (exact echelon form)

    def reduce(v):
        v = list(v)
        for c, row in basis.items():
            if v[c]:
                f = v[c] / row[c]
                v = [a - f * b for a, b in zip(v, row)]
        return v

    def parallel(a, b):
        j = next(j for j, v in enumerate(a) if v)
        return all(x * b[j] == y * a[j] for x, y in zip(a, b))
    also = [i for i in also if any(xt[i])]
    while left:
        red = {i: reduce(xt[i]) for i in left + also}
        also = [i for i in also if any(red[i])]
        pick = next((i for i in left if not any(red[i])), None)
        if pick is None:
            top = max(abs(ys[i]) for i in left)
            pick = max((i for i in left if abs(ys[i]) == top),
                       key=lambda i: (sum(parallel(red[i], red[p]) for p in left + also), -left.index(i)))
        r = red[pick]
        c = next((j for j, v in enumerate(r) if v), None)
        if c is not None:
            basis[c] = r
        out.append(pick)
        left.remove(pick)
    return out


def erm(points, labels, relus: int = 1, bias: bool = False, *, realizable: bool = False,
        time_limit: float = 600.0, max_patterns: int = MAX_PATTERNS, seed: int = 0,
        use_convex: bool = True) -> ErmResult:
    """Exact global ERM (or, with ``realizable``, the question min == 0) with a certificate for
    :func:`exactrelu.erm_kernel.check_erm`.  Raises InputError up front when the pattern bound exceeds
    ``max_patterns``, ErmLimit (a LimitReached) at the time limit, with the best upper bound found."""
    pts = [tuple(Fraction(v) for v in x) for x in points]
    ys = [Fraction(v) for v in labels]
    n, k = len(pts), relus
    if n == 0:
        raise InputError("no data points")
    if k < 1:
        raise InputError(f"relus={k} must be >= 1")
    d = len(pts[0])
    if d < 1 or any(len(x) != d for x in pts) or len(ys) != n:
        raise InputError("points must share one dimension >= 1, with one label each")
    if n * k > MAX_HYPERPLANES:
        raise InputError(f"n k = {n * k} hyperplanes; the checker's limit is {MAX_HYPERPLANES}")
    bound = pattern_bound(n, d, k, bias, ys if use_convex else None)
    if bound > max_patterns:
        raise InputError(f"up to {bound} activation patterns (cells) for n={n}, d={d}, k={k}"
                         f"{', bias' if bias else ''}; the limit is max_patterns={max_patterns}")
    t0 = time.monotonic()
    deadline = t0 + time_limit
    D = d + bool(bias)
    xt = [list(x) + [Fraction(1)] if bias else list(x) for x in pts]
    zero = {"w": [[_Z] * d for _ in range(k)], "b": [_Z] * k, "a": [1] * k}
    sh = {"best": sum((y * y for y in ys), _Z), "theta": [_Z] * (k * D), "signs": sorted_signs(k)[0],
          "nodes": 0, "leaves": 0, "bounds": []}
    for signs in sorted_signs(k):                     # a float guess of a good cell, made exact
        for thf in _heuristic(xt, ys, k, signs, seed):
            v, th = _cell_qp(xt, ys, k, signs, thf, D)
            if v < sh["best"]:
                sh.update(best=v, theta=th, signs=signs)
    order = sorted(range(n), key=lambda i: (-abs(ys[i]), i))
    trees = []
    try:
        for signs in sorted_signs(k):
            cvx = set(convex_points(ys, signs)) if use_convex else set()
            last = [i for i in order if i in cvx]                 # convex points go last: never decided
            tord = _span_first(xt, ys, [i for i in order if i not in cvx], last) + last
            s = _Search(pts, ys, k, bias, signs, tord, realizable, deadline, sh, cvx)
            trees.append({"a": signs, "order": tord, "tree": s.node()})
    except StopIteration:
        trees = None
    except TimeoutError:
        if sh["best"] == 0:               # loss 0 found: the minimum, whatever is left unexplored
            trees = None
    if trees is not None and len(trees) < len(sorted_signs(k)):
        par = _params(sh["theta"], k, D, d, sh["signs"])
        up = loss(pts, ys, par)
        res = ErmResult(_Z, up, par, None, False,
                        f"time limit {time_limit} s reached after {sh['nodes']} nodes; lower 0 is the trivial "
                        f"bound (a lower bound needs every cell)",
                        {"nodes": sh["nodes"], "leaves": sh["leaves"], "seconds": time.monotonic() - t0})
        raise ErmLimit(f"time limit of {time_limit} s reached (best loss found {fmt(up)}; "
                       f"lower bound 0 only)", res) from None
    par = _params(sh["theta"], k, D, d, sh["signs"])
    up = loss(pts, ys, par)
    assert up == sh["best"], "internal: the best cell's parameters do not attain its value"
    stats = {"nodes": sh["nodes"], "leaves": sh["leaves"], "seconds": time.monotonic() - t0, "pattern_bound": bound}
    base = {"format": FORMAT, "version": 1, "relus": k, "bias": bool(bias), "n": n, "d": d, "order": order}
    if trees is None or not realizable or up == 0:
        # exact: either found with loss 0 (trivial trees) or the ERM search finished
        if trees is None or up == 0:
            zt = {"bound": {}, "theta": ["0"] * (k * D)}
            trees = [{"a": s_, "order": order, "tree": zt} for s_ in sorted_signs(k)]
        cert = dict(base, lower=fmt(up), loss=fmt(up), params=_json(par), trees=trees)
        return ErmResult(up, up, par, cert, True, None, stats)
    lower = min(sh["bounds"])
    cert = dict(base, lower=fmt(lower), loss=None, params=_json(par), trees=trees)
    return ErmResult(lower, up, par, cert, lower == up, None, stats)


def _json(par):
    return {"w": [[fmt(v) for v in row] for row in par["w"]], "b": [fmt(v) for v in par["b"]], "a": list(par["a"])}
