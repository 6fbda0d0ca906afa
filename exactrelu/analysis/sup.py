"""Exact maxima of ReLU networks (and of differences of two) over boxes, with certificates.

The producer side of the ``sup`` certificates of :mod:`exactrelu.kernel`.  It searches (fast,
untrusted); the kernel replays the tree it emits (small, trusted, no search).

Objective: ``obj(x) = s * (f(x) - g(x))`` (or ``s * f(x)``) with ``s = +1`` or ``-1``; the sign
``"abs"`` combines the trees of both signs.  The value reported is always the *maximum of
the stated objective*: ``"min"`` reports ``max(-(f - g)) = -min(f - g)``.

How the search decides neurons (in the kernel's fixed order, f's layers first, then g's):

1. the exact range of the neuron's affine pre-activation over the current sub-box (O(d));
   if it has one sign the neuron is fixed with an empty dual (the box alone proves it);
2. otherwise, while no split constraint exists yet and the pre-activation depends on a
   single coordinate x_i (always for d = 1; the first layer of bump networks), the sub-box is
   *cut* at its root: cuts are free for the kernel and keep later duals empty;
3. otherwise, a pre-activation that is a positive multiple of an earlier constraint is fixed
   with one multiplier; else two exact LPs (:mod:`.lp`) decide: fix with their dual, or split.
4. when every neuron is decided, an exact LP maximizes the affine objective on the region;
   its optimum is a witness candidate, its dual the ``bound`` leaf.

Producers (``method``): ``"knots"`` (default for d = 1): every breakpoint exactly, one kernel
``knots`` leaf (:mod:`.pl1d`); ``"bnb"`` (default for d >= 2): float64-guided branch and bound over
boxes with back-substituted linear bounds, kernel ``linear`` nodes and, on the small boxes bounds
cannot close, the region search below (:mod:`.bnb`, :mod:`.linear`); ``"bnb-ibp"``: the same with
interval bounds and ``ibp`` leaves (the earlier default, kept as a baseline); ``"bnb-mixed"``: ``"bnb"``
that may also branch on a neuron's sign (kernel ``branch`` nodes) where that closes one side and bounds
the other below the input cut's worse half (measured not to pay at d <= 3, docs/benchmarks.md); ``"regions"``
(``prune=False``, the fallback, and first for nets whose first layer is decided by cuts, such as
bumps): the region search alone.  With
``check=True`` (default) every certificate is replayed by the kernel before it is returned
(``.checked``), and a rejected ``bnb*`` certificate (a misleading float) reruns the exact region
search.  Callers that replay a certificate themselves may pass ``check=False``.  ``rel_gap`` > 0 stops when
``upper - lower <= rel_gap * upper`` (``bnb``; the other producers are exact or stop at a limit).

The region search.  Branch and bound: before expanding a sub-box, an upper bound by exact symbolic interval
propagation (the kernel's own ``ibp`` leaf) that does not exceed the best value found so far
closes the sub-box.  When a limit (regions, boxes, time) stops the search, every open node
becomes an ``ibp`` leaf and the certified upper bound is the largest of their bounds: the
result is an interval ``[lower, upper]`` marked ``exact=False`` with the reason.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from fractions import Fraction

from .. import kernel
from ..errors import CertificateRejected, InputError, LimitReached
from ..net import Net
from ..numbers import fmt, to_float, to_rational
from ..progress import Progress, deadline
from .lp import box_max, box_min, lp_max

__all__ = ["MaxResult", "SupResult", "maximize", "sup", "max_over_box", "min_over_box", "objective",
           "DEFAULT_LIMITS", "MEMORY_LIMIT", "SEARCH_SHARE"]

#: Defaults for the resource limits (``None`` = unlimited).
DEFAULT_LIMITS = {"max_regions": 200_000, "max_boxes": 100_000, "time_limit": 600.0}

#: Default memory budget (bytes) of the d = 1 knots method, whose kernel replay keeps the sign of
#: every neuron at every knot (measured: about KNOT_NEURON_BYTES per pair).
MEMORY_LIMIT = 2 * 1024 ** 3
KNOT_NEURON_BYTES = 48

#: ``time_limit`` covers the search *and* the kernel's replay: the search stops by itself after
#: SEARCH_SHARE of it (returning the interval reached), and a hard deadline DEADLINE_MARGIN seconds
#: after the full limit stops whatever still runs (the replay included) with LimitReached.
SEARCH_SHARE = 0.25  # measured: replaying a bnb tree takes 2-4x its search (linear nodes), 1-2x (ibp leaves)
DEADLINE_MARGIN = 1.0

_ZERO = Fraction(0)

#: ``method="auto"`` tries the exact region search first, for at most AUTO_REGIONS_SECONDS, on nets with at
#: most AUTO_REGIONS_NEURONS hidden neurons in all and on nets whose first layer it decides by free cuts
#: (bumps), then falls back to branch and bound.
AUTO_REGIONS_NEURONS = 32
AUTO_REGIONS_SECONDS = 5.0


@dataclass
class MaxResult:
    """Result of :func:`maximize` for one signed objective ``s * (f - g)``.

    ``lower <= max <= upper`` is certified by ``tree`` (replay with :func:`exactrelu.kernel.check_interval`,
    or :func:`exactrelu.kernel.check_sup` when ``exact``); ``value`` is the maximum when ``exact``."""
    value: Fraction | None
    lower: Fraction
    upper: Fraction
    witness: tuple
    exact: bool
    tree: dict
    reason: str | None = None
    stats: dict = field(default_factory=dict)
    checked: object = None   # the kernel's Checked, when maximize() replayed the tree (check=True)


@dataclass
class SupResult:
    """Result of :func:`sup`: the maximum of |f - g| (or f - g, g - f) over a box."""
    lower: Fraction
    upper: Fraction
    witness: tuple
    exact: bool
    certificate: dict
    value: Fraction | None = None
    reason: str | None = None
    stats: dict = field(default_factory=dict)
    checked: object = None   # the kernel's Checked, when sup() already replayed the certificate

    def to_json(self) -> dict:
        """The ``sup`` JSON output of docs/formats.md."""
        w = [fmt(v) for v in self.witness]
        if self.exact:
            return {"sup": fmt(self.value), "witness": w, "exact": True}
        out = {"lower": fmt(self.lower), "upper": fmt(self.upper), "witness": w, "exact": False}
        if self.reason:
            out["reason"] = self.reason
        return out


# -- arguments ------------------------------------------------------------------------------------

def _as_nets(nets) -> tuple:
    nets = (nets,) if isinstance(nets, Net) else tuple(nets)
    if len(nets) not in (1, 2) or not all(isinstance(n, Net) for n in nets):
        raise InputError(f"nets={nets!r} must be a Net or a pair (f, g) of Nets")
    for i, n in enumerate(nets):
        if n.output_dim != 1:
            raise InputError(f"network {i} has output dimension {n.output_dim}; need scalar output")
    if len({n.input_dim for n in nets}) != 1:
        raise InputError(f"input dimensions differ: {[n.input_dim for n in nets]}")
    return nets


def _as_box(box, nets):
    d = nets[0].input_dim
    if box is None:
        box = nets[0].box()
    box = tuple((to_rational(lo, what=f"box[{i}] lo"), to_rational(hi, what=f"box[{i}] hi"))
                for i, (lo, hi) in enumerate(box))
    if len(box) != d:
        raise InputError(f"box has {len(box)} intervals, input dimension is {d}")
    for i, (lo, hi) in enumerate(box):
        if lo > hi:
            raise InputError(f"box[{i}]: lo {fmt(lo)} > hi {fmt(hi)}")
    return box


def _as_sign(sign) -> int:
    s = {1: 1, -1: -1, "+": 1, "-": -1, "max": 1, "min": -1}.get(sign) if not isinstance(sign, bool) else None
    if s is None:
        raise InputError(f"sign={sign!r} must be 1, -1, 'max' or 'min'")
    return s


def objective(nets, s, x) -> Fraction:
    """s * (f(x) - g(x)) exactly (s = +1, -1 or "abs")."""
    v = kernel.evaluate(nets[0], x)[0] - (kernel.evaluate(nets[1], x)[0] if len(nets) > 1 else 0)
    return abs(v) if s == "abs" else s * v


def _dual_json(dual):
    return {str(k): fmt(v) for k, v in sorted(dual.items()) if v}


# -- the search -----------------------------------------------------------------------------------

class _Stop(Exception):
    pass


class _Search:
    """Depth-first decision of the neurons with cuts, LP fixes, splits and interval pruning."""

    def __init__(self, nets, box, s, limits, best, prune=True, bar=None):
        self.bar = bar if bar is not None else Progress("", enabled=False)
        self.st = kernel._State(nets, box, s)   # the kernel's own state: same order, same affine forms
        self.nets, self.s, self.d = nets, s, len(box)
        self.N = len(self.st.order)
        self.limits = limits
        self.best = best            # shared [value, witness] across signs
        self.prune = prune
        self.regions = self.boxes = self.lps = 0
        self.open_bounds = []       # certified upper bounds of nodes closed by a limit (ibp leaves)
        self.stopped = None
        self.t0 = time.perf_counter()

    # limits
    def _check(self):
        lim = self.limits
        if self.stopped:
            return True
        if lim.get("max_regions") is not None and self.regions >= lim["max_regions"]:
            self.stopped = f"max_regions={lim['max_regions']} reached"
        elif lim.get("max_boxes") is not None and self.boxes >= lim["max_boxes"]:
            self.stopped = f"max_boxes={lim['max_boxes']} reached"
        elif lim.get("time_limit") is not None and time.perf_counter() - self.t0 > lim["time_limit"]:
            self.stopped = f"time_limit={lim['time_limit']}s reached"
        return bool(self.stopped)

    def _ibp(self):
        return kernel._ibp_max(self.st)

    def _close(self):
        """Close the current node with an ibp leaf after a limit; remember its bound."""
        self.open_bounds.append(self._ibp())
        return {"ibp": True}

    def run(self):
        return self._node(top=True)

    def _node(self, top=False):
        st = self.st
        if self._check():
            return self._close()
        if self.prune and self.best[0] is not None and not top and st.p < self.N:
            if self._ibp() <= self.best[0]:
                return {"ibp": True}
        signs, duals = [], []
        head = None
        try:
            while st.p < self.N:
                if signs and self._check():
                    head = self._close()
                    break
                z = st.pre(*st.order[st.p])
                if box_min(z, st.box) >= 0:
                    signs.append("+"), duals.append(None), kernel._set(st, z, True)
                    continue
                if box_max(z, st.box) <= 0:
                    signs.append("-"), duals.append(None), kernel._set(st, z, False)
                    continue
                nz = [i for i in range(self.d) if z[i]]
                if not st.cons and len(nz) == 1:
                    i = nz[0]
                    head = self._cut(i, -z[-1] / z[i])
                    break
                dec = self._decide(z)
                if dec is None:
                    head = self._split(z)
                    break
                if dec[0] == "empty":
                    head = {"empty": _dual_json(dec[1])}
                    break
                sgn, dual = dec
                signs.append(sgn), duals.append(_dual_json(dual) or None), kernel._set(st, z, sgn == "+")
            else:
                head = self._leaf()
        finally:
            kernel._unset(st, len(signs))
        if not signs:
            return head
        node = {"fix": "".join(signs), "next": head}
        if any(duals):
            node["duals"] = duals
        return node

    def _cut(self, i, t):
        st = self.st
        lo, hi = st.box[i]
        self.boxes += 1
        st.box[i] = (lo, t)
        a = self._node()
        st.box[i] = (t, hi)
        b = self._node()
        st.box[i] = (lo, hi)
        return {"cut": i, "at": fmt(t), "lo": a, "hi": b}

    def _split(self, z):
        st = self.st
        out = {"split": True}
        for child, c, active in (("neg", z, False), ("pos", tuple(-a for a in z), True)):
            st.cons.append(c)
            kernel._set(st, z, active)
            out[child] = self._node()
            kernel._unset(st, 1)
            st.cons.pop()
        return out

    def _decide(self, z):
        """('+'|'-', dual), ('empty', farkas) or None (split)."""
        st = self.st
        # a positive multiple of an earlier constraint c_k <= 0 (z = a c_k) gives z <= 0,
        # a negative multiple gives z >= 0: one multiplier, no LP
        for k, c in enumerate(st.cons):
            a = _ratio(z, c)
            if a is not None:
                return ("-", {k: a}) if a > 0 else ("+", {k: -a})
        self.lps += 1
        hi = lp_max(z, st.cons, st.box)
        if not hi.feasible:
            return ("empty", hi.dual)
        if hi.value <= 0:
            return ("-", hi.dual)
        self.lps += 1
        lo = lp_max(tuple(-a for a in z), st.cons, st.box)
        if lo.value <= 0:
            return ("+", lo.dual)
        return None

    def _leaf(self):
        st = self.st
        self.regions += 1
        self.bar.update()
        h = st.obj()
        self.lps += 1
        r = lp_max(h, st.cons, st.box)
        if not r.feasible:
            return {"empty": _dual_json(r.dual)}
        if self.best[0] is None or r.value > self.best[0]:
            v = objective(self.nets, self.s, r.x)
            if v != r.value:  # an internal error, never a silent wrong answer
                raise ArithmeticError(f"sup: LP value {r.value} != exact objective {v} at {r.x}")
            self.best[0], self.best[1] = v, r.x
        return {"bound": _dual_json(r.dual)}


def _ratio(z, c):
    """a with z == a * c (a != 0), or None."""
    a = None
    for u, v in zip(z, c):
        if v == 0:
            if u != 0:
                return None
        elif a is None:
            a = u / v
            if a == 0:
                return None
        elif u != a * v:
            return None
    return a


def _seed_best(nets, box, signs, n=2048, keep=4, seed=0):
    """A starting witness: float64 screening of the box centre and n random dyadic points, then
    the exact objective at the ``keep`` best of them (floats only choose; the value is exact)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    d = len(box)
    k = rng.integers(0, 1025, size=(n, d))
    k[0] = 512
    lo = [lo for lo, _ in box]
    span = [hi - lo for lo, hi in box]
    try:
        X = np.array([float(v) for v in lo]) + np.array([float(v) for v in span]) * (k / 1024)   # screening only
        v = nets[0].to_float64()(X)[:, 0] - (nets[1].to_float64()(X)[:, 0] if len(nets) > 1 else 0)
    except (InputError, OverflowError):   # beyond float64: no screening, the box centre is the seed
        k, v = k[:1], np.zeros(1)
    best = [None, None]
    for s in signs:
        for r in np.argsort(-s * v)[:keep]:
            x = tuple(lo[i] + span[i] * Fraction(int(k[r, i]), 1024) for i in range(d))
            val = objective(nets, s, x)
            if best[0] is None or val > best[0]:
                best[0], best[1] = val, x
    return best


