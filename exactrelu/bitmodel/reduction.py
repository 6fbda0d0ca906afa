"""Lemma 3.2's reduction BitSLP -> ERM_bit as a real instance, Remark B.3's hinge variant, and the
Backprop-Sign reduction of Theorem 1.3 (Appendix C).

Doron-Arad and Mossel (2026), Appendix B.  Given a BitSLP instance (j, P = (a_0, ..., a_l)) and sigma in
Q[T] of degree mu >= 2, with Lemma 3.1's gadget in integer form (D, lambda'_r = D lambda_r):

* vertices v_0..v_l (v_0 the source, v_l the target) and, for each multiplication gate i and each
  r = 0..mu, L1_i_r, L2_i_r, L3_i_r (identity), U1_i_r, U2_i_r, U3_i_r (sigma), and z_i (identity);
* theta*: an addition gate has edges v_j -> v_i, v_k -> v_i with weights 1, +-1 and bias 0; a
  multiplication gate has v_j, v_k -> L1 (weights 1, biases summing to r), v_j -> L2 and v_k -> L3
  (weight 1, bias r), L_t -> U_t (weight 1, bias 0), U1 -> z (lambda'_r), U2, U3 -> z (-lambda'_r),
  z -> v_i (1/D); so f^{v_i}(x_main) = a_i;
* every vertex is an input and an output coordinate; the auxiliary samples x(y, y~) with
  x_v = y~_v - sum_(u,v) (w*_uv y_u + b*_uv) realise a template y exactly under theta*: the baseline
  (0 on identity vertices, sigma(0) on sigma vertices), one per identity-head edge (p, q) (y_p = 1, or
  sigma(alpha_1) with y~_p = alpha_1 for a sigma vertex p; y_q = w*_pq (y_p - y_p^(0))), and one per
  sigma edge (L, U) and tau = 0..mu (y_L = tau, y_U = sigma(tau)); each b + 1 times, flag 0;
* the main sample x_main (a_0 at v_0, 0 elsewhere) b times, flag 1;
* the loss: 1[bit_j(yhat_{v_l}) != 1] on a main sample, the 0/1 loss of the whole vector on an auxiliary
  one; gamma = a.  So L(theta*) = 0 if bit_j(a_l) = 1 and b otherwise, and any theta with loss <= b
  realises every auxiliary template (Claim B.1).

Where the SLP has a gate with j = k (a_i = a_j + a_j, a_j - a_j, a_j * a_j, as in repeated squaring),
the paper's two edges v_j -> v_i (or v_j -> L1) are one edge of the DAG: it gets the sum of the two
weights (2, or 0) and biases.  The samples are written sparsely against the baseline (instance.py):
each auxiliary sample differs from it at O(1) coordinates, which keeps the file linear in |P|; the
encoding size |I| counts every coordinate, and is quadratic in |P| (docs/bit-model-reduction.md).

Remark B.3: with Q computing n_Q = 2 n_P - 1 (a_0 = 1) and b copies of (x_main, +1) under the hinge
loss, L(theta*) = b max(0, 1 - n_Q): 0 when n_P > 0, at least 2b when n_P <= 0 (the paper's OPT omits
the factor b).  Appendix C: an identity vertex t and an edge e* = (v_l, t) with w = b = 0, B copies of
(x = a_0, y = -a_0) under the square loss: dL/dw_e* = B a_0 n_P.

Run ``python -m exactrelu.bitmodel.reduction --help`` to write an instance and theta* to files.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from fractions import Fraction

import flint

from ..errors import InputError
from ..numbers import fmt, to_integer, to_rational
from .activations import identity, poly, to_q
from .dag import DagNet
from .erm import _Engine, bit_of, evaluate, fit_exponent
from .gadget import as_sigma, integer_gadget, poly_eval, poly_text
from .instance import Instance, LossSpec, Sample, instance_bits, save_instance, save_theta, theta_bits
from .slp import SLP, bit_slp, evaluate as slp_evaluate, random_slp, repeated_squaring

__all__ = ["Network", "network", "Reduction", "lemma32", "hinge_variant", "doubled_minus_one", "Check", "check",
           "check_forcing", "size_report", "predicted_size", "BackpropInstance", "backprop_sign",
           "backprop_derivative", "backprop_gap", "write", "alpha1"]

fmpq = flint.fmpq
_ZERO = fmpq(0)


def alpha1(sigma) -> int:
    """The least alpha in 1..mu+1 with sigma(alpha) != sigma(0) (Appendix B)."""
    p = as_sigma(sigma)
    s0 = poly_eval(p, 0)
    return next(a for a in range(1, len(p) + 1) if poly_eval(p, a) != s0)


@dataclass
class Network:
    """Lemma 3.2's network and theta* (no samples): ``vertex[i]`` is v_i, ``sigma_vertices`` the U's."""
    slp: SLP
    sigma: list
    D: int
    lam: list
    vertices: list
    edges: dict            # (u, v) -> (w*, b*) as Fractions, in construction order
    sigma_vertices: set
    vertex: list
    gates: dict = field(default_factory=dict)   # multiplication gate i -> its gadget's vertices

    def dag(self, *, extra_vertices=(), extra_edges=(), inputs="all", outputs="all") -> DagNet:
        act_s, act_id = poly(self.sigma), identity()
        V = list(self.vertices) + list(extra_vertices)
        acts = {v: (act_s if v in self.sigma_vertices else act_id) for v in V[1:]}
        E = list(self.edges) + list(extra_edges)
        return DagNet(V, E, acts, [V[0]], V if outputs == "all" else outputs, inputs=V if inputs == "all" else inputs)


def network(slp: SLP, sigma="T^2", *, gadget=None) -> Network:
    """Lemma 3.2's network for P and sigma with theta* (``gadget``: a (D, [lambda'_r]) to use instead of
    Lemma 3.1's, for broken constructions in tests)."""
    if not isinstance(slp, SLP):
        raise InputError(f"slp: expected an SLP, got {type(slp).__name__}")
    p = as_sigma(sigma)
    mu = len(p) - 1
    D, lam = integer_gadget(p) if gadget is None else gadget
    if len(lam) != mu + 1:
        raise InputError(f"gadget: {len(lam)} coefficients for a sigma of degree {mu}")
    one, zero = Fraction(1), Fraction(0)
    V, E, sig, vx, gates = ["v0"], {}, set(), ["v0"], {}

    def edge(u, v, w, b=zero):
        if (u, v) in E:                       # a gate with j = k: the paper's two edges are one
            w0, b0 = E[(u, v)]
            E[(u, v)] = (w0 + w, b0 + b)
        else:
            E[(u, v)] = (Fraction(w), Fraction(b))

    for i, (op, j, k) in enumerate(slp.gates, start=1):
        vi, vj, vk = f"v{i}", vx[j], vx[k]
        if op in "+-":
            V.append(vi)
            edge(vj, vi, one)
            edge(vk, vi, one if op == "+" else -one)
        else:
            z, names = f"z{i}", []
            for r in range(mu + 1):
                L = [f"L{t}_{i}_{r}" for t in (1, 2, 3)]
                U = [f"U{t}_{i}_{r}" for t in (1, 2, 3)]
                names += L + U
                V += L + U
                sig.update(U)
                edge(vj, L[0], one, Fraction(r))
                edge(vk, L[0], one)
                edge(vj, L[1], one, Fraction(r))
                edge(vk, L[2], one, Fraction(r))
                for t in range(3):
                    edge(L[t], U[t], one)
                edge(U[0], z, Fraction(lam[r]))
                edge(U[1], z, -Fraction(lam[r]))
                edge(U[2], z, -Fraction(lam[r]))
            V += [z, vi]
            edge(z, vi, Fraction(1, D))
            gates[i] = names + [z]
        vx.append(vi)
    return Network(slp, p, D, list(lam), V, E, sig, vx, gates)


