"""Float MILP baselines for max |f - g| over a box: the same big-M encoding solved by HiGHS (through
scipy.optimize.milp) and, where gurobipy is installed, by Gurobi.

This is what a practitioner would write (Tjeng et al. style big-M with interval bounds); it works in
floating point, so its value is a float that may be off, and it carries no certificate.  The benchmark
times it beside exactrelu's exact sup.  Gurobi is optional: ``GUROBI_MISSING`` is None when gurobipy
imports, else the reason it does not (the benchmark prints it); the pip wheel's size-limited licence
refuses models above its limits, and ``gurobi_max`` then returns that refusal as its status.
"""
from __future__ import annotations

import numpy as np

from exactrelu.analysis.linear import float_layers

try:
    import gurobipy as gp
    from gurobipy import GRB
    GUROBI_MISSING = None
except ImportError as _e:            # not installed (the usual case): say why, never fake a row
    gp = GRB = None
    GUROBI_MISSING = str(_e)


def _encode(nets, signs, box):
    """Variables: x (d), then per net per hidden neuron (z, a, delta). Objective sum_k sign_k * out_k.

    Returns (c, const, A, rlo, rhi, lb, ub, integ) for  min c x  s.t.  rlo <= A x <= rhi, lb <= x <= ub,
    integ marking the binaries; A is a scipy.sparse CSR matrix (a dense one for a 1-512x4-1 student
    would take ~400 MB)."""
    from scipy.sparse import csr_matrix
    d = len(box)
    lo = np.array([float(a) for a, _ in box])
    hi = np.array([float(b) for _, b in box])
    cols, lb, ub, integ = d, list(lo), list(hi), [0] * d
    rows, rlo, rhi = [], [], []
    obj = {}

    def new(l, u, is_int=0):
        nonlocal cols
        lb.append(l), ub.append(u), integ.append(is_int)
        cols += 1
        return cols - 1

    for net, s in zip(nets, signs):
        layers = float_layers(net)
        prev = list(range(d))                # indices of the current layer's inputs
        plo, phi = lo.copy(), hi.copy()      # their interval bounds
        for li, (W, b) in enumerate(layers):
            Wp, Wn = np.maximum(W, 0), np.minimum(W, 0)
            zlo = Wp @ plo + Wn @ phi + b
            zhi = Wp @ phi + Wn @ plo + b
            slack = 1e-9 * (1 + np.abs(zlo) + np.abs(zhi))   # widen float bounds a little
            zlo, zhi = zlo - slack, zhi + slack
            if li == len(layers) - 1:        # output: objective  s * (W prev + b)
                for j, p in enumerate(prev):
                    obj[p] = obj.get(p, 0.0) + s * W[0, j]
                obj["const"] = obj.get("const", 0.0) + s * b[0]
                break
            nxt = []
            for i in range(W.shape[0]):
                z = new(zlo[i], zhi[i])
                rows.append({z: -1.0, **{p: W[i, j] for j, p in enumerate(prev) if W[i, j] != 0}})
                rlo.append(-b[i]), rhi.append(-b[i])          # W prev - z = -b
                a = new(0.0, max(zhi[i], 0.0))
                if zlo[i] >= 0:                               # stable active: a = z
                    rows.append({a: 1.0, z: -1.0}), rlo.append(0.0), rhi.append(0.0)
                elif zhi[i] <= 0:                             # stable inactive: a = 0
                    ub[a] = 0.0
                else:
                    dl = new(0.0, 1.0, 1)
                    rows.append({a: 1.0, z: -1.0}), rlo.append(0.0), rhi.append(np.inf)          # a >= z
                    rows.append({a: 1.0, z: -1.0, dl: -zlo[i]}), rlo.append(-np.inf), rhi.append(-zlo[i])  # a <= z - l(1-δ)
                    rows.append({a: 1.0, dl: -zhi[i]}), rlo.append(-np.inf), rhi.append(0.0)      # a <= u δ
                nxt.append(a)
            prev = nxt
            plo, phi = np.maximum(zlo, 0), np.maximum(zhi, 0)
    ri = [r for r, row in enumerate(rows) for _ in row]
    ci = [k for row in rows for k in row]
    vals = [v for row in rows for v in row.values()]
    A = csr_matrix((vals, (ri, ci)), shape=(len(rows), cols))
    c = np.zeros(cols)
    for k, v in obj.items():
        if k != "const":
            c[k] = -v                         # both solvers minimize
    return c, obj.get("const", 0.0), A, np.array(rlo), np.array(rhi), np.array(lb), np.array(ub), np.array(integ)


