"""Exact linear programs over a box with extra affine constraints (untrusted helper).

Every LP here has the shape of the kernel's polytopes: ``P = {x in box : g_k(x) <= 0}``
with affine forms ``g_k = (a_1, ..., a_d, a_0)``.  :func:`lp_max` returns the exact
maximum of an affine form over P together with the *dual hint* the kernel replays:
multipliers ``lambda_k >= 0`` with ``max over the box of (c - sum lambda_k g_k) == value``
(LP duality with the box kept as the inner problem), or, when P is empty, a Farkas
hint with ``min over the box of sum lambda_k g_k > 0``.

The solver is a dictionary (Vanderbei-style) simplex in :class:`fractions.Fraction`
with Bland's rule, so it terminates and is exact.  Only the d structural columns and
one auxiliary column are stored (slacks are implicit), so a pivot costs O(m d): cheap
for the few-variable, many-constraint LPs of region enumeration.  Phase 1 uses the
single auxiliary variable x_0 (Chvatal, "Linear Programming", ch. 3), which keeps every
slack column an identity column: the final objective row then *is* the dual vector.
Nothing here is trusted: callers hand the hints to :mod:`exactrelu.kernel`.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

__all__ = ["LPResult", "lp_max", "box_max", "box_min", "interior_point"]

_ZERO = Fraction(0)


def box_max(h, box) -> Fraction:
    """Exact max over the box of the affine form h = (a_1..a_d, a_0)."""
    s = h[-1]
    for a, (lo, hi) in zip(h, box):
        s += a * hi if a > 0 else a * lo
    return s


def box_min(h, box) -> Fraction:
    s = h[-1]
    for a, (lo, hi) in zip(h, box):
        s += a * lo if a > 0 else a * hi
    return s


@dataclass
class LPResult:
    """``feasible``: P non-empty.  Then ``value`` = max c over P, ``x`` an optimal point and
    ``dual`` the kernel hint {k: lambda_k}; else ``dual`` is a Farkas hint for emptiness."""
    feasible: bool
    value: Fraction | None
    x: tuple | None
    dual: dict
    pivots: int = 0


def _pivot(rows, bb, cobj, basis, nonb, r, j):
    """Exchange basic row r with nonbasic column j (dictionary form x_B = bb - T x_N)."""
    T = rows
    piv = T[r][j]
    row = T[r]
    inv = 1 / piv
    # new row for entering variable: x_j = bb_r/piv - sum_{k != j} T_rk/piv x_k - (1/piv) x_leave
    nrow = [a * inv for a in row]
    nrow[j] = inv
    nb = bb[r] * inv
    for i, Ti in enumerate(T):
        if i == r:
            continue
        t = Ti[j]
        if t:
            for k in range(len(Ti)):
                Ti[k] -= t * nrow[k]
            Ti[j] = -t * inv
            bb[i] -= t * nb
    t = cobj[0][j]
    if t:
        obj = cobj[0]
        for k in range(len(obj)):
            obj[k] -= t * nrow[k]
        obj[j] = -t * inv
        cobj[1] += t * nb
    T[r] = nrow
    bb[r] = nb
    basis[r], nonb[j] = nonb[j], basis[r]


def _iterate(T, bb, cobj, basis, nonb, forbid=()):
    """Bland's rule to optimality (maximize).  Returns the number of pivots."""
    piv = 0
    while True:
        obj = cobj[0]
        cand = [(nonb[j], j) for j in range(len(nonb)) if obj[j] > 0 and nonb[j] not in forbid]
        if not cand:
            return piv
        _, j = min(cand)
        best = None
        for i, Ti in enumerate(T):
            if Ti[j] > 0:
                ratio = bb[i] / Ti[j]
                key = (ratio, basis[i])
                if best is None or key < best[0]:
                    best = (key, i)
        if best is None:  # unbounded: impossible here, every variable is boxed
            raise ArithmeticError("lp: unbounded (internal error: variables are boxed)")
        _pivot(T, bb, cobj, basis, nonb, best[1], j)
        piv += 1