@dataclass
class Reduction:
    """Lemma 3.2's instance (or Remark B.3's): the network, theta*, the samples and where each came from.

    ``aux[key]`` is the index of a sample: ("baseline",), ("edge", (p, q)) or ("sigma", (L, U), tau);
    ``main`` is the main sample's; ``e_id`` and ``e_sigma`` the identity-head and sigma edges."""
    net: Network
    instance: Instance
    theta: dict
    j: int
    a: int
    b: int
    main_loss: str
    alpha1: int
    aux: dict
    main: int
    e_id: list
    e_sigma: list
    seconds: float

    @property
    def output(self) -> str:
        return self.net.vertex[-1]


def _promise(a, b):
    a = to_integer(a, what="a", least=0)
    b = to_integer(b, what="b", least=1)
    if not a < b:
        raise InputError(f"the promise gap needs a < b, got a = {a}, b = {b}")
    return a, b


def lemma32(slp: SLP, j: int = 0, sigma="T^2", *, a: int = 0, b: int = 1, main: str = "bit",
            gadget=None, mutate=None) -> Reduction:
    """Lemma 3.2's ERM_bit instance for the BitSLP instance (j, P), with theta* (module docstring).

    ``main="hinge"`` gives Remark B.3's main samples (label +1 at v_l, hinge loss) on the same auxiliary
    samples: apply it to Q (see :func:`hinge_variant`).  For broken constructions in tests: ``gadget``
    overrides (D, [lambda'_r]); ``mutate(network)`` may change the :class:`Network` (its edges and
    theta*) before the samples are derived from it.

    >>> red = lemma32(SLP(1, [("+", 0, 0), ("*", 1, 1)]), j=2)      # a_2 = 4 = 100 in binary
    >>> check(red).failures, check(red).loss, len(red.instance.net.vertices)
    ([], Fraction(0, 1), 22)
    """
    t0 = time.perf_counter()
    j = to_integer(j, what="j")
    a, b = _promise(a, b)
    if main not in ("bit", "hinge"):
        raise InputError(f"main={main!r} must be 'bit' or 'hinge'")
    nw = network(slp, sigma, gadget=gadget)
    if mutate is not None:
        mutate(nw)
    dag = nw.dag()
    ix = {v: i for i, v in enumerate(dag.vertices)}
    n = len(dag.vertices)
    p = nw.sigma
    mu = len(p) - 1
    s_at = [to_q(poly_eval(p, t)) for t in range(mu + 2)]
    al = alpha1(p)
    s_alpha = s_at[al]
    is_sig = [False] * n
    for v in nw.sigma_vertices:
        is_sig[ix[v]] = True
    preds = [[] for _ in range(n)]
    succs = [[] for _ in range(n)]
    edges = []
    for (u, v), (w, bb) in nw.edges.items():
        iu, iv = ix[u], ix[v]
        wq, bq = to_q(w), to_q(bb)
        preds[iv].append((iu, wq, bq))
        succs[iu].append(iv)
        edges.append((iu, iv, wq))
    y0 = [s_at[0] if is_sig[i] else _ZERO for i in range(n)]
    x0 = [_ZERO] * n
    for i in range(n):
        acc = _ZERO
        for u, w, bb in preds[i]:
            acc += w * y0[u] + bb
        x0[i] = -acc

    def template(C: dict) -> Sample:
        """C: {vertex: (y, y~)} where the template leaves the baseline; the sample x(y, y~) sparsely."""
        ys = {i: v[0] for i, v in C.items() if v[0] != y0[i]}
        xs = {}
        for i in set(C) | {w for c in C for w in succs[c]}:
            acc = C[i][1] if i in C else _ZERO
            for u, w, bb in preds[i]:
                acc -= w * (C[u][0] if u in C else y0[u]) + bb
            if acc != x0[i]:
                xs[i] = acc
        return Sample(xs, ys, b + 1, 0)

    samples = [Sample({}, {}, b + 1, 0)]
    aux = {("baseline",): 0}
    e_id, e_sig = [], []
    for (iu, iv, w) in edges:
        key = (dag.vertices[iu], dag.vertices[iv])
        if is_sig[iv]:
            e_sig.append(key)
            continue
        e_id.append(key)
        yp, tp = (s_alpha, fmpq(al)) if is_sig[iu] else (fmpq(1), fmpq(1))
        yq = w * (yp - y0[iu])
        aux[("edge", key)] = len(samples)
        samples.append(template({iu: (yp, tp), iv: (yq, yq)}))
    for key in e_sig:
        iL, iU = ix[key[0]], ix[key[1]]
        for tau in range(mu + 1):
            aux[("sigma", key, tau)] = len(samples)
            samples.append(template({iL: (fmpq(tau), fmpq(tau)), iU: (s_at[tau], fmpq(tau))}))
    xm = {i: _ZERO for i in range(n) if x0[i] != 0}
    xm[0] = to_q(slp.a0)
    t_ix = ix[nw.vertex[-1]]
    main_ix = len(samples)
    samples.append(Sample(xm, {t_ix: fmpq(1)} if main == "hinge" else {}, b, 1))
    spec = LossSpec("flagged", t_ix, main, j if main == "bit" else None)
    inst = Instance(dag, spec, Fraction(a), samples, {i: q for i, q in enumerate(x0) if q != 0},
                    {i: q for i, q in enumerate(y0) if q != 0},
                    comment=f"Lemma 3.2 (Doron-Arad and Mossel 2026): {len(slp)} gates, sigma = {poly_text(p)}, "
                            f"{'bit j = ' + str(j) if main == 'bit' else 'Remark B.3 hinge variant'}, a = {a}, b = {b}")
    return Reduction(nw, inst, dict(nw.edges), j, a, b, main, al, aux, main_ix, e_id, e_sig,
                     time.perf_counter() - t0)


