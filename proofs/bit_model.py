"""The bit model of Doron-Arad and Mossel, "Why ReLU? A Bit-Model Dichotomy for Deep Network Training"
(arXiv 2602.19017, 2026): one claim per construction or bound, each decided exactly.

Every verdict is an exact comparison of integers, Fractions, python-flint rationals or sympy rationals.
The one exception is Figure 1's float64 panel, and what that claim says is about exact quantities: the
exact squared gradient norm S, and float64's squared norm read exactly as a rational.  Each claim
recomputes what it checks here, independently of exactrelu.bitmodel: a direct evaluation of
f^v = sigma(x_v + sum (w f^u + b)), sympy's derivative of the symbolic loss, a plain layered
backpropagation in python-flint rationals, sympy's expansions and determinants, a recursive SLP
evaluator, Taylor bounds on exp.  Every random instance comes from a fixed seed.  ``quick`` runs
subsets.

Hooks inject a broken construction or a wrong constant, and the claim named in brackets must then
fail:
``forward``, ``from_net`` [bits.dag_model]; ``backprop`` [bits.backprop]; ``lift_guard=True``
[bits.budget]; ``e1_scale`` [bits.e1_bound]; ``growth_factor`` [bits.poly_growth]; ``figure1_setup``
[bits.figure1]; ``gadget_lambda`` [bits.gadget]; ``det_formula`` [bits.basis]; ``f1_alphas``,
``f2_betas`` [bits.power_negative]; ``bounded_norm`` [bits.bounded_norm]; ``bit_slp``, ``pos_slp``
[bits.slp]; ``lemma32_gadget``, ``lemma32_mutate`` [bits.lemma32]; ``size_formula``
[bits.lemma32_size]; ``hinge_opt`` [bits.hinge]; ``appc_formula`` [bits.backprop_sign];
``witness_check`` [bits.np_witness]; ``twins``, ``log_base`` [bits.pac].
``only`` (a collection of claim ids) runs only those claims; tests use it to run one claim.
"""
from __future__ import annotations

import math
import random
import re
import sys
import tempfile
from fractions import Fraction as F
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flint  # noqa: E402
import numpy as np  # noqa: E402
import sympy  # noqa: E402

from exactrelu import kernel  # noqa: E402
from exactrelu.bitmodel import erm, figure1, gadget as g, pac, passes, reduction as R, slp as S  # noqa: E402
from exactrelu.bitmodel.dag import DagNet, from_net, hinge, identity, leaky, piecewise, poly, relu  # noqa: E402
from exactrelu.bitmodel.dag import custom, square, zero_one  # noqa: E402
from exactrelu.bitmodel.growth import e1_bound, e1_check, encoding_length, layer_bits  # noqa: E402
from exactrelu.bitmodel.instance import (Instance, LossSpec, Sample, load_instance, load_theta,  # noqa: E402
                                         save_instance, save_theta)
from exactrelu.errors import LimitReached  # noqa: E402
from exactrelu.net import Net  # noqa: E402
from exactrelu.numbers import log10  # noqa: E402
from exactrelu.proofkit import run_claims, run_script  # noqa: E402

PAPER = "Doron-Arad & Mossel 2026"
HOOKS = {"forward", "from_net", "backprop", "lift_guard", "e1_scale", "growth_factor", "figure1_setup",
         "gadget_lambda", "det_formula", "f1_alphas", "f2_betas", "bounded_norm", "bit_slp", "pos_slp",
         "lemma32_gadget", "lemma32_mutate", "size_formula", "hinge_opt", "appc_formula", "witness_check",
         "twins", "log_base", "only"}
fmpq = flint.fmpq
FMAX = F(sys.float_info.max)


# -- exact helpers, written here (independent of the modules under test) -------------------------------
def _bits(q) -> int:
    """len(p/q) = bits(|p|) + bits(q), bits(0) = 1 (docs/bit-model-passes.md §4)."""
    q = F(q)
    return max(1, abs(q.numerator).bit_length()) + q.denominator.bit_length()


def _Q(v):
    v = F(v)
    return sympy.Rational(v.numerator, v.denominator)


def _rat(rng, num, den) -> F:
    """p/q with q uniform in 1..den and p uniform in -num..num (num < 0: |p/q| <= -num, p in -|num| q..|num| q)."""
    d = rng.randint(1, den)
    lim = -num * d if num < 0 else num
    return F(rng.randint(-lim, lim), d)


def _lcm(*ns) -> int:
    return math.lcm(*ns) if ns else 1


# Activations as plain specs: ("relu",), ("leaky", s), ("identity",), ("pw", breakpoints, slopes, intercepts),
# ("poly", coefficients lowest first).  At a breakpoint the piece on the left applies (value and derivative).
def _module_act(s):
    kind = s[0]
    if kind == "relu":
        return relu()
    if kind == "leaky":
        return leaky(s[1])
    if kind == "identity":
        return identity()
    if kind == "pw":
        return piecewise(list(s[1]), list(s[2]), list(s[3]))
    return poly(list(s[1]))


def _piece(s, z):
    """("lin", a, c) of the piece the point z selects, or ("poly", coefficients)."""
    kind = s[0]
    if kind == "relu":
        return ("lin", F(1), F(0)) if z > 0 else ("lin", F(0), F(0))
    if kind == "leaky":
        return ("lin", F(1), F(0)) if z > 0 else ("lin", F(s[1]), F(0))
    if kind == "identity":
        return ("lin", F(1), F(0))
    if kind == "pw":
        for b, a, c in zip(s[1], s[2], s[3]):
            if z <= b:
                return ("lin", F(a), F(c))
        return ("lin", F(s[2][-1]), F(s[3][-1]))
    return ("poly", tuple(F(c) for c in s[1]))


def _sigma(s, z):
    p = _piece(s, z)
    if p[0] == "lin":
        return p[1] * z + p[2]
    return sum((c * z ** k for k, c in enumerate(p[1])), F(0))


def _enc_act(s) -> int:
    """enc(sigma): bit lengths of breakpoints, slopes and intercepts (or coefficients), as documented in
    exactrelu/bitmodel/instance.py (ReLU: breakpoint 0, slopes 0 and 1, intercepts 0 and 0)."""
    kind = s[0]
    if kind == "relu":
        nums = [0, 0, 1, 0, 0]
    elif kind == "leaky":
        nums = [0, s[1], 1, 0, 0]
    elif kind == "identity":
        nums = [1, 0]
    elif kind == "pw":
        nums = list(s[1]) + list(s[2]) + list(s[3])
    else:
        nums = [c for c in s[1]]
        while len(nums) > 1 and nums[-1] == 0:
            nums.pop()
    return sum(_bits(v) for v in nums)


def _act_constants(s) -> list:
    """The numbers of sigma that enter a value: slopes and intercepts, or the coefficients."""
    kind = s[0]
    if kind == "relu":
        return [0, 1, 0, 0]
    if kind == "leaky":
        return [s[1], 1, 0, 0]
    if kind == "identity":
        return [1, 0]
    if kind == "pw":
        return list(s[2]) + list(s[3])
    c = list(s[1])
    while len(c) > 1 and c[-1] == 0:
        c.pop()
    return c


def _topo(V, E) -> list:
    """A topological order (Kahn), ties in the order of V."""
    indeg = {v: 0 for v in V}
    succ = {v: [] for v in V}
    for u, w in E:
        indeg[w] += 1
        succ[u].append(w)
    ready = [v for v in V if indeg[v] == 0]
    order = []
    while ready:
        v = ready.pop(0)
        order.append(v)
        for w in succ[v]:
            indeg[w] -= 1
            if indeg[w] == 0:
                ready.append(w)
    return order


def _direct(V, E, specs, sources, theta, x) -> dict:
    """{v: (z_v, f^v)} by f^s = x_s, f^v = sigma^v(x_v + sum_{(u,v)} (w_uv f^u + b_uv)) (Section 2)."""
    preds = {v: [] for v in V}
    for (u, w), (wt, b) in theta.items():
        preds[w].append((u, F(wt), F(b)))
    out = {}
    for v in _topo(V, E):
        if v in sources:
            out[v] = (F(x[v]), F(x[v]))
            continue
        z = F(x.get(v, 0))
        for u, wt, b in preds[v]:
            z += wt * out[u][1] + b
        out[v] = (z, _sigma(specs[v], z))
    return out


def _act_spec(rng, num, den, kinds):
    k = rng.choice(kinds)
    if k == "relu":
        return ("relu",)
    if k == "leaky":
        return ("leaky", _rat(rng, num, den))
    if k == "identity":
        return ("identity",)
    if k == "pw":
        bs = sorted({_rat(rng, num, 2) for _ in range(rng.randint(0, 2))})
        return ("pw", tuple(bs), tuple(_rat(rng, num, den) for _ in range(len(bs) + 1)),
                tuple(_rat(rng, num, den) for _ in range(len(bs) + 1)))
    if k == "poly":
        return ("poly", tuple(_rat(rng, num, den) for _ in range(rng.randint(1, 4))))
    return ("poly", tuple(_rat(rng, num, den) for _ in range(rng.randint(1, 2))))   # "line": degree <= 1


def _random_dag(rng, *, n_max, num, den, kinds, inject=0.3, n_samples=(1, 2), outputs_max=2):
    """A random DAG: vertices v0.., edges i -> j (i < j) each with probability 1/2, 1-2 sources, inputs at the
    sources and (with probability ``inject``, or at every vertex for inject=1) elsewhere, 1-``outputs_max`` outputs."""
    n = rng.randint(2, n_max)
    ns = rng.randint(1, min(2, n - 1))
    V = [f"v{i}" for i in range(n)]
    E = [(V[i], V[j]) for j in range(ns, n) for i in range(j) if rng.random() < 0.5]
    specs = {v: _act_spec(rng, num, den, kinds) for v in V[ns:]}
    inputs = V[:ns] + [v for v in V[ns:] if rng.random() < inject]
    outs = [V[-1]] + [v for v in V[:-1] if rng.random() < 0.3][: outputs_max - 1]
    theta = {e: (_rat(rng, num, den), _rat(rng, num, den)) for e in E}
    samples = [({v: _rat(rng, num, den) for v in inputs}, [_rat(rng, num, den) for _ in outs])
               for _ in range(rng.randint(*n_samples))]
    net = DagNet(V, E, {v: _module_act(s) for v, s in specs.items()}, V[:ns], outs, inputs=inputs)
    return {"V": V, "E": E, "specs": specs, "sources": V[:ns], "outputs": outs, "inputs": inputs, "theta": theta,
            "samples": samples, "net": net}


def _slp_values(P) -> list:
    """a_0..a_l of an SLP by a memoised recursion over its gate list (Definition 2.2)."""
    memo = {0: F(P.a0)}

    def val(i):
        if i not in memo:
            op, j, k = P.gates[i - 1]
            a, b = val(j), val(k)
            memo[i] = a + b if op == "+" else a - b if op == "-" else a * b
        return memo[i]
    for i in range(len(P.gates) + 1):
        val(i)
    return [memo[i] for i in range(len(P.gates) + 1)]


