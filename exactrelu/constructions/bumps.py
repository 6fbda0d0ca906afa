"""The bump phi_y of the lower bound: hat functions, f_y, and its exact ReLU network.

The slides [S] state: with hat functions Lambda_{y_i} (Lambda(y_i) = 1, Lambda <= 0 outside
y_i + [-1/M, 1/M]),

    f_y(x) = ReLU(1 - d + sum_i Lambda_{y_i}(x_i)),

f_y is supported on y + [-1/M, 1/M]^d, ||f_y||_{L^p} ~ M^(-d/p), and a ReLU network of
depth L >= 3, width 3d and parameters bounded by c realizes phi_y with
||phi_y||_inf >= c^L (3d)^(L-2) / (2M).

The exact network below is an [R] reconstruction (docs/derivations.md §2): two hat variants,

* ``"clipped"``:   Lambda(t) = M [rho(t - y + 1/M) - 2 rho(t - y) + rho(t - y - 1/M)]  (0 outside),
* ``"one-sided"``: Lambda(t) = M [rho(t - y + 1/M) - 2 rho(t - y)]  (negative right of the support),

both giving f_y(x) = ReLU(1 - M ||x - y||_1), a pyramid over the l1 ball of radius 1/M, and
phi_y = c^L (3d)^(L-2) / (2M) * f_y (so the slides' ">=" holds with equality).

Centres.  Any centre y with every y_i in [1/M, 1 - 1/M] is accepted: exactly then the support
cube lies in [0, 1]^d *and* every first-layer bias c(+-1/M - y_i), -c y_i lies in [-c, c].  The
lower-bound argument uses the grid centres y_i in {(2j - 1)/M : j = 1..M/2} (M even,
docs/derivations.md §6); ``grid=True`` insists on those.

References
----------
.. [S] J. Berner, P. Grohs, F. Voigtlaender, "Learning ReLU networks to high uniform accuracy
   is intractable", ICLR 2023; the authors' slides (bump construction).
.. [R] Reconstruction: the project's own derivation, docs/derivations.md §2-3 (not from the paper's text).
"""
from __future__ import annotations

import math
from fractions import Fraction

from ..errors import InputError
from ..net import Net
from ..numbers import fmt, to_rational

__all__ = ["VARIANTS", "hat", "f_y", "pyramid", "f_y_sympy", "bump_peak", "bump_net", "pyramid_net",
           "lp_norm_power", "lp_norm_power_sympy", "bias_condition_holds", "grid_centres", "is_grid_centre",
           "check_params"]

#: The two hat realizations of docs/derivations.md §2.1 ([R] reconstruction).
VARIANTS = ("clipped", "one-sided")

_ZERO = Fraction(0)


def _relu(v: Fraction) -> Fraction:
    return v if v > 0 else _ZERO


# -- argument checks (every message names the argument) -----------------------------------------

