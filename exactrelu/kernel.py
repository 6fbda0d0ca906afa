"""The trusted kernel: the small part of exactrelu that decides verdicts.

It imports only the standard library and :mod:`exactrelu.net`.  It computes with exact
integers and :class:`fractions.Fraction` only, and replays certificates *without search*: a
producer (fast, untrusted) hands over a certificate with every hint the check needs, and the
kernel only recomputes and compares.  Only the kernel creates :class:`Checked` results, and each one
names what it is about (kind, box, sign, bounds).  :func:`replay` takes the claim kind the caller needs
(and, for sups, the box and sign) and refuses any other.  Limits (a rejection, never a crash): numerals
of at most ``MAX_DIGITS`` digits, trees of at most ``MAX_DEPTH`` nested nodes (``KernelLimit``, a
``CertificateRejected`` that proves nothing either way).

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
import weakref as _weakref
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate as _accumulate, compress as _compress
from math import gcd as _gcd, lcm as _lcm
from operator import mul as _mul

from .net import CertificateRejected, KernelLimit, Net

__all__ = ["evaluate", "Checked", "genuine", "check_eval", "check_max_le", "check_sup", "check_interval",
           "replay", "MAX_DEPTH"]

_MINTING = []                                # non-empty only while _checked builds a Checked
_MINTED = _weakref.WeakValueDictionary()     # id -> every Checked this process minted, by identity


@dataclass(frozen=True)
class Checked:
    """A claim the kernel has verified in this process, and exactly what it is about.

    ``kind``: "eval", "max_le", "sup" or "sup_interval"; ``box`` (tuple of (lo, hi) Fractions) and
    ``sign`` ("abs", "max" = f - g, "min" = g - f) for the sup kinds, else None; ``lower``/``upper``:
    the certified bounds on the maximum (equal for "sup"; ``lower`` None for "max_le").

    What it protects against: ``Checked(...)`` and ``dataclasses.replace`` raise, fields cannot be
    assigned, ``copy``/``deepcopy`` return the object itself and pickling is refused.  Python cannot
    stop ``object.__new__`` with ``object.__setattr__`` from building a look-alike; :func:`genuine`
    tells the two apart (it holds only for an object this kernel minted), so code that acts on a
    verdict it did not get straight from a ``check_*`` call asks :func:`genuine` first.  Code that
    writes the kernel's private state (``_MINTING``, ``_MINTED``) can forge anything: the guarantee is
    about the public API, not a sandbox."""
    kind: str
    statement: str
    instances: int
    box: tuple | None = None
    sign: str | None = None
    lower: Fraction | None = None
    upper: Fraction | None = None

    def __post_init__(self):
        if not _MINTING:
            raise CertificateRejected("Checked: only exactrelu.kernel may create a Checked result")

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        raise TypeError("a Checked result is valid only in the process whose kernel checked it; replay the "
                        "certificate instead of pickling the verdict")


def _checked(kind: str, statement: str, instances: int, **about) -> Checked:
    _MINTING.append(True)
    try:
        c = Checked(kind, statement, instances, **about)
    finally:
        _MINTING.pop()
    _MINTED[id(c)] = c
    return c


def genuine(c) -> bool:
    """True only for a :class:`Checked` minted by this kernel in this process (identity, not equality)."""
    return type(c) is Checked and _MINTED.get(id(c)) is c


# ---------------------------------------------------------------------------------------
# Exact evaluation, in integers.  Layer l is held as (D, C, c, r): D the lcm of its denominators,
# C = D W and c = D b integers, r the largest row sum of |C| and |c|.  With a layer's inputs
# a = A / s (integers A, s > 0 per point) its pre-activations are z = (C A + c s) / (D s).  Several
# points go through at once: a list of values, one per point, is packed into one integer (slot k of
# 8 kb_k bits for point k, see _pack), so one big-integer sum per input serves every point; with
# r * max(|A_k|, s_k, any value packed at k) < 2^(8 kb_k - 1) no slot of C A + c s overflows.
# ---------------------------------------------------------------------------------------
_INTS: dict = {}   # id(net) -> (net.layers, integer layers); checked by identity, so a reused id is harmless


def _int_layers(net: Net):
    hit = _INTS.get(id(net))
    if hit is None or hit[0] is not net.layers:
        out = []
        for lay in net.layers:
            D = _lcm(*{v.denominator for v in lay.entries()})
            C = [[w.numerator * (D // w.denominator) for w in row] for row in lay.weight]
            c = [b.numerator * (D // b.denominator) for b in lay.bias]
            out.append((D, C, c, max(sum(map(abs, row)) + abs(b) for row, b in zip(C, c))))
        if len(_INTS) >= 64:
            _INTS.clear()
        hit = _INTS[id(net)] = (net.layers, out)
    return hit[1]


def _pack(vals, slots, off: int) -> int:
    """sum_k vals[k] 2^(8 p_k), slots[k] = (p_k, kb_k, h_k = 2^(8 kb_k - 1)), |vals[k]| < h_k; off: _pack of 0s."""
    return int.from_bytes(b"".join((v + h).to_bytes(kb, "little") for v, (_, kb, h) in zip(vals, slots)), "little") - off


def _unpack(z: int, slots, off: int) -> list:
    """The slots of z (inverse of _pack when slot k lies in [-h_k, h_k)); ^ off: each in two's complement."""
    b = ((z + off) ^ off).to_bytes(slots[-1][0] + slots[-1][1] if slots else 0, "little")
    return [int.from_bytes(b[p:p + kb], "little", signed=True) for p, kb, _ in slots]