def _limits(kw):
    lim = dict(DEFAULT_LIMITS)
    for k, v in kw.items():
        if k not in lim:
            raise InputError(f"unknown limit {k}={v!r} (known: {sorted(lim)})")
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0):
            raise InputError(f"{k}={v!r} must be a non-negative number or None")
        lim[k] = v
    return lim


def _knot_budget(nets, box, limits, memory_limit):
    """The largest knot count the limits allow; refuses (InputError) up front a problem whose
    first-layer breakpoints alone exceed the memory budget or max_regions."""
    (lo, hi), = box
    neurons = max(sum(sum(n.widths) for n in nets), 1)
    first = {-b / w for n in nets if n.depth > 1 for row, b in zip(n.layers[0].weight, n.layers[0].bias)
             for w in row if w} if lo < hi else set()
    least = 2 + sum(1 for t in first if lo < t < hi)
    by_memory = None if memory_limit is None else memory_limit // (neurons * KNOT_NEURON_BYTES)
    if by_memory is not None and least > by_memory:
        raise InputError(f"the kernel's replay of at least {least} knots x {neurons} neurons would need about "
                         f"{least * neurons * KNOT_NEURON_BYTES / 1e9:.2g} GB; the memory budget is "
                         f"{memory_limit / 1e9:.2g} GB (memory_limit, --memory-limit)")
    by_regions = None if limits.get("max_regions") is None else limits["max_regions"] + 1
    if by_regions is not None and least > by_regions:
        raise InputError(f"at least {least - 1} linear regions (first-layer breakpoints inside the box); the "
                         f"limit is max_regions={limits['max_regions']}")
    return by_memory, by_regions