def _int_arg(v, name: str, least: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        if isinstance(v, str) and v.strip().lstrip("+-").isdigit():
            v = int(v)
        else:
            raise InputError(f"{name}={v!r} must be an integer >= {least}")
    if v < least:
        raise InputError(f"{name}={v} must be an integer >= {least}")
    return v


def _variant(variant: str) -> str:
    if variant not in VARIANTS:
        raise InputError(f"variant={variant!r} must be one of {', '.join(VARIANTS)}")
    return variant


def _pos(v, name: str) -> Fraction:
    r = to_rational(v, what=name)
    if r <= 0:
        raise InputError(f"{name}={fmt(r)} must be > 0")
    return r


def _centre(y, d: int, M: Fraction, grid: bool) -> tuple[Fraction, ...]:
    if isinstance(y, (str, bytes)) or not hasattr(y, "__len__"):
        raise InputError(f"y={y!r} must be a list of {d} coordinates")
    if len(y) != d:
        raise InputError(f"y has {len(y)} coordinates, expected d = {d}")
    y = tuple(to_rational(v, what=f"y[{i}]") for i, v in enumerate(y))
    lo, hi = 1 / M, 1 - 1 / M
    for i, v in enumerate(y):
        if not lo <= v <= hi:
            raise InputError(f"y[{i}]={fmt(v)} must lie in [1/M, 1 - 1/M] = [{fmt(lo)}, {fmt(hi)}] "
                             f"(support inside [0,1]^d, biases bounded by c)")
    if grid:
        if M.denominator != 1 or M.numerator % 2:
            raise InputError(f"M={fmt(M)} must be a positive even integer for grid centres")
        for i, v in enumerate(y):
            if not is_grid_centre(v, M):
                raise InputError(f"y[{i}]={fmt(v)} is not a grid centre (2j - 1)/M of spacing 2/M, M = {fmt(M)}")
    return y


def _slope(M) -> Fraction:
    M = _pos(M, "M")
    if M < 2:
        raise InputError(f"M={fmt(M)} must be >= 2 (else no centre has [y - 1/M, y + 1/M] inside [0, 1])")
    return M


# -- the functions of the slides -------------------------------------------------------------------

def hat(t, y, M, variant: str = "clipped") -> Fraction:
    """Exact value of the hat Lambda_{M,y}(t) ([R] reconstruction, docs/derivations.md §2.1; the slides' Lambda_{y_i} [S]).

    Parameters
    ----------
    t, y : rational
        Argument and centre.
    M : rational > 0
        Slope; the support (where Lambda > 0) is the open interval (y - 1/M, y + 1/M).
    variant : {"clipped", "one-sided"}

    Returns
    -------
    Fraction
        ``M [rho(t-y+1/M) - 2 rho(t-y) + rho(t-y-1/M)]`` (clipped) or without the last term.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> hat(F(1, 4), F(1, 4), 8), hat(F(5, 16), F(1, 4), 8), hat(1, F(1, 4), 8, "one-sided")
    (Fraction(1, 1), Fraction(1, 2), Fraction(-5, 1))
    """
    t, y, M = to_rational(t, what="t"), to_rational(y, what="y"), _pos(M, "M")
    s = t - y
    v = _relu(s + 1 / M) - 2 * _relu(s)
    if _variant(variant) == "clipped":
        v += _relu(s - 1 / M)
    return M * v


def f_y(x, y, M, variant: str = "clipped") -> Fraction:
    """f_y(x) = ReLU(1 - d + sum_i Lambda_{y_i}(x_i)), the slides' definition [S], exactly.

    >>> from fractions import Fraction as F
    >>> f_y((F(1, 4), F(5, 16)), (F(1, 4), F(1, 4)), 8)
    Fraction(1, 2)
    """
    x, y = tuple(x), tuple(y)
    if len(x) != len(y):
        raise InputError(f"x has {len(x)} coordinates, y has {len(y)}")
    return _relu(1 - len(y) + sum((hat(a, b, M, variant) for a, b in zip(x, y)), _ZERO))


def pyramid(x, y, M) -> Fraction:
    """ReLU(1 - M ||x - y||_1): the closed form of f_y ([R] reconstruction, docs/derivations.md §2.2), exactly."""
    M = _pos(M, "M")
    return _relu(1 - M * sum((abs(to_rational(a) - to_rational(b)) for a, b in zip(x, y)), _ZERO))


def f_y_sympy(d: int, M, y, variant: str = "clipped", symbols=None):
    """f_y as a SymPy expression in exact rationals, with ReLU written as ``Max(0, .)``.

    Parameters
    ----------
    d : int
    M : rational
    y : sequence of d rationals
    variant : {"clipped", "one-sided"}
    symbols : optional sequence of d SymPy symbols (default x1..xd, real)

    Returns
    -------
    (expr, symbols)

    Examples
    --------
    >>> import sympy
    >>> e, (x1,) = f_y_sympy(1, 8, ["1/4"])
    >>> e.subs(x1, sympy.Rational(5, 16))
    1/2
    """
    import sympy
    d = _int_arg(d, "d", 1)
    M = _pos(M, "M")
    if len(y) != d:
        raise InputError(f"y has {len(y)} coordinates, expected d = {d}")
    _variant(variant)
    xs = tuple(symbols) if symbols is not None else sympy.symbols(f"x1:{d + 1}", real=True)
    Mq = sympy.Rational(M.numerator, M.denominator)
    rho = lambda e: sympy.Max(0, e)  # noqa: E731
    total = sympy.Integer(1 - d)
    for xi, yi in zip(xs, y):
        yi = to_rational(yi, what="y")
        s = xi - sympy.Rational(yi.numerator, yi.denominator)
        lam = rho(s + 1 / Mq) - 2 * rho(s)
        if variant == "clipped":
            lam += rho(s - 1 / Mq)
        total += Mq * lam
    return rho(total), xs


def bump_peak(d: int, L: int, c, M) -> Fraction:
    """The slides' peak value c^L (3d)^(L-2) / (2M) [S] (attained with equality, [R] reconstruction, docs/derivations.md §2.5).

    This is the *formula*; the network's actual maximum is computed separately (bump.peak).

    >>> bump_peak(1, 3, 1, 8), bump_peak(3, 5, 2, 8)
    (Fraction(3, 16), Fraction(1458, 1))
    """
    d, L = _int_arg(d, "d", 1), _int_arg(L, "L", 3)
    c, M = _pos(c, "c"), _pos(M, "M")
    return c**L * Fraction(3 * d) ** (L - 2) / (2 * M)


def lp_norm_power(d: int, M, p: int) -> Fraction:
    """||f_y||_{L^p}^p = (2/M)^d p! / (p+d)! for integer p >= 1 ([R] reconstruction, docs/derivations.md §3, Dirichlet integral).

    Valid whenever the support y + [-1/M, 1/M]^d lies in the domain [0, 1]^d.

    >>> lp_norm_power(1, 8, 1), lp_norm_power(2, 8, 2)
    (Fraction(1, 8), Fraction(1, 192))
    """
    d, p = _int_arg(d, "d", 1), _int_arg(p, "p", 1)
    M = _pos(M, "M")
    return (2 / M) ** d * Fraction(math.factorial(p), math.factorial(p + d))


def bias_condition_holds(d: int, c, M) -> bool:
    """The clipped variant's layer-2 bias |c^2 (1-d) / (2M)| <= c, i.e. M >= c (d-1)/2 ([R] reconstruction, docs/derivations.md §2.4)."""
    c, M = _pos(c, "c"), _pos(M, "M")
    return c * c * (d - 1) / (2 * M) <= c


def grid_centres(M) -> list[Fraction]:
    """The grid {(2j-1)/M : j = 1..M/2} of spacing 2/M on one axis ([R] reconstruction, docs/derivations.md §6); M even."""
    M = to_rational(M, what="M")
    if M <= 0 or M.denominator != 1 or M.numerator % 2:
        raise InputError(f"M={fmt(M)} must be a positive even integer")
    return [Fraction(2 * j - 1, M.numerator) for j in range(1, M.numerator // 2 + 1)]


def is_grid_centre(v, M) -> bool:
    """True when v = (2j - 1)/M for some j in 1..M/2."""
    v, M = to_rational(v), to_rational(M)
    k = v * M
    return k.denominator == 1 and k.numerator % 2 == 1 and 1 <= k.numerator <= M - 1


# -- the networks ----------------------------------------------------------------------------------

def bump_net(d: int, L: int, c, M, y, variant: str = "clipped", *, grid: bool = False,
             check: bool = True) -> Net:
    """The bump phi_y as an exact network in N(d, L, 3d, c, inf) ([R] reconstruction, docs/derivations.md §2.3; slides [S]).

    Layer 1 (3d neurons; per coordinate i): rho(c(x_i - y_i) + c/M), rho(c(x_i - y_i)), and
    rho(c(x_i - y_i) - c/M) (clipped) or the constant neuron rho(c) = c (one-sided); combined
    with (1, -2, 1) they give (c/M) Lambda(x_i).  Layer 2 (3d identical neurons): weights
    (c/2, -c, c/2) per coordinate, and the constant c^2 (1-d)/(2M) as the bias (clipped) or as
    weights c(1-d)/(2Md) on the constant neurons (one-sided); each neuron is c^2/(2M) f_y(x).
    Layers 3..L-1: rho(c * sum), a factor 3dc each; output: c * sum, another 3dc.

    Parameters
    ----------
    d : int >= 1
    L : int >= 3
        Number of affine layers.
    c : rational > 0
        Bound on every |weight| and |bias| (q = inf).
    M : rational >= 2
        Slope of the hats; support y + [-1/M, 1/M]^d.
    y : sequence of d rationals, each in [1/M, 1 - 1/M]
    variant : {"clipped", "one-sided"}
    grid : bool
        Also require M even and y_i in {(2j - 1)/M} (the lower bound's grid, docs/derivations.md §6).
    check : bool
        With the clipped variant, refuse M < c(d-1)/2 (the layer-2 bias would exceed c).
        ``check=False`` builds the network anyway (it is then outside the class; for tests).

    Returns
    -------
    Net
        phi_y = c^L (3d)^(L-2) / (2M) * ReLU(1 - M ||x - y||_1), on the domain [0, 1]^d.

    Raises
    ------
    InputError
        Naming the argument: d, L, c, M, y (count, range, grid) or variant; for the clipped
        variant with M < c(d-1)/2, naming that condition.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> net = bump_net(2, 3, 1, 8, ["1/4", "3/4"])
    >>> net.architecture, net([F(1, 4), F(3, 4)])[0] == bump_peak(2, 3, 1, 8)
    ((2, 6, 6, 1), True)
    """
    d, L = _int_arg(d, "d", 1), _int_arg(L, "L", 3)
    c, M = _pos(c, "c"), _slope(M)
    variant = _variant(variant)
    y = _centre(y, d, M, grid)
    if variant == "clipped" and check and not bias_condition_holds(d, c, M):
        raise InputError(f"M={fmt(M)} violates the clipped variant's layer-2 bias condition "
                         f"M >= c(d-1)/2 = {fmt(c * (d - 1) / 2)} (|bias| = {fmt(c * c * (d - 1) / (2 * M))} > c); "
                         f"use the one-sided variant (no condition) or check=False")
    z = _ZERO
    W1, b1 = [], []
    for i, yi in enumerate(y):
        e = [z] * d
        e[i] = c
        W1 += [list(e), list(e)]
        b1 += [c / M - c * yi, -c * yi]
        if variant == "clipped":
            W1.append(list(e))
            b1.append(-c / M - c * yi)
        else:
            W1.append([z] * d)
            b1.append(c)
    if variant == "clipped":
        row, b2 = [c / 2, -c, c / 2] * d, c * c * (1 - d) / (2 * M)
    else:
        row, b2 = [c / 2, -c, c * (1 - d) / (2 * M * d)] * d, z
    B = 3 * d
    layers = [(W1, b1), ([list(row) for _ in range(B)], [b2] * B)]
    layers += [([[c] * B for _ in range(B)], [z] * B) for _ in range(L - 3)]
    layers.append(([[c] * B], [z]))
    return Net(layers, input_dim=d)


def pyramid_net(d: int, M, y, height) -> Net:
    """height * ReLU(1 - M ||x - y||_1) as a depth-3 network built independently of :func:`bump_net`.

    |t| = rho(t) + rho(-t) in layer 1 (2d neurons), the ReLU of 1 - M * sum in layer 2,
    the scaling in the output.  It is the reference against which bump.shape compares phi_y;
    it uses none of the hat algebra and is not in the class N (its weights are not bounded by c).
    """
    d = _int_arg(d, "d", 1)
    M = _pos(M, "M")
    if len(y) != d:
        raise InputError(f"y has {len(y)} coordinates, expected d = {d}")
    y = [to_rational(v, what="y") for v in y]
    W1, b1 = [], []
    for i, yi in enumerate(y):
        e = [0] * d
        e[i] = 1
        W1 += [list(e), [-v for v in e]]
        b1 += [-yi, yi]
    return Net([(W1, b1), ([[-M] * (2 * d)], [1]), ([[to_rational(height, what="height")]], [0])],
               input_dim=d)


def check_params(net: Net, c) -> list[str]:
    """Every weight and bias with |entry| > c, as 'layer l weight[i][j] = v' strings (empty: all bounded)."""
    c = to_rational(c, what="c")
    bad = []
    for l, lay in enumerate(net.layers):
        for i, row in enumerate(lay.weight):
            bad += [f"layer {l} weight[{i}][{j}] = {fmt(w)}" for j, w in enumerate(row) if abs(w) > c]
        bad += [f"layer {l} bias[{i}] = {fmt(b)}" for i, b in enumerate(lay.bias) if abs(b) > c]
    return bad


def _resolve_max(expr, point):
    """Replace every Max(...) by the argument that is largest at ``point`` (innermost first)."""
    import sympy
    if not expr.args:
        return expr
    args = [_resolve_max(a, point) for a in expr.args]
    if isinstance(expr, sympy.Max):
        vals = [a.subs(point) for a in args]
        return args[max(range(len(args)), key=lambda i: vals[i])]
    return expr.func(*args)


def lp_norm_power_sympy(d: int, M, y, p: int, variant: str = "clipped") -> Fraction:
    """||f_y||_{L^p([0,1]^d)}^p by exact symbolic integration (SymPy), piece by piece.

    The l1 ball |x - y|_1 <= 1/M is cut into its 2^d orthant simplices.  On each, every ReLU
    (``Max``) in :func:`f_y_sympy` keeps one sign, so f_y is a polynomial there: it is resolved at
    an interior point, *checked* to equal 1 - M sum_i s_i (x_i - y_i) (else InputError), raised to
    the power p and integrated in x-coordinates, innermost variable first.  Off the ball f_y = 0
    (the shape identity, bump.shape).  An independent cross-check of :func:`lp_norm_power`
    (no Dirichlet formula, no symmetry argument); keep d <= 3.

    >>> lp_norm_power_sympy(2, 8, ["1/4", "1/4"], 1)
    Fraction(1, 96)
    """
    import itertools

    import sympy
    d, p = _int_arg(d, "d", 1), _int_arg(p, "p", 1)
    M = _slope(M)
    y = _centre(y, d, M, grid=False)
    expr, xs = f_y_sympy(d, M, y, variant)
    R = lambda q: sympy.Rational(q.numerator, q.denominator)  # noqa: E731
    Mq, yq = R(M), [R(v) for v in y]
    total = sympy.Integer(0)
    for s in itertools.product((1, -1), repeat=d):
        point = {x: yi + sympy.Rational(si, 2 * d) / Mq for x, yi, si in zip(xs, yq, s)}
        piece = _resolve_max(expr, point)
        want = 1 - Mq * sum(si * (x - yi) for x, yi, si in zip(xs, yq, s))
        if sympy.expand(piece - want) != 0:
            raise ArithmeticError(f"f_y on the orthant piece {s} is {piece}, not the pyramid {want}")
        integrand = sympy.expand(piece**p)
        for k in range(d):
            rest = 1 / Mq - sum(s[j] * (xs[j] - yq[j]) for j in range(k + 1, d))
            lo, hi = (yq[k], yq[k] + rest) if s[k] > 0 else (yq[k] - rest, yq[k])
            integrand = sympy.expand(sympy.integrate(integrand, (xs[k], lo, hi)))
        total += integrand
    total = sympy.nsimplify(total) if not total.is_Rational else total
    if not total.is_Rational:
        raise ArithmeticError(f"lp_norm_power_sympy: integral {total} is not rational")
    return Fraction(int(total.p), int(total.q))