def _outputs(net: Net, pts, signs=None) -> list:
    """Exact outputs of ``net`` at the points (tuples of Fractions); with ``signs`` (one list per point),
    add the sign code of every hidden pre-activation, layer-major, to its list: 1 if z > 0, 2 if z < 0, 0 if z = 0."""
    s = [_lcm(*(v.denominator for v in x)) for x in pts]
    A = [[x[i].numerator * (q // x[i].denominator) for x, q in zip(pts, s)] for i in range(net.input_dim)]
    layers, vals, rows = _int_layers(net), [], []       # Z[j] = rows[j] . vals (lists of values), slot by slot
    for l, (D, C, c, r) in enumerate(layers):
        kbs = [(r.bit_length() + max(map(abs, col)).bit_length()) // 8 + 1 for col in zip(s, *A, *vals)]
        slots = [(p - kb, kb, 1 << (8 * kb - 1)) for p, kb in zip(_accumulate(kbs), kbs)]
        off = _pack([0] * len(slots), slots, 0)
        fold = [bool(rows) and min(a) > 0 for a in A]   # > 0 everywhere after a layer kept whole: folded,
        live = [any(a) and not f for a, f in zip(A, fold)]    # as A[i] = Z[i] = rows[i] . vals; 0 everywhere: out
        W = (r.bit_length() + max((abs(v) for row in rows for v in row), default=0).bit_length()) // 8 + 1
        fsl = [(t * W, W, 1 << (8 * W - 1)) for t in range(len(vals))]   # C[j, fold] . rows[fold] for every j:
        foff = _pack([0] * len(fsl), fsl, 0)                             # each rows[i] packed into one integer
        F = [_pack(row, fsl, foff) for row in _compress(rows, fold)]
        vals = list(_compress(A, live)) + [s] + vals
        rows = [list(_compress(row, live)) + [cb] + _unpack(sum(map(_mul, _compress(row, fold), F)), fsl, foff)
                for row, cb in zip(C, c)]
        V = [_pack(v, slots, off) for v in vals]
        Z = [_unpack(sum(map(_mul, row, V)), slots, off) for row in rows]
        s = [D * q for q in s]
        if l == len(layers) - 1:
            return [tuple(Fraction(z[k], q) for z in Z) for k, q in enumerate(s)]
        for k, sg in enumerate(signs or ()):
            sg.extend((z[k] > 0) | ((z[k] < 0) << 1) for z in Z)
        A = [[v if v > 0 else 0 for v in z] for z in Z]
        # folding the n inputs > 0 everywhere costs n len(V) short products a row (~100 ns each) and saves n - len(V)
        if (n := sum(min(a) > 0 for a in A)) * len(V) * 100 >= (n - len(V)) * sum(kbs):  # long ones (~1 ns a byte)
            g = [_gcd(*col) for col in zip(s, *A)]        # (A, s) is homogeneous: divide out each point's gcd
            A, s, vals, rows = [[v // d for v, d in zip(a, g)] for a in A], [q // d for q, d in zip(s, g)], [], []


def _point(net: Net, x) -> tuple[Fraction, ...]:
    x = tuple(x)
    if len(x) != net.input_dim:
        raise CertificateRejected(f"evaluate: point has {len(x)} coordinates, network input_dim is {net.input_dim}")
    for v in x:
        if not isinstance(v, (int, Fraction)) or isinstance(v, bool):
            raise CertificateRejected(f"evaluate: coordinate {v!r} is not an exact rational")
    return tuple(Fraction(v) for v in x)


def evaluate(net: Net, x) -> tuple[Fraction, ...]:
    """Exact output of ``net`` at the point ``x``: z = W a + b per layer, ReLU between layers."""
    return _outputs(net, [_point(net, x)])[0]


def check_eval(net: Net, points, values) -> Checked:
    """Check net(x_i) == v_i exactly for every listed pair (numbers as ints, Fractions or "p/q"
    text; a point has input_dim coordinates, a value output_dim); raise CertificateRejected otherwise."""
    if not isinstance(net, Net) or not isinstance(points, (list, tuple)) or not isinstance(values, (list, tuple)) \
            or len(points) != len(values):
        raise CertificateRejected("eval: need a Net and lists of points and values of the same length")
    pts = [_vec(x, net.input_dim, f"eval: points[{i}]") for i, x in enumerate(points)]
    want = [_vec(v, net.output_dim, f"eval: values[{i}]") for i, v in enumerate(values)]
    for i, (got, w) in enumerate(zip(_outputs(net, pts) if pts else [], want)):
        if got != w:
            raise CertificateRejected(f"eval: point {i}: network gives {_tup(got)}, certificate says {_tup(w)}")
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
#   {"branch": k, "neg": node, "pos": node}   splits P by the sign of undecided neuron k (k >= the
#                      number decided): "neg" is replayed with the claim "-" about k in force, "pos"
#                      with "+" (see linear nodes; no proof: each holds on its part of P, and the two
#                      parts cover P).
#   {"ibp": true}      leaf: symbolic interval propagation of the undecided neurons over the
#                      sub-box (decided neurons keep their affine outputs) bounds obj by an
#                      affine form whose box maximum is <= U (see _ibp_net).
# ---------------------------------------------------------------------------------------
_NUM = _re.compile(r"\s*([+-]?)([0-9]+)(?:\s*/\s*([0-9]+))?\s*\Z")
MAX_DIGITS = 100_000   # longest numeral a certificate may hold (digits of p, or of q)


def _int(t: str) -> int:
    """The integer of a decimal digit string of any length (Python's int() refuses > 4300 digits)."""
    if len(t) <= 4000:
        return int(t)
    k = len(t) // 2
    return _int(t[:-k]) * 10 ** k + _int(t[-k:])


def _dec(n: int) -> str:
    """Decimal text of an integer of any size (inverse of _int)."""
    if n < 0:
        return "-" + _dec(-n)
    if n.bit_length() <= 13_000:
        return str(n)
    k = (n.bit_length() * 3 // 10) // 2                   # about half the digits
    hi, lo = divmod(n, 10 ** k)
    return _dec(hi) + _dec(lo).rjust(k, "0")


def _txt(v) -> str:
    """A rational as "p/q" (or "p") text, exact at any size, for statements and messages."""
    v = Fraction(v)
    return _dec(v.numerator) + ("" if v.denominator == 1 else "/" + _dec(v.denominator))


def _tup(vals) -> str:
    return "(" + ", ".join(map(_txt, vals)) + ")"


def _q(v, where: str) -> Fraction:
    """A certificate number: int, Fraction, or text "p" / "p/q" (q > 0, ASCII digits); nothing else."""
    if type(v) is str and len(v) <= 60:          # the common case first: short text
        m = _NUM.match(v)
        if m and (m[3] is None or m[3].strip("0")):
            return Fraction(-int(m[2]) if m[1] == "-" else int(m[2]), int(m[3] or 1))
    if isinstance(v, bool):
        raise CertificateRejected(f"{where}: {v!r} is not a number")
    if isinstance(v, (int, Fraction)):
        return Fraction(v)
    m = _NUM.match(v) if isinstance(v, str) and len(v) <= 2 * MAX_DIGITS + 8 else None
    if m and max(len(m.group(2)), len(m.group(3) or "")) > MAX_DIGITS:
        raise KernelLimit(f"{where}: a numeral longer than {MAX_DIGITS} digits (the kernel's limit)")
    if not m or (m.group(3) is not None and not m.group(3).strip("0")):
        shown = v if not isinstance(v, str) or len(v) < 60 else v[:40] + f"... ({len(v)} characters)"
        raise CertificateRejected(f"{where}: {shown!r} is not an exact rational 'p/q'")
    p = _int(m.group(2))
    return Fraction(-p if m.group(1) == "-" else p, _int(m.group(3) or "1"))


def _vec(x, n: int, where: str) -> tuple:
    """A list of n certificate numbers."""
    if not isinstance(x, (list, tuple)) or len(x) != n:
        raise CertificateRejected(f"{where}: need a list of {n} numbers")
    return tuple(_q(t, f"{where}[{i}]") for i, t in enumerate(x))


def _box_max(h, box, E=1):
    """Exact max of the affine form h over the box; E times it for an integer box over the denominator E."""
    s = h[-1] * E
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
            raise CertificateRejected(f"{where}: multiplier {k} is negative ({_txt(lam)})")
        if lam:
            r = [a - lam * c for a, c in zip(r, cons[i])]
    return r


def _prove_le0(h, st, dual, where: str, what: str) -> None:
    m = _box_max(_comb(h, st.cons, dual, where), st.box)
    if m > 0:
        raise CertificateRejected(f"{where}: {what} not proven (residual box max {_txt(m)} > 0)")


class _State:
    """The replay state: nets, order of neurons, sub-box, constraints, decided outputs, and a
    cache (shared by the trees of both signs: knot evaluations, ibp bounds of undecided nets)."""

    def __init__(self, nets, box, sign, cache=None):
        self.nets, self.box, self.sign, self.d = nets, list(box), sign, len(box)
        self.order = [(n, l, j) for n, net in enumerate(nets)
                      for l, lay in enumerate(net.layers[:-1]) for j in range(len(lay.bias))]
        self.first = [0, sum(len(lay.bias) for lay in nets[0].layers[:-1])]   # each net's first neuron
        self.outs = [[[None] * len(lay.bias) for lay in net.layers[:-1]] for net in nets]
        self.cons, self.p, self.leaves, self.depth = [], 0, 0, 0
        self.claims = [None] * len(self.order)   # the claims of linear nodes in force
        self.cache = {} if cache is None else cache

    def pre(self, n, l, j):
        """Exact affine pre-activation of neuron j of layer l of net n (its inputs decided)."""
        lay = self.nets[n].layers[l]
        if l == 0:
            return tuple(lay.weight[j]) + (lay.bias[j],)
        z, acc = [Fraction(0)] * self.d + [lay.bias[j]], {}
        for wi, a in zip(lay.weight[j], self.outs[n][l - 1]):
            if wi and a:      # equal outputs are one object (see _set): sum their weights first
                acc[id(a)] = (a, acc[id(a)][1] + wi) if id(a) in acc else (a, wi)
        for a, wi in acc.values():
            for t, v in enumerate(a):
                if v:
                    z[t] += wi * v
        return tuple(z)

    def obj(self):
        """sign * (f - g) as an affine form (every neuron decided)."""
        tot = [Fraction(0)] * (self.d + 1)
        for n, net in enumerate(self.nets):
            s = self.sign if n == 0 else -self.sign
            tot = [a + s * b for a, b in zip(tot, self.pre(n, len(net.layers) - 1, 0))]
        return tot


_OFF = ()  # the output of an inactive neuron (the affine form 0); None marks "undecided"


def _set(st, z, active):
    n, l, j = st.order[st.p]
    z = tuple(z)
    st.outs[n][l][j] = st.cache.setdefault(z, z) if active else _OFF
    st.p += 1


def _unset(st, k):
    for _ in range(k):
        st.p -= 1
        n, l, j = st.order[st.p]
        st.outs[n][l][j] = None


# ---------------------------------------------------------------------------------------
# ibp leaves, in integers.  Every affine form of a layer is an integer vector over one
# denominator Q of that layer; the sub-box is held as integers LO, HI over one denominator E.
# ---------------------------------------------------------------------------------------
_R = 1 << 24   # slopes and breakpoints of unstable neurons are multiples of 1/_R


def _ibp_net(st, n, ebox, E):
    """(Q, lo, up): integer forms with lo(x)/Q <= net n's output <= up(x)/Q on P.

    Each neuron carries forms lo <= output <= up valid on the sub-box (the exact output on P for
    decided neurons); only the differences up - lo of the neurons where they differ are kept
    apart (``gap``).  A pre-activation z in [zl(x), zu(x)] has the range [l, u] over the box,
    l = min zl, u = max zu.  If l >= 0 the output keeps [zl, zu]; if u <= 0 it is 0; else
    (l < 0 < u) up = s (zu - l') and lo = zl if u >= -l else 0, with s = ceil(_R u/(u - l))/_R
    capped at 1 and l' = floor(_R l)/_R <= l: the line through (l', 0) with slope s >= u/(u - l')
    lies above ReLU on [l', u], and it has small denominators.  Forms after a hidden layer are
    over Q = D Q_prev _R^2, a multiple of every decided output's denominator."""
    d, Q, gap = st.d, 1, {}
    low = [tuple(int(t == i) for t in range(d + 1)) for i in range(d)]   # the inputs x_i
    layers = _int_layers(st.nets[n])
    for l, (D, C, c, _) in enumerate(layers):
        cols, Qn = list(zip(*low)), D * Q
        Qo, low, ngap = Qn * _R * _R, [], {}
        for i, (row, cb) in enumerate(zip(C, c)):
            dec = None if l == len(layers) - 1 else st.outs[n][l][i]
            if dec is not None:
                if any(Qo % v.denominator for v in dec):
                    raise CertificateRejected("ibp: a decided output is not on the layer's denominator")
                low.append(tuple(v.numerator * (Qo // v.denominator) for v in dec) if dec else (0,) * (d + 1))
                continue
            zl = [sum(map(_mul, row, col)) for col in cols]
            zl[-1] += cb * Q
            zu = list(zl)
            for j, g in gap.items():
                w, z = row[j], (zu if row[j] > 0 else zl)
                for t, v in enumerate(g):
                    z[t] += w * v
            if l == len(layers) - 1:
                return Qn, zl, zu
            lo, up = -_box_max([-v for v in zl], ebox, E), _box_max(zu, ebox, E)
            if lo >= 0:
                f, u = [v * _R * _R for v in zl], [v * _R * _R for v in zu]
            elif up <= 0:
                low.append((0,) * (d + 1))
                continue
            else:
                s, l2 = min(-(-up * _R // (up - lo)), _R), lo * _R // (Qn * E)
                f = [v * _R * _R for v in zl] if up >= -lo else [0] * (d + 1)
                u = [s * _R * v for v in zu]
                u[-1] -= s * l2 * Qn
            low.append(tuple(f))
            if u != f:
                ngap[i] = [a - b for a, b in zip(u, f)]
        Q, gap = Qo, ngap


def _ibp_max(st) -> Fraction:
    """Max over the sub-box of the ibp upper bound of obj (exact)."""
    E = _lcm(*(v.denominator for iv in st.box for v in iv))
    ebox = [(lo.numerator * (E // lo.denominator), hi.numerator * (E // hi.denominator)) for lo, hi in st.box]
    Q, h = 1, [0] * (st.d + 1)
    for n in range(len(st.nets)):
        key = None if st.p > st.first[n] else ("ibp", n, tuple(st.box))   # net n undecided: cache it
        r = st.cache.get(key) or _ibp_net(st, n, ebox, E)
        if key:
            st.cache[key] = r
        Qn, lo, up = r
        f = up if (st.sign if n == 0 else -st.sign) > 0 else [-v for v in lo]
        M = _lcm(Q, Qn)
        h, Q = [a * (M // Q) + b * (M // Qn) for a, b in zip(h, f)], M
    return Fraction(_box_max(h, ebox, E), Q * E)


# ---------------------------------------------------------------------------------------
# linear nodes: claimed intervals and relaxations of neurons, proven by back-substitution.
#   {"linear": [claim, ...], "next": node}, or without "next" a leaf; one claim per undecided
#   neuron, in order:  "+" (z >= 0 on P: output z), "-" (z <= 0 on P: output 0),
#   [l, u, s, t, a] (l <= z <= u on P, and a z <= ReLU(z) <= s z + t on [l, u]: valid when
#   0 <= a <= 1, and s l + t >= 0, s u + t >= u, since a line above the convex ReLU at both ends of
#   [l, u] lies above it on [l, u]), or null: the claim in force, proven at an enclosing linear
#   node (over a region containing P, so it holds on P).  A node's claims are in force below it.
# Each side (z <= u, z >= l) of a claim is proven by the claim in force when that implies it, else
# by back-substitution: z = w . a + b (a: the outputs of the layer below), each a_i replaced, by the
# sign of its coefficient, by its upper or lower relaxation (the exact affine output of a decided
# neuron; z_i for "+"; 0 for "-"; s_i z_i + t_i or a_i z_i), z_i = w_i . a' + b_i in turn, down to the inputs:
# an affine form in x above z on P (below it for -z), whose box maximum is compared with the
# claim.  Sound by induction over the order: only claims about earlier neurons, already proven
# on P, are used.  A leaf back-substitutes obj from both nets' outputs: box maximum <= U.
# Below a branch node P stands for the part of P where the branch's sign holds: every argument
# above reads "for x in that part", where the branch's claim holds too; the box maxima still bound it.
# ---------------------------------------------------------------------------------------
_PLUS, _MINUS = ("+",), ("-",)   # the sign claims (tested by identity)


def _claim(c, where: str):
    """A claim as _PLUS, _MINUS or (l, u, s, t, a) Fractions, checked to be a valid relaxation."""
    if c == "+" or c == "-":
        return _PLUS if c == "+" else _MINUS
    if not isinstance(c, list) or len(c) != 5:
        raise CertificateRejected(f"{where}: a claim is '+', '-', null or [l, u, s, t, a]")
    l, u, s, t, a = (_q(v, f"{where}[{i}]") for i, v in enumerate(c))
    if not (0 <= a <= 1 and s * l + t >= 0 and s * u + t >= u):
        raise CertificateRejected(f"{where}: not a relaxation of ReLU on [{_txt(l)}, {_txt(u)}] (need "
                                  f"0 <= a <= 1, s l + t >= 0, s u + t >= u)")
    return l, u, s, t, a


def _span(c):
    """The interval (lo, up) a claim proves (None: unbounded)."""
    return (None, None) if c is None else (0, None) if c is _PLUS else (None, 0) if c is _MINUS else c[:2]


def _rel(st, n, l, start):
    """The replacements of the outputs of layer l of net n: (S, live, up, low, t, dec, rows) with S
    the common denominator of the lines, live the neurons whose lines are not 0 (not "-", not decided),
    up / low the integers S s, S a of their upper and lower lines (S, S for "+"), t the pairs (j, S t_j)
    of the nonzero intercepts, dec the decided active outputs, rows a cache of live rows of C, packed."""
    rs, dec = [], {}
    for j, o in enumerate(st.outs[n][l]):
        c = st.claims[start + j] if o is None else _MINUS
        if o:
            dec[j] = o
        rs.append(c)
    S = _lcm(*(v.denominator for c in rs if len(c) == 5 for v in c[2:]))
    live = [j for j, c in enumerate(rs) if c is not _MINUS]

    def line(i, plus):                  # S times coefficient i of each live neuron's line ("+": plus)
        return [plus if c is _PLUS else c[i].numerator * (S // c[i].denominator) for c in map(rs.__getitem__, live)]
    t = [(j, v) for j, v in zip(live, line(3, 0)) if v]
    return S, live, line(2, S), line(4, S), t, dec, {}


def _back(st, n, l, e, e0, den, rels):
    """An affine form above (e . a + e0) / den on P, a the outputs of hidden layer l of net n
    (l = -1: the inputs), by back-substitution through the replacements rels[l], ..., rels[0]:
    (h, Q, x) with h integers over Q, plus x, the Fraction form of decided outputs (or None)."""
    layers, cols, x = _int_layers(st.nets[n]), st.cache[("cols", n)], None
    while l >= 0:
        S, live, up, low, t, dec, rows = rels[l]
        c = [v * u if v > 0 else v * w for v, u, w in zip(map(e.__getitem__, live), up, low)]
        for j, o in dec.items():        # a decided neuron's affine output, exact on P
            x = [v * Fraction(e[j], den) + (x[i] if x else 0) for i, v in enumerate(o)]
        D, C, cb, _ = layers[l]
        # e_j = sum_i c_i C_ij for every j at once: each live row of C (and its bias) packed into one
        # integer, in slots wide enough for every |e_j| <= max |c_i| * (column sum of |C|) (see _pack)
        kb = (max(map(abs, c), default=0).bit_length() + cols[l][1]) // 8 + 1
        if kb not in rows:
            if (n, l, kb) not in st.cache:
                slots = [(i * kb, kb, 1 << (8 * kb - 1)) for i in range(cols[l][0])]
                off = _pack([0] * len(slots), slots, 0)
                st.cache[(n, l, kb)] = slots, off, [_pack(row, slots, off) for row in C]
            slots, off, P = st.cache[(n, l, kb)]
            rows[kb] = slots, off, [P[i] for i in live], [cb[i] for i in live]
        slots, off, P, b = rows[kb]
        e0 = (e0 * S + sum(e[j] * v for j, v in t if e[j] > 0)) * D + sum(map(_mul, c, b))
        den *= S * D
        e, l = _unpack(sum(map(_mul, c, P)), slots, off), l - 1
    return e + [e0], den, x


def _bound(st, forms):
    """(m, M): m / M is the box maximum of the sum of the forms (h, Q, x) from _back."""
    Q = _lcm(*(q for _, q, _ in forms))
    h = [sum(v * (Q // q) for v, (_, q, _) in zip(t, forms)) for t in zip(*(f for f, _, _ in forms))]
    if all(x is None for _, _, x in forms):
        E, ebox = st.cache["ebox"]
        return _box_max(h, ebox, E), Q * E
    x = [Fraction(v, Q) for v in h]
    for _, _, xs in forms:
        x = [a + b for a, b in zip(x, xs)] if xs else x
    m = _box_max(x, st.box)
    return m.numerator, m.denominator


def _check_linear(st, node, path: str, U: Fraction) -> None:
    N, claims = len(st.order), node["linear"]
    if not isinstance(claims, list) or len(claims) != N - st.p:
        raise CertificateRejected(f"{path}: a linear node needs a list of {N - st.p} claims (the undecided neurons)")
    if "starts" not in st.cache:
        st.cache["starts"] = {}
        for p, (n, l, _) in enumerate(st.order):
            st.cache["starts"].setdefault((n, l), p)
        for n, net in enumerate(st.nets):
            st.cache[("cols", n)] = [(len(C[0]), max(sum(map(abs, col)) for col in zip(*C)).bit_length() + 1)
                                     for _, C, _, _ in _int_layers(net)]
    starts, rels, saved = st.cache["starts"], [{} for _ in st.nets], st.claims[st.p:]
    E = _lcm(*(v.denominator for iv in st.box for v in iv))
    st.cache["ebox"] = E, [(lo.numerator * (E // lo.denominator), hi.numerator * (E // hi.denominator))
                           for lo, hi in st.box]

    def upto(n, l):                     # the replacements of net n's layers below l
        for m in range(l):
            if m not in rels[n]:
                rels[n][m] = _rel(st, n, m, starts[(n, m)])
        return rels[n]
    try:
        for k in (k for k, c in enumerate(claims) if c is None and st.claims[st.p + k] is None):
            raise CertificateRejected(f"{path}.linear[{k}]: null, but no claim about neuron {st.p + k} is in force")
        for k in [k for k, c in enumerate(claims) if c is not None]:
            p, where = st.p + k, f"{path}.linear[{k}]"
            new, (n, l, j) = _claim(claims[k], where), st.order[p]
            D, C, cb, _ = _int_layers(st.nets[n])[l]
            for need, have, sg in zip(_span(new), _span(st.claims[p]), (-1, 1)):
                if need is None or (have is not None and (have >= need if sg < 0 else have <= need)):
                    continue                                    # no claim, or implied by the old one
                m, M = _bound(st, [_back(st, n, l - 1, [sg * v for v in C[j]], sg * cb[j], D, upto(n, l))])
                if m * need.denominator > sg * need.numerator * M:
                    raise CertificateRejected(f"{where}: neuron {p} {'<=' if sg > 0 else '>='} {_txt(need)} "
                                              f"not proven (back-substituted bound {_txt(Fraction(sg * m, M))})")
            st.claims[p] = new
        if "next" in node:
            _walk(st, node["next"], path + ".next", U)
            return
        forms = []
        for n, net in enumerate(st.nets):
            D, C, cb, _ = _int_layers(net)[-1]
            sg = st.sign if n == 0 else -st.sign
            forms.append(_back(st, n, len(net.layers) - 2, [sg * v for v in C[0]], sg * cb[0], D,
                               upto(n, len(net.layers) - 1)))
        m, M = _bound(st, forms)
        if m * U.denominator > U.numerator * M:
            raise CertificateRejected(f"{path}: linear bound {_txt(Fraction(m, M))} > {_txt(U)}")
        st.leaves += 1
    finally:
        st.claims[st.p:] = saved


# ---------------------------------------------------------------------------------------
# knots leaves (d = 1)
# ---------------------------------------------------------------------------------------
_KNOT_CHUNK = 64    # knots evaluated at once: bounds memory; inputs 0 at all of them drop out


def _check_knots(st, node, path: str, U: Fraction) -> None:
    if st.d != 1 or not isinstance(node["knots"], list):
        raise CertificateRejected(f"{path}: a knots leaf needs d = 1 and a list of knots")
    lo, hi = st.box[0]
    pts = [lo] + [_q(t, f"{path}.knots[{i}]") for i, t in enumerate(node["knots"])] + [hi]
    if any(not a < b for a, b in zip(pts[1:-1], pts[2:-1])) or (len(pts) > 2 and not lo < pts[1] <= pts[-2] < hi):
        raise CertificateRejected(f"{path}: knots must increase strictly inside ({_txt(lo)}, {_txt(hi)})")
    # x -> (sign codes of every neuron, one byte each, as one integer; f(x) - g(x)), evaluated in chunks
    memo = st.cache.setdefault("knots", {})
    todo = sorted({x for x in pts if x not in memo})
    for part in (todo[c:c + _KNOT_CHUNK] for c in range(0, len(todo), _KNOT_CHUNK)):
        signs = [[] for _ in part]
        out = [[(1, -1)[n] * v[0] for v in _outputs(net, [(x,) for x in part], signs)] for n, net in enumerate(st.nets)]
        memo.update(zip(part, zip((int.from_bytes(bytes(sg), "little") for sg in signs), map(sum, zip(*out)))))
    ones = int.from_bytes(b"\x01" * len(st.order), "little")      # bit 0 (z > 0) of every neuron's byte
    for k, (x, (code, obj)) in enumerate(zip(pts, map(memo.get, pts))):
        if st.sign * obj > U:
            raise CertificateRejected(f"{path}: objective {_txt(st.sign * obj)} > {_txt(U)} at the knot {_txt(x)}")
        prev = memo[pts[k - 1]][0] if k else 0
        if flips := ((prev & (code >> 1)) | ((prev >> 1) & code)) & ones:   # z > 0 at one knot, < 0 at the other
            raise CertificateRejected(f"{path}: neuron {(flips & -flips).bit_length() // 8} changes sign between "
                                      f"the knots {_txt(pts[k - 1])} and {_txt(x)}")
    st.leaves += len(pts) - 1


_KEYS = {"cut": {"cut", "at", "lo", "hi"}, "split": {"split", "neg", "pos"},
         "fix": {"fix", "dual", "duals", "next"}, "bound": {"bound"}, "empty": {"empty"}, "ibp": {"ibp"},
         "knots": {"knots"}, "linear": {"linear", "next"}, "branch": {"branch", "neg", "pos"}}


def _walk(st, node, path: str, U: Fraction) -> None:
    """Replay one node (recursively); raises CertificateRejected naming the node path."""
    st.depth += 1
    if st.depth > MAX_DEPTH:
        raise KernelLimit(f"{path[:60]}...: the tree is deeper than {MAX_DEPTH} nodes (the kernel's limit)")
    _node(st, node, path, U)
    st.depth -= 1


def _node(st, node, path: str, U: Fraction) -> None:
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
            raise CertificateRejected(f"{path}: cut x_{i} = {_txt(t)} not strictly inside [{_txt(lo)}, {_txt(hi)}]")
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
        if not isinstance(signs, str) or not signs or set(signs) - {"+", "-"}:
            raise CertificateRejected(f"{path}: fix must be a non-empty string of '+'/'-'")
        duals = node.get("duals", [node.get("dual")] if len(signs) == 1 else [None] * len(signs))
        if not isinstance(duals, list) or len(duals) != len(signs) or ("dual" in node and
                                                                       ("duals" in node or len(signs) != 1)):
            raise CertificateRejected(f"{path}: need one dual per fixed neuron ({len(signs)}; 'dual' only for one)")
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
        _prove_le0(h, st, node["bound"], path, f"objective <= {_txt(U)}")
        st.leaves += 1
    elif kind == "knots":
        _check_knots(st, node, path, U)
    elif kind == "linear":
        _check_linear(st, node, path, U)
    elif kind == "branch":
        k = node["branch"]
        if isinstance(k, bool) or not isinstance(k, int) or not st.p <= k < N:
            raise CertificateRejected(f"{path}: branch needs an undecided neuron {st.p}..{N - 1}, got {k!r}")
        held = st.claims[k]
        for child, c in (("neg", _MINUS), ("pos", _PLUS)):
            st.claims[k] = c
            _walk(st, node.get(child), f"{path}.{child}", U)
        st.claims[k] = held
    elif kind == "empty":
        m = _box_max(_comb((Fraction(0),) * (st.d + 1), st.cons, node["empty"], path), st.box)
        if not m < 0:
            raise CertificateRejected(f"{path}: emptiness not proven (box max of -sum lambda c = {_txt(m)} >= 0)")
        st.leaves += 1
    else:
        if node["ibp"] is not True:
            raise CertificateRejected(f"{path}: ibp leaf must be {{'ibp': true}}")
        m = _ibp_max(st)
        if m > U:
            raise CertificateRejected(f"{path}: interval bound {_txt(m)} > {_txt(U)}")
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
            raise CertificateRejected(f"sup: box[{i}] has lo {_txt(lo)} > hi {_txt(hi)}")
        out.append((lo, hi))
    return out


_SIGNS = {1: "+", -1: "-", "+": "+", "-": "-", "max": "+", "min": "-", "abs": "abs"}


def _setup(nets, box, sign, tree):
    """(nets, box, "+"|"-"|"abs", [(+1 or -1, tree)]) after checking the arguments."""
    nets = _nets(nets)
    box = _box(box, nets[0].input_dim)
    s = _SIGNS.get(sign) if isinstance(sign, (str, int)) and not isinstance(sign, bool) else None
    if s is None:
        raise CertificateRejected(f"sup: sign {sign!r} must be 'abs', 'max', 'min', 1 or -1")
    need = ["+", "-"] if s == "abs" else [s]
    if isinstance(tree, dict) and set(tree) <= {"+", "-"} and tree:
        if sorted(tree) != sorted(need):
            raise CertificateRejected(f"sup: trees for signs {sorted(tree)}, need {need}")
        return nets, box, s, [(1 if k == "+" else -1, tree[k]) for k in need]
    if s == "abs":
        raise CertificateRejected("sup: sign 'abs' needs trees {'+': tree, '-': tree}")
    return nets, box, s, [(1 if s == "+" else -1, tree)]


MAX_DEPTH = 5_000   # deepest certificate tree the kernel replays (its limit, reported as a rejection)


def _replay_trees(nets, box, pairs, U) -> int:
    old = _sys.getrecursionlimit()
    _sys.setrecursionlimit(max(old, 2 * MAX_DEPTH + 1_000))
    try:
        leaves, cache = 0, {}
        for s, tree in pairs:
            st = _State(nets, box, s, cache)
            _walk(st, tree, f"tree[{'+' if s > 0 else '-'}]", U)
            leaves += st.leaves
        return leaves
    finally:
        _sys.setrecursionlimit(old)


_PUBLIC = {"+": "max", "-": "min", "abs": "abs"}


def _name(nets, s) -> str:
    e = "f - g" if len(nets) > 1 else "f"
    return {"abs": f"|{e}|", "+": e, "-": f"-({e})"}[s]


def _box_txt(box) -> str:
    return " x ".join(f"[{_txt(lo)}, {_txt(hi)}]" for lo, hi in box)


def check_max_le(nets, box, sign, U, tree) -> Checked:
    """Check sign*(f - g) <= U on the box (sign 'abs' needs trees for both signs)."""
    nets, box, s, pairs = _setup(nets, box, sign, tree)
    U = _q(U, "U")
    n = _replay_trees(nets, box, pairs, U)
    return _checked("max_le", f"{_name(nets, s)} <= {_txt(U)} on {_box_txt(box)}", n,
                    box=tuple(box), sign=_PUBLIC[s], upper=U)


def _check_witnessed(nets, box, sign, lower, upper, witness, tree, exact: bool) -> Checked:
    nets, box, s, pairs = _setup(nets, box, sign, tree)
    lower, upper = _q(lower, "value" if exact else "lower"), _q(upper, "value" if exact else "upper")
    w = _vec(witness, len(box), "sup: witness")
    for i, (v, (lo, hi)) in enumerate(zip(w, box)):
        if not lo <= v <= hi:
            raise CertificateRejected(f"sup: witness[{i}] = {_txt(v)} outside [{_txt(lo)}, {_txt(hi)}]")
    v = evaluate(nets[0], w)[0] - (evaluate(nets[1], w)[0] if len(nets) > 1 else 0)
    got = abs(v) if s == "abs" else v if s == "+" else -v
    if got != lower:
        raise CertificateRejected(f"sup: objective at the witness is {_txt(got)}, certificate says "
                                  f"{'value' if exact else 'lower'} = {_txt(lower)}")
    if lower > upper:
        raise CertificateRejected(f"sup: lower {_txt(lower)} > upper {_txt(upper)}")
    n = _replay_trees(nets, box, pairs, upper)
    over = f"max over {_box_txt(box)} of {_name(nets, s)}"
    about = {"box": tuple(box), "sign": _PUBLIC[s], "lower": lower, "upper": upper}
    if exact:
        return _checked("sup", f"{over} == {_txt(lower)}", n, **about)
    return _checked("sup_interval", f"{_txt(lower)} <= {over} <= {_txt(upper)}", n, **about)


def check_sup(nets, box, sign, value, witness, tree) -> Checked:
    """Check that the maximum of the objective over the box is exactly ``value``, attained at ``witness``."""
    return _check_witnessed(nets, box, sign, value, value, witness, tree, True)


def check_interval(nets, box, sign, lower, upper, witness, tree) -> Checked:
    """Check lower == objective(witness) <= max over the box <= upper."""
    return _check_witnessed(nets, box, sign, lower, upper, witness, tree, False)


# The keys of each certificate form; any other key, or a missing one, is a rejection.
_FORMS = {"eval": [{"kind", "points", "values"}],
          "sup": [{"kind", "sign", "box", "witness", "trees", "value"},
                  {"kind", "sign", "box", "witness", "trees", "lower", "upper"}]}
_CLAIMS = {"eval": "eval", "sup": "sup", "sup_interval": "sup"}   # claim kind -> certificate kind


def replay(nets, certificate: dict, *, expect, box=None, sign=None) -> Checked:
    """Replay a certificate dict ``{"kind": ..., ...}`` as the claim the caller needs; fails closed.

    ``expect``: the claim kinds the caller accepts, "eval", "sup" (an exact maximum) and/or
    "sup_interval" (certified bounds on it), as a string or a tuple.  ``box`` and ``sign``, when
    given, must equal the certificate's (exactly, as rationals; sign "abs", "max" or "min"): a
    verdict about another box or sign is refused.  ``nets`` is a Net, or for sup claims also a
    pair (f, g).  A certificate with an unknown, missing or extra key is refused."""
    want = (expect,) if isinstance(expect, str) else tuple(expect) if isinstance(expect, (tuple, list)) else ()
    if not want or any(not isinstance(k, str) or k not in _CLAIMS for k in want):
        raise CertificateRejected(f"replay: expect={expect!r} must name claim kinds among {sorted(_CLAIMS)}")
    kind = certificate.get("kind") if isinstance(certificate, dict) else None
    if not isinstance(kind, str) or kind not in _FORMS:
        raise CertificateRejected(f"replay: unknown certificate kind {kind!r}")
    keys = set(certificate)
    if keys not in _FORMS[kind]:
        near = min(_FORMS[kind], key=lambda f: len(f ^ keys))
        raise CertificateRejected(f"{kind} certificate: unknown keys {sorted(keys - near)}, missing keys "
                                  f"{sorted(near - keys)}")
    claim = "eval" if kind == "eval" else "sup" if "value" in keys else "sup_interval"
    if claim not in want:
        raise CertificateRejected(f"replay: the certificate proves a {claim!r} claim; {sorted(want)} was asked for")
    if kind == "eval":
        if box is not None or sign is not None:
            raise CertificateRejected("replay: an eval certificate is about points, not a box or a sign")
        return check_eval(nets, certificate["points"], certificate["values"])
    c = certificate
    if box is not None:
        d = _nets(nets)[0].input_dim
        if _box(c["box"], d) != _box(box, d):
            raise CertificateRejected(f"replay: the certificate is about {_box_txt(_box(c['box'], d))}; "
                                      f"{_box_txt(_box(box, d))} was asked for")
    if sign is not None and _SIGNS.get(c["sign"] if isinstance(c["sign"], (str, int)) else None) != _SIGNS.get(sign):
        raise CertificateRejected(f"replay: the certificate is about sign {c['sign']!r}; sign {sign!r} was asked for")
    if claim == "sup":
        return check_sup(nets, c["box"], c["sign"], c["value"], c["witness"], c["trees"])
    return check_interval(nets, c["box"], c["sign"], c["lower"], c["upper"], c["witness"], c["trees"])