def _bit(v: F, j: int) -> bool:
    """floor(|u|/v / 2^j) mod 2 = 1 (Problem 2.3), by Fractions."""
    return math.floor(abs(v) / F(2) ** j) % 2 == 1


def _claims(quick):
    return [("bits.dag_model", _dag_model), ("bits.backprop", _backprop), ("bits.budget", _budget),
            ("bits.e1_bound", _e1_bound), ("bits.poly_growth", _poly_growth), ("bits.figure1", _figure1),
            ("bits.gadget", _gadget), ("bits.basis", _basis), ("bits.power_negative", _power_negative),
            ("bits.bounded_norm", _bounded_norm), ("bits.slp", _slp), ("bits.lemma32", _lemma32),
            ("bits.lemma32_size", _lemma32_size), ("bits.hinge", _hinge), ("bits.backprop_sign", _backprop_sign),
            ("bits.np_witness", _np_witness), ("bits.pac", _pac)]


def checks(report, quick=False, **hooks):
    """Bit model (Doron-Arad & Mossel 2026): DAG semantics, backprop, budget, E.1, Figure 1, gadgets, SLPs,
    Lemma 3.2, Appendix C, ERM witnesses, PAC separation."""
    run_claims(report, quick, hooks, _claims(quick), HOOKS)


# -- 1. the model ------------------------------------------------------------------------------------
def _random_net(rng):
    L = rng.randint(1, 4)
    dims = [rng.randint(1, 4) for _ in range(L)] + [rng.randint(1, 2)]
    return Net([([[_rat(rng, 6, 8) for _ in range(dims[l])] for _ in range(dims[l + 1])],
                 [_rat(rng, 6, 8) for _ in range(dims[l + 1])]) for l in range(L)])


def _dag_model(report, quick, hooks):
    fwd = hooks.get("forward", passes.forward)
    to_dag = hooks.get("from_net", from_net)
    nn, nd = (20, 25) if quick else (150, 200)
    with report.claim("bits.dag_model", f"{PAPER}, Section 2; layered nets: exactrelu's convention "
                      "(exactrelu/bitmodel/dag.py)",
                      "layered Nets convert exactly (DAG forward = kernel.evaluate); on hand-built DAGs with input "
                      "injected at every vertex and a weight and bias per edge, forward = the direct evaluation of "
                      "f^v = sigma(x_v + sum_(u,v) (w_uv f^u + b_uv)), every vertex's pre-activation and value") as c:
        c.over(f"{nn} random layered Nets (1-4 affine layers, widths 1-4, 1-2 outputs, entries p/q with |p| <= 6, "
               "q <= 8; seed 1001), 3 points each")
        c.over(f"{nd} random DAGs (2-7 vertices, edges i -> j (i < j) with probability 1/2, 1-2 sources, input at "
               "every vertex in even-numbered DAGs and at 30% of them otherwise, 1-3 outputs, ReLU / leaky / piecewise "
               "/ identity / polynomial activations, numbers p/q with |p| <= 2, q <= 4; seed 1002), 1-2 inputs each; "
               "the example of docs/bit-model-passes.md §1 with an input at h too")
        rng = random.Random(1001)
        for k in range(nn):
            net = _random_net(rng)
            dag, theta = to_dag(net)
            for _ in range(3):
                x = tuple(_rat(rng, 6, 8) for _ in range(net.input_dim))
                vals = fwd(dag, theta, list(x))
                got = tuple(vals[f"y{j}"].act for j in range(net.output_dim))
                c.check(got == kernel.evaluate(net, x), f"net {k} at {x}: DAG {got} != kernel")
        rng = random.Random(1002)
        kinds = ("relu", "leaky", "identity", "pw", "poly")
        for k in range(nd):
            inst = _random_dag(rng, n_max=7, num=2, den=4, kinds=kinds, inject=1 if k % 2 == 0 else 0.3,
                               outputs_max=3)
            for x, _ in inst["samples"]:
                vals = fwd(inst["net"], inst["theta"], x)
                mine = _direct(inst["V"], inst["E"], inst["specs"], inst["sources"], inst["theta"], x)
                c.check(all((vals[v].pre, vals[v].act) == mine[v] for v in inst["V"]),
                        f"DAG {k}: forward differs from the direct evaluation")
        V, E = ["s", "h", "t"], [("s", "h"), ("h", "t"), ("s", "t")]
        theta = {("s", "h"): (F(2), F(1, 3)), ("h", "t"): (F(-1, 2), F(0)), ("s", "t"): (F(3), F(1, 5))}
        net = DagNet(V, E, relu(), ["s"], ["t"], inputs=["s", "h"])
        x = {"s": F(1, 2), "h": F(-1, 7)}
        mine = _direct(V, E, {"h": ("relu",), "t": ("relu",)}, ["s"], theta, x)
        vals = fwd(net, theta, x)
        c.check(mine["t"][0] == F(-1, 2) * F(25, 21) + 3 * F(1, 2) + F(1, 5) and
                all((vals[v].pre, vals[v].act) == mine[v] for v in V), "the documented example")


# -- 2. backpropagation against sympy, and the bit budget ------------------------------------------------
def _custom_value(yh, y):
    return sum(((a - F(b)) ** 4 / 4 - a / 3 for a, b in zip(yh, y)), F(0))


def _custom_grad(yh, y):
    return [(a - F(b)) ** 3 - F(1, 3) for a, b in zip(yh, y)]


CUSTOM = custom(_custom_value, _custom_grad, name="quartic")


def _sym_piece_act(s, z):
    Qz = sympy.Rational
    kind = s[0]
    if kind == "relu":
        return sympy.Piecewise((0, z <= 0), (z, True))
    if kind == "leaky":
        return sympy.Piecewise((_Q(s[1]) * z, z <= 0), (z, True))
    if kind == "identity":
        return z
    if kind == "pw":
        args = [(_Q(a) * z + _Q(cc), z <= _Q(b)) for b, a, cc in zip(s[1], s[2], s[3])]
        return sympy.Piecewise(*args, (_Q(s[2][-1]) * z + _Q(s[3][-1]), True))
    return sum((_Q(cc) * z ** k for k, cc in enumerate(s[1])), Qz(0))


def _symbolic_loss(inst, lossname, params, resolve):
    """The loss as a sympy expression in the symbols ``params`` (one per weight, bias and input coordinate),
    written from Section 2's formula.  ``resolve``: write each activation (and the hinge) as the piece the
    point selects, instead of a sympy Piecewise (the left piece at a breakpoint, as sympy's Piecewise does)."""
    V, E, specs, theta = inst["V"], inst["E"], inst["specs"], inst["theta"]
    total = sympy.Integer(0)
    for i, (x, y) in enumerate(inst["samples"]):
        f, fv = {}, {}
        for v in V:                                     # V is topological: every edge goes i -> j, i < j
            if v in inst["sources"]:
                f[v], fv[v] = params[("x", i, v)], F(x[v])
                continue
            z, zv = (params[("x", i, v)], F(x[v])) if v in x else (sympy.Integer(0), F(0))
            for (u, w) in E:
                if w == v:
                    z += params[("w", u, w)] * f[u] + params[("b", u, w)]
                    zv += theta[(u, w)][0] * fv[u] + theta[(u, w)][1]
            if resolve:
                p = _piece(specs[v], zv)
                f[v] = _Q(p[1]) * z + _Q(p[2]) if p[0] == "lin" else sum(_Q(cc) * z ** k for k, cc in enumerate(p[1]))
            else:
                f[v] = _sym_piece_act(specs[v], z)
            fv[v] = _sigma(specs[v], zv)
        for k, t in enumerate(inst["outputs"]):
            yk = F(y[k])
            if lossname == "square":
                total += sympy.Rational(1, 2) * (f[t] - _Q(yk)) ** 2
            elif lossname == "hinge":
                m = 1 - _Q(yk) * f[t]
                if resolve:
                    total += m if 1 - yk * fv[t] > 0 else 0
                else:
                    total += sympy.Piecewise((0, m <= 0), (m, True))
            else:
                total += (f[t] - _Q(yk)) ** 4 / 4 - f[t] / 3
    return total


def _sympy_gradient(inst, lossname, resolve):
    vals = {}
    for (u, v), (w, b) in inst["theta"].items():
        vals[("w", u, v)], vals[("b", u, v)] = F(w), F(b)
    for i, (x, _) in enumerate(inst["samples"]):
        for v in inst["inputs"]:
            vals[("x", i, v)] = F(x[v])
    syms = {k: sympy.Symbol(f"p{j}") for j, k in enumerate(vals)}
    expr = _symbolic_loss(inst, lossname, syms, resolve)
    sub = {syms[k]: _Q(q) for k, q in vals.items()}
    value = F(str(expr.xreplace(sub)))
    return value, {k: F(str(sympy.diff(expr, s).xreplace(sub))) for k, s in syms.items()}


def _backprop(report, quick, hooks):
    bp = hooks.get("backprop", passes.backprop)
    n, n_pw = (12, 3) if quick else (80, 20)
    with report.claim("bits.backprop", f"{PAPER}, Theorem 1.4 and Appendix E (one exact backpropagation step)",
                      "the exact loss and every dL/dw_e, dL/db_e, dL/dx_v of one backpropagation step equal sympy's "
                      "derivative of the symbolic loss, for ReLU, leaky, piecewise, identity and polynomial "
                      "activations under the square, hinge and a custom (quartic) loss") as c:
        c.over(f"{n} random DAGs (2-5 vertices, edges i -> j with probability 1/2, inputs at the sources and 30% of "
               "the others, 1-2 outputs, numbers p/q with |p| <= 2, q <= 4 so points land on breakpoints; seed 1003), "
               "1-2 samples, each under square, hinge and (yhat - y)^4/4 - yhat/3; sympy Piecewise for the first "
               f"{n_pw} DAGs, the pieces the point selects for the others; ReLU'(0) = 0 at x = 1 on s -> h (1, -1)")
        rng = random.Random(1003)
        kinds = ("relu", "leaky", "identity", "pw", "poly")
        seen, hits = set(), 0
        for k in range(n):
            inst = _random_dag(rng, n_max=5, num=2, den=4, kinds=kinds)
            seen |= {s[0] for s in inst["specs"].values()}
            for x, _ in inst["samples"]:              # pre-activations exactly on a breakpoint
                vals = _direct(inst["V"], inst["E"], inst["specs"], inst["sources"], inst["theta"], x)
                hits += sum(vals[v][0] in ((F(0),) if s[0] in ("relu", "leaky") else s[1] if s[0] == "pw" else ())
                            for v, s in inst["specs"].items())
            for lossname, lossobj in (("square", square), ("hinge", hinge), ("custom", CUSTOM)):
                p = bp(inst["net"], inst["theta"], inst["samples"], lossobj)
                value, grad = _sympy_gradient(inst, lossname, resolve=k >= n_pw)
                c.check(p.loss == value, f"DAG {k} {lossname}: loss {p.loss} != sympy {value}")
                ours, gx = {}, p.grad_x or []
                for (u, v) in inst["E"]:
                    ours[("w", u, v)], ours[("b", u, v)] = p.grad_w.get((u, v)), p.grad_b.get((u, v))
                for i, _ in enumerate(inst["samples"]):
                    for v in inst["inputs"]:
                        ours[("x", i, v)] = gx[i].get(v) if i < len(gx) else None
                bad = [key for key in grad if ours.get(key) != grad[key]]
                c.check(not bad, f"DAG {k} {lossname}: gradient differs from sympy at {bad[:3]}")
        c.check(seen >= set(kinds), f"activation kinds covered: {sorted(seen)}")
        c.check(hits > 0, "no pre-activation on a breakpoint: the convention there is not exercised")
        c.note(f"{hits} pre-activations on a breakpoint")
        inst = {"V": ["s", "h"], "E": [("s", "h")], "specs": {"h": ("relu",)}, "sources": ["s"], "outputs": ["h"],
                "inputs": ["s"], "theta": {("s", "h"): (F(1), F(-1))}, "samples": [({"s": F(1)}, [F(-3)])]}
        inst["net"] = DagNet(inst["V"], inst["E"], relu(), ["s"], ["h"])
        p = bp(inst["net"], inst["theta"], inst["samples"], square)
        value, grad = _sympy_gradient(inst, "square", resolve=False)
        c.check(p.grad_w[("s", "h")] == grad[("w", "s", "h")] == 0 and p.loss == value,
                "ReLU'(0) = 0 at a breakpoint, as sympy's Piecewise")


