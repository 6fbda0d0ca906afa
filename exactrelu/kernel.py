"""The trusted kernel: the small part of exactrelu that decides verdicts.

It imports only the standard library and :mod:`exactrelu.net`.  It evaluates networks
with :class:`fractions.Fraction` and replays certificates *without search*: a producer
(fast, untrusted) hands over a certificate with every hint the check needs, and the
kernel only recomputes and compares.  Only the kernel creates :class:`Checked` results.

Certificate kinds
-----------------
``eval``   net(x) == v at listed points.
``sup``    the maximum of |f - g|, f - g or g - f (or of |f|, f, -f) over a box is a stated value
           attained at a witness (or lies in a stated interval): a tree of cuts, neuron splits,
           sign fixes with dual multipliers and bound leaves (format: see the section below).
"""
from __future__ import annotations

import re as _re
import sys as _sys
from dataclasses import dataclass
from fractions import Fraction
from math import lcm as _lcm
from operator import mul as _mul

from .net import CertificateRejected, Net

__all__ = ["evaluate", "Checked", "check_eval", "check_max_le", "check_sup", "check_interval", "replay"]

_TOKEN = object()  # only this module can build a Checked


@dataclass(frozen=True)
class Checked:
    """A claim the kernel has verified.  Build one only through the ``check_*`` functions."""
    kind: str
    statement: str
    instances: int
    _token: object = None

    def __post_init__(self):
        if self._token is not _TOKEN:
            raise CertificateRejected("Checked: only exactrelu.kernel may create a Checked result")


def _checked(kind: str, statement: str, instances: int) -> Checked:
    return Checked(kind, statement, instances, _TOKEN)


def _point(net: Net, x) -> tuple[Fraction, ...]:
    x = tuple(x)
    if len(x) != net.input_dim:
        raise CertificateRejected(f"evaluate: point has {len(x)} coordinates, network input_dim is {net.input_dim}")
    for v in x:
        if not isinstance(v, (int, Fraction)) or isinstance(v, bool):
            raise CertificateRejected(f"evaluate: coordinate {v!r} is not an exact rational")
    return tuple(Fraction(v) for v in x)


def evaluate(net: Net, x) -> tuple[Fraction, ...]:
    """Exact output of ``net`` at the point ``x`` (the reference semantics)."""
    a = _point(net, x)
    last = len(net.layers) - 1
    for l, lay in enumerate(net.layers):
        z = tuple(sum((w * v for w, v in zip(row, a)), b) for row, b in zip(lay.weight, lay.bias))
        a = z if l == last else tuple(v if v > 0 else Fraction(0) for v in z)
    return a


def check_eval(net: Net, points, values) -> Checked:
    """Check net(x_i) == v_i exactly for every listed pair; raise CertificateRejected otherwise."""
    points, values = list(points), list(values)
    if len(points) != len(values):
        raise CertificateRejected(f"eval: {len(points)} points but {len(values)} values")
    for i, (x, v) in enumerate(zip(points, values)):
        got = evaluate(net, x)
        want = tuple(Fraction(t) for t in v)
        if got != want:
            raise CertificateRejected(f"eval: point {i}: network gives {got}, certificate says {want}")
    return _checked("eval", f"net(x) == v at {len(points)} points", len(points))