def _search_knots(nets, box, signs, limits=None, bar=None, memory_limit=None):
    """d = 1: every breakpoint exactly (:mod:`.pl1d`), one ``knots`` leaf per sign.  No interval
    is available before every knot is known, so a limit reached here raises LimitReached."""
    from . import pl1d
    limits = limits or {}
    bar = bar if bar is not None else Progress("", enabled=False)
    t0 = time.perf_counter()
    (lo, hi), = box
    by_memory, by_regions = _knot_budget(nets, box, limits, memory_limit)
    cap = min((v for v in (by_memory, by_regions) if v is not None), default=None)
    tl = limits.get("time_limit")

    def tick(n):
        bar.update(n)
        if tl is not None and time.perf_counter() - t0 > tl:
            raise LimitReached(f"time_limit={tl}s reached while propagating the d = 1 knots")
    try:   # every net's exact values at the knots come with them
        xs, outs = pl1d.knots_and_values(nets, lo, hi, max_knots=cap, tick=tick)
    except LimitReached as e:
        if str(e).startswith("more than "):
            why = (f"max_regions={limits['max_regions']} reached" if cap == by_regions else
                   f"memory budget of {memory_limit / 1e9:.2g} GB reached (the kernel keeps every neuron's "
                   f"sign at every knot)")
            raise LimitReached(f"{why}: {e}") from None
        raise
    bar.note(f"{len(xs)} knots")
    vals = [a - b for a, b in zip(*outs)] if len(outs) > 1 else outs[0]
    best = max(((s * v, x) for s in signs for v, x in zip(vals, xs)), key=lambda t: t[0])
    tree = {"knots": [fmt(x) for x in xs[1:-1]]} if lo < hi else {"knots": []}
    trees = {"+" if s > 0 else "-": tree for s in signs}
    stats = {"regions": len(xs) - 1, "boxes": 0, "lps": 0, "knots": len(xs),
             "seconds": time.perf_counter() - t0, "method": "knots"}
    return trees, best[0], best[0], (best[1],), True, None, stats


