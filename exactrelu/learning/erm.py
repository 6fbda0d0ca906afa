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
def _solve(rows, rhs, ncols):
    """A solution of rows . v = rhs (free variables 0), or None when inconsistent."""
    M = [list(r) + [b] for r, b in zip(rows, rhs)]
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
    if any(M[i][-1] for i in range(r, len(M))):
        return None
    v = [_Z] * ncols
    for i, c in enumerate(piv):
        v[c] = M[i][-1]
    return v


def _nullspace(rows, ncols):
    """A basis of {p : rows . p = 0}."""
    M = [list(r) for r in rows]
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
    basis = []
    for f in (c for c in range(ncols) if c not in piv):
        v = [_Z] * ncols
        v[f] = Fraction(1)
        for i, c in enumerate(piv):
            v[c] = -M[i][f]
        basis.append(v)
    return basis


def _dot(a, b):
    return sum((x * y for x, y in zip(a, b) if x and y), _Z)


def qp(A, y, G, N, stop_at=None):
    """Exact min of sum_i (A_i . t - y_i)^2 subject to G_j . t <= 0 (a cone: t = 0 is feasible).

    Returns (value, t, {j: lambda_j}) with the KKT conditions exact: 2 A^T (A t - y) + sum lambda_j G_j = 0,
    lambda >= 0, G t <= 0, so value is both attained and the Lagrangian dual bound.  With ``stop_at``,
    returns early (lambda = {}) when the unconstrained least-squares value is already >= stop_at."""
    H = [[sum((a[r] * a[c] for a in A if a[r] and a[c]), _Z) for c in range(N)] for r in range(N)]
    cvec = [sum((a[r] * yi for a, yi in zip(A, y) if a[r]), _Z) for r in range(N)]
    yy = sum((v * v for v in y), _Z)

    def val(t):
        return _dot(t, [_dot(h, t) for h in H]) - 2 * _dot(cvec, t) + yy

    t, W = [_Z] * N, []
    for it in range(200 + 20 * (len(G) + N)):
        g = [2 * (_dot(h, t) - cc) for h, cc in zip(H, cvec)]
        Z = _nullspace([G[j] for j in W], N) if W else [[Fraction(int(i == j)) for i in range(N)] for j in range(N)]
        rhs = [-_dot(zv, g) / 2 for zv in Z]
        if any(rhs):
            HZ = [[_dot(h, zv) for h in H] for zv in Z]           # HZ[a] = H z_a
            M = [[_dot(za, hzb) for hzb in HZ] for za in Z]
            u = _solve(M, rhs, len(Z))
            p = [sum((ua * za[v] for ua, za in zip(u, Z) if ua), _Z) for v in range(N)]
            if stop_at is not None and not W and it == 0 and val([a + b for a, b in zip(t, p)]) >= stop_at:
                return val([a + b for a, b in zip(t, p)]), [a + b for a, b in zip(t, p)], {}
            alpha, block = Fraction(1), None
            for j in range(len(G)):
                if j in W:
                    continue
                gp = _dot(G[j], p)
                if gp > 0:
                    s = -_dot(G[j], t) / gp
                    if s < alpha:
                        alpha, block = s, j
            t = [a + alpha * b for a, b in zip(t, p)]
            if block is not None:
                W.append(block)
            continue
        if not W:
            return val(t), t, {}
        lam = _solve([[G[j][v] for j in W] for v in range(N)], [-gv for gv in g], len(W))
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
        self.box = [(Fraction(-1), Fraction(1))] * self.N

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

    def node(self, p):
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
            v, th, lam = qp(A, y, G, self.N, stop_at=stop if stop is not None and stop > 0 else None)
            full = m == len(self.hyp)
            if full:
                self.sh["leaves"] += 1
                if v < self.sh["best"]:
                    self.sh["best"], self.sh["theta"], self.sh["signs"] = v, th, self.signs
            if full or (v > 0 if self.realizable else v >= self.sh["best"]):
                self.sh["bounds"].append(v)
                return {"bound": {str(j): fmt(l) for j, l in lam.items()}, "theta": [fmt(t) for t in th]}
            if self.realizable and self.sh["best"] == 0:
                raise StopIteration
        i, u = self.hyp[m]
        z = self.zvec(i, u)
        if not any(z):
            return self._fix("+", {}, z, i, u, -1, p)
        v = _dot(z, p)
        if v == 0:                                 # move p off the hyperplane, staying interior
            p = self._nudge(p, z)
            v = _dot(z, p)
        sg = 1 if v > 0 else -1                    # z takes the sign of v at p; can it take the other?
        from ..analysis.lp import lp_max
        res = lp_max(tuple(-sg * c for c in z) + (_Z,), [tuple(c[0]) + (_Z,) for c in self.cons], self.box)
        if res.value == 0:                         # -sg z <= 0 on R: fix the sign of z to sg
            return self._fix("+" if sg == 1 else "-", res.dual, z, i, u, -sg, p)
        x = res.x
        zx = _dot(z, x)                            # opposite sign to v; interior point of the other side
        tcross = v / (v - zx)
        t = (1 + tcross) / 2
        q = [a + t * (b - a) for a, b in zip(p, x)]
        sides = {}
        for side, s_, pt in (("neg", 1, p if v < 0 else q), ("pos", -1, p if v > 0 else q)):
            self.cons.append(([s_ * c for c in z], (i, u), s_))
            try:
                sides[side] = self.node(pt)
            finally:
                self.cons.pop()
        return {"split": True, "neg": sides["neg"], "pos": sides["pos"]}

    def _fix(self, c, dual, z, i, u, s_, p):
        self.cons.append(([s_ * v for v in z], (i, u), s_))
        try:
            nxt = self.node(p)
        finally:
            self.cons.pop()
        dj = {str(j): fmt(l) for j, l in dual.items() if l}
        if "fix" in nxt:
            return {"fix": c + nxt["fix"], "duals": [dj] + nxt["duals"], "next": nxt["next"]}
        return {"fix": c, "duals": [dj], "next": nxt}

    def _nudge(self, p, z):
        delta = Fraction(1)
        for G, _, _ in self.cons:
            gz = _dot(G, z)
            if gz > 0:
                delta = min(delta, -_dot(G, p) / (2 * gz))
        return [a + delta * b for a, b in zip(p, z)]


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
            p0 = [Fraction(1 + (j * 7919) % 97, 97 + j) for j in range(k * D)]
            trees.append({"a": signs, "tree": s.node(p0)})
    except StopIteration:
        trees = None
    except TimeoutError:
        par = _params(sh["theta"], k, D, d, sh["signs"])
        up = loss(pts, ys, par)
        res = ErmResult(_Z, up, par, None, False,
                        f"time limit {time_limit} s reached after {sh['nodes']} nodes; lower 0 is the trivial "
                        f"bound (a lower bound needs every cell)", dict(sh, seconds=time.monotonic() - t0))
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