# ---------------------------------------------------------------------------------------
# Sup certificates: "sign * (f - g) <= U on a box", replayed without search.
#
# Notation.  x ranges over a box B = prod [lo_i, hi_i].  An *affine form* is a tuple
# (a_1, ..., a_d, a_0) meaning a.x + a_0.  The hidden neurons of f (layer-major, then
# row order), then those of g, form one fixed sequence; a tree decides them in that order.
# State at a node: the current sub-box, the constraint list C (affine forms c_k, each
# meaning c_k(x) <= 0; only "split" adds to it), and the affine output of every decided
# neuron (0 if inactive, its pre-activation if active).  P = {x in sub-box : c_k(x) <= 0}.
# Every statement a node proves is "h <= 0 on P" for an affine h, by multipliers
# lambda_k >= 0 ("dual", {k: lambda_k}) with  max over the sub-box of (h - sum lambda_k c_k)
# <= 0  (on P each c_k <= 0, so h <= h - sum lambda_k c_k).  The box maximum of an affine
# form is exact and O(d): sum_i max(a_i lo_i, a_i hi_i) + a_0.
#
# Nodes (JSON dicts; numbers as "p/q" text, ints or Fractions; dual keys as text or ints):
#   {"cut": i, "at": t, "lo": node, "hi": node}    split the sub-box at x_i = t, lo_i < t < hi_i
#   {"split": true, "neg": node, "pos": node}      next neuron z: "neg" adds z <= 0 (output 0),
#                                                  "pos" adds -z <= 0 (output z)
#   {"fix": "+-+", "duals": [dual|null, ...], "next": node}
#       the next len(fix) neurons, one sign each: "+" proves -z <= 0 on P (output z),
#       "-" proves z <= 0 on P (output 0); a missing/null dual is the empty dual (box alone).
#       {"fix": "+", "dual": {...}, "next": node} is accepted for a single neuron.
#   {"bound": dual}    leaf, every neuron decided: proves obj - U <= 0 on P.
#   {"empty": dual}    leaf: min over the sub-box of sum lambda_k c_k > 0, so P is empty.
#   {"knots": [t_1, ..., t_m]}   leaf, d = 1 only: lo < t_1 < ... < t_m < hi on the sub-interval
#                      [lo, hi].  Every neuron of every net is evaluated exactly at lo, t_1, ..., hi;
#                      no neuron may have strictly opposite signs at two consecutive points, and
#                      obj <= U at every point.  Sound by induction over layers: on [t_k, t_k+1] a
#                      layer's inputs are affine, so its pre-activations are affine, and without
#                      a strict sign change each keeps one sign, so its outputs are affine; hence
#                      obj is affine there and its maximum is at t_k or t_k+1.  (Valid under any
#                      decisions and constraints: it bounds obj on the whole sub-interval.)
#   {"ibp": true}      leaf: symbolic interval propagation of the undecided neurons over the
#                      sub-box (decided neurons keep their affine outputs) bounds obj by an
#                      affine form whose box maximum is <= U.
# ---------------------------------------------------------------------------------------
_NUM = _re.compile(r"\s*([+-]?\d+)(?:\s*/\s*(\d+))?\s*\Z")


def _q(v, where: str) -> Fraction:
    """A certificate number: int, Fraction, or text "p" / "p/q" (q > 0); nothing else."""
    if isinstance(v, bool):
        raise CertificateRejected(f"{where}: {v!r} is not a number")
    if isinstance(v, (int, Fraction)):
        return Fraction(v)
    m = _NUM.match(v) if isinstance(v, str) and len(v) < 100_000 else None
    if not m or (m.group(2) is not None and int(m.group(2)) == 0):
        raise CertificateRejected(f"{where}: {v!r} is not an exact rational 'p/q'")
    return Fraction(int(m.group(1)), int(m.group(2) or 1))


def _box_max(h, box) -> Fraction:
    """Exact max of the affine form h over the box."""
    s = h[-1]
    for a, (lo, hi) in zip(h, box):
        s += a * hi if a > 0 else a * lo
    return s


def _comb(h, cons, dual, where: str):
    """h - sum lambda_k c_k, after checking the dual (indices in range, multipliers >= 0)."""
    if dual is None:
        return h
    if not isinstance(dual, dict):
        raise CertificateRejected(f"{where}: dual must be a dict {{k: lambda_k}}, got {type(dual).__name__}")
    r = list(h)
    for k, lam in dual.items():
        try:
            i = int(k)
        except (TypeError, ValueError):
            raise CertificateRejected(f"{where}: dual index {k!r} is not an integer") from None
        if isinstance(k, bool) or not 0 <= i < len(cons) or str(i) != str(k).strip():
            raise CertificateRejected(f"{where}: dual index {k!r} outside the {len(cons)} constraints")
        lam = _q(lam, f"{where}: multiplier {k}")
        if lam < 0:
            raise CertificateRejected(f"{where}: multiplier {k} is negative ({lam})")
        if lam:
            r = [a - lam * c for a, c in zip(r, cons[i])]
    return r