def _search_boxes(nets, box, signs, limits, rel_gap, bar=None, method="bnb"):
    """d >= 2: float-guided branch and bound over boxes (:mod:`.bnb`) with linear bounds ("bnb"; "bnb-mixed"
    with neuron branches too) or interval bounds ("bnb-ibp"), exact region search on the small boxes that
    bounds cannot close."""
    from . import bnb

    def exact_search(b, s, best, left):
        lim = dict(limits)
        if left is not None:
            lim["time_limit"] = left if lim.get("time_limit") is None else min(lim["time_limit"], left)
        srch = _Search(nets, b, s, lim, best, bar=bar)
        tree = srch.run()
        stats["regions"] += srch.regions
        stats["lps"] += srch.lps
        return tree, srch.open_bounds, srch.stopped

    stats = {"regions": 0, "boxes": 0, "lps": 0, "method": method}
    trees, lower, upper, w, reason = bnb.search(
        nets, box, signs, objective=lambda s, x: objective(nets, s, x), exact_search=exact_search,
        rel_gap=Fraction(rel_gap), time_limit=limits.get("time_limit"), max_boxes=limits.get("max_boxes"),
        stats=stats, bar=bar, bound="ibp" if method == "bnb-ibp" else "linear", neurons=method == "bnb-mixed")
    stats["boxes"] = stats.get("float_boxes", 0)
    exact = upper == lower
    if not exact and reason is None:
        g = Fraction(rel_gap)
        reason = (f"rel_gap={fmt(g) if g.denominator < 10 ** 6 else format(float(g), '.6g')} reached" if rel_gap
                  else "bounds")
    return trees, lower, upper, w, exact, (None if exact else reason), stats