def _chain(act, length, weight=1, bias=0):
    vs = ["s"] + [f"v{i}" for i in range(1, length + 1)]
    net = DagNet(vs, list(zip(vs, vs[1:])), act, ["s"], [vs[-1]])
    return net, {e: (F(weight), F(bias)) for e in net.edges}


def _budget(report, quick, hooks):
    lift = hooks.get("lift_guard", False)

    def B(b):
        return None if lift else b
    refusal = re.compile(r"bit budget (\d+) reached at vertex v(\d+) \(layer \2\), sample 0: the activation would "
                         r"multiply a (\d+)-bit and a (\d+)-bit number \(up to (\d+) bits\); "
                         r"refused before multiplying")
    budgets = (20_000, 3_000) if quick else (20_000, 3_000, 777, 100)
    with report.claim("bits.budget", "exactrelu's bit budget (exactrelu/bitmodel/passes.py); "
                      f"{PAPER}, Theorem 1.1 (the polynomial side's growth)",
                      "a pass that would exceed its bit budget stops with LimitReached naming the vertex, before the "
                      "product is formed: on an x^2 chain from 3/2 it is the first vertex whose activation would "
                      "multiply two len((3/2)^(2^(k-1)))-bit numbers beyond the budget; a sum over it (1/3 + 1/5) is "
                      "refused too; a pass whose quantities have at most M bits completes under budget 2M (every "
                      "product's operands then fit) with the unbudgeted results, and budget M - 1 stops it") as c:
        c.over("x^2 chain of depth 14 (weights 1, biases 0) from x = 3/2", budget=budgets)
        c.over("1 * 1/3 + 1/5 = 8/15 under budget 7; square-loss backprop of a ReLU DAG (7 vertices, seed 1005), a "
               "leaky chain of depth 30 (weight -3/2) and an x^2 chain of depth 8, each under budgets 2M and M - 1, "
               "M its largest quantity")
        net, theta = _chain(poly([0, 0, 1]), 14)
        for budget in budgets:
            k = next(k for k in range(1, 15) if 2 * _bits(F(3, 2) ** 2 ** (k - 1)) > budget)
            la = _bits(F(3, 2) ** 2 ** (k - 1))
            for what, run in (("forward", lambda: passes.passes(net, theta, [[F(3, 2)]], budget=B(budget),
                                                                as_fmpq=True)),
                              ("backprop", lambda: passes.backprop(net, theta, [([F(3, 2)], [0])], square,
                                                                   B(budget), as_fmpq=True))):
                try:
                    run()
                    msg = None
                except LimitReached as e:
                    msg = str(e)
                c.check(msg is not None, f"{what}, budget {budget}: stopped with LimitReached naming a vertex")
                m = refusal.fullmatch(msg or "")
                c.check(m is not None and int(m.group(1)) == budget and int(m.group(2)) == k
                        and int(m.group(3)) == int(m.group(4)) == la and int(m.group(5)) == 2 * la > budget,
                        f"{what}, budget {budget}: {msg!r} should refuse v{k}'s product of two {la}-bit numbers")
        one, _ = _chain(identity(), 1)
        try:
            passes.forward(one, {("s", "v1"): (F(1), F(1, 5))}, [F(1, 3)], budget=B(7))
            msg = None
        except LimitReached as e:
            msg = str(e)
        c.check(msg == "bit budget 7 reached at vertex v1 (layer 1), sample 0: the pre-activation has 8 bits",
                f"partial sum 8/15 under budget 7: {msg!r}")
        rng = random.Random(1005)
        inst = _random_dag(rng, n_max=7, num=3, den=5, kinds=("relu",), n_samples=(3, 3))
        while len(inst["V"]) < 7:
            inst = _random_dag(rng, n_max=7, num=3, den=5, kinds=("relu",), n_samples=(3, 3))
        cases = [(inst["net"], inst["theta"], inst["samples"]),
                 (*_chain(leaky(F(1, 3)), 30, weight=F(-3, 2)), [([F(5, 7)], [1])]),
                 (*_chain(poly([0, 0, 1]), 8), [([F(3, 2)], [0])])]
        for name, (dnet, th, samples) in zip(("ReLU DAG", "leaky chain", "x^2 chain"), cases):
            free = passes.backprop(dnet, th, samples, square)
            top = free.report.max
            c.check(max(_bits(q) for wb in th.values() for q in wb) <= top, f"{name}: a weight longer than M")
            ok = passes.backprop(dnet, th, samples, square, B(2 * top))
            c.check((ok.loss, ok.grad_w, ok.grad_b, ok.grad_x) == (free.loss, free.grad_w, free.grad_b, free.grad_x),
                    f"{name}: budget {2 * top} (twice its maximum) completes with the unbudgeted results")
            try:
                passes.backprop(dnet, th, samples, square, B(top - 1))
                stopped = False
            except LimitReached:
                stopped = True
            c.check(stopped, f"{name}: budget {top - 1} (one bit below its maximum) stops with LimitReached")


# -- 3. Theorem E.1, explicit, and the polynomial side -------------------------------------------------------
def _e1_formula(N, E, V, L, k, ko, n, quantity, scale):
    """docs/bit-model-passes.md §5, recomputed: T = (N - 1)(2|E| + 4|V|), pi(0) = 2, pi(d) = 2 + k + k pi(d - 1),
    rho = (pi(L) + 1)(1 + k' + ... + k'^L); value 2T + ceil(log2 pi), delta 4T + ceil(log2 rho), grad
    6nT + ceil(log2 (n rho pi)); ``scale`` multiplies the leading coefficient."""
    T = (N - 1) * (2 * E + 4 * V)
    pi = 2
    for _ in range(L):
        pi = 2 + k + k * pi
    rho = (pi + 1) * sum(ko ** j for j in range(L + 1))
    coeff, count = {"value": (2, pi), "delta": (4, rho), "grad": (6 * n, n * rho * pi)}[quantity]
    return math.floor(F(scale) * coeff * T) + (count - 1).bit_length()


def _measure(inst, lossobj):
    """(value, delta, grad) maxima read off the exact values themselves (bit lengths computed here)."""
    net, theta, samples = inst["net"], inst["theta"], inst["samples"]
    p = passes.backprop(net, theta, samples, lossobj, values=True)
    value = max(_bits(q) for vals in p.values for val in vals.values() for q in val)
    grad = max([_bits(q) for q in list(p.grad_w.values()) + list(p.grad_b.values())], default=0)
    delta = 0
    for smp in samples:                         # one sample: dL/db_uv is delta_v, dL/dx_v the input derivative
        one = passes.backprop(net, theta, [smp], lossobj)
        delta = max([delta] + [_bits(q) for q in one.grad_b.values()] + [_bits(q) for q in one.grad_x[0].values()])
    return {"value": value, "delta": delta, "grad": grad}


def _shape(inst):
    V, E = inst["V"], inst["E"]
    layer = {}
    for v in _topo(V, E):
        layer[v] = max([layer[u] + 1 for u, w in E if w == v], default=0)
    fan_in = max([sum(1 for _, w in E if w == v) for v in V], default=0)
    fan_out = max([sum(1 for u, _ in E if u == v) for v in V], default=0)
    return len(E), len(V), max(layer.values()), fan_in, fan_out


def _scalar_N(inst) -> int:
    nums = [q for wb in inst["theta"].values() for q in wb]
    nums += [q for s in inst["specs"].values() for q in _act_constants(s)]
    nums += [q for x, y in inst["samples"] for q in list(x.values()) + list(y)]
    return max(_bits(q) for q in nums)


def _total_N(inst) -> int:
    nums = [q for wb in inst["theta"].values() for q in wb]
    nums += [q for x, y in inst["samples"] for q in list(x.values()) + list(y)]
    return sum(_bits(q) for q in nums) + sum(_enc_act(s) for s in inst["specs"].values())


def _prime_chain(length):
    """Every number that enters a value is 1/p for a distinct prime p >= 1000: nothing cancels."""
    primes = iter(sympy.primerange(1000, 10 ** 5))
    V = ["s"] + [f"v{i}" for i in range(length)]
    E = list(zip(V, V[1:]))
    specs = {v: ("pw", (), (F(1, next(primes)),), (F(1, next(primes)),)) for v in V[1:]}
    theta = {e: (F(1, next(primes)), F(1, next(primes))) for e in E}
    samples = [({"s": F(1, next(primes))}, [F(1, next(primes))])]
    net = DagNet(V, E, {v: _module_act(s) for v, s in specs.items()}, ["s"], [V[-1]])
    return {"V": V, "E": E, "specs": specs, "sources": ["s"], "outputs": [V[-1]], "inputs": ["s"], "theta": theta,
            "samples": samples, "net": net}


