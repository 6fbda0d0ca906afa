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
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from math import comb

from ..errors import InputError, LimitReached
from ..erm_kernel import FORMAT, MAX_HYPERPLANES, sorted_signs
from ..numbers import fmt

__all__ = ["ErmResult", "ErmLimit", "erm", "pattern_bound", "qp", "loss", "MAX_PATTERNS"]

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


def _solve(rows, rhs, ncols, zero=_Z):
    """A solution of rows . v = rhs (free variables 0), or None when inconsistent."""
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


def qp(A, y, G, N, stop_at=None, warm=None, info=None):
    """Exact min of sum_i (A_i . t - y_i)^2 subject to G_j . t <= 0 (a cone: t = 0 is feasible).

    Returns (value, t, {j: lambda_j}) with the KKT conditions exact: 2 A^T (A t - y) + sum lambda_j G_j = 0,
    lambda >= 0, G t <= 0, so value is both attained and the Lagrangian dual bound.  With ``stop_at``,
    returns early (lambda = {}) when the unconstrained least-squares value is already >= stop_at.
    ``warm`` = (t, W): a start point and working set (used only when t is feasible and W tight there);
    ``info``, a dict, receives the final working set as info["W"]."""
    try:                                          # python-flint's fmpq: the same exact rationals, faster
        from flint import fmpq as Q
    except ImportError:                           # pragma: no cover
        Q = Fraction
    cv = (lambda v: Q(v.numerator, v.denominator)) if Q is not Fraction else Fraction
    back = (lambda v: Fraction(int(v.p), int(v.q))) if Q is not Fraction else Fraction
    zero, one = Q(0), Q(1)
    A = [[cv(v) for v in a] for a in A]
    y = [cv(v) for v in y]
    G = [[cv(v) for v in g] for g in G]
    stop_at = None if stop_at is None else cv(Fraction(stop_at))
    warm = None if warm is None else ([cv(v) for v in warm[0]], warm[1])
    res = _qp(A, y, G, N, stop_at, warm, info, zero, one)
    return back(res[0]), [back(v) for v in res[1]], {j: back(v) for j, v in res[2].items()}


def _qp(A, y, G, N, stop_at, warm, info, _Z, one):
    H = [[sum((a[r] * a[c] for a in A if a[r] and a[c]), _Z) for c in range(N)] for r in range(N)]
    cvec = [sum((a[r] * yi for a, yi in zip(A, y) if a[r]), _Z) for r in range(N)]
    yy = sum((v * v for v in y), _Z)

    def dot(u, v):
        return sum((x * y for x, y in zip(u, v) if x and y), _Z)

    def val(t):
        return dot(t, [dot(h, t) for h in H]) - 2 * dot(cvec, t) + yy

    if stop_at is not None:                      # the least-squares bound first (lambda = 0)
        t = _solve(H, cvec, N, _Z)
        if val(t) >= stop_at:
            if info is not None:
                info["W"] = []
            return val(t), t, {}
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


def pattern_bound(n: int, d: int, k: int, bias: bool) -> int:
    """Upper bound on the leaves the search may visit: (k + 1) sign vectors times R^k, R = 2 sum_{i<D}
    C(n-1, i) the most regions a central arrangement of n hyperplanes in R^D has (D = d + bias)."""
    D = d + bool(bias)
    R = 2 * sum(comb(n - 1, i) for i in range(D)) if n else 1
    return (k + 1) * R ** k


def _params(theta, k, D, d, signs):
    return {"w": [list(theta[u * D:u * D + d]) for u in range(k)],
            "b": [theta[u * D + d] if D > d else _Z for u in range(k)], "a": list(signs)}