def _cuts_first(nets) -> bool:
    """Every first-layer neuron depends on at most one coordinate (the search cuts the box at its
    breakpoint, which the kernel checks for free), as in bump networks and their references."""
    return all(sum(1 for w in row if w) <= 1 for n in nets for row in n.layers[0].weight) and nets[0].depth > 1


def _float_ok(nets) -> bool:
    """Whether every parameter is within the float64 range (the float-guided search needs it)."""
    return all(math.isfinite(to_float(v)) for n in nets for lay in n.layers for v in lay.entries())


def _search(nets, box, signs, limits, rel_gap=0, prune=True, method="auto", bar=None, memory_limit=None):
    """Run the search for each sign; returns (trees, lower, upper, witness, exact, reason, stats)."""
    bar = bar if bar is not None else Progress("", enabled=False)
    floats_needed_ok = method == "auto"
    if method == "auto":
        if not prune:
            method = "regions"
        elif len(box) == 1:
            method = "knots"
        elif sum(sum(n.widths) for n in nets) <= AUTO_REGIONS_NEURONS or _cuts_first(nets):
            # tiny nets (measured: the cells of proofs/upper_bound.py, d = 2, a few neurons, far
            # below bnb's fixed cost), or nets whose first layer the search decides by free cuts
            # (bumps; measured with interval bounds: 2-D bumps, sup 0, 0.1 s against 7 s for bnb;
            # the d = 3, L = 8 bump against its reference, 0.2 s against 43 s): the exact region
            # search is fastest; give it a short budget, then bnb with the time that is left.
            # (A pair of 2-8x4-1 nets, 64 neurons, took 6.8 s there against 0.05 s for bnb.)
            t_start = time.perf_counter()
            user_limit = limits.get("time_limit")
            short = user_limit is not None and user_limit <= AUTO_REGIONS_SECONDS
            quick = dict(limits, time_limit=user_limit if short else AUTO_REGIONS_SECONDS)
            first = _search(nets, box, signs, quick, rel_gap, prune, "regions", bar)
            if first[4] or short:   # exact, or the user's whole time budget is spent
                return first
            if user_limit is not None:
                limits = dict(limits, time_limit=max(user_limit - (time.perf_counter() - t_start), 0.0))
            method = "bnb"
        else:
            method = "bnb"
    if method == "knots":
        return _search_knots(nets, box, signs, limits, bar, memory_limit)
    if method in _BNB and not _float_ok(nets):
        if not floats_needed_ok:
            raise InputError("sup: a parameter lies beyond the float64 range, which the float-guided search "
                             "(method 'bnb') needs; use method 'regions' (exact, no floats)")
        method = "regions"          # auto: the exact region search needs no floats
    if method in _BNB:
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old, 20_000))
        try:
            return _search_boxes(nets, box, signs, limits, rel_gap, bar, method)
        finally:
            sys.setrecursionlimit(old)
    t0 = time.perf_counter()
    best = _seed_best(nets, box, signs) if prune else [None, None]
    trees, opens, stats, reason = {}, [], {"regions": 0, "boxes": 0, "lps": 0}, None
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 20_000))
    try:
        for s in signs:
            srch = _Search(nets, box, s, limits, best, prune=prune, bar=bar)
            if reason:  # a limit already hit for the other sign: bound this one by intervals only
                srch.stopped = reason
            trees["+" if s > 0 else "-"] = srch.run()
            opens += srch.open_bounds
            reason = reason or srch.stopped
            for k in ("regions", "boxes", "lps"):
                stats[k] += getattr(srch, k)
    finally:
        sys.setrecursionlimit(old)
    if best[0] is None:  # no witness yet (everything closed by limits): take the box centre
        x = tuple((lo + hi) / 2 for lo, hi in box)
        best = [max(objective(nets, s, x) for s in signs), x]
    lower, witness = best
    upper = max([lower] + opens)
    exact = upper == lower
    stats["seconds"] = time.perf_counter() - t0
    stats["method"] = "cuts" if len(box) == 1 else "regions"
    return trees, lower, upper, witness, exact, (None if exact else reason or "bounds"), stats