def _e1_bound(report, quick, hooks):
    scale = F(hooks.get("e1_scale", 1))
    n = 60 if quick else 1000
    losses = (("square", square), ("hinge", hinge), ("zero_one", zero_one))
    with report.claim("bits.e1_bound", f"{PAPER}, Theorem E.1 (Theorem 1.4); the explicit constant [R] reconstruction "
                      "(docs/bit-model-passes.md §5)",
                      "with piecewise-linear activations every value, delta and gradient entry has bit length <= "
                      "2T + ceil(log2 pi(L)), 4T + ceil(log2 rho), 6nT + ceil(log2(n rho pi(L))), T = (N-1)(2|E| + "
                      "4|V|), and the paper's form N + (5|E| + 8|V|)(N + 1) for the total encoding length N; half the "
                      "constant fails on a chain of 1/prime numbers, so it is not vacuous; summing samples adds bits "
                      "per sample, not log n (1/9 + 1/25 = 34/225)") as c:
        c.over(f"{n} random piecewise-linear DAGs (2-7 vertices, edges i -> j with probability 1/2, ReLU / leaky / "
               "piecewise / identity / degree <= 1 activations, numbers p/q with q <= 60 and |p/q| <= 6; seed 1004), "
               "1-2 samples, square / hinge / 0-1 loss in turn", scale=scale)
        c.over("the chain of 6 units whose every number is 1/p, p a distinct prime >= 1000, square loss, "
               f"at scale {scale} (holds) and {scale / 2} (fails)")
        rng = random.Random(1004)
        kinds = ("relu", "leaky", "identity", "pw", "line")
        for k in range(n):
            inst = _random_dag(rng, n_max=7, num=-6, den=60, kinds=kinds)
            lossname, lossobj = losses[k % 3]
            E, V, L, fi, fo = _shape(inst)
            N, ns = _scalar_N(inst), len(inst["samples"])
            mine = {q: _e1_formula(N, E, V, L, fi, fo, ns, q, scale) for q in ("value", "delta", "grad")}
            lib = {q: e1_bound(N, edges=E, vertices=V, depth=L, fan_in=fi, fan_out=fo, samples=ns, quantity=q,
                               scale=scale) for q in mine}
            ch = e1_check(inst["net"], inst["theta"], inst["samples"], lossobj, scale=scale)
            c.check(ch.N == N and lib == mine == ch.bound, f"DAG {k}: the bound {ch.bound} != the formula {mine}")
            meas = _measure(inst, lossobj)
            c.check(meas["value"] == ch.measured["value"] and meas["grad"] == ch.measured["grad"]
                    and meas["delta"] <= ch.measured["delta"], f"DAG {k}: measured {meas} vs report {ch.measured}")
            c.check(ch.ok and all(ch.measured[q] <= mine[q] for q in mine),
                    f"DAG {k} ({lossname}): {ch.measured} exceeds {mine}")
            Nt = _total_N(inst)
            c.check(Nt == encoding_length(inst["net"], inst["theta"], inst["samples"]) and
                    max(E, V, L, fi) <= Nt and ch.measured["value"] <= Nt + (5 * E + 8 * V) * (Nt + 1)
                    and ch.measured["delta"] <= Nt + (10 * E + 16 * V) * (Nt + 1),
                    f"DAG {k}: the paper's form with the total encoding length {Nt}")
        chain = _prime_chain(6)
        held = e1_check(chain["net"], chain["theta"], chain["samples"], square, scale=scale)
        half = e1_check(chain["net"], chain["theta"], chain["samples"], square, scale=scale / 2)
        c.check(held.ok, f"1/prime chain at scale {scale}: {held.violations}")
        c.check(not half.ok and half.violations[0].startswith("value: "),
                f"1/prime chain: half the constant (scale {scale / 2}) does not fail: the constant would be vacuous")
        one, th = _chain(identity(), 1)
        _, gw, _, rep = passes.backward(one, th, [([F(1, 3)], [0]), ([F(1, 5)], [0])], square)
        c.check(gw[("s", "v1")] == F(1, 9) + F(1, 25) == F(34, 225) and rep.edge[("s", "v1")]["grad_w"] == 14
                > max(_bits(F(1, 9)), _bits(F(1, 25))) + 1, "1/9 + 1/25: more than log n bits added")


def _poly_growth(report, quick, hooks):
    factor = hooks.get("growth_factor", lambda mu: mu)
    cases = ((2, 12), (3, 8), (4, 6))
    with report.claim("bits.poly_growth", f"{PAPER}, Theorem 1.1 and Section 1 (polynomials multiply bit length); "
                      "the per-layer tolerance [R] reconstruction (docs/bit-model-passes.md §6)",
                      "on a chain of T^mu units from 3/2 the layer-d value is (3/2)^(mu^d) exactly, and the per-layer "
                      "bit-length ratio is within 2 mu / bits_d of mu (under 1/100 at the last layer); a leaky-ReLU "
                      "chain adds at most len(w) + len(slope) bits per layer") as c:
        c.over("(mu, depth) in {(2, 12), (3, 8), (4, 6)}, weights 1, biases 0, x = 3/2; leaky(1/3) chain of depth 30, "
               "weight -3/2, x = 5/7")
        for mu, depth in cases:
            net, theta = _chain(poly([0] * mu + [1]), depth)
            bits = layer_bits(net, theta, [F(3, 2)])
            c.check(bits == [_bits(F(3, 2) ** mu ** d) for d in range(depth + 1)], f"T^{mu}: bits {bits}")
            want = factor(mu)
            for d in range(depth):
                c.check(abs(F(bits[d + 1], bits[d]) - want) <= F(2 * mu, bits[d]),
                        f"T^{mu} layer {d}: ratio {F(bits[d + 1], bits[d])} vs {want}")
            c.check(abs(F(bits[-1], bits[-2]) - want) < F(1, 100), f"T^{mu}: last ratio not within 1/100 of {want}")
        net, theta = _chain(leaky(F(1, 3)), 30, weight=F(-3, 2))
        bits = layer_bits(net, theta, [F(5, 7)])
        c.check(max(b - a for a, b in zip(bits, bits[1:])) <= _bits(F(-3, 2)) + _bits(F(1, 3)),
                f"leaky chain steps {bits}")


# -- 4. Figure 1 -----------------------------------------------------------------------------------------
def _recipe(seed, width, depth):
    """The documented Figure 1 net (exactrelu/bitmodel/figure1.py): weights 3k/16, k uniform in [-16, 16], from
    random.Random(seed * 1000 + depth), row by row; biases 0; the input k/16 from random.Random(seed)."""
    rng = random.Random(seed * 1000 + depth)
    dims = [width] * (depth + 1) + [1]
    Ws = [[[F(3 * rng.randint(-16, 16), 16) for _ in range(dims[l])] for _ in range(dims[l + 1])]
          for l in range(depth + 1)]
    rx = random.Random(seed)
    return Ws, [F(rx.randint(-16, 16), 16) for _ in range(width)]


def _plain_layered(Ws, x, act):
    """(S, M): the exact squared norm of dL/dW1 for L = f^2/2 by a plain layered backprop in fmpq, and the largest
    |quantity| on the way (pre-activations, activations, backpropagated errors, gradient entries)."""
    q = lambda v: fmpq(v.numerator, v.denominator)  # noqa: E731
    W = [[[q(w) for w in row] for row in Wl] for Wl in Ws]
    a, hs, zs, top = [q(v) for v in x], [], [], fmpq(0)
    for l, Wl in enumerate(W):
        hs.append(a)
        z = [sum((w * v for w, v in zip(row, a)), fmpq(0)) for row in Wl]
        zs.append(z)
        a = z if l == len(W) - 1 else ([v if v > 0 else fmpq(0) for v in z] if act == "relu" else [v * v for v in z])
        top = max([top] + [abs(v) for v in z + a])
    d = list(a)
    for l in range(len(W) - 1, 0, -1):
        back = [sum((W[l][j][i] * d[j] for j in range(len(d))), fmpq(0)) for i in range(len(zs[l - 1]))]
        d = [gv * ((1 if z > 0 else 0) if act == "relu" else 2 * z) for gv, z in zip(back, zs[l - 1])]
        top = max([top] + [abs(v) for v in back + d])
    grads = [dj * xi for dj in d for xi in hs[0]]
    top = max([top] + [abs(v) for v in grads])
    return sum((gv * gv for gv in grads), fmpq(0)), top


def _float_layered(Ws, x, act):
    """The float64 side of Figure 1: float64's norm of dL/dW1, or None where it is not finite."""
    W = [np.array([[float(w) for w in row] for row in Wl]) for Wl in Ws]
    with np.errstate(all="ignore"):
        a, zs, hs = np.array([float(v) for v in x]), [], []
        for l, Wl in enumerate(W):
            hs.append(a)
            z = Wl @ a
            zs.append(z)
            a = z if l == len(W) - 1 else (np.maximum(z, 0) if act == "relu" else z * z)
        d = a
        for l in range(len(W) - 1, 0, -1):
            d = W[l].T @ d
            d = d * ((zs[l - 1] > 0) if act == "relu" else 2 * zs[l - 1])
        gr = np.outer(d, hs[0])
        m = float(np.max(np.abs(gr)))
        norm = m * float(np.linalg.norm(gr / m)) if m > 0 and math.isfinite(m) else m
    return norm if math.isfinite(norm) else None


def _figure1(report, quick, hooks):
    D = 8 if quick else 12
    setup = hooks.get("figure1_setup", figure1.Setup(width=8, seed=0, max_depth=D))
    fq = lambda v: F(int(v.p), int(v.q))  # noqa: E731
    with report.claim("bits.figure1", f"{PAPER}, Figure 1; the setup (width, seed, input, loss) [R] reconstruction "
                      "(docs/bit-model-passes.md §7)",
                      "for Figure 1's nets the DAG pass's exact squared norm S of dL/dW1 equals a plain layered "
                      "backprop's; where float64 is finite its squared norm G has |G - S| <= 10^-9 S exactly (the "
                      "reported log10s agree to 1e-9 relative); float64 overflows exactly where an exact intermediate "
                      "exceeds the float64 maximum, while S stays a finite rational (x^2 from depth 7); the exact "
                      "bits grow additively for ReLU (< 64 per layer) and by a factor in (1.9, 2.2) per layer for x^2 "
                      "from depth 5") as c:
        c.over("ReLU and x^2", depth=range(1, D + 1), width=8, seed=0, weights="3k/16, k uniform in [-16, 16]",
               input="k/16", loss="f(x)^2 / 2")
        bits = {"relu": [], "x2": []}
        overflow = []
        for act in ("relu", "x2"):
            for depth in range(1, D + 1):
                Ws, x = _recipe(0, 8, depth)
                net = figure1.mlp(setup, depth)
                c.check([[list(r) for r in lay.weight] for lay in net.layers] == Ws
                        and all(b == 0 for lay in net.layers for b in lay.bias)
                        and list(figure1.point(setup)) == x, f"{act} depth {depth}: the net is not the documented one")
                dag, theta = from_net(net, relu() if act == "relu" else poly([0, 0, 1]))
                p = passes.backprop(dag, theta, [(list(figure1.point(setup)), [0])], square, as_fmpq=True)
                S_dag = sum((p.grad_w[e] ** 2 for e in dag.edges if e[0].startswith("x")), fmpq(0))
                S, top = _plain_layered(Ws, x, act)
                c.check(S_dag == S, f"{act} depth {depth}: DAG pass {S_dag} != plain layered backprop")
                entry = figure1.measure(setup, depth, act)
                c.check(entry["max_bits"] == p.report.max, f"{act} depth {depth}: max_bits")
                bits[act].append(p.report.max)
                norm64 = _float_layered(Ws, x, act)
                if S == 0:
                    c.check(entry["log10_grad_exact"] is None and "exact: the gradient is 0" in entry.get("reason", ""),
                            f"{act} depth {depth}: a zero gradient reported")
                    continue
                want = log10(fq(S)) / 2
                c.check(entry["log10_grad_exact"] is not None
                        and abs(entry["log10_grad_exact"] - want) <= 1e-12 * max(1.0, abs(want)),
                        f"{act} depth {depth}: reported exact log10 {entry['log10_grad_exact']} vs {want}")
                if norm64 is not None:
                    G = F(norm64) ** 2
                    c.check(abs(G - fq(S)) <= fq(S) / 10 ** 9, f"{act} depth {depth}: float64 G vs exact S")
                    c.check(fq(top) <= FMAX, f"{act} depth {depth}: finite float64 though an exact value > max")
                    f64 = entry["log10_grad_float64"]
                    c.check(f64 is not None and abs(f64 - want) <= 1e-9 * max(1.0, abs(want)),
                            f"{act} depth {depth}: reported float64 log10 {f64} vs exact {want}")
                else:
                    overflow.append((act, depth))
                    c.check(fq(top) > FMAX, f"{act} depth {depth}: float64 overflowed, no exact value > max")
                    c.check(entry["log10_grad_float64"] is None and "overflowed" in entry.get("reason", ""),
                            f"{act} depth {depth}: the overflow reported")
        c.check(bool(overflow) and {a for a, _ in overflow} == {"x2"} and min(d for _, d in overflow) == 7,
                f"float64 overflow at {overflow}")
        rb, xb = bits["relu"], bits["x2"]
        c.check(max(b - a for a, b in zip(rb, rb[1:])) < 64, f"ReLU bits {rb}")
        c.check(all(F(19, 10) < F(b, a) < F(22, 10) for a, b in zip(xb[4:], xb[5:])), f"x^2 bits {xb}")