def doubled_minus_one(slp: SLP) -> SLP:
    """Q with n_Q = 2 n_P - 1 (Remark B.3): two gates a_l + a_l and (that) - a_0; needs a_0 = 1."""
    if slp.a0 != 1:
        raise InputError(f"2 n_P - 1 needs a_0 = 1 (the remark's integer n_P), got a_0 = {fmt(slp.a0)}")
    l = len(slp)
    return SLP(1, list(slp.gates) + [("+", l, l), ("-", l + 1, 0)])


def hinge_variant(slp: SLP, sigma="T^2", *, a: int = 0, b: int = 1) -> Reduction:
    """Remark B.3: Lemma 3.2's construction on Q = 2 P - 1 with b copies of (x_main, +1) under the hinge loss."""
    return lemma32(doubled_minus_one(slp), 0, sigma, a=a, b=b, main="hinge")


# -- checks (a)-(d) ------------------------------------------------------------------------------------
@dataclass
class Check:
    """Lemma 3.2's checks on one theta: (a) every gate vertex carries a_i on x_main; (b) every auxiliary
    sample is realised exactly; (c) L(theta) equals the expected value (0 or b; Remark B.3: b max(0, 1 - n_Q)).
    ``failures`` lists what does not hold (empty: all three hold)."""
    failures: list
    main_values: dict
    n_P: Fraction
    bit: int | None
    loss: Fraction
    expected_loss: Fraction
    aux_failed: list
    seconds: float
    evaluation: object


