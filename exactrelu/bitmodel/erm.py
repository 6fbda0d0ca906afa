"""Verifying an ERM_bit witness exactly: NP membership for piecewise-linear nets (Theorem 1.4, Theorem E.2).

Doron-Arad and Mossel (2026), Appendix E: with piecewise-linear activations, the loss of an explicit
rational theta is a forward pass of O(n |E|) exact operations on numbers of polynomial bit length, so
a witness of ERM_bit(C1, C2) is checked in polynomial time:

    L(theta) = sum_i count_i loss(f_theta(x_i), y_i) <= gamma    and    |enc(theta)| <= C1 |I|^C2.

:func:`check_witness` decides both, measures the bit length of every pre-activation, activation and
loss, and says whether the instance lies in the piecewise-linear class that Theorem 1.4 covers.  It
evaluates any activation; a polynomial one is refused only when a bit budget is reached
(:class:`~exactrelu.errors.LimitReached`, before the product that would exceed it is computed).

The default budget is 16 (|I| + |enc(theta)|) + 64 bits for any single quantity.  A piecewise-linear
instance never reaches it: every pre-activation, activation and partial sum of a sample has bit
length at most 3 S + 2, where S = |enc(theta)| + sum_v enc(sigma_v) + sum_v len(x_v) <= |I| + |enc(theta)|
(:func:`pl_value_bound`; the proof is in docs/bit-model-reduction.md), and the loss terms and their
sum stay below the budget by the same argument.  A polynomial activation of degree mu multiplies bit
lengths by up to mu per layer, and Lemma 3.2's instances double them per squaring gate: there the
budget stops the pass.

Evaluation is differential.  One reference sample (the one that overrides the fewest coordinates) is
evaluated in full; every other sample is evaluated by recomputing only the vertices whose input or
whose predecessors' values differ from the reference's, in topological order, until the differences
die out (where they spread to most vertices, the following samples get plain full passes).  This is exact for any network and any theta (a vertex whose x_v and predecessor values are
the reference's has the reference's value) and costs O(what changes): Lemma 3.2's auxiliary samples
each touch O(1) vertices.  The maxima reported are exact maxima over the samples, because the
reference is itself a sample.  Identical copies (``count``) are evaluated once.
"""
from __future__ import annotations

import heapq
import math
import random
import time
from dataclasses import dataclass
from fractions import Fraction

import flint

from ..errors import InputError, LimitReached
from ..numbers import fmt, to_integer
from .activations import bit_length, identity, leaky, piecewise, rational, relu, to_q
from .dag import DagNet
from .instance import Instance, LossSpec, Sample, activation_bits, instance_bits, theta_bits

__all__ = ["Evaluation", "evaluate", "WitnessReport", "check_witness", "size_bound", "default_budget",
           "pl_value_bound", "non_pl_vertex", "bit_of", "random_instance", "DEFAULT_C1", "DEFAULT_C2"]

fmpq = flint.fmpq
_ZERO, _ONE, _HALF = fmpq(0), fmpq(1), fmpq(1, 2)
_NO_LIMIT = 1 << 62
#: The size bound's constants when neither the instance nor the caller gives them: |enc(theta)| <= |I|^2.
DEFAULT_C1, DEFAULT_C2 = 1, 2


def _bits(q) -> int:
    return max(1, q.p.bit_length()) + q.q.bit_length()