def _problem(f, g, box, sign):
    box = box or [(0, 1)] * f.input_dim
    nets, signs = ([f, g], [sign, -sign]) if g is not None else ([f], [sign])
    return box, _encode(nets, signs, box)


def milp_max(f, g=None, box=None, sign=1, time_limit=600.0):
    """max over the box of sign*(f - g) (or sign*f) by a float big-M MILP (HiGHS); returns (value, x, status)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    box, (c, const, A, rlo, rhi, lb, ub, integ) = _problem(f, g, box, sign)
    res = milp(c, constraints=LinearConstraint(A, rlo, rhi), bounds=Bounds(lb, ub), integrality=integ,
               options={"time_limit": time_limit, "mip_rel_gap": 1e-9})
    if res.x is None:
        return None, None, res.message
    return -res.fun + const, res.x[:len(box)], res.message


def gurobi_max(f, g=None, box=None, sign=1, time_limit=600.0):
    """The same big-M MILP as :func:`milp_max`, solved by Gurobi; returns (value, x, status).

    Raises ImportError when gurobipy is missing; a licence refusal (the size-limited licence's
    "Model too large", or no licence) comes back as (None, None, "not run: ...")."""
    if gp is None:
        raise ImportError(GUROBI_MISSING)
    box, (c, const, A, rlo, rhi, lb, ub, integ) = _problem(f, g, box, sign)
    # Gurobi's matrix constraints take one sense per row: split the ranged rows rlo <= A x <= rhi.
    eq = rlo == rhi
    parts = ((np.flatnonzero(eq), GRB.EQUAL, rlo),
             (np.flatnonzero(~eq & np.isfinite(rlo)), GRB.GREATER_EQUAL, rlo),
             (np.flatnonzero(~eq & np.isfinite(rhi)), GRB.LESS_EQUAL, rhi))
    names = {GRB.OPTIMAL: "optimal", GRB.TIME_LIMIT: "time limit reached", GRB.INFEASIBLE: "infeasible",
             GRB.INF_OR_UNBD: "infeasible or unbounded", GRB.UNBOUNDED: "unbounded",
             GRB.SUBOPTIMAL: "suboptimal", GRB.INTERRUPTED: "interrupted", GRB.NUMERIC: "numeric trouble"}
    env = m = None
    try:
        env = gp.Env(empty=True)
        env.setParam("OutputFlag", 0)
        env.start()
        m = gp.Model("abs_sup", env=env)
        m.Params.TimeLimit = time_limit
        m.Params.MIPGap = 1e-9                       # as HiGHS's mip_rel_gap above
        vtype = np.array([GRB.BINARY if i else GRB.CONTINUOUS for i in integ])
        x = m.addMVar(len(c), lb=lb, ub=ub, vtype=vtype)
        for idx, sense, rhs in parts:
            if len(idx):
                m.addMConstr(A[idx], x, sense, rhs[idx])
        m.setObjective(c @ x, GRB.MINIMIZE)
        m.optimize()
        status = names.get(m.Status, f"Gurobi status {m.Status}")
        if m.SolCount == 0:
            return None, None, status
        return -m.ObjVal + const, np.array(x.X)[:len(box)], status
    except gp.GurobiError as e:                      # licence limits or no licence: the reason is the row
        return None, None, f"not run: {e}"
    finally:
        if m is not None:
            m.dispose()
        if env is not None:
            env.dispose()


def _abs_sup(solve, f, g, box, time_limit):
    """max |f - g| as the larger of two one-signed MILPs."""
    a = solve(f, g, box, 1, time_limit)
    b = solve(f, g, box, -1, time_limit)
    return max((a, b), key=lambda r: -np.inf if r[0] is None else r[0])


def milp_abs_sup(f, g, box=None, time_limit=600.0):
    """max |f - g| by HiGHS, as the larger of two MILPs."""
    return _abs_sup(milp_max, f, g, box, time_limit)


def gurobi_abs_sup(f, g, box=None, time_limit=600.0):
    """max |f - g| by Gurobi, as the larger of two MILPs (ImportError without gurobipy)."""
    return _abs_sup(gurobi_max, f, g, box, time_limit)