def _prove_le0(h, st, dual, where: str, what: str) -> None:
    m = _box_max(_comb(h, st.cons, dual, where), st.box)
    if m > 0:
        raise CertificateRejected(f"{where}: {what} not proven (residual box max {m} > 0)")


class _State:
    """The replay state: nets, order of neurons, sub-box, constraints, decided outputs."""

    def __init__(self, nets, box, sign):
        self.nets, self.box, self.sign, self.d = nets, list(box), sign, len(box)
        self.order = [(n, l, j) for n, net in enumerate(nets)
                      for l, lay in enumerate(net.layers[:-1]) for j in range(len(lay.bias))]
        self.outs = [[[None] * len(lay.bias) for lay in net.layers[:-1]] for net in nets]
        self.cons, self.p, self.leaves = [], 0, 0
        self.ints, self.memo = None, {}   # integer layers, built on the first knots leaf

    def pre(self, n, l, j):
        """Exact affine pre-activation of neuron j of layer l of net n (inputs decided)."""
        lay = self.nets[n].layers[l]
        w, d = lay.weight[j], self.d
        if l == 0:
            return tuple(w) + (lay.bias[j],)
        z = [Fraction(0)] * d + [lay.bias[j]]
        for wi, a in zip(w, self.outs[n][l - 1]):
            if wi and a:
                for t in range(d + 1):
                    z[t] += wi * a[t]
        return tuple(z)

    def obj(self):
        """sign * (f - g) as an affine form (every neuron decided)."""
        tot = [Fraction(0)] * (self.d + 1)
        for n, net in enumerate(self.nets):
            s = self.sign if n == 0 else -self.sign
            lay = net.layers[-1]
            z = list(lay.weight[0]) + [lay.bias[0]] if len(net.layers) == 1 else list(self._pre_last(n))
            tot = [a + s * b for a, b in zip(tot, z)]
        return tot

    def _pre_last(self, n):
        lay, d = self.nets[n].layers[-1], self.d
        z = [Fraction(0)] * d + [lay.bias[0]]
        for wi, a in zip(lay.weight[0], self.outs[n][-1]):
            if wi and a:
                for t in range(d + 1):
                    z[t] += wi * a[t]
        return z


_OFF = ()  # the output of an inactive neuron (the affine form 0); None marks "undecided"


def _set(st, z, active):
    n, l, j = st.order[st.p]
    st.outs[n][l][j] = tuple(z) if active else _OFF
    st.p += 1


def _unset(st, k):
    for _ in range(k):
        st.p -= 1
        n, l, j = st.order[st.p]
        st.outs[n][l][j] = None


_IBP_BITS = 24
_IBP_DEN = 2 ** _IBP_BITS


def _axpy(acc, w, a):
    for t, v in enumerate(a):
        if v:
            acc[t] += w * v