def maximize(nets, box=None, sign=1, *, max_regions=DEFAULT_LIMITS["max_regions"],
             max_boxes=DEFAULT_LIMITS["max_boxes"], time_limit=DEFAULT_LIMITS["time_limit"],
             rel_gap=0, prune=True, check=True, progress=False, memory_limit=MEMORY_LIMIT) -> MaxResult:
    """Certified maximum of ``sign * (f - g)`` (``nets = (f, g)``) or ``sign * f`` over ``box``.

    Parameters
    ----------
    nets : a Net or a pair (f, g) of scalar-output Nets with the same input dimension.
    box : [(lo, hi), ...]; default the first net's domain ([0, 1]^d unless its file says otherwise).
    sign : 1 / "max" (maximize) or -1 / "min" (maximize the negation).
    max_regions, max_boxes, time_limit : resource limits (None = unlimited); reaching one returns
        the certified interval reached so far with ``exact=False`` and ``reason``.  ``time_limit``
        covers the search and the replay: the search stops itself after ``SEARCH_SHARE`` of it, and
        LimitReached is raised if the whole call runs ``DEADLINE_MARGIN`` seconds past it (e.g. a
        long replay).  For d = 1 (knots)
        no interval exists before the last knot, so a limit reached there raises LimitReached.
    progress : show a progress bar on stderr (see :mod:`exactrelu.progress`).
    memory_limit : bytes (None = unlimited) for the d = 1 knots, whose replay keeps every neuron's
        sign at every knot: refused up front (InputError) when the first layer's breakpoints alone
        exceed it, LimitReached when the knots found do.
    prune : close sub-boxes whose interval bound is below the best value found (``ibp`` leaves);
        ``False`` certifies every region with LP duals (larger certificates, no interval leaves).
    check : replay the tree in the kernel (:func:`exactrelu.kernel.check_sup` when exact, else
        :func:`exactrelu.kernel.check_interval`) and keep its ``Checked`` in ``checked``; a rejected
        ``bnb`` tree is replaced by the exact region search's.  ``False`` for callers that replay.

    Returns
    -------
    MaxResult; ``tree`` is the kernel certificate of ``obj <= upper``.

    >>> f = Net([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])        # |x|
    >>> r = maximize(f, [(-1, Fraction(1, 2))])
    >>> r.value, r.witness, r.exact
    (Fraction(1, 1), (Fraction(-1, 1),), True)
    """
    nets = _as_nets(nets)
    box, s = _as_box(box, nets), _as_sign(sign)
    lim = _limits({"max_regions": max_regions, "max_boxes": max_boxes, "time_limit": time_limit})
    gap = _as_gap(rel_gap)
    mem = _as_memory(memory_limit)
    bar = Progress("maximize", enabled=bool(progress), unit="step")

    def run(method="auto"):
        trees, lower, upper, w, exact, reason, stats = _search(nets, box, [s], _share(lim, check), gap, prune, method,
                                                               bar, mem)
        return MaxResult(lower if exact else None, lower, upper, w, exact, trees["+" if s > 0 else "-"],
                         _reason(reason, lim, check), stats)

    def replay(r):
        bx, wit = [[fmt(lo), fmt(hi)] for lo, hi in box], [fmt(v) for v in r.witness]
        if r.exact:
            return kernel.check_sup(nets, bx, s, fmt(r.value), wit, r.tree)
        return kernel.check_interval(nets, bx, s, fmt(r.lower), fmt(r.upper), wit, r.tree)
    return _checked_run(run, replay, check, lim["time_limit"], bar)


