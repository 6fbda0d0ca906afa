"""The Lipschitz bound of the class N(d, L, B, c, q), by induction on the layers, in exact arithmetic.

Slides [S]: Lip_{l2}(phi) <= c^L sqrt(d) B^(L-1) for every phi in N (q = inf).  General q, a
[R] reconstruction (docs/derivations.md §4): ||W||_{2->2} <= ||W||_F <= (#entries)^((1/2 - 1/q)_+) ||W||_q
and ReLU is 1-Lipschitz, so

    Lip_{l2}(phi) <= c^L d^((1/2 - 1/q)_+) B^((L-1)(1 - 2/q)_+).

Squared, the bound is c^(2L) d^((1 - 2/q)_+) B^(2(L-1)(1 - 2/q)_+): rational exponents for
integer q, so the bound is a product of rational powers of rationals.  A PowerProduct holds
such a product (:class:`exactrelu.theory.bounds.PowerProduct`) and decides comparisons with
rationals *exactly* (both sides raised to the common denominator of the exponents); a float
is only for display.

The induction never uses which activation pattern is feasible: it bounds
||W_L D_{L-1} W_{L-1} ... D_1 W_1|| for *every* 0/1 diagonal D_l.  :func:`max_pattern_gradient_sq`
computes that maximum exactly for small scalar networks.

References
----------
.. [S] Berner, Grohs, Voigtlaender, ICLR 2023, slides: Lipschitz bound by induction on layers.
.. [R] Reconstruction (general q): docs/derivations.md §4.
"""
from __future__ import annotations

import itertools
from fractions import Fraction

from ..errors import InputError, LimitReached
from ..net import INF, Net, _check_q
from ..numbers import fmt, to_rational
from .bounds import PowerProduct

__all__ = ["PowerProduct", "bound_ge", "positive_part_exponent", "scale_into_class", "extremal_net", "lipschitz_bound_squared", "max_pattern_gradient_sq",
           "gradient_sq", "bump_ratio_squared"]


def bound_ge(bound: PowerProduct, x) -> bool:
    """Decide x <= bound exactly (x any rational; a nonpositive x is always below a positive bound)."""
    x = to_rational(x, what="x")
    return True if x <= 0 else bound >= x


def positive_part_exponent(q) -> Fraction:
    """(1 - 2/q)_+ exactly: 0 for q <= 2, (q - 2)/q for integer q > 2, 1 for q = inf."""
    q = _check_q(q)
    if q == INF:
        return Fraction(1)
    return max(Fraction(0), 1 - Fraction(2, q))