def _bound_ibp(st):
    """Upper affine bound of obj over the sub-box by symbolic interval propagation (sound on P).

    Each neuron carries affine forms lo(x) <= output <= up(x) valid on the sub-box (and the
    exact output on P for decided neurons); () is the form 0.  An unstable neuron with
    pre-activation range [l, u], l < 0 < u, gets up = s (pre_up - l') and lo = pre_lo or 0, where
    s >= u/(u-l) (s <= 1) and l' <= l are rounded outward to multiples of 2^-24: the line
    through (l', 0) with slope s lies above ReLU on [l', u], and denominators stay small."""
    d, box = st.d, st.box
    ups = []
    for n, net in enumerate(st.nets):
        prev = None
        for l, lay in enumerate(net.layers):
            last = l == len(net.layers) - 1
            cur = []
            for j, (w, b) in enumerate(zip(lay.weight, lay.bias)):
                dec = None if last else st.outs[n][l][j]
                if dec is not None:
                    cur.append((dec, dec))
                    continue
                if l == 0:
                    zl = zu = list(w) + [b]
                else:                       # zu is zl while every input so far is exact
                    zl = zu = [Fraction(0)] * d + [b]
                    for wi, (a, c) in zip(w, prev):
                        if not wi or not (a or c):
                            continue
                        if a is c and zu is zl:
                            _axpy(zl, wi, a)
                            continue
                        if zu is zl:
                            zu = list(zl)
                        _axpy(zl, wi, a if wi > 0 else c)
                        _axpy(zu, wi, c if wi > 0 else a)
                if last:
                    cur.append((zl, zu))
                    continue
                lo = -_box_max([-v for v in zl], box)
                up = _box_max(zu, box)
                if lo >= 0:
                    fl = tuple(zl)
                    cur.append((fl, fl) if zu is zl else (fl, tuple(zu)))
                elif up <= 0:
                    cur.append(((), ()))
                else:   # slope s >= u/(u-l) and l' <= l rounded to 2^-_IBP_BITS: small denominators
                    s = min(Fraction(-(-up * _IBP_DEN // (up - lo)), _IBP_DEN), Fraction(1))
                    l2 = Fraction((lo * _IBP_DEN).__floor__(), _IBP_DEN)
                    u2 = [s * v for v in zu]
                    u2[-1] -= s * l2
                    cur.append((tuple(zl) if up >= -lo else (), tuple(u2)))
            prev = cur
        fl, fu = prev[0]
        ups.append((list(fl) or [Fraction(0)] * (d + 1), list(fu) or [Fraction(0)] * (d + 1)))
    s = st.sign
    fl, fu = ups[0]
    h = list(fu) if s > 0 else [-a for a in fl]
    if len(ups) > 1:
        gl, gu = ups[1]
        h = [a - c for a, c in zip(h, gl)] if s > 0 else [a + c for a, c in zip(h, gu)]
    return h


def _int_layers(net: Net):
    """Per layer (D, C, c) with C = D W and c = D b integers, D the lcm of the layer's denominators."""
    out = []
    for lay in net.layers:
        D = _lcm(*{v.denominator for v in lay.entries()})
        out.append((D, [[w.numerator * (D // w.denominator) for w in row] for row in lay.weight],
                    [b.numerator * (D // b.denominator) for b in lay.bias]))
    return out


def _signs_and_output(layers, x: Fraction):
    """(signs of every hidden pre-activation, exact scalar output) at the point x (d = 1), in
    integers: with inputs a = A / s, a layer gives z = (C A + c s) / (D s)."""
    A, s, signs = [x.numerator], x.denominator, []
    last = len(layers) - 1
    for l, (D, C, c) in enumerate(layers):
        Z = [sum(map(_mul, row, A)) + cb * s for row, cb in zip(C, c)]
        s *= D
        if l == last:
            return signs, Fraction(Z[0], s)
        signs += [(z > 0) - (z < 0) for z in Z]
        A = [z if z > 0 else 0 for z in Z]


def _check_knots(st, node, path: str, U: Fraction) -> None:
    if st.d != 1 or not isinstance(node["knots"], list):
        raise CertificateRejected(f"{path}: a knots leaf needs d = 1 and a list of knots")
    lo, hi = st.box[0]
    pts = [lo] + [_q(t, f"{path}.knots[{i}]") for i, t in enumerate(node["knots"])] + [hi]
    if any(not a < b for a, b in zip(pts[1:-1], pts[2:-1])) or (len(pts) > 2 and not lo < pts[1] <= pts[-2] < hi):
        raise CertificateRejected(f"{path}: knots must increase strictly inside ({lo}, {hi})")
    if st.ints is None:
        st.ints = [_int_layers(net) for net in st.nets]
    prev = None
    for k, x in enumerate(pts):
        if x not in st.memo:          # shared by the trees of both signs
            signs, obj = [], Fraction(0)
            for n, layers in enumerate(st.ints):
                sg, out = _signs_and_output(layers, x)
                signs += sg
                obj += out if n == 0 else -out
            st.memo[x] = signs, obj
        signs, obj = st.memo[x]
        if st.sign * obj > U:
            raise CertificateRejected(f"{path}: objective {st.sign * obj} > {U} at the knot {x}")
        if prev is not None and any(a * b < 0 for a, b in zip(prev, signs)):
            i = next(i for i, (a, b) in enumerate(zip(prev, signs)) if a * b < 0)
            raise CertificateRejected(f"{path}: neuron {i} changes sign between the knots {pts[k - 1]} and {x}")
        prev = signs
    st.leaves += len(pts) - 1


_KEYS = {"cut": {"cut", "at", "lo", "hi"}, "split": {"split", "neg", "pos"},
         "fix": {"fix", "dual", "duals", "next"}, "bound": {"bound"}, "empty": {"empty"}, "ibp": {"ibp"},
         "knots": {"knots"}}


def _walk(st, node, path: str, U: Fraction) -> None:
    """Replay one node (recursively); raises CertificateRejected naming the node path."""
    kinds = [k for k in _KEYS if isinstance(node, dict) and k in node]
    if len(kinds) != 1:
        raise CertificateRejected(f"{path}: not a node (need exactly one of {sorted(_KEYS)})")
    kind = kinds[0]
    extra = set(node) - _KEYS[kind]
    if extra:
        raise CertificateRejected(f"{path}: unknown keys {sorted(extra)} in a {kind!r} node")
    N = len(st.order)
    if kind == "cut":
        i = node["cut"]
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < st.d:
            raise CertificateRejected(f"{path}: cut axis {i!r} outside 0..{st.d - 1}")
        t = _q(node.get("at"), f"{path}.at")
        lo, hi = st.box[i]
        if not lo < t < hi:
            raise CertificateRejected(f"{path}: cut x_{i} = {t} not strictly inside [{lo}, {hi}]")
        st.box[i] = (lo, t)
        _walk(st, node.get("lo"), path + ".lo", U)
        st.box[i] = (t, hi)
        _walk(st, node.get("hi"), path + ".hi", U)
        st.box[i] = (lo, hi)
    elif kind == "split":
        if node["split"] is not True or st.p >= N:
            raise CertificateRejected(f"{path}: split needs 'split': true and an undecided neuron")
        z = st.pre(*st.order[st.p])
        for child, c, active in (("neg", z, False), ("pos", tuple(-a for a in z), True)):
            st.cons.append(c)
            _set(st, z, active)
            _walk(st, node.get(child), f"{path}.{child}", U)
            _unset(st, 1)
            st.cons.pop()
    elif kind == "fix":
        signs = node["fix"]
        duals = node.get("duals", [node.get("dual")] if isinstance(signs, str) and len(signs) == 1 else None)
        if not isinstance(signs, str) or not signs or set(signs) - {"+", "-"}:
            raise CertificateRejected(f"{path}: fix must be a non-empty string of '+'/'-'")
        duals = [None] * len(signs) if duals is None else duals
        if not isinstance(duals, list) or len(duals) != len(signs) or ("dual" in node and "duals" in node):
            raise CertificateRejected(f"{path}: need one dual per fixed neuron ({len(signs)})")
        if st.p + len(signs) > N:
            raise CertificateRejected(f"{path}: fixes {len(signs)} neurons, only {N - st.p} undecided")
        for k, s in enumerate(signs):
            z = st.pre(*st.order[st.p])
            h = tuple(-a for a in z) if s == "+" else z
            _prove_le0(h, st, duals[k], f"{path}.fix[{k}]",
                       f"neuron {st.p} {'>= 0' if s == '+' else '<= 0'}")
            _set(st, z, s == "+")
        _walk(st, node.get("next"), path + ".next", U)
        _unset(st, len(signs))
    elif kind == "bound":
        if st.p != N:
            raise CertificateRejected(f"{path}: bound leaf with {N - st.p} neurons undecided")
        h = st.obj()
        h[-1] -= U
        _prove_le0(h, st, node["bound"], path, f"objective <= {U}")
        st.leaves += 1
    elif kind == "knots":
        _check_knots(st, node, path, U)
    elif kind == "empty":
        m = _box_max(_comb((Fraction(0),) * (st.d + 1), st.cons, node["empty"], path), st.box)
        if not m < 0:
            raise CertificateRejected(f"{path}: emptiness not proven (box max of -sum lambda c = {m} >= 0)")
        st.leaves += 1
    else:
        if node["ibp"] is not True:
            raise CertificateRejected(f"{path}: ibp leaf must be {{'ibp': true}}")
        m = _box_max(_bound_ibp(st), st.box)
        if m > U:
            raise CertificateRejected(f"{path}: interval bound {m} > {U}")
        st.leaves += 1


def _nets(nets) -> tuple:
    nets = (nets,) if isinstance(nets, Net) else tuple(nets) if isinstance(nets, (list, tuple)) else ()
    if len(nets) not in (1, 2) or not all(isinstance(n, Net) for n in nets):
        raise CertificateRejected("sup: need one Net or a pair (f, g) of Nets")
    if any(n.output_dim != 1 for n in nets) or len({n.input_dim for n in nets}) != 1:
        raise CertificateRejected("sup: networks must have scalar output and the same input_dim")
    return nets


def _box(box, d: int):
    if not isinstance(box, (list, tuple)) or len(box) != d:
        raise CertificateRejected(f"sup: box must list {d} intervals [lo, hi]")
    out = []
    for i, iv in enumerate(box):
        if not isinstance(iv, (list, tuple)) or len(iv) != 2:
            raise CertificateRejected(f"sup: box[{i}] must be [lo, hi]")
        lo, hi = _q(iv[0], f"box[{i}].lo"), _q(iv[1], f"box[{i}].hi")
        if lo > hi:
            raise CertificateRejected(f"sup: box[{i}] has lo {lo} > hi {hi}")
        out.append((lo, hi))
    return out


_SIGNS = {1: "+", -1: "-", "+": "+", "-": "-", "max": "+", "min": "-", "abs": "abs"}


def _trees(sign, tree):
    """[(+1 or -1, tree)] for the objective(s) named by sign."""
    s = _SIGNS.get(sign) if isinstance(sign, (str, int)) and not isinstance(sign, bool) else None
    if s is None:
        raise CertificateRejected(f"sup: sign {sign!r} must be 'abs', 'max', 'min', 1 or -1")
    need = ["+", "-"] if s == "abs" else [s]
    if isinstance(tree, dict) and set(tree) <= {"+", "-"} and tree:
        if sorted(tree) != sorted(need):
            raise CertificateRejected(f"sup: trees for signs {sorted(tree)}, need {need}")
        return s, [(1 if k == "+" else -1, tree[k]) for k in need]
    if s == "abs":
        raise CertificateRejected("sup: sign 'abs' needs trees {'+': tree, '-': tree}")
    return s, [(1 if s == "+" else -1, tree)]


def _replay_trees(nets, box, pairs, U) -> int:
    old = _sys.getrecursionlimit()
    _sys.setrecursionlimit(max(old, 20_000))
    try:
        leaves, ints, memo = 0, None, {}
        for s, tree in pairs:
            st = _State(nets, box, s)
            st.ints, st.memo = ints, memo
            _walk(st, tree, f"tree[{'+' if s > 0 else '-'}]", U)
            leaves, ints = leaves + st.leaves, st.ints
        return leaves
    finally:
        _sys.setrecursionlimit(old)


def _objective(nets, s: str, x) -> Fraction:
    v = evaluate(nets[0], x)[0] - (evaluate(nets[1], x)[0] if len(nets) > 1 else 0)
    return abs(v) if s == "abs" else v if s == "+" else -v


def _witness(nets, box, witness):
    if not isinstance(witness, (list, tuple)) or len(witness) != len(box):
        raise CertificateRejected(f"sup: witness must have {len(box)} coordinates")
    w = tuple(_q(v, f"witness[{i}]") for i, v in enumerate(witness))
    for i, (v, (lo, hi)) in enumerate(zip(w, box)):
        if not lo <= v <= hi:
            raise CertificateRejected(f"sup: witness[{i}] = {v} outside [{lo}, {hi}]")
    return w


def _name(nets, s) -> str:
    e = "f - g" if len(nets) > 1 else "f"
    return {"abs": f"|{e}|", "+": e, "-": f"-({e})"}[s]


def check_max_le(nets, box, sign, U, tree) -> Checked:
    """Check sign*(f - g) <= U on the box (sign 'abs' needs trees for both signs)."""
    nets = _nets(nets)
    box, U = _box(box, nets[0].input_dim), _q(U, "U")
    s, pairs = _trees(sign, tree)
    n = _replay_trees(nets, box, pairs, U)
    return _checked("max_le", f"{_name(nets, s)} <= {U} on the box", n)


def check_sup(nets, box, sign, value, witness, tree) -> Checked:
    """Check that the maximum of the objective over the box is exactly ``value``, attained at ``witness``."""
    nets = _nets(nets)
    box, value = _box(box, nets[0].input_dim), _q(value, "value")
    s, pairs = _trees(sign, tree)
    w = _witness(nets, box, witness)
    got = _objective(nets, s, w)
    if got != value:
        raise CertificateRejected(f"sup: objective at the witness is {got}, certificate says {value}")
    n = _replay_trees(nets, box, pairs, value)
    return _checked("sup", f"max over the box of {_name(nets, s)} == {value}", n)


def check_interval(nets, box, sign, lower, upper, witness, tree) -> Checked:
    """Check lower == objective(witness) <= max over the box <= upper."""
    nets = _nets(nets)
    box, lower, upper = _box(box, nets[0].input_dim), _q(lower, "lower"), _q(upper, "upper")
    s, pairs = _trees(sign, tree)
    w = _witness(nets, box, witness)
    got = _objective(nets, s, w)
    if got != lower:
        raise CertificateRejected(f"sup: objective at the witness is {got}, certificate says lower = {lower}")
    if lower > upper:
        raise CertificateRejected(f"sup: lower {lower} > upper {upper}")
    n = _replay_trees(nets, box, pairs, upper)
    return _checked("sup_interval", f"{lower} <= max over the box of {_name(nets, s)} <= {upper}", n)


def _replay_sup(nets, cert) -> Checked:
    nets = _nets(nets)
    for k in ("sign", "box", "witness", "trees"):
        if k not in cert:
            raise CertificateRejected(f"sup certificate: missing {k!r}")
    if "value" in cert:
        return check_sup(nets, cert["box"], cert["sign"], cert["value"], cert["witness"], cert["trees"])
    if "lower" not in cert or "upper" not in cert:
        raise CertificateRejected("sup certificate: needs 'value', or 'lower' and 'upper'")
    return check_interval(nets, cert["box"], cert["sign"], cert["lower"], cert["upper"], cert["witness"],
                          cert["trees"])


_KINDS = {"eval": lambda net, cert: check_eval(net, cert["points"], cert["values"]),
          "sup": _replay_sup}


def replay(net, certificate: dict) -> Checked:
    """Replay a certificate dict ``{"kind": ..., ...}``; fails closed on anything unknown.

    ``net`` is a Net, or for ``sup`` certificates also a pair (f, g)."""
    kind = certificate.get("kind") if isinstance(certificate, dict) else None
    if kind not in _KINDS:
        raise CertificateRejected(f"replay: unknown certificate kind {kind!r}")
    return _KINDS[kind](net, certificate)
