"""Batched exact evaluation of ReLU networks, and the float64 twin with a rigorous error bound.

:func:`evaluate_batch` returns, for many points at once, exactly what
:func:`exactrelu.kernel.evaluate` returns point by point.  :func:`evaluate_scaled` returns the
same values as an integer numerator matrix over one common denominator (no Fraction built).
:func:`evaluate_float_with_bound` returns the float64 twin's outputs with a proven bound on
their distance to the exact ones.

How the exact engine works
--------------------------
*Integers, one denominator per row.*  Coordinate j of every point is ``X_j / S_j`` (``S_j``
the lcm of that coordinate's denominators).  If a layer's inputs are ``a_j = A_j / S_j`` with
integers ``A_j``, its row i is ``z_i = Z_i / T_i`` with ``T_i`` the lcm of the denominators
of ``W_ij / S_j`` and ``b_i``, ``Z_i = sum_j C_ij A_j + c_i``, ``C_ij = W_ij T_i / S_j`` and
``c_i = b_i T_i`` integers.  ReLU is ``max(Z, 0)`` on integers, and ``T`` is the next layer's
``S``.  This holds for any rationals (the paper's dyadic k/2^e are one case).

*An exact bound, then the fastest safe path.*  With ``m_j`` the exact max of ``|A_j|`` over
the chunk, ``B_i = sum_j |C_ij| m_j + |c_i|`` (Python ints) bounds every product and every
partial sum of row i, whatever the summation order.  Each layer takes the first allowed path
whose guard the bound proves:

- ``float64``, ``B < 2^53``: one BLAS product; every intermediate is an integer a float64
  holds, so nothing rounds;
- ``int64``, ``B < 2^62``: the activations split into two limbs, two float64 BLAS products
  (each provably < 2^53), recombined in int64 (numpy's int64 matmul when the coefficients
  are too large to split);
- ``bigint``, any size: residues modulo word-size primes p (about 2^24.5, so that a row of
  products stays below 2^52 and each float64 product per prime is exact).  ReLU needs signs:
  a floating CRT estimate of ``x / M`` has a proven error ``eps`` and certifies the sign of
  every entry with ``|estimate| > eps``; the rest (exact zeros at kinks, near-zeros) are
  reconstructed exactly.  Outputs are reconstructed exactly.  Beyond 2^14 bits the bound
  switches this path to products of Python integers: residues of a b-bit integer modulo the
  ~b/25 primes cost ~b^2/400 operations each, a product by a small integer ~b (10^5-digit
  weights: 0.4 s instead of hours and gigabytes).

No fast path is ever taken on a guess.  Points go through in chunks (16384 points for the
machine-word paths, fewer when residues are needed) so memory stays bounded.

Measured alternatives
---------------------
Process CPU time, BLAS on one thread, on the project's 2-core machine (shared, so CPU time
rather than wall time); ref-net and ref-net-nondyadic of
docs/benchmarks.md (built by bench/exact_eval.py); Fractions in, Fractions out.

====================================================  ===============  ==================
design                                                ref-net, 10^5    nondyadic, 2000
====================================================  ===============  ==================
this module                                           560-620k pts/s   19-21k pts/s
  the same, forced to ``paths=("bigint",)``           ~190k            ~17k
  one common denominator per layer instead of per     same (all rows   ~11k (integers of
  row                                                 are 2^18 etc.)   272..1460 bits, not
                                                                       44..1009)
  one modulus for every row in the sign estimate      --               half the hidden
                                                                       entries uncertain
                                                                       (per row: none)
python-flint ``fmpz_mat`` products on the same        ~22k (ReLU loop  ~6k (products
  integers, ReLU by a Python loop over the entries    76% of it)       58% of it)
python-flint ``fmpq_mat``, Python-loop ReLU           ~11k             ~1.6k
  (the baseline of bench/exact_eval.py)
numpy float64 (inexact; the limit)                    1.3-2.1M         ~2.7M
====================================================  ===============  ==================

Smaller choices, measured the same way:

- numpy's int64 matmul has no BLAS: 150 ms for a 32x32 layer on 10^5 points against 37 ms
  for the two-limb float64 product.  On whole nets with one or two such layers the gain is
  smaller (depth-7 width-32 dyadic net: 200k -> 214k pts/s; bigint path instead: 197k).
- Limbs instead of residues for big integers: a layer with 300-bit coefficients and 800-bit
  activations needs ~13 x 35 products of float64-safe 23-bit limbs, against 42 products for
  the residues: ~10x the BLAS work, before the carries.
- Dividing row i of the activations by gcd(row, T_i): on ref-net the gcd is 1 except on
  dead rows; on ref-net-nondyadic it saves a median ~20 of ~800 bits, and residues cannot
  see it.  Not kept.
- Output Fractions: ``Fraction(n, d)`` 68 ms per 10^5, from coprime pairs 27 ms; the cyclic
  GC paused meanwhile: 113 ms -> 48 ms for the whole step (see :func:`_to_fractions`).
- Input: Fraction slots rather than properties, 45 -> 27 ms per 4 x 10^5 coordinates.
- BLAS threads: on this 2-core machine two OpenBLAS threads made every product here slower
  (the two-limb product 37 -> 70 ms wall), and under load from other jobs up to 100x slower
  (the big-integer path's small products): set ``OPENBLAS_NUM_THREADS=1`` on such machines.
"""
from __future__ import annotations

