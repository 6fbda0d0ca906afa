"""Learning algorithms as callables ``learner(oracle, m, d, rng) -> predictor``.

The lower bound of Berner, Grohs, Voigtlaender (ICLR 2023) holds for *any* algorithm that
sees its target only through point samples, adaptively and with randomness (docs/derivations.md §1).
These are concrete ones to play against the adversary (:mod:`exactrelu.learning.adversary`):

================== =======================================================================
``a_star``          A*: piecewise-constant interpolation on the n^d cell centres (docs/derivations.md §5),
                    deterministic, non-adaptive (wraps :func:`~exactrelu.learning.interpolation.a_star`)
``nearest_neighbour`` m uniform random points; predicts the answer at the nearest one (l2, exact)
``least_squares``   m uniform random points; exact ridge least squares (lambda = 2^-20) on the
                    feature basis 1, x_i, (x_i - k/4)_+ (k = 1, 2, 3); the predictor is an exact
                    depth-2 ReLU network
``adaptive``        greedy dyadic refinement: splits the cell whose answers vary most (ties by
                    volume, then by a random key), predicts the value at the leaf cell's centre
``adam``            a small ReLU network d-8-8-1 trained with Adam (float64 torch, full batch,
                    MSE, exponentially decaying learning rate) on m uniform random points;
                    needs the ``train`` extra
================== =======================================================================

Contract.  ``oracle(x)`` answers u(x) exactly (a Fraction) and refuses more than its budget
(:class:`~exactrelu.learning.oracle.SampleOracle`); ``rng`` is a ``numpy.random.Generator``,
the learner's only source of randomness (a learner must not touch global random state, so
that the same seed and the same answers give the same predictor bit for bit).  A predictor is
an exact :class:`~exactrelu.net.Net`, a torch module (read exactly by
:func:`exactrelu.torchio.from_torch`), or a callable on exact points returning an exact number
or a float (a float is read as the dyadic rational it is).  Random points are float64 draws in
[0, 1)^d, read exactly.

>>> import numpy as np
>>> from exactrelu.learning.oracle import SampleOracle
>>> o = SampleOracle(lambda x: x[0], budget=8, d=1)
>>> P = nearest_neighbour(o, 8, 1, np.random.default_rng(0))
>>> o.used, P(o.queries[3]) == o.queries[3][0]
(8, True)
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..errors import InputError
from ..net import Net

__all__ = ["LEARNERS", "get_learner", "a_star", "nearest_neighbour", "least_squares", "adaptive",
           "adam", "random_points", "NearestNeighbour", "AdaptivePredictor", "hinge_features_net",
           "RIDGE", "HINGE_KNOTS", "ADAPTIVE_FLOOR"]

#: Ridge parameter of ``least_squares``: keeps the normal equations invertible for any sample.
RIDGE = Fraction(1, 2**20)
#: Priority of a cell whose answers do not vary, relative to one with spread 1 (adaptive).
ADAPTIVE_FLOOR = Fraction(1, 64)
#: Knots of the hinge features (x_i - t)_+ of ``least_squares``.
HINGE_KNOTS = (Fraction(1, 4), Fraction(1, 2), Fraction(3, 4))


def random_points(rng, n: int, d: int) -> list[tuple[Fraction, ...]]:
    """n uniform float64 points of [0, 1)^d from ``rng``, as exact Fractions."""
    X = rng.random((n, d))
    return [tuple(Fraction(float(v)) for v in row) for row in X]


# -- A* -------------------------------------------------------------------------------------------

def a_star(oracle, m: int, d: int, rng=None):
    """A* (docs/derivations.md §5): the n^d cell centres, n = floor(m^(1/d)); deterministic, ignores ``rng``."""
    from .interpolation import a_star as _a_star
    return _a_star(oracle, m, d)


# -- nearest neighbour ----------------------------------------------------------------------------

@dataclass(frozen=True)
class NearestNeighbour:
    """Predicts the answer at the nearest sample point (squared l2 distance, exact; ties: first)."""
    points: tuple
    values: tuple

    def __call__(self, x) -> Fraction:
        x = tuple(Fraction(v) for v in x)
        best, val = None, Fraction(0)
        for p, v in zip(self.points, self.values):
            dist = sum(((a - b) ** 2 for a, b in zip(p, x)), Fraction(0))
            if best is None or dist < best:
                best, val = dist, v
        return val

    def fingerprint(self):
        return (self.points, self.values)


def nearest_neighbour(oracle, m: int, d: int, rng) -> NearestNeighbour:
    """m uniform random points, then nearest-neighbour prediction."""
    pts = random_points(rng, m, d)
    return NearestNeighbour(tuple(pts), tuple(oracle(p) for p in pts))


# -- least squares on a small feature basis ------------------------------------------------------

def _features(x) -> list[Fraction]:
    f = [Fraction(1)]
    for v in x:
        f.append(v)
        f += [max(v - t, Fraction(0)) for t in HINGE_KNOTS]
    return f


def hinge_features_net(coef, d: int) -> Net:
    """The exact depth-2 ReLU network of sum_k coef_k feature_k(x), valid on all of R^d.

    x_i is realized as (x_i)_+ - (-x_i)_+, each hinge as one neuron (x_i - t)_+."""
    coef = [Fraction(c) for c in coef]
    per = 1 + len(HINGE_KNOTS)
    W1, b1, out = [], [], []
    for i in range(d):
        e = [Fraction(0)] * d
        e[i] = Fraction(1)
        a = coef[1 + i * per]
        W1 += [list(e), [-v for v in e]]
        b1 += [Fraction(0), Fraction(0)]
        out += [a, -a]
        for k, t in enumerate(HINGE_KNOTS):
            W1.append(list(e))
            b1.append(-t)
            out.append(coef[1 + i * per + 1 + k])
    return Net([(W1, b1), ([out], [coef[0]])], input_dim=d)


def least_squares(oracle, m: int, d: int, rng) -> Net:
    """m uniform random points; exact ridge regression on the hinge basis; an exact Net."""
    import flint
    pts = random_points(rng, m, d)
    ys = [oracle(p) for p in pts]
    F = [_features(p) for p in pts]
    k = len(F[0])
    G = [[sum((row[i] * row[j] for row in F), Fraction(0)) + (RIDGE if i == j else 0) for j in range(k)]
         for i in range(k)]
    r = [sum((row[i] * y for row, y in zip(F, ys)), Fraction(0)) for i in range(k)]
    q = lambda v: flint.fmpq(v.numerator, v.denominator)  # noqa: E731
    sol = flint.fmpq_mat(k, k, [q(v) for row in G for v in row]).solve(flint.fmpq_mat(k, 1, [q(v) for v in r]))
    coef = [Fraction(int(sol[i, 0].p), int(sol[i, 0].q)) for i in range(k)]
    return hinge_features_net(coef, d)


# -- adaptive refinement -------------------------------------------------------------------------

@dataclass(eq=False)
class _Cell:
    box: tuple            # ((lo, hi), ...)
    value: Fraction       # u at the centre
    spread: Fraction      # how much the answers vary around this cell (0 at the root)
    key: float            # random tie-break, drawn when the cell is made
    axis: int = -1        # split axis once split
    children: tuple = ()


def _centre(box):
    return tuple((lo + hi) / 2 for lo, hi in box)


def _volume(box) -> Fraction:
    v = Fraction(1)
    for lo, hi in box:
        v *= hi - lo
    return v


class AdaptivePredictor:
    """Piecewise constant on the leaf cells of the refinement tree (value at the leaf's centre)."""

    def __init__(self, root: _Cell):
        self.root = root

    def __call__(self, x) -> Fraction:
        x = tuple(Fraction(v) for v in x)
        c = self.root
        while c.children:
            lo, hi = c.box[c.axis]
            c = c.children[0] if x[c.axis] < (lo + hi) / 2 else c.children[1]
        return c.value

    def leaves(self):
        stack = [self.root]
        while stack:
            c = stack.pop()
            if c.children:
                stack.extend(c.children)
            else:
                yield c

    def fingerprint(self):
        def walk(c):
            return (c.box, c.value, c.axis, tuple(walk(k) for k in c.children))
        return walk(self.root)


def adaptive(oracle, m: int, d: int, rng) -> AdaptivePredictor:
    """Greedy refinement: query the centre of [0,1]^d, then repeatedly split the leaf with the
    largest ((ADAPTIVE_FLOOR + spread) * volume, volume, random key) along its longest axis and query both halves'
    centres.  ``spread`` of a child is |u(child) - u(parent)| + |u(sibling) - u(parent)|, so the
    samples crowd where the answers change.  On u = 0 every spread is 0: the refinement is by
    volume with random tie-breaks, deterministic given the seed."""
    box = tuple((Fraction(0), Fraction(1)) for _ in range(d))
    root = _Cell(box, oracle(_centre(box)), Fraction(0), float(rng.random()))
    leaves = [root]
    while oracle.remaining >= 2:
        def score(c):
            v = _volume(c.box)
            return ((ADAPTIVE_FLOOR + c.spread) * v, v, c.key)
        c = max(leaves, key=score)
        widths = [hi - lo for lo, hi in c.box]
        c.axis = widths.index(max(widths))
        lo, hi = c.box[c.axis]
        mid = (lo + hi) / 2
        halves = []
        for a, b in ((lo, mid), (mid, hi)):
            sub = list(c.box)
            sub[c.axis] = (a, b)
            halves.append(tuple(sub))
        vals = [oracle(_centre(h)) for h in halves]
        spread = abs(vals[0] - c.value) + abs(vals[1] - c.value)
        c.children = tuple(_Cell(h, v, spread, float(rng.random())) for h, v in zip(halves, vals))
        leaves.remove(c)
        leaves.extend(c.children)
    return AdaptivePredictor(root)


# -- a ReLU network trained with Adam --------------------------------------------------------------

def adam(oracle, m: int, d: int, rng, *, width: int = 8, depth: int = 3, epochs: int = 300,
         lr: float = 1e-2, lr_end: float = 1e-4):
    """A d-width-...-1 ReLU network (``depth`` affine layers) trained with full-batch Adam on m
    uniform random samples, float64, MSE loss, learning rate decaying exponentially from ``lr``
    to ``lr_end`` (the reference code's schedule, docs/derivations.md §11, scaled down).  Initialization
    U[-1/sqrt(fan_in), 1/sqrt(fan_in)] from a torch Generator seeded by ``rng``: no global state."""
    from ..torchio import single_thread
    with single_thread() as torch:
        return _train_adam(torch, oracle, m, d, rng, width, depth, epochs, lr, lr_end)


def _train_adam(torch, oracle, m, d, rng, width, depth, epochs, lr, lr_end):
    pts = random_points(rng, m, d)
    ys = [oracle(p) for p in pts]
    from ..torchio import fit_mse_adam, mlp
    gen = torch.Generator().manual_seed(int(rng.integers(0, 2**62)))
    model = mlp([d] + [width] * (depth - 1) + [1], gen)
    X = torch.tensor([[float(v) for v in p] for p in pts], dtype=torch.float64)
    Y = torch.tensor([[float(v)] for v in ys], dtype=torch.float64)
    return fit_mse_adam(torch, model, X, Y, epochs=epochs, lr=lr, gamma=(lr_end / lr) ** (1.0 / max(epochs, 1)))


LEARNERS = {"a_star": a_star, "nearest_neighbour": nearest_neighbour, "least_squares": least_squares,
            "adaptive": adaptive, "adam": adam}
#: Learners that need the ``train`` extra (torch).
NEEDS_TORCH = ("adam",)


def get_learner(name: str):
    """The shipped learner called ``name``; InputError naming the choices otherwise."""
    if name not in LEARNERS:
        raise InputError(f"--learner {name!r} is unknown; choose one of {', '.join(LEARNERS)}")
    return LEARNERS[name]