def _heuristic(xt, ys, k, signs, seed=0):
    """Float search (Adam from random starts); returns up to a few float theta vectors (a guess only)."""
    try:
        import numpy as np
    except ImportError:          # pragma: no cover
        return []
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
class _Search:
    def __init__(self, pts, ys, k, bias, signs, order, realizable, deadline, shared):
        self.pts, self.ys, self.k, self.signs = pts, ys, k, signs
        self.d = len(pts[0])
        self.xt = [list(x) + [Fraction(1)] if bias else list(x) for x in pts]
        self.D = len(self.xt[0])
        self.N = k * self.D
        self.hyp = [(i, u) for i in order for u in range(k)]
        self.realizable, self.deadline, self.sh = realizable, deadline, shared
        self.cons = []            # (G vector, (i, u), sg): G = sg * z
        self.pref = [[] for _ in range(k)]      # per unit: (global constraint index, G-sign, point)
        self.ip = [[[Fraction(1 + (j * 7919) % 97, 97 + j + u) for j in range(self.D)]] for u in range(k)]
        self.memo = shared.setdefault("memo", {})
        self.warm = [None]                          # (theta, working set) of the nearest QP above     # unit decisions depend on the data, not on the signs

    def zvec(self, i, u):
        z = [_Z] * self.N
        z[u * self.D:(u + 1) * self.D] = self.xt[i]
        return z

    def rows(self):
        """Model rows a_i and labels of the decided points on the current cone."""
        sg = {(i, u): s for _, (i, u), s in self.cons}
        A, y = [], []
        for i in {i for _, (i, _u), _s in self.cons}:
            if all((i, u) in sg for u in range(self.k)):
                a = [_Z] * self.N
                for u in range(self.k):
                    if sg[(i, u)] == -1:
                        a[u * self.D:(u + 1) * self.D] = [self.signs[u] * v for v in self.xt[i]]
                A.append(a)
                y.append(self.ys[i])
        return A, y

    def threshold(self):
        return None if self.realizable else self.sh["best"]

    def node(self):
        if time.monotonic() > self.deadline:
            raise TimeoutError
        self.sh["nodes"] += 1
        m = len(self.cons)
        if m % self.k == 0 and (m > 0 or self.sh["best"] == 0):
            A, y = self.rows()
            G = [c[0] for c in self.cons]
            if self.sh["best"] == 0 and not self.realizable:
                A, y = [], []
            stop = self.threshold()
            info = {}
            v, th, lam = qp(A, y, G, self.N, stop_at=stop if stop is not None and stop > 0 else None,
                            warm=self.warm[-1], info=info)
            self.warm.append((th, list(info["W"])))
            full = m == len(self.hyp)
            if full:
                self.sh["leaves"] += 1
                if v < self.sh["best"]:
                    self.sh["best"], self.sh["theta"], self.sh["signs"] = v, th, self.signs
            if full or (v > 0 if self.realizable else v >= self.sh["best"]):
                self.warm.pop()
                self.sh["bounds"].append(v)
                return {"bound": {str(j): fmt(l) for j, l in lam.items()}, "theta": [fmt(t) for t in th]}
            if self.realizable and self.sh["best"] == 0:
                raise StopIteration
            try:
                return self.branch(m)
            finally:
                self.warm.pop()
        return self.branch(m)

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


def erm(points, labels, relus: int = 1, bias: bool = False, *, realizable: bool = False,
        time_limit: float = 600.0, max_patterns: int = MAX_PATTERNS, seed: int = 0) -> ErmResult:
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
    bound = pattern_bound(n, d, k, bias)
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
            s = _Search(pts, ys, k, bias, signs, order, realizable, deadline, sh)
            trees.append({"a": signs, "tree": s.node()})
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
            trees = [{"a": s_, "tree": zt} for s_ in sorted_signs(k)]
        cert = dict(base, lower=fmt(up), loss=fmt(up), params=_json(par), trees=trees)
        return ErmResult(up, up, par, cert, True, None, stats)
    lower = min(sh["bounds"])
    cert = dict(base, lower=fmt(lower), loss=None, params=_json(par), trees=trees)
    return ErmResult(lower, up, par, cert, lower == up, None, stats)


def _json(par):
    return {"w": [[fmt(v) for v in row] for row in par["w"]], "b": [fmt(v) for v in par["b"]], "a": list(par["a"])}