def check(red: Reduction, theta=None, *, budget=None) -> Check:
    """Checks (a), (b) and (c) for ``theta`` (default theta*), each sample evaluated once."""
    t0 = time.perf_counter()
    theta = red.theta if theta is None else theta
    P = red.net.slp
    vals = slp_evaluate(P)
    gates = red.net.vertex
    ev = evaluate(red.instance, theta, budget=budget, watch=[(red.main, v) for v in gates])
    failures = []
    main_values = {v: ev.watched[(red.main, v)][1] for v in gates}
    bad = [i for i, v in enumerate(gates) if main_values[v] != vals[i]]
    if bad:
        i = bad[0]
        failures.append(f"(a) f^v{i}(x_main) = {fmt(main_values[gates[i]])} != a_{i} = {fmt(vals[i])} "
                        f"({len(bad)} of {len(gates)} gates differ)")
    main_set = {red.main}
    keys = {k: key for key, k in red.aux.items()}
    aux_failed = [keys[k] for k in ev.failed if k not in main_set]
    if aux_failed:
        failures.append(f"(b) {len(aux_failed)} auxiliary samples are not realised, the first {aux_failed[0]}")
    n_P = vals[-1]
    if red.main_loss == "bit":
        bit = int(bit_slp(P, red.j))
        expected = Fraction(0 if bit == 1 else red.b)
    else:
        bit = None
        expected = red.b * max(Fraction(0), 1 - n_P)
    if ev.loss != expected:
        failures.append(f"(c) L(theta) = {fmt(ev.loss)} != {fmt(expected)}")
    return Check(failures, main_values, n_P, bit, ev.loss, expected, aux_failed, time.perf_counter() - t0, ev)