def lp_max(c, cons, box) -> LPResult:
    """Exact max of the affine form ``c`` over ``{x in box : g(x) <= 0 for g in cons}``."""
    d = len(box)
    lo = [l for l, _ in box]
    K = len(cons)
    # y = x - lo in [0, u]; rows: g-rows  a.y <= -(a.lo + a0);  box rows  y_i <= u_i
    A, b = [], []
    for g in cons:
        A.append(list(g[:d]))
        b.append(-(sum((a * l for a, l in zip(g, lo)), g[d])))
    for i, (l, h) in enumerate(box):
        row = [_ZERO] * d
        row[i] = Fraction(1)
        A.append(row)
        b.append(h - l)
    m = len(A)
    # variables: 0..d-1 structural, d the auxiliary x0, d+1+i slack of row i
    X0 = d
    T = [row + [Fraction(-1)] for row in A]   # s_i = b_i - A_i y + x0
    bb = list(b)
    basis = [d + 1 + i for i in range(m)]
    nonb = list(range(d + 1))
    piv = 0
    if min(bb) < 0:
        cobj = [[_ZERO] * d + [Fraction(-1)], _ZERO]  # maximize -x0
        r = min(range(m), key=lambda i: (bb[i], i))
        _pivot(T, bb, cobj, basis, nonb, r, X0)
        piv += 1 + _iterate(T, bb, cobj, basis, nonb)
        if cobj[1] < 0:  # infeasible: the objective row holds the Farkas vector
            dual = {}
            for j, v in enumerate(nonb):
                if v > d and v - d - 1 < K and cobj[0][j]:
                    dual[v - d - 1] = -cobj[0][j]
            return LPResult(False, None, None, dual, piv)
        if X0 in basis:  # degenerate: x0 basic at 0, pivot it out
            r = basis.index(X0)
            j = next(j for j in range(len(nonb)) if T[r][j] != 0)
            _pivot(T, bb, cobj, basis, nonb, r, j)
            piv += 1
    # drop the x0 column (nonbasic now), set the phase-2 objective
    j0 = nonb.index(X0)
    for Ti in T:
        Ti[j0] = _ZERO
    obj = [_ZERO] * (d + 1)
    val = c[d] + sum((a * l for a, l in zip(c, lo)), _ZERO)
    pos = {v: j for j, v in enumerate(nonb)}
    for i in range(d):
        if c[i]:
            if i in pos:
                obj[pos[i]] += c[i]
            else:
                r = basis.index(i)
                val += c[i] * bb[r]
                for k in range(d + 1):
                    obj[k] -= c[i] * T[r][k]
    obj[j0] = _ZERO
    cobj = [obj, val]
    piv += _iterate(T, bb, cobj, basis, nonb, forbid=(X0,))
    y = [_ZERO] * d
    for i, v in enumerate(basis):
        if v < d:
            y[v] = bb[i]
    x = tuple(l + v for l, v in zip(lo, y))
    dual = {}
    for j, v in enumerate(nonb):
        if v > d and v - d - 1 < K and cobj[0][j]:
            dual[v - d - 1] = -cobj[0][j]
    return LPResult(True, cobj[1], x, dual, piv)


def interior_point(cons, box):
    """A point of {x in box : g(x) <= 0} maximizing the slack t of ``g + t <= 0`` and of the
    box faces (an exact "Chebyshev-like" centre in the l-inf sense); returns (point, t).
    t > 0 means the point is interior, relative to the box's affine hull: the faces of a
    degenerate axis (lo == hi) are left out, since no point has slack there."""
    d = len(box)
    span = max((h - l for l, h in box), default=Fraction(1))
    big = max(span, Fraction(1))
    # variables (x, t), t in [-B, B] with B large enough: t <= (hi-lo)/2 anyway via the box rows
    B = big + max((abs(box_max(g, box)) + abs(box_min(g, box)) for g in cons), default=_ZERO)
    ext_box = list(box) + [(-B, big)]
    ext = [tuple(g[:d]) + (Fraction(1), g[d]) for g in cons]
    for i, (l, h) in enumerate(box):
        if l == h:
            continue
        e = [_ZERO] * (d + 2)
        e[i], e[d], e[d + 1] = Fraction(-1), Fraction(1), l      # l - x_i + t <= 0
        ext.append(tuple(e))
        e = [_ZERO] * (d + 2)
        e[i], e[d], e[d + 1] = Fraction(1), Fraction(1), -h      # x_i - h + t <= 0
        ext.append(tuple(e))
    obj = tuple([_ZERO] * d + [Fraction(1), _ZERO])
    res = lp_max(obj, ext, ext_box)
    if not res.feasible:
        return None, None
    return res.x[:d], res.value
