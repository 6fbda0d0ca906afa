"""The 1-D illustration of the reference repository, with the uniform error certified.

The reference code of Berner, Grohs and Voigtlaender (ICLR 2023) illustrates its point with one
1-D experiment: in its figure, a deep ReLU student trained with Adam/MSE on m = 1000 uniform samples
of the smooth target u(x) = log(sin(50 x) + 2) + sin(5 x) matches u almost everywhere, but has
narrow spikes between the samples.  Small average error, large uniform error.  This module trains
such a student, draws it, and certifies its uniform error: an interval [Lo, U] that provably
contains sup_{x in [-1/2, 1/2]} |S(x) - u(x)|, beside the reference code's sampled maximum.

Setting (the reference code's 1-D sine experiment): domain **[-1/2, 1/2]** (the code's, not the
paper's [0, 1]); student depth 22 (affine layers), width 50, input standardisation x * sqrt(12),
PyTorch's default initialization from a seeded generator; m = 1000 uniform samples, float64,
MSE, Adam, shuffled batches of 20, 5000 epochs, learning rate 1e-4 decaying exponentially per
epoch to 1e-6 (:data:`FULL`).  :data:`QUICK` is a smaller student trained for fewer epochs at a
larger rate (about 20 s of CPU here); the output says which was used.  Training is deterministic:
one thread, seeded generators, ``torch.use_deterministic_algorithms(True)``.

What is exact, and what is certified
------------------------------------
* **S is exact.**  The student is the exact rational network of its float64 weights
  (:func:`exactrelu.torchio.from_torch`).  :func:`exact_pieces` computes, layer by layer in exact
  integer arithmetic, knots lo = x_0 < ... < x_P = hi containing every breakpoint of every hidden
  neuron, and the exact values S(x_k).  Between consecutive knots S is affine,
  so S(x) at any rational x is exact by interpolation.  The checker has the trusted kernel
  (:mod:`exactrelu.kernel`) confirm both: the values (an ``eval`` check) and that no neuron
  changes sign strictly between consecutive knots (the ``knots`` leaf of a ``max_le`` check),
  which by induction over the layers makes S affine on every [x_k, x_{k+1}].
* **u is only enclosed.**  u is transcendental: at a point, and over an interval, it is known
  only to an interval, computed with ``mpmath.iv`` (interval arithmetic with outward rounding) at
  :data:`PRECISION` = 80 bits.  Rationals enter it through outward-rounded enclosures.  That
  mpmath's interval sin, cos and log enclose the true ranges is an assumption on mpmath, not
  something exactrelu proves (tests/test_illustration.py compares them with 40-digit values).

Why U is an upper bound.  The cells [c, d] returned by :func:`certify_sup` cover [lo, hi]
(checked: sorted, the first starts at lo, each starts where the previous ends, the last ends at
hi) and each lies inside one piece [x_k, x_{k+1}], where S(x) = S(t) + s (x - t) exactly (s the
piece's slope, t a point of the cell).  For x in [c, d], the mean value theorem gives
u(x) = u(t) + u'(xi) (x - t) with xi in [c, d], hence

    S(x) - u(x)  in  E(t) + (s - u'([c, d])) * [c - t, d - t]      (centred form)
    S(x) - u(x)  in  [min(S(c), S(d)), max(S(c), S(d))] - u([c, d])  (natural form)

where E(t) encloses S(t) - u(t) and u([c, d]), u'([c, d]) are interval enclosures of u and
u'(x) = 50 cos(50 x) / (sin(50 x) + 2) + 5 cos(5 x) over the cell.  Each form is an interval
containing every value of S - u on the cell (outward rounding keeps every enclosure valid), so
the smaller of their magnitudes bounds |S - u| on the cell, and U, the largest cell bound, bounds
it on the union of the cells, which is [lo, hi].  Why Lo is a lower bound: Lo is the lower end of
|E(w)| at the witness w, and sup |S - u| >= |S(w) - u(w)| >= Lo.

Refinement is best-first: the cell with the largest bound is split near its middle (at a dyadic
point, so interior endpoints stay short) until U - Lo <= gap * U, or a cell or time limit stops it
(the interval is then still certified, only wider; the result says why it stopped).  Candidate
witnesses are every cell's centre and every knot (spikes peak at knots).

This is **not a kernel certificate**: the kernel is rational-only by design, and u is not
rational.  The trusted parts (the knots, the exact values of S) go through the kernel;
the interval enclosures of u are mpmath's, and :func:`check` recomputes every one of them.
"""
from __future__ import annotations