# -- 5. Lemma 3.1, Claim B.4, Appendix F ---------------------------------------------------------------------
SIGMAS = ["T^2", "T^3", "T^2 + T", "T^4 - 3*T + 1/2", "(3/7)*T^5 + T^2 - 1", "2*T^3 - T/5 + 7"]
_x, _y, _U, _t, _T = sympy.symbols("x y U t T")


def _sympy_sigma(text) -> list:
    """sigma's coefficients (lowest first) by sympy's own parser."""
    e = sympy.sympify(text.replace("^", "**"), locals={"T": _T}, rational=True)
    return [F(int(c.p), int(c.q)) for c in reversed(sympy.Poly(e, _T).all_coeffs())]


def _sym_poly(p, var):
    return sum(_Q(cc) * var ** k for k, cc in enumerate(p))


def _random_sigmas(seed, count, max_degree):
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        mu = rng.randint(2, max_degree)
        lead = F(0)
        while lead == 0:
            lead = _rat(rng, 5, 7)
        out.append([_rat(rng, 5, 7) for _ in range(mu)] + [lead])
    return out


def _gadget(report, quick, hooks):
    lam_fn = hooks.get("gadget_lambda", g.gadget_coefficients)
    nr = 4 if quick else 12
    with report.claim("bits.gadget", f"{PAPER}, Lemma 3.1 (Appendix B)",
                      "sympy's expansion of sum_j lambda_j (sigma(x+y+j) - sigma(x+j) - sigma(y+j)) is exactly x*y; "
                      "the integer form sum_r (D lambda_r)(...) = D x y with D the least common denominator of sigma's "
                      "coefficients and the lambda_j; for T^2, lambda = (1/2, 0, 0) as in the paper") as c:
        c.over("sigma in {" + ", ".join(SIGMAS) + "}")
        c.over(f"{nr} random sigma of degree 2-5, coefficients p/q with |p| <= 5, q <= 7 (seed 1010)")
        sigmas = []
        for text in SIGMAS:
            p = g.parse_sigma(text)
            c.check(p == _sympy_sigma(text), f"{text}: parsed {p}")
            sigmas.append(p)
        sigmas += _random_sigmas(1010, nr, 5)
        for p in sigmas:
            lam = lam_fn(p)
            f = lambda z: _sym_poly(p, z)  # noqa: E731
            lhs = sum(_Q(l) * (f(_x + _y + j) - f(_x + j) - f(_y + j)) for j, l in enumerate(lam))
            c.check(sympy.expand(lhs) == _x * _y, f"sigma {p}: the identity is not x*y")
            D, ints = g.integer_gadget(p)
            c.check(D == _lcm(*(F(v).denominator for v in p + list(lam))) and ints == [D * l for l in lam]
                    and all(type(i) is int for i in ints), f"sigma {p}: integer gadget {D}, {ints}")
            lhs_int = sum(i * (f(_x + _y + j) - f(_x + j) - f(_y + j)) for j, i in enumerate(ints))
            c.check(sympy.expand(lhs_int) == D * _x * _y, f"sigma {p}: the integer form is not D x y")
        c.check(list(lam_fn([F(0), F(0), F(1)])) == [F(1, 2), 0, 0], "T^2: lambda = (1/2, 0, 0)")