def check_forcing(red: Reduction, delta=1, edges=None) -> list:
    """Check (d), Claim B.1: for every identity-head edge e (or those in ``edges``), moving w_e alone to
    w*_e + delta breaks e's own auxiliary sample.  Returns the edges where it does *not* (empty: all pinned).

    Exact and differential: sample e is evaluated once under theta*, then again with the one weight
    moved, from the edge's head on in topological order, up to the first vertex whose value differs
    (every vertex is an output coordinate, so that vertex is where the sample breaks)."""
    delta = to_rational(delta, what="delta")
    if delta == 0:
        raise InputError("delta must be nonzero")
    inst = red.instance
    eng = _Engine(inst, red.theta, None, None)
    n = eng.n
    ref = red.aux[("baseline",)]
    rs = inst.samples[ref]
    x_ref = [_ZERO] * n
    for v in inst.input_ix:
        x_ref[v] = rs.x.get(v, inst.default_x.get(v, _ZERO))
    ref_pre, ref_act = eng.full(x_ref, ref)
    eix = {e: k for k, e in enumerate(inst.net.edges)}
    unpinned = []
    dq = to_q(delta)
    for e in (red.e_id if edges is None else edges):
        k = red.aux[("edge", e)]
        s = inst.samples[k]
        xchg = {v: q for v, q in s.x.items() if q != x_ref[v]}
        mine = eng.delta(ref_pre, ref_act, x_ref, xchg, k)
        ke = eix[e]
        moved = eng.delta(ref_pre, ref_act, x_ref, xchg, k, seeds=[inst.index[e[1]]],
                          wchg={ke: eng.W[ke] + dq}, base=mine, first=True)
        if not any(h != (mine[i][1] if i in mine else ref_act[i]) for i, (_, h) in moved.items()):
            unpinned.append(e)
    return unpinned


# -- (e) size ------------------------------------------------------------------------------------------
def predicted_size(slp: SLP, mu: int) -> dict:
    """|V| = l + 1 + m (6 (mu + 1) + 1) for m multiplication gates, and |E| gate by gate (a gate with
    j = k has one edge where the paper draws two), |E_sigma| = 3 (mu + 1) m, and the sample count
    1 + |E_id| + (mu + 1) |E_sigma| + 1."""
    m = sum(1 for op, _, _ in slp.gates if op == "*")
    E = sum((1 if j == k else 2) if op in "+-" else (mu + 1) * (9 if j == k else 10) + 1 for op, j, k in slp.gates)
    Es = 3 * (mu + 1) * m
    return {"vertices": len(slp) + 1 + m * (6 * (mu + 1) + 1), "edges": E, "e_sigma": Es, "e_id": E - Es,
            "samples": 1 + (E - Es) + (mu + 1) * Es + 1}


def size_report(red: Reduction) -> dict:
    """Measured sizes of the instance (check (e)): vertices, edges, distinct samples and copies, |I| in
    bits (every coordinate), the numbers the sparse file writes, |enc(theta*)|, and the prediction."""
    inst = red.instance
    ib = instance_bits(inst)
    stored = sum(len(s.x) + len(s.y) for s in inst.samples) + len(inst.default_x) + len(inst.default_y)
    mu = len(red.net.sigma) - 1
    return {"gates": len(red.net.slp), "mult_gates": len(red.net.gates), "vertices": len(inst.net.vertices),
            "edges": len(inst.net.edges), "e_id": len(red.e_id), "e_sigma": len(red.e_sigma),
            "samples": len(inst.samples), "copies": inst.copies, "instance_bits": ib["total"],
            "sample_bits": ib["samples"], "stored_numbers": stored, "theta_bits": theta_bits(red.theta),
            "predicted": predicted_size(red.net.slp, mu)}


# -- Appendix C ------------------------------------------------------------------------------------------
@dataclass
class BackpropInstance:
    """Theorem 1.3's Backprop-Sign / Backprop-Bit instance: Lemma 3.2's network with theta*, a vertex t,
    the edge e* = (v_l, t) with w = b = 0, B samples (x = a_0 at v_0, y = -a_0 at t), square loss."""
    net: DagNet
    theta: dict
    edge: tuple
    samples: list
    B: int
    a0: Fraction
    n_P: Fraction
    instance: Instance


def backprop_sign(slp: SLP, sigma="T^2", *, B: int = 1) -> BackpropInstance:
    """Appendix C's instance (B = 1 for BitSLP, B = b for PosSLP)."""
    B = to_integer(B, what="B", least=1)
    nw = network(slp, sigma)
    t0 = nw.vertex[-1]
    e = (t0, "t")
    dag = nw.dag(extra_vertices=["t"], extra_edges=[e], inputs=["v0"], outputs=["t"])
    theta = dict(nw.edges)
    theta[e] = (Fraction(0), Fraction(0))
    a0 = slp.a0
    samples = [({"v0": a0}, {"t": -a0})] * B
    ix = {v: i for i, v in enumerate(dag.vertices)}
    inst = Instance(dag, LossSpec("square"), Fraction(0), [Sample({0: to_q(a0)}, {ix["t"]: to_q(-a0)}, B, 0)],
                    comment=f"Theorem 1.3 / Appendix C (Doron-Arad and Mossel 2026): {len(slp)} gates, "
                            f"sigma = {poly_text(nw.sigma)}, B = {B}; the edge e* = {t0}->t")
    return BackpropInstance(dag, theta, e, samples, B, a0, slp_evaluate(slp)[-1], inst)


