"""Float MILP baseline for max |f - g| over a box: HiGHS through scipy.optimize.milp, big-M encoding.

This is what a practitioner would write (Tjeng et al. style big-M with interval bounds); it works in
floating point, so its value is a float that may be off, and it carries no certificate.  The benchmark
times it beside exactrelu's exact sup.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp


def _float_layers(net):
    return [(np.array([[float(w) for w in r] for r in lay.weight]), np.array([float(b) for b in lay.bias]))
            for lay in net.layers]


def _encode(nets, signs, box):
    """Variables: x (d), then per net per hidden neuron (z, a, delta). Objective sum_k sign_k * out_k."""
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
        layers = _float_layers(net)
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
    A = np.zeros((len(rows), cols))
    for r, row in enumerate(rows):
        for k, v in row.items():
            A[r, k] = v
    c = np.zeros(cols)
    for k, v in obj.items():
        if k != "const":
            c[k] = -v                         # milp minimizes
    return c, obj.get("const", 0.0), A, np.array(rlo), np.array(rhi), np.array(lb), np.array(ub), np.array(integ)


def milp_max(f, g=None, box=None, sign=1, time_limit=600.0):
    """max over the box of sign*(f - g) (or sign*f) by a float big-M MILP; returns (value, x, status)."""
    box = box or [(0, 1)] * f.input_dim
    nets, signs = ([f, g], [sign, -sign]) if g is not None else ([f], [sign])
    c, const, A, rlo, rhi, lb, ub, integ = _encode(nets, signs, box)
    res = milp(c, constraints=LinearConstraint(A, rlo, rhi), bounds=Bounds(lb, ub), integrality=integ,
               options={"time_limit": time_limit, "mip_rel_gap": 1e-9})
    if res.x is None:
        return None, None, res.message
    return -res.fun + const, res.x[:len(box)], res.message


def milp_abs_sup(f, g, box=None, time_limit=600.0):
    """max |f - g| as the larger of two MILPs."""
    a = milp_max(f, g, box, 1, time_limit)
    b = milp_max(f, g, box, -1, time_limit)
    return max((a, b), key=lambda r: -np.inf if r[0] is None else r[0])