import bisect
import heapq
import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..errors import CertificateRejected, InputError
from ..net import Net

__all__ = ["DOMAIN", "PRECISION", "Config", "FULL", "QUICK", "Target", "SINE", "train", "exact_pieces",
           "Cell", "SupBound", "certify_sup", "check", "sampled_max", "draw", "illustrate"]

#: The reference code's domain.
DOMAIN = (Fraction(-1, 2), Fraction(1, 2))
#: Bits of mpmath.iv's working precision for every enclosure of u.
PRECISION = 80
#: Default limits of the refinement.
MAX_CELLS = 200_000
TIME_LIMIT = 600.0


@dataclass(frozen=True)
class Config:
    """Student, samples and optimizer (defaults: the reference code's 1-D sine experiment)."""
    depth: int = 22                 # affine layers
    width: int = 50
    m: int = 1000                   # training samples
    batch_size: int = 20
    epochs: int = 5000
    lr: float = 1e-4
    lr_final: float = 1e-6          # ExponentialLR per epoch from lr to lr_final
    seed: int = 0
    n_sampled: int = 2**16          # random points of the sampled maximum
    label: str = "full"

    def describe(self) -> str:
        return (f"{self.label}: student depth {self.depth} width {self.width}, m = {self.m}, batch {self.batch_size}, "
                f"{self.epochs} epochs, Adam lr {self.lr:g} -> {self.lr_final:g}, seed {self.seed}")


#: The reference code's configuration (about 0.2 s per epoch measured here: some 17 minutes of training).
FULL = Config()
#: A shorter version (about 20 s of CPU for the training): a shallower student (depth 6; a depth-22 student
#: barely moves from its initialization in a few hundred epochs), 300 epochs at a larger rate.
QUICK = Config(depth=6, width=50, epochs=300, lr=3e-3, lr_final=3e-5, label="quick")


# -- the target --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """A smooth target: float64 values (numpy or torch), and interval enclosures of it and of its
    derivative over an ``mpmath.iv`` interval."""
    text: str
    f: object
    f_iv: object
    df_iv: object


def _sine_f(x, lib=np):
    return lib.log(lib.sin(50 * x) + 2) + lib.sin(5 * x)


def _sine_iv(X):
    from mpmath import iv
    return iv.log(iv.sin(50 * X) + 2) + iv.sin(5 * X)


def _sine_div(X):
    from mpmath import iv
    return 50 * iv.cos(50 * X) / (iv.sin(50 * X) + 2) + 5 * iv.cos(5 * X)


#: The reference code's target (from Adcock and Dexter, arXiv:2001.07523).
SINE = Target("log(sin(50x)+2)+sin(5x)", _sine_f, _sine_iv, _sine_div)


# -- training -----------------------------------------------------------------------------------

@contextmanager
def _deterministic():
    """One thread and torch's deterministic algorithms inside the block (both restored after)."""
    from ..torchio import single_thread
    with single_thread() as torch:
        old = torch.are_deterministic_algorithms_enabled()
        torch.use_deterministic_algorithms(True)
        try:
            yield torch
        finally:
            torch.use_deterministic_algorithms(old)


def train(config: Config = FULL, target: Target = SINE, *, tick=None):
    """Train the student; returns ``(module, X, Y, info)``, X the m float64 samples (uniform on
    [-1/2, 1/2)), Y the float64 target values.  Deterministic given ``config.seed``.  ``tick()``,
    when given, is called after every epoch (progress)."""
    from ..torchio import adam_mse_epochs, mlp
    rng = np.random.default_rng(config.seed)
    X = rng.random((config.m, 1)) - 0.5
    Y = target.f(X)
    t0 = time.perf_counter()
    with _deterministic() as torch:
        gen = torch.Generator().manual_seed(config.seed)
        dims = [1] + [config.width] * (config.depth - 1) + [1]
        model = mlp(dims, gen, input_scale=(math.sqrt(12.0), 0.0))
        Xt, Yt = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)
        gamma = (config.lr_final / config.lr) ** (1.0 / config.epochs)
        for _ in adam_mse_epochs(torch, model, Xt, Yt, epochs=config.epochs, lr=config.lr, gamma=gamma,
                                 batch_size=config.batch_size, generator=gen):
            if tick is not None:
                tick()
        model.eval()
        for p in model.parameters():
            p.requires_grad_(False)
        with torch.no_grad():
            mse = float(torch.mean((model(Xt) - Yt) ** 2))
    return model, X, Y, {"train_mse": mse, "seconds": time.perf_counter() - t0, "architecture": dims}