import gc
import math
import operator
from bisect import bisect_left
from dataclasses import dataclass, field
from fractions import Fraction
from operator import attrgetter, mul

import numpy as np

from .errors import DomainMismatch, InputError
from .net import Net

__all__ = ["PATHS", "EvalStats", "ScaledOutputs", "evaluate_batch", "evaluate_scaled",
           "evaluate_float_with_bound"]

#: The arithmetic paths, fastest first.  ``bigint`` is always allowed: it is exact at any size.
PATHS = ("float64", "int64", "bigint")

_F64 = 1 << 53        # float64 holds every integer of magnitude <= 2^53
_I64 = 1 << 63        # int64 holds every integer of magnitude < 2^63
_I62 = 1 << 62        # guard of the int64 path: leaves 2^53 of room for its limb recombination
_CHUNK = 1 << 14      # points per chunk on the machine-word paths
_WORK_BYTES = 1 << 26  # working-set target that sizes the chunks of the big-integer path
_DIRECT_BITS = 1 << 14  # bounds beyond this many bits: Python-integer products, not residues
_NUM, _DEN = attrgetter("_numerator"), attrgetter("_denominator")  # Fraction's slots


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------

@dataclass
class EvalStats:
    """What the engine did (pass one to an evaluation; tests and benchmarks read it).

    Attributes
    ----------
    layers : list of (layer index, path, bit length of the exact bound), one per layer per chunk.
    ambiguous : hidden entries of the big-integer path whose sign the floating CRT estimate
        left open, settled by exact reconstruction.
    chunks : number of chunks of points.
    """
    layers: list = field(default_factory=list)
    ambiguous: int = 0
    chunks: int = 0

    def paths_used(self) -> set:
        """The paths taken by any layer of any chunk."""
        return {p for _, p, _ in self.layers}


@dataclass(frozen=True)
class ScaledOutputs:
    """Exact outputs as integers over one common denominator.

    Attributes
    ----------
    numerators : ndarray, shape (N, out)
        ``int64`` when every value fits, else ``object`` (Python ints).
    denominator : int
        Positive; output i at point k is ``numerators[k, i] / denominator`` (not reduced).
        So signs, and comparisons between outputs of one network, read off the numerators.
    """
    numerators: np.ndarray
    denominator: int

    def fractions(self) -> list[tuple[Fraction, ...]]:
        """The outputs as tuples of reduced Fractions, one tuple per point."""
        return _to_fractions(self.numerators, [self.denominator] * self.numerators.shape[1])


def evaluate_batch(net: Net, points, *, paths=PATHS, stats: EvalStats | None = None
                   ) -> list[tuple[Fraction, ...]]:
    """Exact outputs of ``net`` at many points: ``[kernel.evaluate(net, x) for x in points]``.

    Parameters
    ----------
    net : Net
    points : sequence of points, each a sequence of ``input_dim`` ints or Fractions.
    paths : the arithmetic paths the engine may use (see :data:`PATHS`); ``bigint`` is used
        wherever no allowed faster path is proven safe.  Tests restrict it to force a path.
    stats : an :class:`EvalStats` to fill in, optional.

    Returns
    -------
    list of tuples of Fraction, one tuple (one entry per output) per point.

    Raises
    ------
    InputError
        A point of the wrong dimension or with a non-rational coordinate (message names it).
    DomainMismatch
        A float coordinate: evaluate the float64 twin instead, or give exact values.

    Examples
    --------
    >>> net = Net([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])   # |x|
    >>> evaluate_batch(net, [(Fraction(-3, 4),), (2,)])
    [(Fraction(3, 4),), (Fraction(2, 1),)]
    """
    Z, T = _evaluate(net, points, paths, stats)
    return _to_fractions(Z, T)