def lipschitz_bound_squared(d: int, L: int, B: int, c, q=INF) -> PowerProduct:
    """Squared l2-Lipschitz bound of N(d, L, B, c, q): c^(2L) d^((1-2/q)_+) B^(2(L-1)(1-2/q)_+).

    Slides [S] for q = inf (c^L sqrt(d) B^(L-1), squared); general q [R] reconstruction (docs/derivations.md §4).

    Parameters
    ----------
    d, L, B : int >= 1
    c : rational > 0
    q : int >= 1 or inf

    Returns
    -------
    PowerProduct
        ``.exact()`` is the Fraction when the bound is rational (always for q in {1, 2, inf});
        :func:`bound_ge` (or ``>=``) decides x <= bound exactly; ``.enclose()`` gives rational
        bounds otherwise.

    Examples
    --------
    >>> lipschitz_bound_squared(2, 3, 6, 1).exact()        # 1 * 2 * 6^4
    Fraction(2592, 1)
    >>> r = lipschitz_bound_squared(2, 3, 6, 1, q=3)        # 2^(1/3) 6^(4/3): irrational
    >>> r.exact() is None, bound_ge(r, 13), bound_ge(r, 14)
    (True, True, False)
    """
    for name, v in (("d", d), ("L", L), ("B", B)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise InputError(f"{name}={v!r} must be an integer >= 1")
    c = to_rational(c, what="c")
    if c <= 0:
        raise InputError(f"c={fmt(c)} must be > 0")
    e = positive_part_exponent(q)
    return PowerProduct([(c, 2 * L), (d, e), (B, 2 * (L - 1) * e)])


def gradient_sq(net: Net, pattern) -> Fraction:
    """||W_L D_{L-1} W_{L-1} ... D_1 W_1||_2^2 for a scalar network and 0/1 pattern (one tuple per hidden layer)."""
    if net.output_dim != 1:
        raise InputError(f"gradient_sq: scalar networks only (output_dim = {net.output_dim})")
    row = list(net.layers[-1].weight[0])
    for l in range(net.depth - 2, -1, -1):
        mask = pattern[l]
        W = net.layers[l].weight
        row = [sum((row[i] * W[i][j] for i in range(len(row)) if mask[i]), Fraction(0))
               for j in range(len(W[0]))]
    return sum((g * g for g in row), Fraction(0))


def max_pattern_gradient_sq(net: Net, limit: int = 1 << 16) -> Fraction:
    """Max over *all* 0/1 activation patterns (feasible or not) of :func:`gradient_sq`.

    This is the quantity the induction of docs/derivations.md §4 bounds; it is >= the squared Lipschitz
    constant of the realization.  Exponential in the number of neurons: refuses more than
    ``limit`` patterns (LimitReached).
    """
    widths = net.widths
    total = 1 << sum(widths)
    if total > limit:
        raise LimitReached(f"max_pattern_gradient_sq: {total} patterns > limit {limit}")
    best = Fraction(0)
    for bits in itertools.product((0, 1), repeat=sum(widths)):
        pat, k = [], 0
        for w in widths:
            pat.append(bits[k:k + w])
            k += w
        best = max(best, gradient_sq(net, pat))
    return best


def bump_ratio_squared(d: int) -> Fraction:
    """(1/(6d))^2: docs/derivations.md §4 ([R] reconstruction) says the bump's gradient norm is 1/(6d) of the q = inf bound."""
    return Fraction(1, 36 * d * d)


def scale_into_class(net: Net, c, q) -> Net:
    """Scale each layer by a rational t_l <= 1 so that max(||W_l||_q, ||b_l||_q) <= c exactly.

    t_l = c / r_l with r_l a rational upper bound of the layer's l^q norm (exact for q in {1, inf},
    an integer-root upper bound within 2^-20 otherwise), so the result sits at (or just inside) the
    boundary of N(., ., ., c, q).  Used to draw class members near the bound.
    """
    from ..net import Layer
    from ..numbers import iroot_ceil
    c, q = to_rational(c, what="c"), _check_q(q)
    out = []
    for lay, (w, b) in zip(net.layers, net.layer_norm_power(q)):
        s = max(w, b)
        if q == INF or q == 1 or s == 0:
            r = s
        else:
            scale = 1 << 20
            r = Fraction(iroot_ceil(-(-s.numerator * scale**q // s.denominator), q), scale)
        t = c / r if r > c else Fraction(1)
        out.append(Layer(tuple(tuple(t * v for v in row) for row in lay.weight), tuple(t * v for v in lay.bias)))
    res = Net(out, input_dim=net.input_dim)
    if not res.norm_le(c, q):  # cannot happen; never return a non-member silently
        raise InputError(f"scale_into_class: result not in the class (c={fmt(c)}, q={q})")
    return res


def extremal_net(d: int, L: int, B: int, c, q) -> Net | None:
    """The all-equal network that attains the bound: every weight of layer l equals c n_l^(-1/q)
    (n_l its number of weights), biases 0, so ||W_l||_q = c and on [0, inf)^d every neuron is active.

    Its gradient is c^L d^((1/2-1/q)) B^((L-1)(1-2/q)) (1, ..., 1)/sqrt(d) for q >= 2, i.e. it has the
    bound as its exact Lipschitz constant [R].  For q < 2 one path of weights c (a single entry per
    layer) attains c^L.  Returns None when the entries are irrational (n_l not a perfect q-th power).
    """
    from ..numbers import iroot_floor
    c, q = to_rational(c, what="c"), _check_q(q)
    shapes = [(B, d)] + [(B, B)] * (L - 2) + [(1, B)] if L >= 2 else [(1, d)]
    layers = []
    for out_dim, in_dim in shapes:
        if q != INF and q < 2:
            W = [[c if (i == 0 and j == 0) else Fraction(0) for j in range(in_dim)] for i in range(out_dim)]
        else:
            n = out_dim * in_dim
            if q == INF:
                v = c
            else:
                r = iroot_floor(n, q)
                if r**q != n:
                    return None
                v = c / r
            W = [[v] * in_dim for _ in range(out_dim)]
        layers.append((W, [Fraction(0)] * out_dim))
    return Net(layers, input_dim=d)