def sampled_max(model, n: int, seed: int, target: Target = SINE) -> dict:
    """The reference code's L-infinity error: max |S - u| over n uniform random points, float64
    (a Monte Carlo lower estimate); also the mean (L1) and root mean square (L2) errors."""
    X = np.random.default_rng([seed, 1]).random((n, 1)) - 0.5
    with _deterministic() as torch:
        Xt = torch.tensor(X, dtype=torch.float64)
        with torch.no_grad():
            e = (model(Xt) - target.f(Xt, torch)).abs().reshape(-1)
        i = int(torch.argmax(e))
        return {"max": float(e[i]), "at": float(X[i, 0]), "l1": float(e.mean()),
                "l2": float(torch.sqrt((e ** 2).mean())), "n": n}


# -- the student's exact pieces -----------------------------------------------------------------

def _int_layer(lay):
    """(integer weights, integer biases, e) with weight = W / 2^e, bias = b / 2^e (dyadic entries)."""
    dens = {v.denominator for v in lay.entries()}
    D = math.lcm(*dens)
    if D & (D - 1):
        raise InputError("exact_pieces: the network's entries must be dyadic (float64 weights)")
    e = D.bit_length() - 1
    W = [[int(w * D) for w in row] for row in lay.weight]
    return W, [int(v * D) for v in lay.bias], e


def exact_pieces(net: Net, lo: Fraction, hi: Fraction) -> tuple[list[Fraction], list[Fraction]]:
    """(knots, values): sorted exact knots lo = x_0 < ... < x_P = hi containing every breakpoint of
    every hidden neuron of ``net``, and net(x_k) exactly (d = 1, scalar output, dyadic entries:
    the exact Net of float64 weights).

    Layer by layer, every piece carries the exact affine forms (a x + b) / 2^E of the current
    layer's outputs, as integer columns of one python-flint matrix; one exact matrix product per
    layer gives the next pre-activations on every piece.  A neuron whose values at a piece's two
    ends have strictly opposite signs crosses zero once inside, at the rational -b / a, and the
    piece is split there.  (:func:`exactrelu.analysis.pl1d.knots` finds the same knots, in about
    the same time on deep float64 students since it splits their long integer weights into limbs.)"""
    import flint
    lo, hi = Fraction(lo), Fraction(hi)
    if net.input_dim != 1 or net.output_dim != 1 or not lo < hi:
        raise InputError("exact_pieces: needs d = 1, one output and lo < hi")
    xs = [lo, hi]
    cols = [[1, 0]]                     # per piece: (slopes..., intercepts...) of the current outputs
    E = 0
    for l, lay in enumerate(net.layers):
        W, b, e = _int_layer(lay)
        n_in, n_out = len(W[0]), len(W)
        M = flint.fmpz_mat(n_in, 2 * len(cols), [v for i in range(n_in) for c in cols for v in (c[i], c[n_in + i])])
        Z = (flint.fmpz_mat(W) * M).entries()
        width, shift = 2 * len(cols), 1 << E
        forms = [([Z[j * width + 2 * k] for j in range(n_out)],
                  [Z[j * width + 2 * k + 1] + b[j] * shift for j in range(n_out)]) for k in range(len(cols))]
        E += e
        if l == net.depth - 1:           # the output layer: values at the knots from the forms
            den = 1 << E
            vals = [Fraction(int(a[0]) * x.numerator + int(c[0]) * x.denominator, x.denominator * den)
                    for (a, c), x in zip(forms, xs)]
            a, c = forms[-1]
            return xs, vals + [Fraction(int(a[0]) * hi.numerator + int(c[0]) * hi.denominator, hi.denominator * den)]
        new_xs, new_cols = [xs[0]], []
        for (slope, icpt), x0, x1 in zip(forms, xs, xs[1:]):
            p0, q0, p1, q1 = x0.numerator, x0.denominator, x1.numerator, x1.denominator
            left = [a * p0 + c * q0 for a, c in zip(slope, icpt)]
            right = [a * p1 + c * q1 for a, c in zip(slope, icpt)]
            cross = sorted((Fraction(-int(icpt[j]), int(slope[j])), j) for j in range(n_out)
                           if (left[j] > 0 and right[j] < 0) or (left[j] < 0 and right[j] > 0))
            on = [left[j] > 0 or right[j] > 0 for j in range(n_out)]   # neurons without a crossing
            state = {j: left[j] > 0 for _, j in cross}                 # crossing neurons, left of it
            for r, j in cross + [(x1, None)]:
                if r != new_xs[-1]:      # (two neurons crossing at one point make no empty piece)
                    act = [state.get(i, on[i]) for i in range(n_out)]
                    new_cols.append([int(slope[i]) if act[i] else 0 for i in range(n_out)]
                                    + [int(icpt[i]) if act[i] else 0 for i in range(n_out)])
                    new_xs.append(r)
                if j is not None:
                    state[j] = not state[j]
        xs, cols = new_xs, new_cols
    raise AssertionError("unreachable")