def backprop_derivative(bp: BackpropInstance, *, budget=None) -> Fraction:
    """dL/dw_e*(theta*) by one exact backpropagation step (passes.backward); B a_0 n_P by Appendix C."""
    from .losses import square
    from .passes import backward
    _, grad_w, _, _ = backward(bp.net, bp.theta, bp.samples, square, budget)
    return grad_w[bp.edge]


def backprop_gap(bp: BackpropInstance, b: int, *, budget=None) -> dict:
    """The derivative against the promise gap: "yes" if >= b, "no" if <= -b, else "neither"."""
    d = backprop_derivative(bp, budget=budget)
    return {"derivative": d, "formula": bp.B * bp.a0 * bp.n_P, "case": "yes" if d >= b else "no" if d <= -b
            else "neither"}


# -- files -------------------------------------------------------------------------------------------------
def write(red, instance_path, theta_path) -> None:
    """Write a :class:`Reduction` (or a :class:`BackpropInstance`) as an instance file and its theta*."""
    save_instance(red.instance, instance_path)
    save_theta(red.instance.net, red.theta, theta_path)


def _main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m exactrelu.bitmodel.reduction",
                                 description="Write Lemma 3.2's ERM_bit instance for an SLP and its theta* "
                                             "(Doron-Arad and Mossel 2026, Appendix B; Remark B.3; Appendix C).")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--random", metavar="N", help="a random SLP of N gates (slp.random_slp, a_0 = 1)")
    g.add_argument("--squaring", metavar="N", help="repeated squaring: a_1 = 2, a_i = a_(i-1)^2")
    ap.add_argument("--seed", default="0", help="seed of --random (default 0)")
    ap.add_argument("--sigma", default="T^2", help="sigma in Q[T] of degree >= 2 (default T^2)")
    ap.add_argument("--j", default="0", help="the queried bit (default 0)")
    ap.add_argument("--a", default="0", help="promise gap a < b (default 0)")
    ap.add_argument("--b", default="1", help="promise gap b (default 1)")
    ap.add_argument("--variant", choices=("bit", "hinge", "backprop"), default="bit",
                    help="bit: Lemma 3.2; hinge: Remark B.3 on 2 n_P - 1; backprop: Appendix C with B = b")
    ap.add_argument("-o", "--output", required=True, help="the instance file to write")
    ap.add_argument("--theta", required=True, help="the theta* file to write")
    ap.add_argument("--check", action="store_true", help="also run checks (a)-(c) and print the times")
    args = ap.parse_args(argv)
    try:
        if args.random is not None:
            P = random_slp(to_integer(args.random, what="--random", least=1), to_integer(args.seed, what="--seed"))
        else:
            P = repeated_squaring(to_integer(args.squaring, what="--squaring", least=1))
        b = to_integer(args.b, what="--b", least=1)
        if args.variant == "backprop":
            red = backprop_sign(P, args.sigma, B=b)
            write(red, args.output, args.theta)
            print(f"wrote {args.output} and {args.theta}: Appendix C, {len(red.net.vertices)} vertices")
            return 0
        t0 = time.perf_counter()
        if args.variant == "hinge":
            red = hinge_variant(P, args.sigma, a=args.a, b=b)
        else:
            red = lemma32(P, args.j, args.sigma, a=args.a, b=b)
        built = time.perf_counter() - t0
        write(red, args.output, args.theta)
        sz = size_report(red)
        print(f"wrote {args.output} and {args.theta}: {sz['gates']} gates, {sz['vertices']} vertices, "
              f"{sz['edges']} edges, {sz['samples']} samples ({sz['copies']} copies), |I| = {sz['instance_bits']} "
              f"bits; built in {built:.2f} s")
        if args.check:
            c = check(red)
            print(f"checks (a)-(c) in {c.seconds:.2f} s: " + ("all hold" if not c.failures else "; ".join(c.failures)))
            return 1 if c.failures else 0
        return 0
    except InputError as e:
        sys.stderr.write(f"{ap.prog}: error: {e}\n")
        return 2


if __name__ == "__main__":
    sys.exit(_main())