def _reason(reason, lim, shared=True):
    """A stop reason in the caller's terms: the internal time shares become the user's time_limit."""
    if shared and reason and reason.startswith("time_limit=") and lim.get("time_limit") is not None:
        tl = lim["time_limit"]
        return (f"time_limit={tl:g}s: the search's share ({tl * SEARCH_SHARE:g}s) is spent, the rest is kept "
                f"for the kernel's replay")
    return reason


def _share(lim, check=True):
    """The limits the search itself gets: SEARCH_SHARE of the time limit, the rest being the kernel
    replay's (all of it without a replay, ``check=False``)."""
    tl = lim.get("time_limit")
    return lim if tl is None or not check else dict(lim, time_limit=tl * SEARCH_SHARE)


def _as_memory(v):
    if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
        raise InputError(f"memory_limit={v!r} must be a positive number of bytes or None")
    return v


def _checked_run(run, replay, check, time_limit, bar):
    """run(); with ``check``, replay its certificate in the kernel into ``.checked``; a rejected
    float-guided (``bnb``) certificate is replaced by the exact region search's (``run("regions")``),
    which must replay too (a rejection there is an internal error and propagates).  The whole call
    runs under a hard deadline of ``time_limit`` seconds (LimitReached)."""
    t0 = time.perf_counter()
    phase = "search"
    try:
        hard = None if time_limit is None else time_limit + DEADLINE_MARGIN
        with deadline(hard, f"sup: time_limit={time_limit}s (search and kernel replay)"):
            r = run()
            r.stats["search_seconds"] = time.perf_counter() - t0
            if not check:
                return r
            bar.note("kernel replay")
            phase = f"kernel's replay of the certificate (the search took {time.perf_counter() - t0:.3g}s)"
            t = time.perf_counter()
            try:
                r.checked = replay(r)
            except CertificateRejected as e:
                if r.stats.get("method") not in _BNB:
                    raise
                r = run("regions")
                r.checked = replay(r)
                r.stats["fallback"] = str(e)[:200]
            r.stats["replay_seconds"] = time.perf_counter() - t
            return r
    except LimitReached as e:
        if "time_limit" in str(e) and "during the" not in str(e):
            raise LimitReached(f"{e} during the {phase}") from None
        raise
    finally:
        bar.close()