# -- interval arithmetic -------------------------------------------------------------------------

@contextmanager
def _precision(bits: int):
    """mpmath.iv at ``bits`` of working precision inside the block (a global setting, restored)."""
    from mpmath import iv
    old = iv.prec
    iv.prec = bits
    try:
        yield iv
    finally:
        iv.prec = old


def _enclose(iv, a: Fraction, b: Fraction | None = None):
    """An mpmath.iv interval containing [a, b] (the point a when b is None), rounded outward."""
    from mpmath.libmp import from_rational, round_ceiling, round_floor
    b = a if b is None else b
    return iv.make_mpf((from_rational(a.numerator, a.denominator, iv.prec, round_floor),
                        from_rational(b.numerator, b.denominator, iv.prec, round_ceiling)))


def _ends(I) -> tuple[Fraction, Fraction]:
    """The exact (dyadic) ends of an mpmath.iv interval; an unbounded one is refused."""
    from mpmath.libmp import finf, fnan, fninf, to_rational
    out = []
    for v in I._mpi_:
        if v in (finf, fninf, fnan):
            raise InputError(f"the enclosure {I} of the error is not finite")
        out.append(Fraction(*to_rational(v)))
    return out[0], out[1]


def _point(iv, target, s_t: Fraction, t: Fraction):
    """An interval containing S(t) - u(t)."""
    return _enclose(iv, s_t) - target.f_iv(_enclose(iv, t))


def _cell_bound(iv, target, c, d, t, s_c, s_d, s_t, slope) -> tuple[Fraction, Fraction]:
    """(upper bound of |S - u| on [c, d], lower end of |S(t) - u(t)|): the module docstring's forms."""
    X = _enclose(iv, c, d)
    Et = _point(iv, target, s_t, t)
    centred = Et + (_enclose(iv, slope) - target.df_iv(X)) * _enclose(iv, c - t, d - t)
    natural = _enclose(iv, min(s_c, s_d), max(s_c, s_d)) - target.f_iv(X)
    return min(_ends(abs(centred))[1], _ends(abs(natural))[1]), _ends(abs(Et))[0]


