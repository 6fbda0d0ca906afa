"""Exact activation regions and linear pieces of a ReLU network over a box, and exact gradient norms.

An *activation region* is the set of points of the box where every hidden neuron has a fixed
sign (a cell of constant activation pattern); on it the network is one affine map ``x -> A x + c``.
Neighbouring regions can carry the same affine map (a neuron whose output weight is 0, two
neurons that cancel): :func:`count_pieces` merges such neighbours (regions whose common boundary
has dimension k - 1, k the dimension of the box) into *linear pieces*.  Regions are enumerated by deciding the
neurons in order (f's layers first): a neuron whose pre-activation has one sign on the
current polytope is fixed (exact box range, a parallel earlier constraint, or two exact LPs
of :mod:`.lp`); otherwise the polytope is split into its two full-dimensional halves.  For
d = 1 the interval is cut at the neuron's breakpoint instead.  Every region found is
full-dimensional (a split happens only when both halves have interior points), regions
are pairwise interior-disjoint and cover the box.

Degenerate boxes (lo == hi on some axes: a point, a segment, a face) are handled as the function
restricted to the box: "full-dimensional" and "interior" are relative to the box's affine hull
(the interior point has slack on every constraint and every non-degenerate face), and the
gradients of :func:`lipschitz` are projected onto the hull (the degenerate axes' entries are 0).
``Region.A`` stays the full map, which agrees with the restricted function on the region.

"Pattern" convention: 1 for a neuron whose pre-activation is >= 0 on the region (output =
pre-activation), 0 for one that is <= 0 (output 0); a neuron identically 0 on the region
is reported as 1.

All numbers are Fractions; nothing here is trusted (the certified maxima of :mod:`.sup` are
replayed by the kernel).  Gradient norms: ``norm="l2"`` returns the *squared* l2 norm
(exact, rational), ``norm="linf"`` the l1 norm of the gradient (the Lipschitz constant for
the l-inf input norm).
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from fractions import Fraction

from .. import kernel
from ..errors import InputError, LimitReached
from ..net import Net
from ..numbers import fmt
from ..progress import Progress
from .lp import box_max, box_min, interior_point, lp_max
from .sup import _as_box, _ratio

__all__ = ["Region", "LipschitzResult", "linear_regions", "least_regions", "count_regions", "count_pieces", "pieces",
           "lipschitz", "DEFAULT_MAX_REGIONS"]

DEFAULT_MAX_REGIONS = 100_000

#: Up to this input dimension, each split shrinks the box to the new polytope's bounding box, so
#: box ranges decide most neurons without LPs (measured on random nets: 2-200-1, 4.5x the regions
#: per second; 2-40-40-1, 1.3x; but 4-20-20-1, 0.45x: in d = 4 the bounding box is too loose).
TIGHTEN_MAX_D = 2

_ZERO = Fraction(0)


@dataclass(frozen=True)
class Region:
    """One activation region: ``pattern`` (per hidden layer a tuple of 0/1), the output map
    ``A`` (rows: outputs, columns: inputs) and ``c`` on it, an ``interior`` point, the
    ``constraints`` (affine forms a.x + a0 <= 0), a ``box`` inside the asked box (the cut interval
    for d = 1, the region's bounding box for d = 2), the region being {x in box : constraints <= 0},
    and, for d <= 3, ``vertices``."""
    pattern: tuple
    A: tuple
    c: tuple
    interior: tuple
    constraints: tuple
    box: tuple
    vertices: tuple | None = None


@dataclass(frozen=True)
class LipschitzResult:
    """The exact max over regions of a gradient norm.  ``value`` is ||grad||_2^2 when
    ``squared`` (norm "l2"), else ||grad||_1 (norm "linf")."""
    value: Fraction
    norm: str
    squared: bool
    gradient: tuple
    point: tuple
    regions: int

    @property
    def label(self) -> str:
        return "max ||grad||_2^2" if self.squared else "max ||grad||_1 (Lipschitz for l-inf inputs)"

    def __str__(self):
        return f"{self.label} = {fmt(self.value)} at {tuple(fmt(v) for v in self.point)}"


def _out_map(net: Net, st) -> tuple:
    """(A, c) of the output layer on the current region (all hidden neurons decided)."""
    d = st.d
    lay = net.layers[-1]
    prev = st.outs[0][-1] if len(net.layers) > 1 else None
    rows, cs = [], []
    for j, (w, b) in enumerate(zip(lay.weight, lay.bias)):
        if prev is None:
            z = list(w) + [b]
        else:
            z = [_ZERO] * d + [b]
            for wi, a in zip(w, prev):
                if wi and a:
                    for t in range(d + 1):
                        z[t] += wi * a[t]
        rows.append(tuple(z[:d]))
        cs.append(z[d])
    return tuple(rows), tuple(cs)


def _vertices(cons, box):
    """Exact vertices of {x in box : g(x) <= 0} for d <= 3 (brute force over d-subsets of facets)."""
    d = len(box)
    faces = [tuple(g) for g in cons]
    for i, (lo, hi) in enumerate(box):
        e = [_ZERO] * (d + 1)
        e[i], e[d] = Fraction(-1), lo
        faces.append(tuple(e))
        e = [_ZERO] * (d + 1)
        e[i], e[d] = Fraction(1), -hi
        faces.append(tuple(e))
    out = set()
    for combo in itertools.combinations(faces, d):
        x = _solve([list(g[:d]) for g in combo], [-g[d] for g in combo])
        if x is None:
            continue
        if all(sum((a * v for a, v in zip(g, x)), g[d]) <= 0 for g in faces):
            out.add(x)
    return tuple(sorted(out))


def _solve(M, b):
    """Exact solution of the square system M x = b, or None when singular."""
    n = len(M)
    A = [row[:] + [v] for row, v in zip(M, b)]
    for col in range(n):
        piv = next((r for r in range(col, n) if A[r][col] != 0), None)
        if piv is None:
            return None
        A[col], A[piv] = A[piv], A[col]
        p = A[col][col]
        A[col] = [v / p for v in A[col]]
        for r in range(n):
            if r != col and A[r][col]:
                f = A[r][col]
                A[r] = [v - f * w for v, w in zip(A[r], A[col])]
    return tuple(A[r][n] for r in range(n))


def _corner(z, box, s):
    """The box corner maximizing s * z."""
    return tuple((hi if s * a > 0 else lo) for a, (lo, hi) in zip(z, box))


class _Enum:
    def __init__(self, net, box, max_regions, time_limit, want_vertices, bar):
        self.net = net
        self.st = kernel._State((net,), box, 1)
        self.d = len(box)
        self.N = len(self.st.order)
        self.max_regions, self.time_limit = max_regions, time_limit
        self.want_vertices = want_vertices and self.d <= 3
        self.count = 0
        self.bar = bar
        self.point = None
        self.t0 = time.perf_counter()

    def _check_time(self):
        if self.time_limit is not None and time.perf_counter() - self.t0 > self.time_limit:
            raise LimitReached(f"linear_regions: time_limit={self.time_limit}s reached after {self.count} regions")

    def _decide(self, z):
        """'+', '-', 'cut' (d = 1) or ('split', point with z < 0, point with z > 0).

        ``self.point`` is a point of the current polytope (the LP optimum or box corner that showed
        the last split possible): when z is nonzero there, one sign is already possible and one
        LP decides instead of two."""
        st = self.st
        if box_min(z, st.box) >= 0:
            return "+"
        if box_max(z, st.box) <= 0:
            return "-"
        if self.d == 1:
            return "cut"
        for c in st.cons:
            a = _ratio(z, c)
            if a is not None:
                return "-" if a > 0 else "+"
        if not st.cons:       # the box alone: its corners show both signs
            return ("split", _corner(z, st.box, -1), _corner(z, st.box, 1))
        p = self.point
        v = sum((a * x for a, x in zip(z, p)), z[-1])
        neg = pos = None
        if v <= 0:
            hi = lp_max(z, st.cons, st.box)
            if hi.value <= 0:
                return "-"
            pos, neg = hi.x, (p if v < 0 else None)
        if v >= 0:
            lo = lp_max(tuple(-a for a in z), st.cons, st.box)
            if lo.value <= 0:
                return "+"
            neg, pos = lo.x, (p if v > 0 else pos)
        return ("split", neg, pos)

    def _tighten(self):
        """Shrink the box to the bounding box of the current polytope (2 LPs per axis), so the
        exact box range decides the neurons whose hyperplanes miss it, without an LP each."""
        st = self.st
        for i, (lo, hi) in enumerate(st.box):
            if lo == hi:
                continue
            e = [_ZERO] * (self.d + 1)
            e[i] = Fraction(1)
            top = lp_max(tuple(e), st.cons, st.box).value
            e[i] = Fraction(-1)
            bot = -lp_max(tuple(e), st.cons, st.box).value
            st.box[i] = (bot, top)

    def walk(self):
        st = self.st
        self._check_time()
        fixed = 0
        try:
            while st.p < self.N:
                self._check_time()       # every neuron: its LPs grow with the constraints
                z = st.pre(*st.order[st.p])
                how = self._decide(z)
                if how in ("+", "-"):
                    kernel._set(st, z, how == "+")
                    fixed += 1
                    continue
                if how == "cut":
                    lo, hi = st.box[0]
                    t = -z[1] / z[0]
                    st.box[0] = (lo, t)
                    yield from self.walk()
                    st.box[0] = (t, hi)
                    yield from self.walk()
                    st.box[0] = (lo, hi)
                    return
                keep, box = self.point, list(st.box)
                for c, active, p in ((z, False, how[1]), (tuple(-a for a in z), True, how[2])):
                    st.cons.append(c)
                    kernel._set(st, z, active)
                    self.point = p
                    if self.d <= TIGHTEN_MAX_D:
                        self._tighten()
                    yield from self.walk()
                    st.box[:] = box
                    kernel._unset(st, 1)
                    st.cons.pop()
                self.point = keep
                return
            if self.max_regions is not None and self.count >= self.max_regions:
                raise LimitReached(f"linear_regions: max_regions={self.max_regions} reached")
            self.count += 1
            self.bar.update()
            yield self._region()
        finally:
            kernel._unset(st, fixed)

    def _region(self):
        st = self.st
        pattern = tuple(tuple(1 if o else 0 for o in layer) for layer in st.outs[0])
        A, c = _out_map(self.net, st)
        cons = tuple(tuple(g) for g in st.cons)
        box = tuple(st.box)
        if cons:
            x, t = interior_point(list(cons), list(box))
        else:
            x = tuple((lo + hi) / 2 for lo, hi in box)
        verts = _vertices(cons, box) if self.want_vertices else None
        return Region(pattern, A, c, tuple(x), cons, box, verts)


def linear_regions(net: Net, box=None, *, max_regions=DEFAULT_MAX_REGIONS, time_limit=None, vertices=True,
                   progress=False):
    """Yield the activation regions of ``net`` that meet ``box`` (default the net's domain).

    Raises LimitReached (after yielding ``max_regions`` regions, or when ``time_limit`` seconds
    pass, checked before every neuron is decided) rather than stopping silently, and InputError
    up front when :func:`least_regions` already exceeds ``max_regions``.  ``progress``:
    count the regions on a bar on stderr (:mod:`exactrelu.progress`).

    >>> f = Net([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])   # |x|
    >>> [(r.A, r.interior) for r in linear_regions(f, [(-1, 1)])]
    [(((Fraction(-1, 1),),), (Fraction(-1, 2),)), (((Fraction(1, 1),),), (Fraction(1, 2),))]
    """
    if not isinstance(net, Net):
        raise InputError(f"net={net!r} must be a Net")
    box = _as_box(box, (net,))
    least = least_regions(net, box)
    if max_regions is not None and least > max_regions:
        raise InputError(f"at least {least} activation regions ({least - 1} distinct first-layer hyperplanes "
                         f"cross the box); the limit is max_regions={max_regions}")
    import sys
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 20_000))
    bar = Progress("regions", enabled=bool(progress), unit="region")
    try:
        yield from _Enum(net, box, max_regions, time_limit, vertices, bar).walk()
    finally:
        bar.close()
        sys.setrecursionlimit(old)


def least_regions(net: Net, box) -> int:
    """A lower bound on the number of activation regions, from the first layer alone: 1 + the number
    of distinct hyperplanes of first-layer neurons (restricted to the box's affine hull) that cross
    the box's relative interior, since each such hyperplane splits at least one region in two."""
    if net.depth < 2:
        return 1
    free = _free_axes(box)
    planes = set()
    for row, b in zip(net.layers[0].weight, net.layers[0].bias):
        z = [row[i] for i in free] + [b + sum((row[i] * box[i][0] for i in range(len(box)) if i not in free), _ZERO)]
        fbox = [box[i] for i in free]
        if not (box_min(z, fbox) < 0 < box_max(z, fbox)):
            continue
        lead = next(abs(a) for a in z if a)
        planes.add(tuple(a / lead for a in z) if next(a for a in z if a) > 0 else tuple(-a / lead for a in z))
    return 1 + len(planes)


def count_regions(net: Net, box=None, *, max_regions=DEFAULT_MAX_REGIONS, time_limit=None) -> int:
    """The number of activation regions of ``net`` meeting ``box`` (LimitReached beyond the limits)."""
    return sum(1 for _ in linear_regions(net, box, max_regions=max_regions, time_limit=time_limit,
                                         vertices=False))


# -- linear pieces: neighbouring regions with the same affine map, merged ------------------------

def _free_axes(box) -> list:
    return [i for i, (lo, hi) in enumerate(box) if lo < hi]


def _map_on_hull(r, box, free):
    """The region's affine map as a function on the box's affine hull (degenerate axes folded in)."""
    rows = []
    for row, c in zip(r.A, r.c):
        c = c + sum((row[i] * box[i][0] for i in range(len(box)) if i not in free), _ZERO)
        rows.append((tuple(row[i] for i in free), c))
    return tuple(rows)


def _rank(vectors) -> int:
    rows = [list(v) for v in vectors if any(v)]
    rank, col = 0, 0
    width = len(rows[0]) if rows else 0
    while rank < len(rows) and col < width:
        piv = next((r for r in range(rank, len(rows)) if rows[r][col]), None)
        if piv is None:
            col += 1
            continue
        rows[rank], rows[piv] = rows[piv], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][col]:
                f = rows[r][col] / rows[rank][col]
                rows[r] = [a - f * b for a, b in zip(rows[r], rows[rank])]
        rank, col = rank + 1, col + 1
    return rank


def _meet_dimension(r1, r2, free) -> int:
    """Exact dimension of the intersection of two regions (-1 when empty): the box's free
    dimension minus the rank of the intersection's implicit equalities (each found by an LP)."""
    box = [(max(a[0], b[0]), min(a[1], b[1])) for a, b in zip(r1.box, r2.box)]
    if any(lo > hi for lo, hi in box):
        return -1
    cons = list(r1.constraints) + list(r2.constraints)
    d = len(box)
    if cons and not lp_max(tuple([_ZERO] * (d + 1)), cons, box).feasible:
        return -1
    normals = []
    for g in cons:       # g <= 0 on the intersection; an equality there when max(-g) == 0 too
        if lp_max(tuple(-a for a in g), cons, box).value == 0:
            normals.append(tuple(g[i] for i in free))
    for k, i in enumerate(free):
        e = [_ZERO] * (d + 1)
        e[i] = Fraction(1)
        top = box[i][1] if not cons else lp_max(tuple(e), cons, box).value
        e[i] = Fraction(-1)
        bot = box[i][0] if not cons else -lp_max(tuple(e), cons, box).value
        if top == bot:
            normals.append(tuple(Fraction(1) if j == k else _ZERO for j in range(len(free))))
    return len(free) - _rank(normals)


def pieces(net: Net, box=None, *, max_regions=DEFAULT_MAX_REGIONS, time_limit=None, vertices=False,
           progress=False) -> list:
    """The linear pieces of ``net`` over ``box``: lists of activation regions, neighbouring regions
    (a common boundary of dimension k - 1, k = the number of non-degenerate axes of the box) with
    the same affine map on the box merged, transitively.  Exact (LPs in Fractions)."""
    if not isinstance(net, Net):
        raise InputError(f"net={net!r} must be a Net")
    box = _as_box(box, (net,))
    t0 = time.perf_counter()
    regions = list(linear_regions(net, box, max_regions=max_regions, time_limit=time_limit, vertices=vertices,
                                  progress=progress))
    free = _free_axes(box)
    parent = list(range(len(regions)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    groups: dict = {}
    for i, r in enumerate(regions):
        groups.setdefault(_map_on_hull(r, box, free), []).append(i)
    for members in groups.values():
        for a, i in enumerate(members):
            for j in members[a + 1:]:
                if time_limit is not None and time.perf_counter() - t0 > time_limit:
                    raise LimitReached(f"pieces: time_limit={time_limit}s reached while merging regions")
                if find(i) != find(j) and _meet_dimension(regions[i], regions[j], free) == len(free) - 1:
                    parent[find(i)] = find(j)
    out: dict = {}
    for i, r in enumerate(regions):
        out.setdefault(find(i), []).append(r)
    return list(out.values())


def count_pieces(net: Net, box=None, *, max_regions=DEFAULT_MAX_REGIONS, time_limit=None) -> int:
    """The number of linear pieces of ``net`` over ``box`` (see :func:`pieces`)."""
    return len(pieces(net, box, max_regions=max_regions, time_limit=time_limit))


def lipschitz(net: Net, box=None, norm: str = "l2", *, max_regions=DEFAULT_MAX_REGIONS,
              time_limit=None) -> LipschitzResult:
    """Exact max over the regions meeting ``box`` of the gradient norm of a scalar net:
    ``norm="l2"``: ||grad||_2^2 (squared, exact); ``norm="linf"``: ||grad||_1.

    This is the exact Lipschitz constant of ``net`` on the box for the l2 (after a square root)
    or the l-inf input norm, since the box is convex and the net is piecewise linear.  On a
    degenerate box (lo == hi on some axes) it is the constant of the restricted function: the
    gradients are projected onto the box's affine hull (their entries on degenerate axes are 0)."""
    if norm not in ("l2", "linf"):
        raise InputError(f"norm={norm!r} must be 'l2' or 'linf'")
    if net.output_dim != 1:
        raise InputError(f"lipschitz: network has output dimension {net.output_dim}; need scalar output")
    box = _as_box(box, (net,))
    flat = [lo == hi for lo, hi in box]
    best, n = None, 0
    for r in linear_regions(net, box, max_regions=max_regions, time_limit=time_limit, vertices=False):
        n += 1
        g = tuple(_ZERO if f else a for a, f in zip(r.A[0], flat))
        v = sum(a * a for a in g) if norm == "l2" else sum(abs(a) for a in g)
        if best is None or v > best[0]:
            best = (v, g, r.interior)
    return LipschitzResult(best[0], norm, norm == "l2", best[1], best[2], n)