def _closed_form(p) -> F:
    """det C = (-1)^(mu(mu+1)/2) (mu! r_mu)^(mu+1) / prod_{i <= mu} i! (docs/bit-model-gadgets.md §2)."""
    mu = len(p) - 1
    sign = -1 if (mu * (mu + 1) // 2) % 2 else 1
    return sign * (math.factorial(mu) * F(p[-1])) ** (mu + 1) / math.prod(math.factorial(i) for i in range(mu + 1))


def _basis(report, quick, hooks):
    det_fn = hooks.get("det_formula", _closed_form)
    nr = 6 if quick else 20
    with report.claim("bits.basis", f"{PAPER}, Claim B.4; the closed form [R] reconstruction "
                      "(docs/bit-model-gadgets.md §2)",
                      "sigma(U + j), j = 0..mu, is a basis: sympy's determinant of their coefficient matrix is nonzero "
                      "and equals (-1)^(mu(mu+1)/2) (mu! r_mu)^(mu+1) / prod_{i <= mu} i!, as does the library's") as c:
        c.over("sigma in {" + ", ".join(SIGMAS) + "}")
        c.over(f"{nr} random sigma of degree 2-6, coefficients p/q with |p| <= 5, q <= 7 (seed 1011)")
        for p in [g.parse_sigma(t) for t in SIGMAS] + _random_sigmas(1011, nr, 6):
            mu = len(p) - 1
            cols = [[F(str(v)) for v in reversed(sympy.Poly(_sym_poly(p, _U + j), _U).all_coeffs())]
                    for j in range(mu + 1)]
            C = sympy.Matrix(mu + 1, mu + 1, lambda q, j: _Q(cols[j][q]))
            det = F(str(C.det()))
            c.check([[F(str(C[q, j])) for j in range(mu + 1)] for q in range(mu + 1)] == g.basis_matrix(p),
                    f"sigma {p}: coefficient matrix")
            c.check(det != 0 and det == g.basis_determinant(p) == g.determinant_formula(p) == F(det_fn(p)),
                    f"sigma {p}: det {det} vs closed form {det_fn(p)}")


def _series_det_sympy(beta, shifts) -> F:
    b = _Q(beta)
    cols = []
    for bj in shifts:
        ser = sympy.series((1 + _Q(bj) * _t) ** b, _t, 0, len(shifts)).removeO()
        co = [F(str(v)) for v in reversed(sympy.Poly(ser, _t).all_coeffs())]
        cols.append(co + [F(0)] * (len(shifts) - len(co)))
    return F(str(sympy.Matrix(len(shifts), len(shifts), lambda k, j: _Q(cols[j][k])).det()))


def _wronskian_sympy(beta, shifts, x0) -> F:
    b = _Q(beta)
    funcs = [(_x + _Q(bj)) ** b for bj in shifts]
    w = sympy.wronskian(funcs, _x).subs(_x, _Q(x0)) / sympy.prod([fn.subs(_x, _Q(x0)) for fn in funcs])
    return F(str(sympy.nsimplify(sympy.simplify(w))))


def _power_negative(report, quick, hooks):
    alphas = hooks.get("f1_alphas", [F(1, 2), F(-1, 3), F(-1), F(-4), F(5, 2), F(7, 3), F(3, 2), F(-1, 2), F(-2)])
    betas = hooks.get("f2_betas", [F(1, 2), F(-1, 3), F(-1), F(-4), F(5, 2), F(7, 3)])
    if quick:
        alphas, betas = alphas[:5], betas[:3]
    Js = range(0, 4) if quick else range(0, 5)
    shifts = [F(0), F(1), F(2), F(7, 2)]
    with report.claim("bits.power_negative", f"{PAPER}, Theorem F.1 and Lemma F.2 (Appendix F), on instances; the "
                      "Wronskian route and the system split by Besicovitch's theorem [R] reconstruction "
                      "(docs/bit-model-gadgets.md §3)",
                      "for non-integer beta the shifted powers (x + b_j)^beta are independent: the series determinant "
                      "(= sympy's) and the Wronskian factor (= sympy's Wronskian / prod) are nonzero; for non-integer "
                      "alpha no lambda_0..lambda_J satisfies the gadget identity for T^alpha at the integer points "
                      "R < x <= y <= R + J + 2 (rank [A|b] > rank A); controls: alpha = 2 consistent from J = 0, "
                      "alpha = 3 from J = 2 (not J = 1), alpha = 4 from J = 3 (not J = 2); beta = 2 dependent") as c:
        c.over("Lemma F.2", beta=betas, shifts=shifts, wronskian_at="x = 1, shifts 0, 1, 2")
        c.over("Theorem F.1", alpha=alphas, J=Js, R=(0, 10))
        for beta in betas:
            sd = g.series_determinant(beta, shifts)
            c.check(sd != 0 and sd == _series_det_sympy(beta, shifts), f"beta {beta}: series determinant {sd}")
            w = g.wronskian_factor(beta, shifts[:3], 1)
            c.check(w != 0 and w == _wronskian_sympy(beta, shifts[:3], 1), f"beta {beta}: Wronskian factor {w}")
        for alpha in alphas:
            for J in Js:
                for Rr in (0, 10):
                    rA, rAb = g.power_gadget_ranks(alpha, J, Rr)
                    c.check(rAb > rA, f"alpha {alpha}, J {J}, R {Rr}: ranks {rA}, {rAb} (consistent)")
        for alpha, J, consistent in ((2, 0, True), (2, 1, True), (2, 2, True), (3, 1, False), (3, 2, True),
                                     (4, 2, False), (4, 3, True)):
            rA, rAb = g.power_gadget_ranks(alpha, J, 0)
            c.check((rA == rAb) == consistent, f"control alpha {alpha}, J {J}: ranks {rA}, {rAb}")
        c.check(g.series_determinant(2, shifts) == 0 == _series_det_sympy(2, shifts)
                and g.wronskian_factor(2, shifts, 1) == 0, "beta = 2: (x + b)^2 spans 3 dimensions")


# -- 6. SLPs and Lemmas A.4, A.5 -------------------------------------------------------------------------------
def _chain_slp(n, k):
    return S.SLP(1, [("*", i - 1, i - 1) for i in range(1, k + 1)] + [("+", i - 1, 0) for i in range(k + 1, n + 1)])


def _exponents(P) -> list:
    e = [1]
    for op, j, k in P.gates:
        e.append(e[j] + e[k] if op == "*" else max(e[j], e[k]))
    return e


def _bounded_norm(report, quick, hooks):
    bn_fn = hooks.get("bounded_norm", S.bounded_norm)
    per = 3 if quick else 40
    with report.claim("bits.bounded_norm", f"{PAPER}, Lemmas A.4 and A.5 (Appendix A); m <= n^2 + n "
                      "[R] reconstruction (docs/bit-model-gadgets.md §5)",
                      "Lemma A.5's BN-SLP Q of P: constant b_0 = 2^-m and m gates, every gate in [-1, 1] with "
                      "|b_i| <= 2^i b_0 (Lemma A.4), output 2^(-m 2^n) n_P, b = b_0^(e_i) a_i at P's gates, m <= n^2 + "
                      "n; bit j of n_P is bit j - m 2^n of Q's output and the sign is kept") as c:
        c.over(f"random_slp(n, seed) for n in 1..8, {per} seeds each (seed = 100 n + i); repeated squaring n = 1..6; "
               "the worst chains (n/2 squarings, then additions of a_0) for n = 2..8; the empty program")
        progs = [S.random_slp(n, 100 * n + i) for n in range(1, 9) for i in range(per)]
        progs += [S.repeated_squaring(n) for n in range(1, 7)] + [_chain_slp(n, n // 2) for n in range(2, 9)]
        progs.append(S.SLP(1, []))
        for P in progs:
            bn = bn_fn(P)
            Qs, m, n = bn.slp, bn.m, len(P.gates)
            a, b = _slp_values(P), _slp_values(Qs)
            b0 = F(1, 2 ** m)
            c.check(Qs.a0 == b0 and len(Qs.gates) == m, f"{P}: Q has a0 = {Qs.a0} and {len(Qs.gates)} gates, m = {m}")
            c.check(all(abs(v) <= 1 and abs(v) <= 2 ** i * b0 for i, v in enumerate(b)), f"{P}: Lemma A.4 fails")
            c.check(b[-1] == a[-1] / F(2) ** (m * 2 ** n), f"{P}: output is not 2^(-m 2^n) n_P")
            e = _exponents(P)
            c.check(len(bn.index) == n + 1 and all(b[bn.index[i]] == b0 ** e[i] * a[i] for i in range(n + 1)),
                    f"{P}: the invariant b = b_0^e_i a_i fails")
            c.check(m <= n * n + n, f"{P}: m = {m} > n^2 + n")
            shift = m * 2 ** n
            width = abs(a[-1].numerator).bit_length()
            c.check(all(_bit(a[-1], j) == _bit(b[-1], j - shift) for j in range(width + 1))
                    and (a[-1] > 0) == (b[-1] > 0), f"{P}: BitSLP/PosSLP do not carry over")


def _slp(report, quick, hooks):
    bit_fn, pos_fn = hooks.get("bit_slp", S.bit_slp), hooks.get("pos_slp", S.pos_slp)
    n = 40 if quick else 400
    js = range(-4, 21) if quick else range(-8, 41)
    with report.claim("bits.slp", f"{PAPER}, Definition 2.2, Problems 2.3 (BitSLP) and 2.5 (PosSLP)",
                      "BitSLP (floor(|u|/v / 2^j) mod 2) and PosSLP (a_l > 0) by the library's exact evaluation equal "
                      "those of an independent recursive evaluation; a bit budget stops repeated squaring at the first "
                      "gate over it (2^(2^63) is never built)") as c:
        c.over(f"{n} random SLPs (0-8 gates, a0 in {{1, 2^-n, -3/2, 2, 1/3}}; seed 1012); repeated squaring "
               "n = 1..10", j=js)
        c.over("repeated_squaring(64) under budgets 1000 and 513")
        rng = random.Random(1012)
        progs = []
        for _ in range(n):
            k = rng.randint(0, 8)
            a0 = rng.choice([F(1), F(1, 2 ** k), F(-3, 2), F(2), F(1, 3)])
            progs.append(S.random_slp(k, rng.randrange(10 ** 6), a0=a0))
        progs += [S.repeated_squaring(k) for k in range(1, 11)]
        for P in progs:
            v = _slp_values(P)[-1]
            c.check(S.evaluate(P)[-1] == v, f"{P}: value")
            c.check(all(bit_fn(P, j) == _bit(v, j) for j in js), f"{P}: BitSLP")
            c.check(pos_fn(P) == (v > 0), f"{P}: PosSLP")
        for budget, gate in ((1000, 11), (513, 10)):
            first = next(i for i in range(1, 65) if 2 ** (i - 1) + 2 > budget)
            try:
                S.evaluate(S.repeated_squaring(64), budget=budget)
                msg = ""
            except LimitReached as e:
                msg = str(e)
            c.check(first == gate and msg.startswith(f"SLP gate {gate} (a_{gate - 1} * a_{gate - 1}) has "
                                                     f"{2 ** (gate - 1) + 2} bits"), f"budget {budget}: {msg!r}")


# -- 7. Lemma 3.2, Remark B.3, Appendix C ------------------------------------------------------------------------
def _lemma32_instances(quick):
    P3 = S.SLP(1, [("+", 0, 0), ("*", 1, 1), ("-", 2, 0)])
    out = [(P3, j, "T^2 + T", 3) for j in range(3)]
    rng = random.Random(1013)
    sigmas = ("T^2", "T^3", "T^2 + T") if quick else ("T^2", "T^3", "T^2 + T", "T^4 - 3*T + 1/2")
    for k in range(6 if quick else 48):
        n = rng.randint(1, 5 if quick else 6)
        a0 = rng.choice([F(1), F(1, 2 ** n), F(-3, 2), F(2)])
        out.append((S.random_slp(n, rng.randrange(10 ** 6), a0=a0), rng.randint(-2, 5), sigmas[k % len(sigmas)],
                    rng.randint(1, 3)))
    return out


def _lemma32(report, quick, hooks):
    gad, mutate = hooks.get("lemma32_gadget"), hooks.get("lemma32_mutate")
    insts = _lemma32_instances(quick)
    with report.claim("bits.lemma32", f"{PAPER}, Lemma 3.2 and Claim B.1 (Appendix B; Theorem 1.1)",
                      "Lemma 3.2's ERM_bit instance with theta*: (a) f^(v_i)(x_main) = a_i at every gate, (b) every "
                      "auxiliary sample is realised exactly, (c) L(theta*) = 0 if bit j of n_P is 1 and b otherwise "
                      "(both outcomes occur), (d) moving any one identity-head weight breaks its own auxiliary sample "
                      "(Claim B.1), and such a move costs at least b + 1") as c:
        c.over(f"{len(insts)} instances: P = (2, 4, 3) with j = 0..2, sigma = T^2 + T, b = 3; random SLPs (1-"
               f"{5 if quick else 6} gates, a0 in {{1, 2^-n, -3/2, 2}}, j in -2..5, b in 1..3; seed 1013) with sigma "
               f"in turn {'T^2, T^3, T^2 + T' if quick else 'T^2, T^3, T^2 + T, T^4 - 3T + 1/2'}; (d) with delta = 1 "
               "and -1/3; (b) also by passes.forward on the first instance of each sigma")
        losses, dense_done = set(), set()
        for P, j, sigma, b in insts:
            red = R.lemma32(P, j, sigma, b=b, gadget=None if gad is None else gad(sigma), mutate=mutate)
            ck = R.check(red)
            a = _slp_values(P)
            tag = f"{P} j={j} sigma={sigma} b={b}"
            c.check([ck.main_values[v] for v in red.net.vertex] == a, f"{tag}: (a) f^v_i(x_main) != a_i")
            c.check(ck.aux_failed == [], f"{tag}: (b) {len(ck.aux_failed)} auxiliary samples not realised")
            want = F(0) if _bit(a[-1], j) else F(b)
            c.check(ck.loss == want, f"{tag}: (c) L(theta*) = {ck.loss} != {want}")
            losses.add("zero" if want == 0 else "b")
            c.check(all(R.check_forcing(red, d) == [] for d in (1, F(-1, 3))), f"{tag}: (d) an identity-head edge is "
                                                                                "not pinned")
            e = red.e_id[len(red.e_id) // 2]
            th = dict(red.theta)
            th[e] = (th[e][0] + 1, th[e][1])
            c.check(R.check(red, th).loss >= b + 1, f"{tag}: moving w_{e} costs less than b + 1")
            if sigma not in dense_done:
                dense_done.add(sigma)
                inst = red.instance
                for k in range(len(inst.samples)):
                    if k == red.main:
                        continue
                    vals = passes.forward(inst.net, red.theta, inst.x_of(k))
                    c.check({v: vals[v].act for v in inst.net.outputs} == inst.y_of(k),
                            f"{tag}: (b) auxiliary sample {k} by passes.forward")
        c.check(losses == {"zero", "b"}, f"both outcomes of bit j: {losses}")


def _size_formula(P, mu) -> dict:
    """(e), counted here gate by gate: an addition has 2 edges (1 when j = k), a multiplication (mu + 1)(10 edges; 9
    when j = k, the paper's two edges v_j -> L1 being one) + 1; |V| = l + 1 + m (6 (mu + 1) + 1)."""
    m = sum(op == "*" for op, _, _ in P.gates)
    E = sum((1 if j == k else 2) if op != "*" else (mu + 1) * (9 if j == k else 10) + 1 for op, j, k in P.gates)
    Es = 3 * (mu + 1) * m
    return {"vertices": len(P.gates) + 1 + m * (6 * (mu + 1) + 1), "edges": E, "e_sigma": Es, "e_id": E - Es,
            "samples": 1 + (E - Es) + (mu + 1) * Es + 1}


def _lemma32_size(report, quick, hooks):
    formula = hooks.get("size_formula", _size_formula)
    ns = (10, 20, 40) if quick else (10, 20, 40, 80, 160)
    with report.claim("bits.lemma32_size", f"{PAPER}, Lemma 3.2 (e); the count with merged edges "
                      "[R] reconstruction (docs/bit-model-reduction.md §5, §6)",
                      "(e) Lemma 3.2's instance has exactly the predicted |V|, |E|, |E_sigma|, |E_id| and sample "
                      "count, each linear in |P| = l: |V| <= 1 + (6 mu + 8) l, |E| <= (10 mu + 11) l, samples <= 2 + "
                      "(3 (mu + 1)^2 + 10 mu + 11) l, and |enc(theta*)| <= 2 c_sigma |E| (c_sigma the longest gadget "
                      "number)") as c:
        c.over("random_slp(l, 7 l)", l=ns, sigma=("T^2", "T^3"))
        for l in ns:
            P = S.random_slp(l, 7 * l)
            for sigma in ("T^2", "T^3"):
                mu = len(g.parse_sigma(sigma)) - 1
                red = R.lemma32(P, 0, sigma)
                sz = R.size_report(red)
                want = formula(P, mu)
                got = {k: sz[k] for k in want}
                c.check(got == want == R.predicted_size(P, mu), f"l={l} {sigma}: measured {got} vs {want}")
                c.check(sz["vertices"] <= 1 + (6 * mu + 8) * l and sz["edges"] <= (10 * mu + 11) * l
                        and sz["samples"] <= 2 + (3 * (mu + 1) ** 2 + 10 * mu + 11) * l, f"l={l} {sigma}: not linear")
                D, lam = g.integer_gadget(sigma)
                c_sigma = max(_bits(v) for v in [F(1, D), F(2), F(-1), F(mu)] + [F(x) for x in lam])
                c.check(sz["theta_bits"] <= 2 * c_sigma * sz["edges"], f"l={l} {sigma}: |enc(theta*)| not linear")


def _hinge(report, quick, hooks):
    opt = hooks.get("hinge_opt", lambda b, nQ: b * max(F(0), 1 - nQ))
    fixed = [S.SLP(1, [("-", 0, 0)]), S.SLP(1, [("+", 0, 0), ("-", 0, 1)]), S.SLP(1, [("+", 0, 0)]),
             S.SLP(1, [("+", 0, 0), ("*", 1, 1), ("-", 0, 2)])]
    rng = random.Random(1014)
    progs = fixed + [S.random_slp(rng.randint(1, 6), rng.randrange(10 ** 6)) for _ in range(6 if quick else 40)]
    with report.claim("bits.hinge", f"{PAPER}, Remark B.3; the factor b [R] reconstruction "
                      "(docs/bit-model-reduction.md §6)",
                      "Remark B.3: on Q = 2P - 1 with b copies of (x_main, +1) under the hinge loss, checks (a)-(c) "
                      "hold and L(theta*) = b max(0, 1 - n_Q): 0 iff n_P > 0, at least 2b when n_P <= 0 (the "
                      "paper's OPT omits the factor b)") as c:
        c.over(f"{len(progs)} SLPs with a0 = 1: n_P = 0, -1, 2, -3 and random ones (1-6 gates, seed 1014)",
               b=range(1, 5) if not quick else (1, 3), sigma="T^2")
        signs = set()
        for i, P in enumerate(progs):
            for b in (range(1, 5) if not quick else (1, 3)):
                red = R.hinge_variant(P, "T^2", b=b)
                ck = R.check(red)
                nP = _slp_values(P)[-1]
                nQ = _slp_values(R.doubled_minus_one(P))[-1]
                c.check(nQ == 2 * nP - 1 and ck.n_P == nQ, f"{P}: n_Q = {nQ}")
                c.check(ck.failures == [], f"{P} b={b}: checks (a)-(c): {ck.failures}")
                c.check(ck.loss == opt(b, nQ), f"{P} b={b}: L(theta*) = {ck.loss} != {opt(b, nQ)}")
                c.check((ck.loss == 0) == (nP > 0) and (nP > 0 or ck.loss >= 2 * b), f"{P} b={b}: the gap")
                signs.add(nP > 0)
        c.check(signs == {True, False}, "both signs of n_P")


def _backprop_sign(report, quick, hooks):
    formula = hooks.get("appc_formula", lambda B, a0, nP: B * a0 * nP)
    rng = random.Random(1015)
    sigmas = ("T^2", "T^3", "T^2 + T")
    insts = []
    for k in range(8 if quick else 48):
        n = rng.randint(1, 5)
        a0 = rng.choice([F(1), F(1, 2 ** n), F(-3, 2), F(2)])
        insts.append((S.random_slp(n, rng.randrange(10 ** 6), a0=a0), sigmas[k % 3], rng.randint(1, 3)))
    b = 3
    with report.claim("bits.backprop_sign", f"{PAPER}, Theorem 1.3 (Appendix C); the promise-gap cases "
                      "[R] reconstruction (docs/bit-model-reduction.md §6)",
                      "Appendix C: dL/dw_e*(theta*) = B a_0 n_P exactly, by backpropagation and by the exact symmetric "
                      "quotient (L(1) - L(-1))/2 of the quadratic L(w); promise gap b = 3: n_P = 0 gives derivative 0 "
                      "(neither case), 2 n_P - 1 closes it (-b), a_0 = 1 keeps |d| >= b, a_0 = 2^-l or the BN-SLP's "
                      "2^-m make 0 < |d| < b") as c:
        c.over(f"{len(insts)} random SLPs (1-5 gates, a0 in {{1, 2^-n, -3/2, 2}}, sigma T^2 / T^3 / T^2 + T in turn, "
               "B in 1..3; seed 1015)")
        c.over("promise gap b = 3 on a_0 - a_0, its 2P - 1, and P in {(2, 3), (2, 4, 3)} with 2P - 1, the BN-SLP and "
               "a_0 = 2^-l")
        for P, sigma, B in insts:
            bp = R.backprop_sign(P, sigma, B=B)
            d = R.backprop_derivative(bp)
            nP = _slp_values(P)[-1]
            c.check(d == formula(B, P.a0, nP), f"{P} {sigma} B={B}: dL/dw_e* = {d} != {formula(B, P.a0, nP)}")
            Ls = []
            for w in (1, -1, 0):
                th = dict(bp.theta)
                th[bp.edge] = (F(w), F(0))
                Ls.append(passes.loss(bp.net, th, bp.samples, square))
            c.check((Ls[0] - Ls[1]) / 2 == d and Ls[2] == B * P.a0 ** 2 / 2, f"{P}: symmetric quotient {Ls}")
        zero = S.SLP(1, [("-", 0, 0)])
        gz = R.backprop_gap(R.backprop_sign(zero, B=b), b)
        c.check(gz["derivative"] == 0 and gz["case"] == "neither", f"n_P = 0: {gz}")
        gd = R.backprop_gap(R.backprop_sign(R.doubled_minus_one(zero), B=b), b)
        c.check(gd["derivative"] == -b and gd["case"] == "no", f"2 n_P - 1 with n_P = 0: {gd}")
        for P in (S.SLP(1, [("+", 0, 0), ("+", 1, 0)]), S.SLP(1, [("+", 0, 0), ("*", 1, 1), ("-", 2, 0)])):
            nP = _slp_values(P)[-1]
            yes = R.backprop_gap(R.backprop_sign(R.doubled_minus_one(P), B=b), b)
            c.check(yes["case"] == "yes" and yes["derivative"] == formula(b, 1, 2 * nP - 1) >= b, f"{P}: {yes}")
            bn = S.bounded_norm(P)
            small = R.backprop_gap(R.backprop_sign(bn.slp, B=b), b)
            want = formula(b, F(1, 2 ** bn.m), nP / F(2) ** (bn.m * 2 ** len(P.gates)))
            c.check(small["derivative"] == want and 0 < want < b and small["case"] == "neither", f"{P} BN-SLP: {small}")
            lifted = S.SLP(F(1, 2 ** len(P.gates)), P.gates)
            d = R.backprop_derivative(R.backprop_sign(lifted, B=b))
            want = formula(b, lifted.a0, _slp_values(lifted)[-1])
            c.check(d == want and 0 < abs(d) < b, f"{P} with a_0 = 2^-l: {d}")


# -- 8. ERM witnesses (Theorem 1.4 / E.2) -------------------------------------------------------------------------
def _witness_instance(rng, n, n_samples, lossname):
    """A random piecewise-linear DAG with a dead ReLU vertex 'd' (f^d = relu(-1) = 0 on every sample) feeding the
    first output, planted theta*, labels f_theta*(x) (square loss: gamma = 0) or random (gamma = L(theta*))."""
    V = ["s0", "s1", "s2", "d"] + [f"h{i}" for i in range(n - 4)]
    specs = {"d": ("relu",)}
    kinds = ("relu", "leaky", "identity", "pw")
    E, theta = [("s0", "d")], {("s0", "d"): (F(0), F(-1))}
    for i in range(4, n):
        for j in sorted(rng.sample([k for k in range(i) if V[k] != "d"], min(i - 1, 3))):
            E.append((V[j], V[i]))
            theta[(V[j], V[i])] = (_rat(rng, 4, 4), _rat(rng, 2, 2))
        specs[V[i]] = _act_spec(rng, 2, 4, kinds)
    outs = V[-2:]
    E.append(("d", outs[0]))
    theta[("d", outs[0])] = (F(5, 3), F(0))
    sources = ["s0", "s1", "s2"]
    xs = [{v: _rat(rng, 8, 8) for v in sources} for _ in range(n_samples)]
    if lossname == "square":
        ys = [[_direct(V, E, specs, sources, theta, x)[t][1] for t in outs] for x in xs]
    else:
        ys = [[_rat(rng, 8, 8) for _ in outs] for _ in xs]
    net = DagNet(V, E, {v: _module_act(s) for v, s in specs.items()}, sources, outs)
    ix = {v: i for i, v in enumerate(V)}
    q = lambda v: fmpq(v.numerator, v.denominator)  # noqa: E731
    samples = [Sample({ix[v]: q(x[v]) for v in sources}, {ix[t]: q(y[k]) for k, t in enumerate(outs)})
               for x, y in zip(xs, ys)]
    inst = {"V": V, "E": E, "specs": specs, "sources": sources, "outputs": outs, "theta": theta, "xs": xs, "ys": ys,
            "loss": lossname, "net": net}
    inst["gamma"] = _loss_here(inst, theta)
    inst["instance"] = Instance(net, LossSpec(lossname), inst["gamma"], samples)
    return inst


def _loss_here(inst, theta) -> F:
    total = F(0)
    for x, y in zip(inst["xs"], inst["ys"]):
        f = _direct(inst["V"], inst["E"], inst["specs"], inst["sources"], theta, x)
        yh = [f[t][1] for t in inst["outputs"]]
        if inst["loss"] == "square":
            total += sum((a - b) ** 2 for a, b in zip(yh, y)) / 2
        elif inst["loss"] == "hinge":
            total += sum(max(F(0), 1 - b * a) for a, b in zip(yh, y))
        else:
            total += int(yh != list(y))
    return total


def _instance_bits_here(inst) -> int:
    """|I| by the definition in exactrelu/bitmodel/instance.py, recomputed: k bits per vertex index for both ends of
    every edge and the source, input and output lists; enc(sigma_v); len of every sample coordinate; 2 for the loss;
    len(gamma)."""
    V, E = inst["V"], inst["E"]
    k = max(1, (len(V) - 1).bit_length())
    structure = k * (2 * len(E) + 2 * len(inst["sources"]) + len(inst["outputs"]))   # inputs = sources
    acts = sum(_enc_act(s) for s in inst["specs"].values())
    data = sum(_bits(x[v]) for x in inst["xs"] for v in inst["sources"]) + sum(_bits(v) for y in inst["ys"] for v in y)
    return structure + acts + data + 2 + _bits(inst["gamma"])


def _erm_check_command(ip, tp):
    """(exit code, JSON) of `exactrelu erm-check INSTANCE THETA --json`, run in-process."""
    import io
    import json
    from contextlib import redirect_stdout
    from exactrelu.cli import main
    out = io.StringIO()
    with redirect_stdout(out):
        try:
            code = main(["erm-check", str(ip), str(tp), "--json"])
        except SystemExit as e:
            code = e.code
    return code, json.loads(out.getvalue() or "{}")


def _np_witness(report, quick, hooks):
    checker = hooks.get("witness_check", erm.check_witness)
    rng = random.Random(1016)
    plan = [(rng.randint(6, 30), rng.randint(2, 8), ("square", "square", "hinge", "zero_one")[k % 4])
            for k in range(8 if quick else 64)]
    with report.claim("bits.np_witness", f"{PAPER}, Theorem 1.4 and Theorem E.2; |I| and the value bound 3S + 2 "
                      "[R] reconstruction (docs/bit-model-reduction.md §3, §4)",
                      "erm-check's exact verification accepts the planted witness (L(theta*) = gamma, recomputed here "
                      "by direct evaluation) with |enc(theta*)| <= |I|^2, |I| and |enc(theta)| recomputed from their "
                      "definitions; it rejects a witness with one weight moved by 1 that changes an output (loss) and "
                      "one made longer than C1 |I|^C2 = |I| without changing the loss (size); every value stays within "
                      "3S + 2 bits") as c:
        c.over(f"{len(plan)} random piecewise-linear DAGs (6-30 vertices, 3 sources, fan-in 3, ReLU / leaky / "
               "piecewise / identity, a dead ReLU feeding an output; seed 1016), 2-8 samples, square (realizable, "
               "gamma = 0) / hinge / 0-1 loss (gamma = L(theta*)); the first instance also read back from its files "
               "and checked by `exactrelu erm-check`")
        rejected, squares = 0, sum(p[2] == "square" for p in plan)
        for k, (n, ns, lossname) in enumerate(plan):
            inst = _witness_instance(rng, n, ns, lossname)
            I, th = inst["instance"], inst["theta"]
            my_I = _instance_bits_here(inst)
            my_tb = sum(_bits(w) + _bits(b) for w, b in th.values())
            rep = checker(I, th)
            c.check(rep.verified is True and rep.loss == inst["gamma"], f"instance {k}: planted witness rejected "
                                                                         f"({rep.failed})")
            c.check(rep.instance_bits["total"] == my_I and rep.theta_bits == my_tb and rep.size_bound == my_I ** 2
                    and my_tb <= my_I ** 2, f"instance {k}: |I| {rep.instance_bits['total']} vs {my_I}, "
                                            f"|enc(theta)| {rep.theta_bits} vs {my_tb}")
            ev = rep.evaluation
            S_ = my_tb + sum(_enc_act(s) for s in inst["specs"].values()) + \
                max(sum(_bits(x[v]) for v in inst["sources"]) for x in inst["xs"])
            c.check(rep.pl_value_bound == 3 * S_ + 2 and max(ev.bits["pre"], ev.bits["act"]) <= 3 * S_ + 2,
                    f"instance {k}: value bits {ev.bits} vs 3S + 2 = {3 * S_ + 2}")
            if lossname == "square":
                moved = None
                for e in inst["E"]:
                    if e[0] == "d":
                        continue
                    t2 = dict(th)
                    t2[e] = (th[e][0] + 1, th[e][1])
                    if _loss_here(inst, t2) > inst["gamma"]:
                        moved = t2
                        break
                c.check(moved is not None, f"instance {k}: no single weight move changes an output")
                if moved is not None:
                    bad = checker(I, moved)
                    c.check(bad.verified is False and [f.split(":")[0] for f in bad.failed] == ["loss"],
                            f"instance {k}: a moved weight is not rejected on the loss ({bad.failed})")
                    rejected += 1
            K = my_I + 1
            long = dict(th)
            long[("d", inst["outputs"][0])] = (F(1, 2 ** K + 1), F(0))
            c.check(_loss_here(inst, long) == inst["gamma"], f"instance {k}: the dead edge changed the loss")
            big = checker(I, long, C1=1, C2=1)
            c.check(big.verified is False and big.loss_ok and [f.split(":")[0] for f in big.failed] == ["size"],
                    f"instance {k}: a witness longer than |I| is not rejected on size ({big.failed})")
            if k == 0:
                with tempfile.TemporaryDirectory() as tmp:
                    ip, tp = Path(tmp) / "i.json", Path(tmp) / "t.json"
                    save_instance(I, ip)
                    save_theta(I.net, th, tp)
                    back = load_instance(ip)
                    again = checker(back, load_theta(tp, back.net))
                    codes = [_erm_check_command(ip, tp)]
                    save_theta(I.net, moved, tp)
                    codes.append(_erm_check_command(ip, tp))
                c.check(again.verified and again.loss == rep.loss and again.instance_bits == rep.instance_bits,
                        "instance 0 read back from its files")
                c.check(codes[0][0] == 0 and codes[0][1]["verified"] is True and codes[0][1]["loss"] == "0"
                        and codes[1][0] == 1 and codes[1][1]["verified"] is False,
                        f"exactrelu erm-check on instance 0's files: {[cd[0] for cd in codes]}")
        c.check(rejected == squares, f"{rejected} of {squares} moved witnesses checked")


# -- 9. Appendix D --------------------------------------------------------------------------------------------
def _h(c_, x, q) -> F:
    return F(math.floor(F(c_) * x * 2 ** q), 2 ** q)


def _exp_bounds(x: F, terms: int):
    """Rationals lo <= e^x <= hi for 0 <= x: the Taylor partial sum, and it plus the Lagrange remainder with e < 3."""
    s, term = F(0), F(1)
    for i in range(terms):
        s += term
        term = term * x / (i + 1)
    return s, s + term * 3 ** math.ceil(x)


def _pac(report, quick, hooks):
    twins = hooks.get("twins", pac.twins)
    base = hooks.get("log_base", "e")
    qmax = 8 if quick else 12
    cases = [(1, F(1, 5)), (3, F(1, 5)), (10, F(1, 8)), (10, F(1, 100)), (25, F(1, 10 ** 6)), (100, F(1, 10 ** 9))]
    ms = range(0, 9) if quick else range(0, 16)
    with report.claim("bits.pac", f"{PAPER}, Theorem D.4 (Theorem 1.6, Appendix D); the consistent learner's failure "
                      "bound (q/(q+1))^m and the ln reading [R] reconstruction (docs/bit-model-gadgets.md §6)",
                      "twins sharing 2q - 1 digits and differing in digit 2q agree on 2^0..2^(q-1) and differ at 2^q; "
                      "the real-RAM learner recovers c from one sample; under rounding a consistent learner fails with "
                      "probability exactly (q/(q+1))^m on c_2, at most that on c_1, at least half of it on average; "
                      "the proof's threshold min m with (1/2)(q/(q+1))^m <= delta is >= q ln(1/(2 delta)), enclosed by "
                      "certified rationals (Taylor bounds on exp)") as c:
        c.over("twins with 3 seeded prefixes each (seed 1017)", q=range(1, qmax + 1))
        c.over("real-RAM: 20 random c (seed 1017)", q=(1, 4, 9))
        c.over("exact failure probabilities, twins with prefix seed 1017", q=(1, 2, 3, 4), m=ms)
        c.over("ordered-sample enumeration q = 2, c = 27/64", m=(1, 2, 3, 4))
        c.over("(q, delta) in {" + ", ".join(f"({q}, {d})" for q, d in cases) + "}", log_base=base)
        rng = random.Random(1017)
        for q in range(1, qmax + 1):
            for _ in range(3):
                c1, c2 = twins(q, [rng.randrange(2) for _ in range(2 * q - 1)])
                c.check(all(_h(c1, 2 ** k, q) == _h(c2, 2 ** k, q) for k in range(q)) and
                        _h(c1, 2 ** q, q) != _h(c2, 2 ** q, q), f"q={q}: twins {c1}, {c2}")
                c.check(pac.check_twins(c1, c2, q) == [], f"q={q}: check_twins")
        for _ in range(20):
            cc = F(rng.randrange(10 ** 6), 10 ** 6 + rng.randrange(1, 1000))
            for q in (1, 4, 9):
                c.check(all(pac.real_ram_learner([(x, cc * x)]) == cc for x in pac.domain(q))
                        and pac.real_ram_check(cc, q), f"real-RAM c={cc} q={q}")
        c.check(pac.real_ram_learner([(1, _h(F(5, 7), 1, 3))]) == F(5, 8), "a rounded label loses the digits past q")
        for q in (1, 2, 3, 4):
            c1, c2 = twins(q, [rng.randrange(2) for _ in range(2 * q - 1)])
            eps = F(1, q + 2)
            for m in ms:
                miss = F(q, q + 1) ** m
                f1, f2 = pac.failure_probability(c1, q, m, eps), pac.failure_probability(c2, q, m, eps)
                c.check(f2 == miss and f1 <= miss and (f1 + f2) / 2 >= miss / 2, f"q={q} m={m}: {f1}, {f2}, {miss}")
        import itertools
        for m in (1, 2, 3, 4):
            xs, cc = pac.domain(2), F(27, 64)
            fails = sum(pac.error(pac.consistent_learner([(x, _h(cc, x, 2)) for x in smp], 2), cc, 2) > 0
                        for smp in itertools.product(xs, repeat=m))
            c.check(pac.failure_probability(cc, 2, m, 0) == F(fails, len(xs) ** m), f"enumeration m={m}")
        for q, delta in cases:
            rep = pac.paper_bound(q, delta)
            M = rep["min_samples"]
            c.check(F(q, q + 1) ** M / 2 <= delta < (F(q, q + 1) ** (M - 1) / 2 if M else F(1)),
                    f"q={q} delta={delta}: min_samples {M}")
            r = 1 / (2 * delta)
            lo, hi = rep["bound_lo"] / q, rep["bound_hi"] / q
            terms = 40 + 6 * math.ceil(hi)       # lo <= lo_up and hi_dn <= hi: dyadic, 2^-120 away
            lo_up, hi_dn = F(math.ceil(lo * 2 ** 120), 2 ** 120), F(math.floor(hi * 2 ** 120), 2 ** 120)
            up_lo, down_hi = _exp_bounds(lo_up, terms)[1], _exp_bounds(hi_dn, terms)[0]
            c.check(0 <= lo <= hi and hi - lo <= F(1, 2 ** 60) and up_lo <= r <= down_hi,
                    f"q={q} delta={delta}: [{lo}, {hi}] does not enclose ln(1/(2 delta))")
            c.check(rep["bound_ceil"] == math.floor(q * lo) + 1 == math.floor(q * hi) + 1, f"q={q}: ceiling")
            if base == "e":
                holds = M >= q * hi
            else:
                holds = F(base) ** M >= r ** q
            c.check(holds, f"q={q} delta={delta}: min_samples {M} < q log_{base}(1/(2 delta))")


if __name__ == "__main__":
    raise SystemExit(run_script(checks))