#: The producers of :func:`sup` (see the module docstring).
METHODS = ("auto", "knots", "bnb", "bnb-mixed", "bnb-ibp", "regions")
_BNB = ("bnb", "bnb-mixed", "bnb-ibp")

_SUP_SIGNS = {"abs": [1, -1], "max": [1], "min": [-1], 1: [1], -1: [-1]}


def sup(f, g=None, box=None, sign="abs", **limits) -> SupResult:
    """Certified maximum over ``box`` of |f - g| (``sign="abs"``), f - g ("max") or g - f ("min");
    without ``g``, of |f|, f or -f.  The certificate replays with :func:`exactrelu.kernel.replay`
    on ``(f, g)`` (or ``f``).  Keywords: the limits of :func:`maximize`, ``rel_gap``, ``prune``,
    ``method``, ``check`` (default True: the kernel replays the certificate into ``.checked``),
    ``progress`` and ``memory_limit`` (as in :func:`maximize`)."""
    nets = _as_nets((f,) if g is None else (f, g))
    box = _as_box(box, nets)
    if sign not in _SUP_SIGNS or isinstance(sign, bool):
        raise InputError(f"sign={sign!r} must be 'abs', 'max' or 'min'")
    rel_gap, prune = _as_gap(limits.pop("rel_gap", 0)), limits.pop("prune", True)
    method, check = limits.pop("method", "auto"), limits.pop("check", True)
    bar = Progress("sup", enabled=bool(limits.pop("progress", False)), unit="step")
    mem = _as_memory(limits.pop("memory_limit", MEMORY_LIMIT))
    if method not in METHODS:
        raise InputError(f"method={method!r} must be one of {', '.join(map(repr, METHODS))}")
    if method == "knots" and len(box) != 1:
        raise InputError("method='knots' needs d = 1")
    lim = _limits(limits)
    name = {1: "max", -1: "min"}.get(sign, sign)

    def run(method=method):
        trees, lower, upper, w, exact, reason, stats = _search(nets, box, _SUP_SIGNS[sign], _share(lim, check), rel_gap,
                                                               prune, method, bar, mem)
        cert = {"kind": "sup", "sign": name, "box": [[fmt(lo), fmt(hi)] for lo, hi in box],
                "witness": [fmt(v) for v in w], "trees": trees}
        if exact:
            cert["value"] = fmt(lower)
        else:
            cert["lower"], cert["upper"] = fmt(lower), fmt(upper)
        return SupResult(lower, upper, w, exact, cert, lower if exact else None, _reason(reason, lim, check), stats)
    return _checked_run(run, lambda r: kernel.replay(nets if len(nets) > 1 else nets[0], r.certificate,
                                                     expect=("sup", "sup_interval"), box=box, sign=name),
                        check, lim["time_limit"], bar)


def _as_gap(v) -> Fraction:
    """rel_gap as an exact rational in [0, 1)."""
    g = to_rational(v, what="rel_gap") if not isinstance(v, float) else Fraction(v)
    if not 0 <= g < 1:
        raise InputError(f"rel_gap={fmt(g)} must lie in [0, 1)")
    return g


def max_over_box(net: Net, box=None, **limits):
    """(max of net over box, a point attaining it), exactly; raises LimitReached if a limit stops it."""
    r = maximize(net, box, 1, **limits)
    if not r.exact:
        raise LimitReached(f"max_over_box: {r.reason}; certified interval [{fmt(r.lower)}, {fmt(r.upper)}]")
    return r.value, r.witness


def min_over_box(net: Net, box=None, **limits):
    """(min of net over box, a point attaining it), exactly; raises LimitReached if a limit stops it."""
    r = maximize(net, box, -1, **limits)
    if not r.exact:
        raise LimitReached(f"min_over_box: {r.reason}; certified interval for -min "
                           f"[{fmt(r.lower)}, {fmt(r.upper)}]")
    return -r.value, r.witness