def evaluate_scaled(net: Net, points, *, paths=PATHS, stats: EvalStats | None = None) -> ScaledOutputs:
    """Exact outputs as an integer matrix over one common denominator, building no Fraction.

    For callers that only need signs or comparisons (a sup search, a sign pattern, a count
    of points above a level): ``numerators[k, i] > 0`` iff output i is positive at point k.
    Parameters as :func:`evaluate_batch`.

    >>> net = Net([([[1], [-1]], [0, 0]), ([[1, 1]], ["-1/2"])])   # |x| - 1/2
    >>> s = evaluate_scaled(net, [(Fraction(1, 4),), (1,)])
    >>> s.numerators.ravel().tolist(), s.denominator
    ([-1, 2], 4)
    """
    Z, T = _evaluate(net, points, paths, stats)
    D = math.lcm(*T)
    if any(t != D for t in T):
        Z = np.array(Z.tolist(), dtype=object).reshape(Z.shape) * np.array([D // t for t in T], dtype=object)
    return ScaledOutputs(Z, D)


def evaluate_float_with_bound(net: Net, points):
    """The float64 twin's outputs, with a rigorous bound on their distance to the exact ones.

    Parameters
    ----------
    net : Net
    points : sequence of points with int / Fraction coordinates (floats are refused).

    Returns
    -------
    values : float64 array (N, out)
        ``net.to_float64()`` at the points rounded to float64: each layer ``A @ W.T + b``,
        then ReLU, exactly as :class:`~exactrelu.net.NetF64` computes it.
    bounds : float64 array (N, out)
        For every point k and output i, ``|values[k, i] - net(points[k])[i]| <= bounds[k, i]``
        as real numbers; ``inf`` where the value is not finite.

    Notes
    -----
    Forward error analysis, every step rounded up.  With a^ the twin's activations and
    e >= |a^ - a| their bounds (e = 0 for dyadic inputs that float64 holds, else u |x^| + eta;
    u = 2^-53, eta = 2^-1074), a layer with n inputs gives

        |z^ - z| <= gamma_{n+1} (|W^| |a^| + |b^|) + (n+1) eta    the twin's own roundings
                  + |W^ - W| |a^| + |b^ - b|                      the rounded parameters
                  + |W| e                                         the incoming errors

    with gamma_k = k u / (1 - k u), and ReLU is 1-Lipschitz, so the bound passes through it.
    Valid for any summation order, with or without FMA (BLAS blocking included), in
    round-to-nearest.  The parameter errors |W^ - W| are computed exactly, then rounded up.
    """
    if not isinstance(net, Net):
        raise InputError(f"expected an exactrelu Net, got {type(net).__name__}")
    points = points if isinstance(points, (list, tuple)) else list(points)
    d, N = net.input_dim, len(points)
    flat = _coordinates(points, d)[0] if N else []
    xs, es = [], []
    for v in flat:
        try:
            x = float(v)  # correctly rounded
        except OverflowError:
            x = math.inf if v > 0 else -math.inf
        q = v.denominator
        exact = q & (q - 1) == 0 and abs(v.numerator) < _F64 and q.bit_length() < 1000
        xs.append(x)
        es.append(0.0 if exact else _up(_up(abs(x) * _U) + _ETA))
    A = np.array(xs, dtype=np.float64).reshape(N, d)
    E = np.array(es, dtype=np.float64).reshape(N, d)
    last = net.depth - 1
    with np.errstate(over="ignore", invalid="ignore"):  # inf and nan end as an inf bound
        for l, (Wf, bf, dW, db, Wabs) in enumerate(_twin_layers(net)):
            n = Wf.shape[1]
            gamma = _float_up(Fraction(n + 1, 2**53 - (n + 1)))
            absA = np.abs(A)
            own = _up(_up(_up(_matmul_up(absA, np.abs(Wf).T) + np.abs(bf)) * gamma) + (n + 1) * _ETA)
            params = _up(_matmul_up(absA, dW.T) + db)
            E = _up(_up(own + params) + _matmul_up(E, Wabs.T))
            A = A @ Wf.T + bf  # the twin, as NetF64 computes it
            if l < last:
                np.maximum(A, 0.0, out=A)
    return A, np.where(np.isfinite(A) & ~np.isnan(E), E, np.inf)


# ---------------------------------------------------------------------------------------
# Input points -> integers over one denominator per coordinate
# ---------------------------------------------------------------------------------------

def _reject(points, d):
    """Raise the error for the first bad point (called once something is known wrong)."""
    for i, p in enumerate(points):
        try:
            n = len(p)
        except TypeError:
            raise InputError(f"point {i} is not a sequence of coordinates ({type(p).__name__})") from None
        if n != d:
            raise InputError(f"point {i} has {n} coordinates, network input_dim is {d}")
        for j, v in enumerate(p):
            if isinstance(v, (float, np.floating)):
                raise DomainMismatch(f"point {i} coordinate {j}: float {v!r} given to exact evaluation; "
                                     f"give an int, a Fraction or exact text")
            if isinstance(v, bool) or not isinstance(v, (int, Fraction)):
                raise InputError(f"point {i} coordinate {j}: {v!r} is not an exact rational (int or Fraction)")


def _coordinates(points, d):
    """Every coordinate, point after point, once all points are checked: (flat list, types)."""
    try:
        if set(map(len, points)) != {d}:
            _reject(points, d)
    except TypeError:
        _reject(points, d)
    flat = [v for p in points for v in p]
    kinds = set(map(type, flat))
    if not kinds <= {Fraction, int}:
        _reject(points, d)
    return flat, kinds


def _integer_points(points, d):
    """Validate ``points`` and write coordinate j of point k as ``X[j, k] / S[j]``.

    Returns ``(X, S)``: X of shape (d, N), int64 when every entry fits, else object;
    S[j] the lcm of the denominators of coordinate j over all points.
    """
    flat, kinds = _coordinates(points, d)
    if kinds == {Fraction}:  # the slots, not the properties: 1.7x faster
        nums, dens = list(map(_NUM, flat)), list(map(_DEN, flat))
    else:
        nums, dens = [v.numerator for v in flat], [v.denominator for v in flat]
    N = len(points)
    try:
        Xn = np.array(nums, dtype=np.int64).reshape(N, d).T
        Xd = np.array(dens, dtype=np.int64).reshape(N, d).T
    except OverflowError:
        return _object_points(nums, dens, N, d)
    S = [math.lcm(*np.unique(col).tolist()) for col in Xd]
    X = np.empty((d, N), dtype=np.int64)
    for j, s in enumerate(S):
        if s >= _I64 or max(-int(Xn[j].min()), int(Xn[j].max())) * s >= _I64:  # (np.abs(-2^63) < 0)
            return _object_points(nums, dens, N, d)
        X[j] = Xn[j] if s == 1 else Xn[j] * (s // Xd[j])
    return X, S


def _object_points(nums, dens, N, d):
    """The branch of :func:`_integer_points` for entries beyond int64: Python ints."""
    S = [math.lcm(*set(dens[j::d])) for j in range(d)]
    X = np.empty((d, N), dtype=object)
    for j, s in enumerate(S):
        X[j] = [n * (s // q) for n, q in zip(nums[j::d], dens[j::d])]
    return X, S


# ---------------------------------------------------------------------------------------
# The network as integer matrices with one denominator per row
# ---------------------------------------------------------------------------------------

class _Layer:
    """One affine layer in integers: z_i = (sum_j C[i][j] A_j + c[i]) / T[i] for inputs a_j = A_j / S_j."""

    def __init__(self, layer, S):
        T, C, c = [], [], []
        gcd, lcm, div = _GCD_LCM_DIV[_has_huge([v for row in layer.weight for v in row] + list(layer.bias), S)]
        for row, b in zip(layer.weight, layer.bias):
            red = []  # w / s in lowest terms: (p / g) / (q s / g), g = gcd(p, s), w = p / q
            for w, s in zip(row, S):
                p = w.numerator
                g = gcd(p, s)
                red.append((div(p, g), w.denominator * div(s, g)))
            t = lcm(b.denominator, *(q for _, q in red))
            T.append(t)
            C.append([p * div(t, q) for p, q in red])
            c.append(b.numerator * div(t, b.denominator))
        self.T, self.C, self.c = T, C, c
        self.absC = [list(map(abs, row)) for row in C]
        self.absc = list(map(abs, c))
        self.cmax = max(max(map(max, self.absC)), max(self.absc))
        self.rowsum = max(map(sum, self.absC))
        self.n_in = len(S)
        self._arrays = {}
        self._residues = {}

    def bounds(self, m) -> list[int]:
        """Exact per-row bound sum_j |C_ij| m_j + |c_i| on every partial sum, given |A_j| <= m_j."""
        return [sum(map(mul, row, m)) + cb for row, cb in zip(self.absC, self.absc)]

    def arrays(self, dtype):
        """(C, c as a column) as numpy arrays of ``dtype`` (asked for only when every entry fits)."""
        if dtype not in self._arrays:
            self._arrays[dtype] = (np.array(self.C, dtype=dtype), np.array(self.c, dtype=dtype)[:, None])
        return self._arrays[dtype]

    def residues(self, mod):
        """(C mod p, c mod p) for every prime of ``mod``, symmetric: shapes (R, out, in), (R, out, 1)."""
        key = (mod.top, mod.R)
        if key not in self._residues:
            out = len(self.C)
            r = _int_residues([v for row in self.C for v in row] + self.c, mod)
            self._residues[key] = (np.ascontiguousarray(r[:, :out * self.n_in].reshape(-1, out, self.n_in)),
                                   np.ascontiguousarray(r[:, out * self.n_in:].reshape(-1, out, 1)))
        return self._residues[key]


def _has_huge(fractions, ints) -> bool:
    """Whether any numerator, denominator or integer has more than _DIRECT_BITS bits."""
    top = max(max((max(f.numerator.bit_length(), f.denominator.bit_length()) for f in fractions), default=0),
              max((i.bit_length() for i in ints), default=0))
    return top > _DIRECT_BITS


def _flint_gcd(a: int, b: int) -> int:
    from flint import fmpz
    return int(fmpz(a).gcd(fmpz(b)))


def _flint_lcm(*xs: int) -> int:
    from flint import fmpz
    r = fmpz(1)
    for x in xs:
        r = r.lcm(fmpz(x))
    return int(r)


def _flint_div(a: int, b: int) -> int:
    from flint import fmpz
    return int(fmpz(a) // fmpz(b))


#: (gcd, lcm, floor division): Python's for ordinary sizes; python-flint's (GMP, subquadratic)
#: for integers of tens of thousands of bits, where Python's gcd and division are quadratic.
_GCD_LCM_DIV = {False: (math.gcd, math.lcm, operator.floordiv), True: (_flint_gcd, _flint_lcm, _flint_div)}


# ---------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------

def _evaluate(net, points, allowed, stats):
    """(numerators (N, out) int64 or object, denominators T of the output rows)."""
    if not isinstance(net, Net):
        raise InputError(f"expected an exactrelu Net, got {type(net).__name__}")
    allowed = tuple(allowed)
    if not set(allowed) <= set(PATHS):
        raise InputError(f"paths {allowed!r}: each must be one of {PATHS}")
    points = points if isinstance(points, (list, tuple)) else list(points)
    stats = stats if stats is not None else EvalStats()
    N = len(points)
    if N == 0:
        return np.zeros((0, net.output_dim), dtype=np.int64), [1] * net.output_dim
    X, S = _integer_points(points, net.input_dim)
    layers = []
    for lay in net.layers:
        layers.append(_Layer(lay, S))
        S = layers[-1].T
    parts = -(-N // _chunk_size(layers, X))
    size = -(-N // parts)
    outs = []
    for k0 in range(0, N, size):
        stats.chunks += 1
        outs.append(_run_chunk(layers, np.ascontiguousarray(X[:, k0:k0 + size]), allowed, stats))
    Z = outs[0] if len(outs) == 1 else np.concatenate(outs, axis=1)
    return Z.T, layers[-1].T


def _chunk_size(layers, X) -> int:
    """Points per chunk: _CHUNK on the machine-word paths, fewer when residues are needed."""
    m, worst = _maxima(X), 0
    for lay in layers:
        m = lay.bounds(m)
        worst = max(worst, max(m))
    if worst < _I62:
        return _CHUNK
    primes = (4 * worst + 1).bit_length() // 23 + 1
    width = max(max(len(lay.T), lay.n_in) for lay in layers)
    return max(256, min(_CHUNK, _WORK_BYTES // (8 * 4 * primes * width)))


def _maxima(A) -> list[int]:
    """Exact per-row max |A| as Python ints."""
    if A.shape[1] == 0:
        return [0] * A.shape[0]
    if A.dtype == object:
        return [max(map(abs, row)) for row in A.tolist()]
    return [int(v) for v in np.abs(A).max(axis=1)]


def _choose(bound, m, lay, allowed):
    """The fastest allowed path that the exact bound proves safe."""
    big = max(bound, lay.cmax, max(m, default=0))
    if "float64" in allowed and big < _F64:
        return "float64"
    if "int64" in allowed and big < _I62:
        return "int64"
    return "bigint"


def _run_chunk(layers, X, allowed, stats):
    """Exact integer outputs (out, n) of one chunk of integer points X (d, n).

    Every product C_ij A_jk and every partial sum of row i is at most bounds[i] in
    magnitude, whatever the order of summation.  Below 2^53 every intermediate value is an
    integer that a float64 holds exactly, so no operation of the BLAS product rounds (a fused
    multiply-add rounds only its exact result, here representable).  This assumes that BLAS
    forms each entry as a sum of the products, as OpenBLAS, MKL and BLIS do (a Strassen-type
    product would not); the test suite and proofs/exact_evaluation.py check it against the
    kernel on this machine's BLAS.
    """
    A = X
    m = _maxima(A)
    last = len(layers) - 1
    for l, lay in enumerate(layers):
        bounds = lay.bounds(m)
        path = _choose(max(bounds), m, lay, allowed)
        if path == "bigint":
            if max(bounds).bit_length() > _DIRECT_BITS:
                return _run_direct(layers, l, A, stats)
            return _run_bigint(layers, l, A, m, stats)
        stats.layers.append((l, path, max(bounds).bit_length()))
        Z = _float64_product(lay, A) if path == "float64" else _int64_product(lay, A, m)
        if l == last:
            return Z.astype(np.int64)
        np.maximum(Z, 0, out=Z)
        A = Z
        m = [int(v) for v in Z.max(axis=1)]


def _float64_product(lay, A):
    """C A + c, every partial sum below 2^53 (see _run_chunk)."""
    C, c = lay.arrays(np.float64)
    Z = C @ (A if A.dtype == np.float64 else A.astype(np.float64))
    Z += c
    return Z


def _int64_product(lay, A, m):
    """C A + c, every partial sum below 2^62.

    Where the coefficients allow, A = hi 2^beta + lo (0 <= lo < 2^beta) and each half goes
    through float64 BLAS with every partial sum provably below 2^53, then hi 2^beta + lo in
    int64: its terms stay below bound + 2^53 < 2^63, so nothing overflows.  Otherwise numpy's
    int64 product, exact below 2^63.
    """
    A = A if A.dtype == np.int64 else A.astype(np.int64)
    C, c = lay.arrays(np.int64)
    beta = 53 - lay.rowsum.bit_length()  # rowsum * (2^beta - 1) < 2^53: the lo product is exact
    if beta > 0 and max(lay.bounds([(v >> beta) + 1 for v in m])) < _F64:  # and so is the hi one
        Cf, _ = lay.arrays(np.float64)
        Z = (Cf @ (A >> beta).astype(np.float64)).astype(np.int64)
        Z <<= beta
        Z += (Cf @ (A & ((1 << beta) - 1)).astype(np.float64)).astype(np.int64)
    else:
        Z = C @ A
    Z += c
    return Z


def _run_direct(layers, l0, A, stats):
    """Layers l0.. in Python integers (numpy object arrays), for entries beyond _DIRECT_BITS.

    Residues of a b-bit integer modulo the ~b/25 primes a b-bit bound needs cost ~b^2/400
    operations and as many table entries (10^5 digits: gigabytes); a product of a b-bit
    integer by a small one costs ~b.  Exact by construction: Python integers do not overflow.
    """
    A = A if A.dtype == object else A.astype(object)
    last = len(layers) - 1
    for l in range(l0, last + 1):
        lay = layers[l]
        stats.layers.append((l, "bigint", max(lay.bounds(_maxima(A))).bit_length()))
        C, c = lay.arrays(object)
        Z = C @ A + c
        if l == last:
            return Z
        A = np.maximum(Z, 0)


def _run_bigint(layers, l0, A, m, stats):
    """Layers l0.. on residues modulo word-size primes (the multi-modular big-integer path).

    The primes are fixed up front, from the exact bounds of the remaining layers.  Per layer,
    the ReLU signs come from the floating CRT estimate (see :meth:`_Rows.estimate`); the
    entries it leaves open are reconstructed exactly.  Outputs are reconstructed exactly.
    """
    mm, worst = m, 0
    for lay in layers[l0:]:
        mm = lay.bounds(mm)
        worst = max(worst, max(mm))
    mod = _Modulus(max(lay.n_in for lay in layers[l0:]), worst)
    Rz = _array_residues(A, mod, max(m))
    last = len(layers) - 1
    for l in range(l0, last + 1):
        lay = layers[l]
        bounds = lay.bounds(m)
        stats.layers.append((l, "bigint", max(bounds).bit_length()))
        Cr, cr = lay.residues(mod)
        Z = Cr @ Rz  # one product per prime, every partial sum below 2^52 (_prime_ceiling)
        Z += cr
        _reduce(Z, mod.p, mod.ip)
        rows = mod.rows(bounds)
        t, n, f = rows.estimate(Z)
        if l == last:
            if max(bounds) < _I64:
                return rows.exact_int64(t, n)
            i, k = (ix.ravel() for ix in np.indices(f.shape))
            return np.array(rows.exact(t, n, i, k), dtype=object).reshape(f.shape)
        keep = f > rows.eps
        i, k = np.nonzero(np.abs(f) <= rows.eps)
        if len(i):
            nonzero = np.any(t[:, i, k] != 0, axis=0)  # x = 0 iff every t_k = 0
            i, k = i[nonzero], k[nonzero]
            stats.ambiguous += len(i)
            keep[i, k] = [x > 0 for x in rows.exact(t, n, i, k)]
        Z *= keep
        m = rows.maxima(f, keep, bounds)
        Rz = Z


# ---------------------------------------------------------------------------------------
# Multi-modular arithmetic (the big-integer path)
# ---------------------------------------------------------------------------------------

_PRIMES: dict[int, list[int]] = {}


def _primes_below(top: int, count: int) -> list[int]:
    """The ``count`` largest primes <= top, largest first (cached)."""
    from flint import fmpz
    ps = _PRIMES.setdefault(top, [])
    n = ps[-1] - 2 if ps else (top if top % 2 else top - 1)
    while len(ps) < count:
        if n < 3:
            raise InputError("big-integer path: ran out of word-size primes (a layer far too wide)")
        if fmpz(n).is_prime():
            ps.append(n)
        n -= 2
    return ps[:count]


def _prime_ceiling(n_in: int) -> int:
    """Largest odd p <= 2^26 with n_in (p-1)(p+1)/4 + (p-1)/2 <= 2^52.

    Activation residues stay in [-(p+1)/2, (p+1)/2] and coefficient residues in
    [-(p-1)/2, (p-1)/2], so a row of ``n_in`` products plus a bias residue stays <= 2^52:
    every partial sum of the float64 product per prime is an exact integer, and
    :func:`_reduce` applies.  p <= 2^26 keeps the CRT products r * inv below 2^52 too.
    """
    p = min(math.isqrt((1 << 54) // n_in), (1 << 26) - 1) | 1
    while n_in * (p - 1) * (p + 1) // 4 + (p - 1) // 2 > 1 << 52:
        p -= 2
    return p


def _reduce(Z, p, ip):
    """Replace the exact integers Z (float64, |Z| <= 2^52) in place by Z mod p, |.| <= (p+1)/2.

    q = rint(Z * fl(1/p)) is within 1/2 + 1.0001/p of Z/p (the product has relative error
    <= 2.0001 u and |Z/p| <= 2^52/p), so |Z - q p| <= p/2 + 1.0001, i.e. <= (p+1)/2 as an
    integer; q p and Z - q p are integers below 2^53, hence exact.
    """
    q = Z * ip
    np.rint(q, out=q)
    q *= p
    Z -= q
    return Z


def _int_residues(values, mod) -> np.ndarray:
    """Symmetric residues of Python ints modulo every prime of ``mod``: shape (R, len(values)).

    Each |v| is cut into 16-bit limbs, and sum_t limb_t (2^(16t) mod p) is a float64 matrix
    product whose partial sums stay below 2^10 * 2^16 * 2^26 = 2^52 (blocks of 2^10 limbs).
    """
    nbytes = 2 * max(1, (max(abs(v) for v in values).bit_length() + 15) // 16)
    buf = b"".join(abs(v).to_bytes(nbytes, "little") for v in values)
    limbs = np.frombuffer(buf, dtype="<u2").reshape(len(values), nbytes // 2).astype(np.float64)
    K = limbs.shape[1]
    pw = mod.pow16(K)
    primes = np.array(mod.primes, dtype=np.int64)
    acc = np.zeros((len(values), mod.R), dtype=np.int64)
    for t0 in range(0, K, 1 << 10):
        part = limbs[:, t0:t0 + (1 << 10)] @ pw[t0:t0 + (1 << 10)]
        acc = (acc + part.astype(np.int64)) % primes
    acc = np.where(acc > primes // 2, acc - primes, acc)
    neg = np.array([v < 0 for v in values])
    acc[neg] = -acc[neg]
    return np.ascontiguousarray(acc.T.astype(np.float64))


def _array_residues(A, mod, top: int) -> np.ndarray:
    """Residues of an integer matrix A (|A| <= top) modulo every prime: shape (R, *A.shape).

    float64 reduction (|r| <= (p+1)/2, see _reduce) when top <= 2^52; int64 remainder when
    A fits int64; limb expansion of Python ints beyond.
    """
    if top <= 1 << 52:
        Af = A.astype(np.float64)
        q = Af * mod.ip
        np.rint(q, out=q)
        q *= mod.p
        np.subtract(Af, q, out=q)
        return q
    if top < _I64:
        P = np.array(mod.primes, dtype=np.int64).reshape(-1, 1, 1)
        r = np.remainder(A.astype(np.int64)[None], P)
        r -= P * (r > P // 2)
        return r.astype(np.float64)
    return _int_residues(A.ravel().tolist(), mod).reshape((mod.R, *A.shape))


class _CRT:
    """Chinese remaindering over the first r primes: M, the M/p_k and (M/p_k)^-1 mod p_k."""

    def __init__(self, primes):
        self.R = len(primes)
        self.M = math.prod(primes)
        self.w = [self.M // p for p in primes]
        self.inv = np.array([pow(w % p, -1, p) for w, p in zip(self.w, primes)], dtype=np.float64)
        # Error of the float sum of t_k / p_k in _Rows.estimate: each quotient t_k * fl(1/p_k)
        # has |t_k / p_k| <= 2/3 and relative error <= 2.0001 u; summing r of them in any
        # order adds at most gamma_{r-1} sum |q_k|.  Together <= (r+1)^2 u; take twice that.
        self.eps = (self.R + 1) ** 2 * 2.0 ** -52


class _Modulus:
    """Word-size primes below one ceiling, enough for every big-integer layer of a chunk."""

    def __init__(self, n_in: int, bound: int):
        self.top = _prime_ceiling(n_in)
        prefix = [1]  # prefix[r]: the product of the first r primes
        while prefix[-1] < 4 * bound + 1 or len(prefix) == 1:
            prefix.append(prefix[-1] * _primes_below(self.top, len(prefix))[-1])
        self.prefix = prefix
        self.R = len(prefix) - 1
        self.primes = _primes_below(self.top, self.R)
        self.p = np.array(self.primes, dtype=np.float64).reshape(-1, 1, 1)
        self.ip = 1.0 / self.p
        self._crt = {}
        self._pow16 = np.ones((1, self.R), dtype=np.int64)

    def crt(self, r: int) -> _CRT:
        if r not in self._crt:
            self._crt[r] = _CRT(self.primes[:r])
        return self._crt[r]

    def rows(self, bounds) -> "_Rows":
        """Row i gets the shortest prefix of the primes with M_i >= 4 bounds[i] + 1."""
        return _Rows(self, [max(1, bisect_left(self.prefix, 4 * b + 1)) for b in bounds])

    def pow16(self, K: int) -> np.ndarray:
        """(K, R) table of 2^(16 t) mod p_k, as float64."""
        primes = np.array(self.primes, dtype=np.int64)
        while self._pow16.shape[0] < K:  # doubling: rows n..2n-1 are rows 0..n-1 times 2^(16n)
            n = self._pow16.shape[0]
            step = np.array([pow(2, 16 * n, p) for p in self.primes], dtype=np.int64)
            self._pow16 = np.concatenate([self._pow16, (self._pow16 * step) % primes])  # < 2^52
        return self._pow16[:K].astype(np.float64)


class _Rows:
    """Floating and exact CRT for one layer, each row over its own prefix of the primes.

    A row whose bound is far below another's gets a smaller modulus, so the floating
    estimate of x / M_i keeps its relative accuracy: with one modulus for all rows, half of
    the hidden entries of ref-net-nondyadic came out uncertain.
    """

    def __init__(self, mod: _Modulus, rs: list[int]):
        self.R = max(rs)
        self.crts = [mod.crt(r) for r in rs]
        self.inv = np.zeros((self.R, len(rs), 1))
        for i, c in enumerate(self.crts):
            self.inv[:c.R, i, 0] = c.inv
        self.eps = np.array([c.eps for c in self.crts])[:, None]
        self.p, self.ip = mod.p[:self.R], mod.ip[:self.R]

    def estimate(self, Z):
        """Floating CRT on residues Z (R, n, N).

        With t_k = r_k (M_i/p_k)^-1 mod p_k, the exact x (|x| <= M_i/4) satisfies
        x / M_i = sum_k t_k / p_k - n for an integer n.  Returns (t, n, f): the exact t_k
        (zero beyond row i's prefix), n = rint of the float sum (the right n: the float sum
        is within eps < 1/4 of the exact one and |x / M_i| <= 1/4) and f = sum - n (an exact
        subtraction), so |f - x / M_i| <= eps_i: x > 0 if f > eps_i, x < 0 if f < -eps_i.
        """
        t = Z[:self.R] * self.inv  # |r inv| <= (p+1)/2 (p-1) < 2^52: exact
        _reduce(t, self.p, self.ip)
        s = (t * self.ip).sum(axis=0)
        n = np.rint(s)
        return t, n, s - n

    def exact(self, t, n, rows, cols) -> list[int]:
        """Exact x = sum_k t_k M_i/p_k - n M_i at the entries (rows[e], cols[e])."""
        ts = t[:, rows, cols].astype(np.int64).T.tolist()
        ns = n[rows, cols].astype(np.int64).tolist()
        crts = self.crts
        return [sum(map(mul, tk, crts[i].w)) - k * crts[i].M for i, tk, k in zip(rows.tolist(), ts, ns)]

    def exact_int64(self, t, n):
        """Every exact x as int64, when all |x| < 2^63: the same sum, modulo 2^64.

        Unsigned arithmetic wraps modulo 2^64 by definition, and x is the only integer of
        int64 range in its class, so the wrapped sum read as int64 is x.
        """
        w = np.zeros((self.R, len(self.crts), 1), dtype=np.uint64)
        M = np.zeros((len(self.crts), 1), dtype=np.uint64)
        for i, c in enumerate(self.crts):
            w[:c.R, i, 0] = [v % 2**64 for v in c.w]
            M[i, 0] = c.M % 2**64
        acc = (t.astype(np.int64).view(np.uint64) * w).sum(axis=0, dtype=np.uint64)
        acc -= n.astype(np.int64).view(np.uint64) * M
        return acc.view(np.int64)

    def maxima(self, f, keep, bounds) -> list[int]:
        """Per-row bounds of the kept (positive) entries: x <= (f + eps_i) M_i, rounded up exactly."""
        top = np.where(keep, f, -np.inf).max(axis=1)
        return [0 if v == -np.inf else min(b, math.ceil((Fraction(v) + Fraction(c.eps)) * c.M))
                for v, b, c in zip(top.tolist(), bounds, self.crts)]


# ---------------------------------------------------------------------------------------
# Output Fractions
# ---------------------------------------------------------------------------------------

def _fraction_maker():
    """A constructor of Fractions from a coprime pair (n, d > 0), skipping re-normalisation.

    ``Fraction(n, d)`` re-checks types and recomputes the gcd; building from a known coprime
    pair is ~4x faster.  Python >= 3.12 has ``Fraction._from_coprime_ints``; before it, the
    two slots are filled directly.  Checked once against ``Fraction(n, d)``, else unused.
    """
    make = getattr(Fraction, "_from_coprime_ints", None)
    if make is None:
        new, set_n, set_d = object.__new__, Fraction._numerator.__set__, Fraction._denominator.__set__

        def make(n, d):
            f = new(Fraction)
            set_n(f, n)
            set_d(f, d)
            return f
    try:
        probe = make(-3, 4)
        ok = probe == Fraction(-3, 4) and hash(probe) == hash(Fraction(-3, 4)) and str(probe) == "-3/4"
    except Exception:  # pragma: no cover - a Python whose Fraction is laid out otherwise
        ok = False
    return make if ok else Fraction


_make_fraction = _fraction_maker()


def _to_fractions(Z, T) -> list[tuple[Fraction, ...]]:
    """Rows of Z (N, out) over the denominators T[i] as tuples of reduced Fractions.

    The cyclic garbage collector is paused meanwhile: the new Fractions and tuples hold no
    cycles, and its scans over them (and over the caller's input Fractions) made this step
    ~4x slower on 10^5 points.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        cols = []
        for i, t in enumerate(T):
            z = Z[:, i]
            if z.dtype == np.int64 and t < _I64:
                g = np.gcd(z, np.int64(t))
                nums, dens = (z // g).tolist(), (np.int64(t) // g).tolist()
            else:
                zs = z.tolist()
                gcd, _, div = _GCD_LCM_DIV[t.bit_length() > _DIRECT_BITS]
                gs = [gcd(v, t) for v in zs]
                nums, dens = [div(v, g) for v, g in zip(zs, gs)], [div(t, g) for g in gs]
            cols.append(list(map(_make_fraction, nums, dens)))
        return list(zip(*cols))
    finally:
        if paused:
            gc.enable()


# ---------------------------------------------------------------------------------------
# The float64 twin's error bound: arithmetic rounded up
# ---------------------------------------------------------------------------------------

_U = 2.0 ** -53      # unit roundoff of float64, round to nearest
_ETA = 2.0 ** -1074  # smallest positive subnormal


def _up(x):
    """The next float above x: >= the exact result of the one rounded operation that gave x."""
    return np.nextafter(x, np.inf)


def _float_up(q: Fraction) -> float:
    """A float >= the rational q >= 0 (inf beyond the float64 range)."""
    try:
        f = float(q)
    except OverflowError:
        return math.inf
    return f if Fraction(f) >= q else math.nextafter(f, math.inf)


def _matmul_up(X, Y):
    """A float64 array >= the exact X @ Y, for X, Y >= 0 entrywise.

    Any float64 evaluation S^ of a sum of n nonnegative products (any order, FMA or not)
    has S^ >= (1 - gamma_n) S - n eta/2 (a product that underflows may lose eta/2; sums do
    not round on underflow), so S <= (S^ + n eta)(1 + n 2^-52), since 1/(1 - gamma_n) <=
    1 + 2 n u for n u <= 1/4.  Each operation below is rounded up.
    """
    n = X.shape[1]
    return _up(_up(X @ Y + n * _ETA) * (1.0 + n * 2.0 ** -52))


def _twin_layers(net):
    """Per layer: W^, b^ (the float64 twin), upper bounds of |W^ - W|, |b^ - b| and of |W|."""
    try:
        twin = net.to_float64()
    except OverflowError:
        raise InputError("the network has an entry beyond the float64 range, so no float64 twin") from None
    out = []
    for (Wf, bf), lay in zip(twin.layers, net.layers):
        dW = np.array([[_float_up(abs(Fraction(float(w)) - w)) for w in row] for row in lay.weight])
        db = np.array([_float_up(abs(Fraction(float(b)) - b)) for b in lay.bias])
        out.append((Wf, bf, dW, db, _up(np.abs(Wf) + dW)))
    return out
