"""Network calculus: exact operations on :class:`~exactrelu.net.Net` that realize known functions.

Primitives: :func:`affine`, :func:`compose` and :func:`parallel`.  Everything else is a
line or two on top of them (identity via ReLU(x) - ReLU(-x), sums, scalar multiples,
depth padding, affine pre/post maps).  All weights stay exact rationals.

>>> from fractions import Fraction as F
>>> f = affine([[2]], [1])                       # x -> 2x + 1
>>> g = compose(f, identity(1, 3))                # the same function, depth 3
>>> g.depth, g([F(-5)])
(3, (Fraction(-9, 1),))
"""
from __future__ import annotations

from fractions import Fraction

from .errors import InputError
from .net import Layer, Net
from .numbers import to_rational

__all__ = ["affine", "compose", "parallel", "add", "scale", "identity", "pad_depth",
           "affine_pre", "affine_post", "difference", "sum_outputs", "restrict"]


def affine(W, b) -> Net:
    """The depth-1 network x -> W x + b."""
    return Net([(W, b)])


def _matmul(A, B):
    return tuple(tuple(sum((a * b for a, b in zip(row, col)), Fraction(0)) for col in zip(*B)) for row in A)


def _matvec(A, v):
    return tuple(sum((a * x for a, x in zip(row, v)), Fraction(0)) for row in A)


def compose(outer: Net, inner: Net) -> Net:
    """outer(inner(x)); the two affine maps at the seam are merged, so depth = L_outer + L_inner - 1."""
    if inner.output_dim != outer.input_dim:
        raise InputError(f"compose: inner output_dim {inner.output_dim} != outer input_dim {outer.input_dim}")
    last, first = inner.layers[-1], outer.layers[0]
    seam = Layer(_matmul(first.weight, last.weight),
                 tuple(x + b for x, b in zip(_matvec(first.weight, last.bias), first.bias)))
    return Net([*inner.layers[:-1], seam, *outer.layers[1:]], input_dim=inner.input_dim)


def _block_diag(blocks):
    cols = sum(len(B[0]) for B in blocks)
    rows, off = [], 0
    for B in blocks:
        n = len(B[0])
        for r in B:
            rows.append((Fraction(0),) * off + tuple(r) + (Fraction(0),) * (cols - off - n))
        off += n
    return tuple(rows)


def parallel(*nets: Net) -> Net:
    """x -> (f_1(x), ..., f_k(x)) stacked; all nets need the same input_dim and depth (see pad_depth)."""
    if not nets:
        raise InputError("parallel: needs at least one network")
    d, L = nets[0].input_dim, nets[0].depth
    for i, n in enumerate(nets):
        if n.input_dim != d or n.depth != L:
            raise InputError(f"parallel: network {i} is {n!r}; all need input_dim {d} and depth {L}")
    layers = [Layer(tuple(r for n in nets for r in n.layers[0].weight),
                    tuple(b for n in nets for b in n.layers[0].bias))]
    for l in range(1, L):
        layers.append(Layer(_block_diag([n.layers[l].weight for n in nets]),
                            tuple(b for n in nets for b in n.layers[l].bias)))
    return Net(layers, input_dim=d)


def sum_outputs(net: Net, groups: int) -> Net:
    """Split the outputs into ``groups`` equal blocks and add the blocks (one extra-free merge)."""
    k = net.output_dim // groups
    if k * groups != net.output_dim:
        raise InputError(f"sum_outputs: {net.output_dim} outputs do not split into {groups} groups")
    S = tuple(tuple(Fraction(int(j % k == i)) for j in range(net.output_dim)) for i in range(k))
    return affine_post(net, S, (0,) * k)


def add(*nets: Net) -> Net:
    """x -> f_1(x) + ... + f_k(x) (same input_dim, depth and output_dim)."""
    outs = {n.output_dim for n in nets}
    if len(outs) != 1:
        raise InputError(f"add: output dimensions differ: {sorted(outs)}")
    return sum_outputs(parallel(*nets), len(nets))


def scale(net: Net, a) -> Net:
    """x -> a * f(x) (only the last layer changes)."""
    a = to_rational(a, what="scale factor")
    last = net.layers[-1]
    return Net([*net.layers[:-1], Layer(tuple(tuple(a * w for w in r) for r in last.weight),
                                        tuple(a * b for b in last.bias))], input_dim=net.input_dim)


def difference(f: Net, g: Net) -> Net:
    """x -> f(x) - g(x) (depths padded to the larger one)."""
    L = max(f.depth, g.depth)
    return add(pad_depth(f, L), scale(pad_depth(g, L), -1))


def identity(d: int, L: int) -> Net:
    """The identity of R^d as a depth-L ReLU network, via x = ReLU(x) - ReLU(-x) (width 2d)."""
    if d < 1 or L < 1:
        raise InputError(f"identity: need d >= 1 and L >= 1, got d={d}, L={L}")
    one, zero = Fraction(1), Fraction(0)
    I = [tuple(one if i == j else zero for j in range(d)) for i in range(d)]
    if L == 1:
        return Net([(I, [0] * d)])
    up = [r for r in I] + [tuple(-v for v in r) for r in I]                # x -> (x, -x)
    down = [tuple(r) + tuple(-v for v in r) for r in I]                     # (u, v) -> u - v
    mid = [tuple(one if i == j else zero for j in range(2 * d)) for i in range(2 * d)]
    return Net([(up, [0] * 2 * d)] + [(mid, [0] * 2 * d)] * (L - 2) + [(down, [0] * d)])


def pad_depth(net: Net, L: int) -> Net:
    """The same function with exactly L affine layers (L >= net.depth), padding after the output."""
    if L < net.depth:
        raise InputError(f"pad_depth: L={L} is less than the depth {net.depth}")
    return net if L == net.depth else compose(identity(net.output_dim, L - net.depth + 1), net)


def affine_pre(net: Net, A, b) -> Net:
    """x -> f(A x + b), merged into the first layer (depth unchanged)."""
    return compose(net, affine(A, b))


def affine_post(net: Net, A, b) -> Net:
    """x -> A f(x) + b, merged into the last layer (depth unchanged)."""
    return compose(affine(A, b), net)


def restrict(net: Net, box):
    """The net on the affine hull of a box: ``(g, free, sub_box)`` with ``free`` the axes where lo < hi,
    ``g(t) = net(x)`` for x with x_free = t and x_i = lo_i on the other axes, and ``sub_box`` the box's
    free intervals.  ``g`` is ``net`` itself when no axis is fixed, and None when every axis is (a point).
    Gradients of ``g`` are the gradients of ``net`` projected onto the hull (the fixed coordinates dropped)."""
    box = [(to_rational(lo, what="box lo"), to_rational(hi, what="box hi")) for lo, hi in box]
    if len(box) != net.input_dim:
        raise InputError(f"restrict: box has {len(box)} intervals, input dimension is {net.input_dim}")
    free = [i for i, (lo, hi) in enumerate(box) if lo < hi]
    if len(free) == net.input_dim:
        return net, free, tuple(box)
    if not free:
        return None, free, ()
    A = [[Fraction(int(i == j)) for j in free] for i in range(net.input_dim)]
    b = [Fraction(0) if i in free else box[i][0] for i in range(net.input_dim)]
    return affine_pre(net, A, b), free, tuple(box[i] for i in free)