def _split_point(c: Fraction, d: Fraction) -> Fraction:
    """A dyadic point of (c, d) within a quarter of its length of the middle."""
    w = d - c
    k = max(0, (4 * w.denominator // w.numerator).bit_length())   # 2^-k <= w / 4
    return Fraction(math.floor((c + d) / 2 * 2**k), 2**k)


# -- the certified sup ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """A sub-interval [lo, hi] of piece ``piece`` (between knots[piece] and knots[piece + 1]), its
    expansion point t, its bound ``upper`` on |S - u| and the lower end ``lower`` of |S(t) - u(t)|."""
    lo: Fraction
    hi: Fraction
    piece: int
    t: Fraction
    upper: Fraction
    lower: Fraction


@dataclass
class SupBound:
    """lower <= sup over the domain of |S - u| <= upper, with everything needed to check it."""
    lower: Fraction
    upper: Fraction
    witness: Fraction
    cells: list
    knots: list
    values: list
    gap: Fraction
    gap_met: bool
    reason: str
    precision: int = PRECISION
    target: Target = SINE
    seconds: float = 0.0
    domain: tuple = DOMAIN
    stats: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        from ..numbers import fmt
        return {"lower": fmt(self.lower), "upper": fmt(self.upper), "witness": [fmt(self.witness)],
                "lower_float": float(self.lower), "upper_float": float(self.upper),
                "witness_float": float(self.witness), "gap": fmt(self.gap), "gap_met": self.gap_met,
                "stopped": self.reason, "cells": len(self.cells), "pieces": len(self.knots) - 1,
                "precision_bits": self.precision, "domain": [fmt(v) for v in self.domain],
                "target": self.target.text}


def _value_at(knots, values, k: int, x: Fraction) -> Fraction:
    """S(x) for x in [knots[k], knots[k + 1]], by interpolation (S is affine there)."""
    x0, x1 = knots[k], knots[k + 1]
    return values[k] + (values[k + 1] - values[k]) * (x - x0) / (x1 - x0)


def _slope(knots, values, k: int) -> Fraction:
    return (values[k + 1] - values[k]) / (knots[k + 1] - knots[k])


def _make_cell(iv, target, knots, values, k, c, d) -> Cell:
    t = _split_point(c, d)
    sv = [_value_at(knots, values, k, x) for x in (c, d, t)]
    up, low = _cell_bound(iv, target, c, d, t, *sv, _slope(knots, values, k))
    return Cell(c, d, k, t, up, low)


def certify_sup(knots, values, *, target: Target = SINE, gap="1/1000", precision: int = PRECISION,
                max_cells: int = MAX_CELLS, time_limit: float = TIME_LIMIT) -> SupBound:
    """A certified interval [lower, upper] for sup |S - u| over [knots[0], knots[-1]], S the
    piecewise linear function with the exact ``values`` at the exact ``knots`` (see the module
    docstring; :func:`check` verifies the result).  Stops when upper - lower <= gap * upper, or at
    ``max_cells`` cells or ``time_limit`` seconds (``reason`` says which; the interval still holds)."""
    gap = Fraction(gap)
    if not 0 < gap < 1:
        raise InputError(f"gap={gap} must be > 0 and < 1")
    if len(knots) < 2 or len(values) != len(knots) or any(not a < b for a, b in zip(knots, knots[1:])):
        raise InputError("certify_sup: need increasing knots and one value per knot")
    t0 = time.perf_counter()
    with _precision(precision) as iv:
        heap, seq = [], 0
        best, witness = Fraction(-1), None
        for k, (x, v) in enumerate(zip(knots, values)):        # every knot is a candidate witness
            low = _ends(abs(_point(iv, target, v, x)))[0]
            if low > best:
                best, witness = low, x
        for k in range(len(knots) - 1):
            cell = _make_cell(iv, target, knots, values, k, knots[k], knots[k + 1])
            if cell.lower > best:
                best, witness = cell.lower, cell.t
            heap.append((-cell.upper, seq, cell))
            seq += 1
        heapq.heapify(heap)
        splits, reason = 0, "gap"
        while True:
            cell = heap[0][2]
            if cell.upper - best <= gap * cell.upper:
                break
            if len(heap) >= max_cells:
                reason = f"cell limit ({max_cells} cells)"
                break
            if time.perf_counter() - t0 > time_limit:
                reason = f"time limit ({time_limit:g} s)"
                break
            heapq.heappop(heap)
            for a, b in ((cell.lo, cell.t), (cell.t, cell.hi)):
                child = _make_cell(iv, target, knots, values, cell.piece, a, b)
                if child.lower > best:
                    best, witness = child.lower, child.t
                heapq.heappush(heap, (-child.upper, seq, child))
                seq += 1
            splits += 1
    cells = sorted((c for _, _, c in heap), key=lambda c: c.lo)
    upper = max(c.upper for c in cells)
    return SupBound(best, upper, witness, cells, list(knots), list(values), gap,
                    upper - best <= gap * upper, reason, precision, target, time.perf_counter() - t0,
                    (knots[0], knots[-1]), {"splits": splits})


def check(net: Net, bound: SupBound) -> dict:
    """Check every claim of ``bound`` about ``net`` or raise CertificateRejected.

    The kernel confirms the knot values and that S is affine between consecutive knots; then the
    cover (sorted, consecutive, from the domain's lower end to its upper end, each cell inside its
    piece), every cell bound (recomputed: the recorded one may not be smaller), U >= every cell
    bound, and Lo <= the recomputed lower end at the witness."""
    from .. import kernel
    lo, hi = bound.domain
    ks, vs = bound.knots, bound.values
    if len(ks) < 2 or ks[0] != lo or ks[-1] != hi or len(vs) != len(ks):
        raise CertificateRejected(f"illustration: knots must run from {lo} to {hi}, one value each")
    box = [(lo, hi)]
    kernel.check_eval(net, [(x,) for x in ks], [(v,) for v in vs])
    kernel.check_max_le(net, box, "max", max(vs), {"knots": ks[1:-1]})
    cells = bound.cells
    if not cells or cells[0].lo != lo or cells[-1].hi != hi:
        raise CertificateRejected(f"illustration: the cells do not cover [{lo}, {hi}] (ends "
                                  f"{cells[0].lo if cells else None}, {cells[-1].hi if cells else None})")
    with _precision(bound.precision) as iv:
        for i, c in enumerate(cells):
            if i and c.lo != cells[i - 1].hi:
                raise CertificateRejected(f"illustration: cell {i} starts at {c.lo}, the previous one ends at "
                                          f"{cells[i - 1].hi} (a gap or an overlap in the cover)")
            if not (0 <= c.piece < len(ks) - 1 and ks[c.piece] <= c.lo < c.hi <= ks[c.piece + 1]
                    and c.lo <= c.t <= c.hi):
                raise CertificateRejected(f"illustration: cell {i} [{c.lo}, {c.hi}] is not inside piece {c.piece}")
            again = _make_cell(iv, bound.target, ks, vs, c.piece, c.lo, c.hi) if c.t == _split_point(c.lo, c.hi) \
                else None
            if again is None or c.upper < again.upper:
                raise CertificateRejected(f"illustration: cell {i} [{float(c.lo)}, {float(c.hi)}] claims |S - u| <= "
                                          f"{float(c.upper)}, the recomputed bound is "
                                          f"{float(again.upper) if again else 'for another point'}")
            if c.upper > bound.upper:
                raise CertificateRejected(f"illustration: cell {i} bound {float(c.upper)} exceeds upper = "
                                          f"{float(bound.upper)}")
        w = bound.witness
        k = min(max(bisect.bisect_right(ks, w) - 1, 0), len(ks) - 2)
        if not lo <= w <= hi:
            raise CertificateRejected(f"illustration: witness {w} outside [{lo}, {hi}]")
        at_w = _ends(abs(_point(iv, bound.target, _value_at(ks, vs, k, w), w)))[0]
    if bound.lower > at_w:
        raise CertificateRejected(f"illustration: lower = {float(bound.lower)} exceeds the certified lower end "
                                  f"{float(at_w)} of |S - u| at the witness")
    return {"cells": len(cells), "knots": len(ks),
            "statement": f"{float(bound.lower):.9g} <= max over [{lo}, {hi}] of |S - u| <= {float(bound.upper):.9g}"}


# -- the figure ---------------------------------------------------------------------------------

def draw(path, *, X, Y, knots, values, bound: SupBound, sampled: dict, config: Config, target: Target = SINE):
    """The figure (PNG, or any format matplotlib knows by the suffix), written atomically: the target
    and the student over the domain with the training samples and a zoom on the worst spike; below,
    |S - u| with the sampled maximum and the certified interval [Lo, U] at the witness."""
    try:
        import matplotlib
    except ImportError:
        raise InputError("matplotlib is not installed: pip install 'exactrelu[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.patches  # noqa: F401
    import matplotlib.pyplot as plt
    from ..io import write_atomic

    kx = np.array([float(v) for v in knots])
    ky = np.array([float(v) for v in values])
    lo, hi = float(bound.domain[0]), float(bound.domain[1])
    grid = np.union1d(np.linspace(lo, hi, 20001), kx)
    s_grid, u_grid = np.interp(grid, kx, ky), target.f(grid)
    w = float(bound.witness)
    sw, uw = float(np.interp(w, kx, ky)), float(target.f(np.array(w)))
    Lo, U = float(bound.lower), float(bound.upper)
    xs_max = sampled["at"]

    fig = plt.figure(figsize=(13, 8.5), constrained_layout=True)
    gs = fig.add_gridspec(2, 2, width_ratios=[2.3, 1], height_ratios=[3, 2])
    top, ins, bot = fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[0, 1]), fig.add_subplot(gs[1, :])
    top.plot(grid, u_grid, color="tab:blue", lw=1.4, label=f"target u(x) = {target.text}")
    top.plot(grid, s_grid, color="tab:orange", lw=0.9, label=f"student S ({len(knots) - 1} exact linear pieces)")
    top.scatter(X[:, 0], Y[:, 0], s=2, color="black", alpha=0.5, lw=0, zorder=3, label=f"{config.m} training samples")
    top.plot([w, w], [uw, sw], color="red", lw=2.2, zorder=4, label=f"|S - u| at the witness x* = {w:.6g}")
    top.set_xlim(lo, hi)
    top.set_xlabel("x")
    top.set_title(f"{config.label}: {config.describe().split(': ', 1)[1]}", fontsize=10)
    top.legend(loc="lower left", fontsize=8.5, framealpha=0.9)

    half = max(6.0 / config.m, 4 * float(np.diff(kx).min(initial=1.0)))
    zlo, zhi = max(lo, w - half), min(hi, w + half)
    zg = np.union1d(np.linspace(zlo, zhi, 801), kx[(kx > zlo) & (kx < zhi)])
    ins.plot(zg, target.f(zg), color="tab:blue", lw=1.6, label="u")
    ins.plot(zg, np.interp(zg, kx, ky), color="tab:orange", lw=1.2, label="S")
    inside = (kx >= zlo) & (kx <= zhi)
    if inside.sum() <= 200:
        ins.plot(kx[inside], ky[inside], ".", color="tab:orange", ms=4, label="knots of S")
    near = (X[:, 0] >= zlo) & (X[:, 0] <= zhi)
    ins.scatter(X[near, 0], Y[near, 0], s=22, color="black", zorder=3, label="training samples")
    ins.plot([w, w], [uw, sw], color="red", lw=2.4, zorder=4,
             label=f"certified sup |S - u|\nin [{Lo:.6g}, {U:.6g}]")
    ins.set_xlim(zlo, zhi)
    ins.set_xlabel("x")
    ins.set_title(f"zoom on the worst error, x in [{zlo:.4f}, {zhi:.4f}]", fontsize=10)
    ins.legend(fontsize=8, framealpha=0.9)
    ylo, yhi = ins.get_ylim()
    top.add_patch(matplotlib.patches.Rectangle((zlo, ylo), zhi - zlo, yhi - ylo, fill=False, edgecolor="red",
                                               lw=0.8, zorder=5))

    err = np.maximum(np.abs(s_grid - u_grid), 1e-12)
    bot.semilogy(grid, err, color="tab:gray", lw=0.7, label="|S - u| (exact pieces of S, float64 u)")
    bot.axhline(sampled["max"], color="tab:green", ls="--", lw=1.2,
                label=f"sampled max over {sampled['n']} random points = {sampled['max']:.6g} (at x = {xs_max:.4f})")
    bot.axhspan(Lo, U, color="red", alpha=0.35)
    bot.axhline(U, color="red", lw=1.2, label=f"certified sup in [{Lo:.6g}, {U:.6g}]: "
                                               f"{Lo / sampled['max']:.6g} x the sampled max")
    bot.plot([xs_max], [sampled["max"]], "o", color="tab:green", ms=5)
    bot.plot([w], [Lo], "o", color="red", ms=5)
    bot.axhline(sampled["l1"], color="tab:purple", ls=":", lw=1.2, label=f"mean error (L1) = {sampled['l1']:.3g}")
    bot.set_xlim(lo, hi)
    bot.set_ylim(max(err.min(), U * 1e-6), U * 3)
    bot.set_xlabel("x")
    bot.set_ylabel("|S(x) - u(x)|")
    bot.set_title("small average error, large uniform error: the uniform error certified over the whole interval",
                  fontsize=10)
    bot.legend(loc="lower left", fontsize=8.5, framealpha=0.9)
    ext = str(path).rsplit(".", 1)[-1].lower() if "." in str(path) else "png"
    try:
        write_atomic(path, lambda f: fig.savefig(f, format=ext, dpi=130))
    finally:
        plt.close(fig)


# -- all of it ----------------------------------------------------------------------------------

def illustrate(config: Config = FULL, out_dir=None, *, gap="1/1000", target: Target = SINE,
               max_cells: int = MAX_CELLS, time_limit: float = TIME_LIMIT, log=None, progress: bool = False) -> dict:
    """Train, sample, certify, check, draw.  Writes ``illustration-<label>.png`` (the figure),
    ``student-<label>.json`` (the exact student) and ``illustration-<label>.json`` (the numbers)
    into ``out_dir``, which must exist (default ``results/illustration``, created); returns the numbers.
    ``log(text)`` gets progress lines; ``progress``: a bar over the training epochs on stderr."""
    import json
    from pathlib import Path
    from ..io import save_net, write_atomic
    from ..numbers import fmt
    from ..torchio import from_torch
    log = log or (lambda text: None)
    if out_dir is None:
        out = Path("results") / "illustration"
        out.mkdir(parents=True, exist_ok=True)
    else:
        out = Path(out_dir)
        if not out.is_dir():
            raise InputError(f"-o {out}: {'is a file, not a folder' if out.exists() else 'no such folder'}")
    gap = Fraction(gap)
    if not 0 < gap < 1:
        raise InputError(f"--gap={gap} must be > 0 and < 1")
    t0 = time.perf_counter()
    log(f"training the student ({config.describe()})")
    from ..progress import Progress
    with Progress("training", total=config.epochs, enabled=progress, unit="epoch") as bar:
        model, X, Y, info = train(config, target, tick=bar.update)
    sampled = sampled_max(model, config.n_sampled, config.seed, target)
    S = from_torch(model, domain=(DOMAIN,))
    t1 = time.perf_counter()
    knots, values = exact_pieces(S, *DOMAIN)
    log(f"{len(knots) - 1} exact linear pieces in {time.perf_counter() - t1:.1f} s; certifying the sup")
    bound = certify_sup(knots, values, target=target, gap=gap, max_cells=max_cells, time_limit=time_limit)
    t2 = time.perf_counter()
    checked = check(S, bound)
    t_check = time.perf_counter() - t2
    name = config.label
    fig = out / f"illustration-{name}.png"
    draw(fig, X=X, Y=Y, knots=knots, values=values, bound=bound, sampled=sampled, config=config, target=target)
    save_net(S, out / f"student-{name}.json")
    result = {"lower": fmt(bound.lower), "upper": fmt(bound.upper), "witness": [fmt(bound.witness)],
              "sampled": sampled["max"], "ratio": float(bound.lower) / sampled["max"],
              "ratio_upper": float(bound.upper) / sampled["max"], "sampled_at": sampled["at"],
              "sampled_points": sampled["n"], "l1": sampled["l1"], "l2": sampled["l2"],
              **{k: v for k, v in bound.to_json().items() if k not in ("lower", "upper", "witness")},
              "checked": checked["statement"], "config": {**config.__dict__}, "train": info,
              "figure": str(fig), "student": str(out / f"student-{name}.json"),
              "numbers": str(out / f"illustration-{name}.json"),
              "seconds": {"train": info["seconds"], "pieces": t2 - t1 - bound.seconds, "certify": bound.seconds,
                          "check": t_check, "total": time.perf_counter() - t0}}
    write_atomic(result["numbers"], json.dumps(result, indent=1) + "\n")
    return result


def command(args) -> int:
    """``exactrelu sweep illustrate [-o DIR] [--quick] [--gap G] [--json]``."""
    import json
    import sys
    from ..numbers import to_rational
    gap = to_rational(args.gap, what="--gap")
    if not 0 < gap < 1:
        raise InputError(f"--gap={args.gap} must be > 0 and < 1")
    config = QUICK if args.quick else FULL
    from ..progress import wanted
    r = illustrate(config, args.output, gap=gap, log=None if args.json else lambda t: print(t, file=sys.stderr),
                   progress=wanted(None, json=args.json))
    if args.json:
        print(json.dumps(r))
        return 0
    print(f"1-D illustration, {config.describe()}"
          + ("  [quick: not the reference code's student; run without --quick for it]" if args.quick else ""))
    print(f"target u(x) = {r['target']} on [-1/2, 1/2]; trained in {r['train']['seconds']:.0f} s, "
          f"training MSE {r['train']['train_mse']:.3g}")
    print(f"sampled over {r['sampled_points']} random points (float64): max |S - u| = {r['sampled']:.6g} at "
          f"x = {r['sampled_at']:.6f}; mean {r['l1']:.3g} (L1), rms {r['l2']:.3g} (L2)")
    print(f"certified: {r['lower_float']:.9g} <= sup over [-1/2, 1/2] of |S - u| <= {r['upper_float']:.9g}, "
          f"witness x* = {r['witness_float']:.9g} ({r['pieces']} exact linear pieces, {r['cells']} cells, "
          f"mpmath.iv at {r['precision_bits']} bits; "
          + ("gap met)" if r["gap_met"] else f"gap {r['gap']} not met, stopped: {r['stopped']})"))
    where = "below" if r["sampled"] < r["lower_float"] else "inside"
    print(f"certified lower / sampled maximum = {r['ratio']:.6g}, upper / sampled = {r['ratio_upper']:.6g}: "
          f"the sampled maximum lies {where} the certified interval")
    print(f"figure {r['figure']}, student {r['student']}, numbers {r['numbers']}")
    return 0