def bit_of(q: fmpq, j: int) -> int:
    """bit_j(u/v) = floor(2^-j |u| / v) mod 2 (Lemma 3.2's extractor; j < 0 reads after the binary point)."""
    u, v = abs(int(q.p)), int(q.q)
    return ((u // (v << j)) if j >= 0 else ((u << -j) // v)) & 1


# -- the engine --------------------------------------------------------------------------------------
class _Engine:
    """Exact forward passes of one (net, theta) with bit accounting and a budget; see the module docstring."""

    def __init__(self, inst: Instance, theta: dict, budget, deadline):
        net = inst.net
        ix = inst.index
        n = len(net.vertices)
        self.n, self.vertices = n, net.vertices
        self.limit = _NO_LIMIT if budget is None else budget
        self.budget, self.deadline = budget, deadline
        E = len(net.edges)
        W, lw, B = [None] * E, [0] * E, [None] * E
        missing = [e for e in net.edges if e not in theta]
        if missing:
            raise InputError(f"theta: no (w, b) for edge ({missing[0][0]}, {missing[0][1]})")
        for k, e in enumerate(net.edges):
            w, b = theta[e]
            W[k] = to_q(rational(w, what=f"theta[{e[0]}->{e[1]}] weight"))
            B[k] = to_q(rational(b, what=f"theta[{e[0]}->{e[1]}] bias"))
            lw[k] = _bits(W[k])
        self.W, self.lw = W, lw
        preds = [[] for _ in range(n)]
        succs = [[] for _ in range(n)]
        bsum = [_ZERO] * n
        for k, (u, v) in enumerate(net.edges):
            iu, iv = ix[u], ix[v]
            preds[iv].append((k, iu))
            succs[iu].append(iv)
            bsum[iv] += B[k]
        self.preds, self.succs, self.bsum = preds, succs, bsum
        self.acts = [net.activations.get(v) for v in net.vertices]
        self.ident = [a is not None and a.kind == "identity" for a in self.acts]
        self.source = [False] * n
        for s in net.sources:
            self.source[ix[s]] = True
        indeg = [len(p) for p in preds]
        order, ready = [], [i for i in range(n) if indeg[i] == 0]
        while ready:
            i = ready.pop()
            order.append(i)
            for w in succs[i]:
                indeg[w] -= 1
                if indeg[w] == 0:
                    ready.append(w)
        self.order = order
        self.rank = [0] * n
        for r, i in enumerate(order):
            self.rank[i] = r
        self.top = {"pre": (0, None, None), "act": (0, None, None)}

    # bit accounting and the budget
    def _where(self, i, s) -> str:
        return f"the loss, sample {s}" if i is None else f"vertex {self.vertices[i]}, sample {s}"

    def _over(self, bits, i, s, what):
        raise LimitReached(f"bit budget {self.budget} reached at {self._where(i, s)}: the {what} has {bits} bits")

    def _product(self, la, lb, i, s, what):
        raise LimitReached(f"bit budget {self.budget} reached at {self._where(i, s)}: the {what} would multiply a "
                           f"{la}-bit and a {lb}-bit number (up to {la + lb} bits); refused before multiplying")

    def _mul(self, i, s, what):
        limit = self.limit

        def mul(a, b):
            la, lb = _bits(a), _bits(b)
            if la + lb > limit:
                self._product(la, lb, i, s, what)
            return a * b
        return mul

    def _note(self, q, bits, i, s):
        if bits > self.top[q][0]:
            self.top[q] = (bits, i, s)

    def _vertex(self, i, x_i, act, s, wchg=None):
        """(pre, act) of vertex i given x_i and a lookup of the predecessors' activations."""
        if self.source[i]:
            b = _bits(x_i)
            if b > self.limit:
                self._over(b, i, s, "input")
            return x_i, x_i, b
        acc = x_i + self.bsum[i]
        limit, W, lw = self.limit, self.W, self.lw
        ub = _bits(acc)
        plist = self.preds[i]
        last = len(plist) - 1
        for k, (e, u) in enumerate(plist):
            h = act(u)
            if not h:
                continue
            w = W[e] if wchg is None else wchg.get(e, W[e])
            lh = _bits(h)
            le = lw[e] if wchg is None or e not in wchg else _bits(w)
            if le + lh > limit:
                self._product(le, lh, i, s, "pre-activation")
            acc += w * h
            ub = 2 * (ub + le + lh)
            if ub > limit and k < last:
                ub = _bits(acc)
                if ub > limit:
                    self._over(ub, i, s, "partial sum of the pre-activation")
        lp = _bits(acc)
        if lp > limit:
            self._over(lp, i, s, "pre-activation")
        if self.ident[i]:
            return acc, acc, lp
        h = self.acts[i].value(acc, self._mul(i, s, "activation") if self.budget is not None else _plain)
        lh = _bits(h)
        if lh > limit:
            self._over(lh, i, s, "activation")
        return acc, h, lp

    def _tick(self, s):
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise LimitReached(f"time limit reached at sample {s}")

    def full(self, x: list, s: int):
        """pre and act lists of one sample, x a list over all vertices (0 where no input).

        The loop of :meth:`_vertex`, inlined: the budget's checks are integer comparisons on bit lengths
        that the accounting measures anyway."""
        n, limit = self.n, self.limit
        pre, act, lact = [_ZERO] * n, [_ZERO] * n, [2] * n
        preds, bsum, W, lw, source, ident, acts = self.preds, self.bsum, self.W, self.lw, self.source, self.ident, \
            self.acts
        budgeted = self.budget is not None
        top_p, top_a, ip, ia = 0, 0, None, None
        for i in self.order:
            if source[i]:
                h = x[i]
                lh = _bits(h)
                if lh > limit:
                    self._over(lh, i, s, "input")
                pre[i] = act[i] = h
                lact[i] = lh
                if lh > top_p:
                    top_p, ip = lh, i
                if lh > top_a:
                    top_a, ia = lh, i
                continue
            acc = x[i] + bsum[i]
            if budgeted:
                ub = _bits(acc)
                for e, u in preds[i]:
                    h = act[u]
                    if h:
                        t = lw[e] + lact[u]
                        if t > limit:
                            self._product(lw[e], lact[u], i, s, "pre-activation")
                        acc += W[e] * h
                        ub = 2 * (ub + t)
                        if ub > limit:
                            ub = _bits(acc)
                            if ub > limit:
                                self._over(ub, i, s, "partial sum of the pre-activation")
            else:
                for e, u in preds[i]:
                    h = act[u]
                    if h:
                        acc += W[e] * h
            lp = _bits(acc)
            if lp > limit:
                self._over(lp, i, s, "pre-activation")
            pre[i] = acc
            if ident[i]:
                h, lh = acc, lp
            else:
                h = acts[i].value(acc, self._mul(i, s, "activation")) if budgeted else acts[i].value(acc)
                lh = _bits(h)
                if lh > limit:
                    self._over(lh, i, s, "activation")
            act[i], lact[i] = h, lh
            if lp > top_p:
                top_p, ip = lp, i
            if lh > top_a:
                top_a, ia = lh, i
        if top_p > self.top["pre"][0]:
            self._note("pre", top_p, ip, s)
        if top_a > self.top["act"][0]:
            self._note("act", top_a, ia, s)
        return pre, act

    def delta(self, ref_pre, ref_act, x_ref, xchg: dict, s: int, seeds=(), wchg=None, base=None, first=False):
        """{i: (pre, act)} for the vertices whose values differ from the reference sample's.

        ``xchg``: {i: new x_i}; ``seeds``: more vertices to recompute (heads of the edges in ``wchg``,
        {edge index: new weight}); ``base``: an overlay {i: (pre, act)} on the reference (a sample's
        own values, when the reference is that sample under another theta); ``first``: stop at the
        first vertex whose activation differs (in topological order) and return only it."""
        base = base or {}
        changed = {}
        heap = []
        queued = set()
        rank = self.rank
        for i in list(xchg) + list(seeds):
            if i not in queued:
                queued.add(i)
                heapq.heappush(heap, (rank[i], i))

        def act(u):
            c = changed.get(u)
            if c is not None:
                return c[1]
            c = base.get(u)
            return ref_act[u] if c is None else c[1]

        note, top = self._note, self.top
        succs = self.succs
        while heap:
            _, i = heapq.heappop(heap)
            x_i = xchg.get(i, x_ref[i])
            p, h, lp = self._vertex(i, x_i, act, s, wchg)
            b = base.get(i)
            old_p, old_h = (ref_pre[i], ref_act[i]) if b is None else b
            if p != old_p or h != old_h:
                changed[i] = (p, h)
                if lp > top["pre"][0]:
                    note("pre", lp, i, s)
                la = _bits(h)
                if la > top["act"][0]:
                    note("act", la, i, s)
            if h != old_h:
                if first:
                    return {i: (p, h)}
                for w in succs[i]:
                    if w not in queued:
                        queued.add(w)
                        heapq.heappush(heap, (rank[w], w))
        return changed


def _plain(a, b):
    return a * b


# -- losses ------------------------------------------------------------------------------------------
def _term(kind, yh, y, mul):
    """One output's term of an additive loss: square (yhat - y)^2 / 2, hinge max(0, 1 - y yhat)."""
    if kind == "square":
        d = yh - y
        return mul(d, d) * _HALF
    m = _ONE - mul(y, yh)
    return m if m > 0 else _ZERO


def _main_loss(spec: LossSpec, yh, y, mul):
    if spec.main == "bit":
        return _ZERO if bit_of(yh, spec.j) == 1 else _ONE
    return _term(spec.main, yh, y, mul)


# -- evaluation --------------------------------------------------------------------------------------
@dataclass
class Evaluation:
    """What :func:`evaluate` computed.

    ``loss``: L(theta) with multiplicity; ``sample_loss[i]``: sample i's loss (one copy); ``failed``: the
    samples with a nonzero loss; ``bits``: {"pre", "act", "loss", "sample_loss"} maxima (exact maxima
    over the samples) and ``where`` the vertex and sample of the largest pre-activation and activation;
    ``watched``: {(sample, vertex): (pre, act)} for the requested pairs; ``reference``: the sample
    evaluated in full; ``full_passes``: how many samples were evaluated in full."""
    loss: Fraction
    sample_loss: list
    failed: list
    bits: dict
    where: dict
    watched: dict
    reference: int
    full_passes: int
    seconds: float


def _overrides(s: Sample) -> int:
    return len(s.x) + len(s.y)


def evaluate(inst: Instance, theta: dict, *, budget=None, seconds=None, watch=(), full_fraction=0.25) -> Evaluation:
    """L(theta) on ``inst``, exactly, with the bit maxima (see the module docstring).

    ``budget``: the most bits any single quantity may have (None: no limit); ``seconds``: a time limit;
    ``watch``: (sample index, vertex name) pairs whose values to keep.  A sample whose input differs
    from the reference's at more than ``full_fraction`` of the vertices is evaluated in full."""
    t0 = time.perf_counter()
    if budget is not None:
        budget = to_integer(budget, what="budget", least=1)
    deadline = None if seconds is None else time.monotonic() + float(seconds)
    eng = _Engine(inst, theta, budget, deadline)
    n, samples, spec = eng.n, inst.samples, inst.loss
    dx, dy = inst.default_x, inst.default_y
    mul = eng._mul(None, None, "loss") if budget is not None else _plain
    watch_by = {}
    for s, v in watch:
        if v not in inst.index:
            raise InputError(f"watch: unknown vertex {v!r}")
        watch_by.setdefault(s, []).append(inst.index[v])
    ref = min(range(len(samples)), key=lambda k: _overrides(samples[k]))
    rs = samples[ref]
    x_ref = [_ZERO] * n
    for v in inst.input_ix:
        x_ref[v] = rs.x.get(v, dx.get(v, _ZERO))
    eng._tick(ref)
    ref_pre, ref_act = eng.full(x_ref, ref)
    outs = inst.output_ix
    flagged = spec.kind == "flagged"
    additive = spec.kind in ("square", "hinge")
    # the reference's output vector against the *default* labels, term by term
    ydef = {t: dy.get(t, _ZERO) for t in outs}
    if additive:
        ref_terms = {t: _term(spec.kind, ref_act[t], ydef[t], mul) for t in outs}
        ref_total = sum(ref_terms.values(), _ZERO)
    else:
        ref_mis = {t for t in outs if ref_act[t] != ydef[t]}
    out_set = set(outs)
    sample_loss, failed, watched = [], [], {}
    total, full_passes, top_loss, prefer_full = _ZERO, 1, 0, False
    for k, s in enumerate(samples):
        eng._tick(k)
        if k == ref:
            changed = {}
        else:
            keys = set(s.x) | set(rs.x)
            xchg = {}
            for v in keys:
                xv = s.x.get(v, dx.get(v, _ZERO))
                if xv != x_ref[v]:
                    xchg[v] = xv
            if len(xchg) > full_fraction * n or (prefer_full and xchg):
                x = list(x_ref)
                for v, q in xchg.items():
                    x[v] = q
                pre, act = eng.full(x, k)
                changed = {i: (pre[i], act[i]) for i in range(n) if pre[i] != ref_pre[i] or act[i] != ref_act[i]}
                full_passes += 1
            else:
                changed = eng.delta(ref_pre, ref_act, x_ref, xchg, k)
                prefer_full = len(changed) > n // 2     # the differences spread: full passes are cheaper
        if k in watch_by:
            for i in watch_by[k]:
                pa = changed.get(i, (ref_pre[i], ref_act[i]))
                watched[(k, eng.vertices[i])] = (Fraction(int(pa[0].p), int(pa[0].q)),
                                                 Fraction(int(pa[1].p), int(pa[1].q)))

        def yhat(t):
            c = changed.get(t)
            return ref_act[t] if c is None else c[1]

        if flagged and s.flag:
            t = spec.output
            li = _main_loss(spec, yhat(t), s.y.get(t, ydef[t]), mul)
        else:
            touched = ({t for t in changed if t in out_set} | set(s.y))
            if additive:
                li = ref_total
                for t in touched:
                    li += _term(spec.kind, yhat(t), s.y.get(t, ydef[t]), mul) - ref_terms[t]
            else:
                mism = len(ref_mis)
                for t in touched:
                    mism += (yhat(t) != s.y.get(t, ydef[t])) - (t in ref_mis)
                li = _ONE if mism > 0 else _ZERO
        lb = _bits(li)
        if budget is not None and lb > budget:
            eng._over(lb, None, k, "loss")
        top_loss = max(top_loss, lb)
        sample_loss.append(li)
        if li:
            failed.append(k)
        total += s.count * li if s.count != 1 else li
        tb = _bits(total)
        if budget is not None and tb > budget:
            raise LimitReached(f"bit budget {budget} reached at sample {k}: the loss summed so far has {tb} bits")
    top = eng.top
    where = {q: (None if top[q][1] is None else {"vertex": eng.vertices[top[q][1]], "sample": top[q][2]})
             for q in ("pre", "act")}
    bits = {"pre": top["pre"][0], "act": top["act"][0], "loss": _bits(total), "sample_loss": top_loss}
    return Evaluation(Fraction(int(total.p), int(total.q)), [Fraction(int(q.p), int(q.q)) for q in sample_loss],
                      failed, bits, where, watched, ref, full_passes, time.perf_counter() - t0)


# -- the witness -------------------------------------------------------------------------------------
def size_bound(inst_bits: int, C1: int, C2: int) -> int:
    """C1 |I|^C2, exact."""
    return C1 * inst_bits ** C2


def default_budget(inst_bits: int, th_bits: int) -> int:
    """16 (|I| + |enc(theta)|) + 64: never reached by a piecewise-linear instance (module docstring)."""
    return 16 * (inst_bits + th_bits) + 64


def non_pl_vertex(inst: Instance):
    """The first vertex whose activation is not piecewise linear (a polynomial of degree >= 2), or None."""
    for v, a in inst.net.activations.items():
        if not a.is_piecewise_linear:
            return v
    return None


def pl_value_bound(inst: Instance, theta: dict) -> int:
    """3 S + 2 with S = |enc(theta)| + sum_v enc(sigma_v) + max_i sum_v len(x_i,v): for piecewise-linear
    activations, a bound on the bit length of every pre-activation and activation (docs/bit-model-reduction.md)."""
    dx = inst.default_x
    base = sum(bit_length(dx.get(v, _ZERO)) for v in inst.input_ix)
    xs = max(base + sum(bit_length(q) - bit_length(dx.get(v, _ZERO)) for v, q in s.x.items()) for s in inst.samples)
    S = theta_bits(theta) + sum(activation_bits(a) for a in inst.net.activations.values()) + xs
    return 3 * S + 2


@dataclass
class WitnessReport:
    """:func:`check_witness`'s verdict and figures.  ``verified`` is ``loss_ok and size_ok``; ``failed``
    names each condition that does not hold."""
    verified: bool
    failed: list
    loss: Fraction
    gamma: Fraction
    loss_ok: bool
    instance_bits: dict
    theta_bits: int
    C1: int
    C2: int
    size_bound: int
    size_ok: bool
    piecewise_linear: bool
    non_pl: str | None
    budget: int | None
    pl_value_bound: int
    evaluation: Evaluation
    copies: int
    seconds: float

    def to_json(self) -> dict:
        ev = self.evaluation
        return {"verified": self.verified, "failed": self.failed,
                "loss": fmt(self.loss), "gamma": fmt(self.gamma), "loss_ok": self.loss_ok,
                "instance_bits": self.instance_bits["total"], "instance_bits_parts": self.instance_bits,
                "theta_bits": self.theta_bits, "C1": self.C1, "C2": self.C2, "size_bound": str(self.size_bound),
                "size_ok": self.size_ok, "piecewise_linear": self.piecewise_linear, "non_pl_vertex": self.non_pl,
                "bits": dict(ev.bits), "where": ev.where, "budget": self.budget,
                "pl_value_bound": self.pl_value_bound,
                "pl_value_bound_held": max(ev.bits["pre"], ev.bits["act"]) <= self.pl_value_bound,
                "samples": len(ev.sample_loss), "copies": self.copies, "failed_samples": ev.failed[:20],
                "failed_sample_count": len(ev.failed), "full_passes": ev.full_passes, "seconds": self.seconds}


def check_witness(inst: Instance, theta: dict, *, C1=None, C2=None, budget="default", seconds=None,
                  require_pl: bool = False) -> WitnessReport:
    """Decide L(theta) <= gamma and |enc(theta)| <= C1 |I|^C2 exactly (module docstring).

    C1, C2: the caller's, else the instance's, else :data:`DEFAULT_C1`, :data:`DEFAULT_C2`.
    ``budget``: "default" (:func:`default_budget`), None (no limit) or a number of bits.
    ``require_pl``: refuse (InputError) an instance outside the piecewise-linear class."""
    t0 = time.perf_counter()
    C1 = to_integer(C1 if C1 is not None else inst.C1 if inst.C1 is not None else DEFAULT_C1, what="C1", least=1)
    C2 = to_integer(C2 if C2 is not None else inst.C2 if inst.C2 is not None else DEFAULT_C2, what="C2", least=1,
                    most=1000)
    bad = non_pl_vertex(inst)
    if require_pl and bad is not None:
        raise InputError(f"vertex {bad!r} has the activation {inst.net.activations[bad]!r}, not piecewise linear "
                         f"(Theorem 1.4 covers piecewise-linear activations only)")
    ib, tb = instance_bits(inst), theta_bits(theta)
    if budget == "default":
        budget = default_budget(ib["total"], tb)
    ev = evaluate(inst, theta, budget=budget, seconds=seconds)
    bound = size_bound(ib["total"], C1, C2)
    loss_ok, size_ok = ev.loss <= inst.gamma, tb <= bound
    failed = []
    if not loss_ok:
        failed.append(f"loss: L(theta) = {_show(ev.loss)} > gamma = {_show(inst.gamma)} "
                      f"({len(ev.failed)} of {len(ev.sample_loss)} samples with a nonzero loss)")
    if not size_ok:
        failed.append(f"size: |enc(theta)| = {tb} bits > C1 |I|^C2 = {C1} * {ib['total']}^{C2} = {bound}")
    return WitnessReport(not failed, failed, ev.loss, inst.gamma, loss_ok, ib, tb, C1, C2, bound, size_ok,
                         bad is None, bad, budget, pl_value_bound(inst, theta), ev, inst.copies,
                         time.perf_counter() - t0)


def _show(q: Fraction) -> str:
    text = fmt(q)
    return text if len(text) <= 60 else f"{text[:30]}...({len(text)} characters)"


# -- random piecewise-linear instances (tests and bench/bits_reduction.py) --------------------------
def _rat(rng, num=4, den=4) -> Fraction:
    return Fraction(rng.randint(-num, num), rng.randint(1, den))


def random_instance(n_vertices: int, seed: int, *, n_inputs: int = 3, n_outputs: int = 2, n_samples: int = 8,
                    fan_in: int = 3, loss: str = "square", gamma=None) -> tuple[Instance, dict]:
    """(instance, theta): a random piecewise-linear DAG (ReLU, leaky ReLU, a clipped ramp, the identity),
    small rational weights, biases, inputs and labels; gamma is L(theta) unless given (so theta is a witness).

    >>> inst, theta = random_instance(10, 0)
    >>> len(inst.net.vertices), check_witness(inst, theta).verified
    (10, True)
    """
    n = to_integer(n_vertices, what="n_vertices", least=n_inputs + 1)
    rng = random.Random(seed)
    V = [f"s{i}" for i in range(n_inputs)] + [f"h{i}" for i in range(n - n_inputs)]
    kinds = [relu(), leaky(Fraction(1, 4)), piecewise([0, 1], [0, 1, 0], [0, 0, 1]), identity()]
    edges, theta, acts = [], {}, {}
    for i in range(n_inputs, n):
        k = min(i, fan_in)
        for j in sorted(rng.sample(range(i), k)):
            e = (V[j], V[i])
            edges.append(e)
            theta[e] = (_rat(rng), _rat(rng, 2, 2))
        acts[V[i]] = kinds[rng.randrange(len(kinds))]
    outputs = V[-n_outputs:]
    net = DagNet(V, edges, acts, V[:n_inputs], outputs)
    ix = {v: i for i, v in enumerate(V)}
    samples = [Sample({ix[v]: to_q(_rat(rng, 8, 8)) for v in V[:n_inputs]},
                      {ix[t]: to_q(_rat(rng, 8, 8)) for t in outputs}) for _ in range(n_samples)]
    inst = Instance(net, LossSpec(loss), Fraction(0), samples)
    inst.gamma = evaluate(inst, theta).loss if gamma is None else Fraction(gamma)
    return inst, theta


def fit_exponent(xs, ys) -> float:
    """Least-squares slope of log y against log x (a growth exponent; for display only)."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)
