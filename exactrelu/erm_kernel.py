"""The ERM checker: replays a certificate that the square loss of a sum of ReLUs on rational data
is at least ``lower`` for EVERY choice of parameters (and, with ``params``, that some network attains
``upper``), with exact Fractions and without search.

It imports only the standard library and :mod:`exactrelu.errors` (like :mod:`exactrelu.kernel`, the
producer in :mod:`exactrelu.learning.erm` is untrusted: it hands over every hint, this module only
recomputes and compares).

The claim
---------
Data: points x_1..x_n in Q^d, labels y_1..y_n.  Model, for k ReLUs::

    f(x) = sum_u a_u relu(w_u . x + b_u)          (b_u = 0 when bias is off; w, b, a REAL, unbounded)

and L = sum_i (f(x_i) - y_i)^2.  Since a relu(z) = sign(a) relu(|a| z) (and a = 0 is the unit w = b = 0),
every f is also a sum with a_u in {+1, -1}; reordering the units, the +1 units come first.  So for each
of the k + 1 *sorted* sign vectors s (+1s, then -1s) the certificate gives a tree that proves
L_s(theta) >= lower for every theta = (w_1, b_1, ..., w_k, b_k) in R^(kD), D = d (+1 with bias).

Hyperplanes.  z_{u,i}(theta) = w_u . x_i + b_u is a *linear* form in theta (block u holds x~_i =
(x_i, 1) with bias, x_i without).  The certificate's ``order`` (a permutation of the points) fixes the
sequence of hyperplanes (i, u) for i in order, u = 0..k-1; a tree decides them in that sequence.
State at a node: decided hyperplanes 0..m-1, each with a sign; constraint j is the linear form
G_j = z_j ("-", meaning z_j <= 0) or G_j = -z_j ("+", z_j >= 0); the node's region is
R = {theta : G_j . theta <= 0 for all j < m}.  Point i is *decided* when all its k hyperplanes are;
then on R its model value is the linear form a_i . theta = sum_u s_u [sign(u,i) = +] z_{u,i}(theta),
exactly (relu(z) = z where z >= 0 and 0 where z <= 0).  Every node proves "L_s >= lower on R".

Nodes (JSON dicts; numbers int, Fraction or "p/q" text; a dual is {j: lambda_j} with text/int keys)::

    {"split": true, "neg": node, "pos": node}   the next hyperplane z: "neg" adds z <= 0, "pos" z >= 0
    {"fix": "+-", "duals": [dual, ...], "next": node}
                                                the next len(fix) hyperplanes, one sign each, with a dual
                                                proving it on R: -z = sum lambda_j G_j for "+", z = ... for "-"
    {"bound": dual, "theta": [t_1, ..., t_kD]}  leaf: the Lagrangian bound on the decided points
    {"bound": dual, "theta": [...], "convex": {i: [tau_1, ..., tau_k]}}
                                                the same, with *convex points* i (below) bounded by a
                                                subgradient instead of being decided

Convex points.  When every a_u equals one sign sg (the trees [+1..+1] and [-1..-1]), a point with
sg y_i <= 0 has the loss term (sg r_i - y_i)^2 = (r_i + c_i)^2, r_i = sum_u relu(z_{u,i}), c_i = -sg y_i >= 0:
a convex function of theta (h(r) = (r + c)^2 is convex and nondecreasing on r >= 0, r is convex), so it
needs no branching; a subgradient at theta_l is 2 (r_i + c_i) sum_u tau_u z_{u,i} (as a linear form),
tau_u = 1 where z_{u,i}(theta_l) > 0, 0 where < 0, any value in [0, 1] where = 0.  A tree may give its
own ``order`` (trees[t]["order"]), e.g. with the convex points last, never decided.

There is no "empty" leaf: every region is a cone that contains theta = 0, so none is empty.
"""
from __future__ import annotations

import re as _re
from dataclasses import dataclass
from fractions import Fraction

from .errors import CertificateRejected, KernelLimit

__all__ = ["ErmChecked", "check_erm", "sorted_signs", "FORMAT", "MAX_HYPERPLANES"]

FORMAT = "exactrelu.erm-certificate"
MAX_HYPERPLANES = 400       # n k: bounds the tree depth (each split/fix consumes a hyperplane)
MAX_DIGITS = 100_000
_NUM = _re.compile(r"\s*([+-]?)([0-9]+)(?:\s*/\s*([0-9]+))?\s*\Z")
_INDEX = _re.compile(r"[0-9]{1,9}\Z")
_KEYS = {"format", "version", "relus", "bias", "n", "d", "order", "lower", "loss", "params", "trees"}
_NODE_KEYS = {"split": {"split", "neg", "pos"}, "fix": {"fix", "duals", "next"}, "bound": {"bound", "theta"}}
_OPTIONAL = {"split": set(), "fix": set(), "bound": {"convex"}}


@dataclass(frozen=True)
class ErmChecked:
    """What a replay proved: min over all real parameters of the loss lies in [lower, upper]
    (``upper`` None without params; ``exact`` when lower == upper)."""
    lower: Fraction
    upper: Fraction | None
    relus: int
    bias: bool
    statement: str

    @property
    def exact(self) -> bool:
        return self.upper is not None and self.lower == self.upper


def _txt(v) -> str:
    v = Fraction(v)
    try:
        return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
    except ValueError:                       # beyond Python's int-to-text digit limit: messages only
        return f"<a rational of {v.numerator.bit_length()}/{v.denominator.bit_length()} bits>"


def _int(t: str) -> int:
    """The integer of a digit string of any length (Python's int() refuses more than 4300 digits)."""
    if len(t) <= 4000:
        return int(t)
    h = len(t) // 2
    return _int(t[:-h]) * 10 ** h + _int(t[-h:])


def _q(v, where: str) -> Fraction:
    """A certificate number: int, Fraction, or text "p" / "p/q" (q > 0); nothing else."""
    if isinstance(v, bool):
        raise CertificateRejected(f"{where}: {v!r} is not a number")
    if isinstance(v, (int, Fraction)):
        return Fraction(v)
    m = _NUM.match(v) if isinstance(v, str) and len(v) <= 2 * MAX_DIGITS + 8 else None
    if m and max(len(m[2]), len(m[3] or "")) > MAX_DIGITS:
        raise KernelLimit(f"{where}: a numeral longer than {MAX_DIGITS} digits (the checker's limit)")
    if not m or (m[3] is not None and not m[3].strip("0")):
        raise CertificateRejected(f"{where}: {str(v)[:40]!r} is not an exact rational 'p/q'")
    p = _int(m[2])
    return Fraction(-p if m[1] == "-" else p, _int(m[3] or "1"))


def _vec(x, n: int, where: str) -> list:
    if not isinstance(x, (list, tuple)) or len(x) != n:
        raise CertificateRejected(f"{where}: need a list of {n} numbers")
    return [_q(t, f"{where}[{i}]") for i, t in enumerate(x)]


def _dual(dual, m: int, where: str) -> dict:
    """{j: lambda_j} with 0 <= j < m (the constraints in force) and lambda_j >= 0."""
    if not isinstance(dual, dict):
        raise CertificateRejected(f"{where}: dual must be a dict {{j: lambda_j}}")
    out = {}
    for k, lam in dual.items():
        j = k if type(k) is int else int(k) if type(k) is str and _INDEX.match(k) else -1
        if not 0 <= j < m:
            raise CertificateRejected(f"{where}: dual index {k!r} is not one of the {m} constraints in force")
        lam = _q(lam, f"{where}: multiplier {k}")
        if lam < 0:
            raise CertificateRejected(f"{where}: multiplier {k} is negative ({_txt(lam)})")
        if lam:
            out[j] = out.get(j, 0) + lam
    return out


def sorted_signs(k: int) -> list:
    """The k + 1 sign vectors (+1s first) that stand for all of {+1, -1}^k up to reordering units."""
    return [[1] * p + [-1] * (k - p) for p in range(k, -1, -1)]


class _Replay:
    def __init__(self, pts, ys, k, bias, order, signs, lower):
        self.k, self.lower, self.signs = k, lower, signs
        xt = [list(x) + [Fraction(1)] if bias else list(x) for x in pts]
        self.D = len(xt[0]) if xt else 0
        self.N = k * self.D
        self.ys = ys
        # hyperplane h = (pos in order, unit): point i = order[h // k], unit u = h % k
        self.hyp = [(i, u) for i in order for u in range(k)]
        self.xt = xt
        self.cons = []        # (unit, x~, +1 | -1): G_j . theta = sgn * (x~ . theta_u)
        self.nodes = 0

    def form(self, j):
        """G_j as a dense vector in Q^N."""
        u, x, sg = self.cons[j]
        g = [Fraction(0)] * self.N
        for t, v in enumerate(x):
            g[u * self.D + t] = sg * v
        return g

    def node(self, nd, where):
        self.nodes += 1
        if not isinstance(nd, dict):
            raise CertificateRejected(f"{where}: a node must be a JSON object")
        kinds = [k for k in _NODE_KEYS if k in nd]
        if len(kinds) != 1 or not _NODE_KEYS[kinds[0]] <= set(nd) <= _NODE_KEYS[kinds[0]] | _OPTIONAL[kinds[0]]:
            raise CertificateRejected(f"{where}: not a node (keys {sorted(nd)}; expected one of "
                                      f"{[sorted(v) for v in _NODE_KEYS.values()]})")
        m = len(self.cons)
        if kinds[0] == "split":
            # Sound: {z <= 0} and {z >= 0} cover R, so proving the claim on both parts proves it on R.
            if nd["split"] is not True:
                raise CertificateRejected(f"{where}: split must be true")
            if m >= len(self.hyp):
                raise CertificateRejected(f"{where}: split after every hyperplane is decided")
            i, u = self.hyp[m]
            for side, sg in (("neg", 1), ("pos", -1)):
                self.cons.append((u, self.xt[i], sg))
                self.node(nd[side], f"{where}.{side}")
                self.cons.pop()
        elif kinds[0] == "fix":
            # Sound: with lambda >= 0 and G_j <= 0 on R, sum lambda_j G_j <= 0 on R; the identity
            # -z = sum lambda_j G_j (or z = ...) then proves z >= 0 (z <= 0) on R, so adding the
            # constraint leaves R unchanged, and the claim proven on the smaller list is about R itself.
            fix, duals = nd["fix"], nd["duals"]
            if not isinstance(fix, str) or not fix or set(fix) - {"+", "-"}:
                raise CertificateRejected(f"{where}: fix must be a non-empty string of '+' and '-'")
            if not isinstance(duals, list) or len(duals) != len(fix):
                raise CertificateRejected(f"{where}: duals must be a list of {len(fix)} duals, one per sign")
            if m + len(fix) > len(self.hyp):
                raise CertificateRejected(f"{where}: fixes {len(fix)} hyperplanes, only {len(self.hyp) - m} left")
            for t, (c, dual) in enumerate(zip(fix, duals)):
                i, u = self.hyp[len(self.cons)]
                sg = 1 if c == "-" else -1
                lam = _dual(dual, len(self.cons), f"{where}.duals[{t}]")
                rest = [Fraction(0)] * self.N          # sg z - sum lambda_j G_j must be the zero form
                for v, xv in enumerate(self.xt[i]):
                    rest[u * self.D + v] = sg * xv
                for j, l in lam.items():
                    for v, gv in enumerate(self.form(j)):
                        rest[v] -= l * gv
                if any(rest):
                    raise CertificateRejected(f"{where}.duals[{t}]: does not prove z {'<=' if c == '-' else '>='} 0 "
                                              f"for point {i}, unit {u} (the combination misses by a nonzero form)")
                self.cons.append((u, self.xt[i], sg))
            self.node(nd["next"], f"{where}.next")
            del self.cons[m:]
        else:
            self.bound(nd, where)

    def bound(self, nd, where):
        # Sound (Lagrangian duality, checked without search): on R, L_s(theta) >= q(theta) :=
        # sum over decided points (a_i . theta - y_i)^2 (the other terms are >= 0), and with
        # lambda >= 0, q(theta) >= phi(theta) := q(theta) + sum lambda_j G_j . theta.  phi is convex
        # (squares of affine forms plus a linear form), so a point theta_l where its gradient
        # 2 sum_i (a_i . theta_l - y_i) a_i + sum_j lambda_j G_j vanishes (checked exactly) is a global
        # minimiser of phi over R^N: L_s >= phi(theta_l) on R, and phi(theta_l) >= lower is checked.
        # Convex points (listed in "convex", then left out of q): on R, L_s >= q + sum_i psi_i and
        # psi_i(theta) >= psi_i(theta_l) + g_i . (theta - theta_l) for the subgradient g_i (module doc),
        # so phi gains the affine minorants; it stays convex and the same stationarity check applies.
        m = len(self.cons)
        lam = _dual(nd["bound"], m, f"{where}.bound")
        th = _vec(nd["theta"], self.N, f"{where}.theta")
        cvx = self.convex(nd.get("convex", {}), th, where)
        sign = {}
        for j, (u, x, sg) in enumerate(self.cons):
            sign[self.hyp[j]] = sg
        grad = [Fraction(0)] * self.N
        phi = Fraction(0)
        for i, (psi, g) in cvx.items():
            phi += psi
            grad = [a + b for a, b in zip(grad, g)]
        for i in {i for i, _ in self.hyp[:m]} - set(cvx):
            if not all((i, u) in sign for u in range(self.k)):
                continue
            a = [Fraction(0)] * self.N
            for u in range(self.k):
                if sign[(i, u)] == -1:             # "+": the unit is active, contributes s_u z
                    for v, xv in enumerate(self.xt[i]):
                        a[u * self.D + v] = self.signs[u] * xv
            r = sum(av * tv for av, tv in zip(a, th)) - self.ys[i]
            phi += r * r
            for v in range(self.N):
                grad[v] += 2 * r * a[v]
        for j, l in lam.items():
            g = self.form(j)
            phi += l * sum(gv * tv for gv, tv in zip(g, th))
            for v in range(self.N):
                grad[v] += l * g[v]
        if any(grad):
            raise CertificateRejected(f"{where}: theta is not a stationary point of the Lagrangian "
                                      f"(gradient {[_txt(g) for g in grad]})")
        if phi < self.lower:
            raise CertificateRejected(f"{where}: the dual bound {_txt(phi)} is below the claimed lower bound "
                                      f"{_txt(self.lower)}")

    def convex(self, spec, th, where):
        """{i: (psi_i(theta_l), subgradient g_i)} for the listed convex points, each checked."""
        if not isinstance(spec, dict) or (spec and len(set(self.signs)) != 1):
            raise CertificateRejected(f"{where}.convex: convex points need a dict and equal output signs")
        sg, out = self.signs[0], {}
        for key, taus in spec.items():
            i = int(key) if type(key) is str and _INDEX.match(key) else key if type(key) is int else -1
            if not 0 <= i < len(self.xt) or i in out:
                raise CertificateRejected(f"{where}.convex: {key!r} is not a point index (or repeats one)")
            c = -sg * self.ys[i]
            if c < 0:
                raise CertificateRejected(f"{where}.convex: point {i} (label {_txt(self.ys[i])}) is not convex "
                                          f"under output signs {self.signs}")
            tau = _vec(taus, self.k, f"{where}.convex[{i}]")
            g, r = [Fraction(0)] * self.N, Fraction(0)
            for u in range(self.k):
                z = sum(xv * tv for xv, tv in zip(self.xt[i], th[u * self.D:(u + 1) * self.D]))
                if not (tau[u] == 1 if z > 0 else tau[u] == 0 if z < 0 else 0 <= tau[u] <= 1):
                    raise CertificateRejected(f"{where}.convex[{i}]: tau_{u} = {_txt(tau[u])} is no subgradient "
                                              f"of relu at z = {_txt(z)}")
                r += max(z, Fraction(0))
                for v, xv in enumerate(self.xt[i]):
                    g[u * self.D + v] = tau[u] * xv
            out[i] = ((r + c) ** 2, [2 * (r + c) * gv for gv in g])
        return out


def _loss(pts, ys, params, k, bias, where):
    if not isinstance(params, dict) or set(params) != {"w", "b", "a"}:
        raise CertificateRejected(f"{where}: params must be {{'w': [[...], ...], 'b': [...], 'a': [...]}}")
    d = len(pts[0])
    w = params["w"]
    if not isinstance(w, list) or len(w) != k:
        raise CertificateRejected(f"{where}.w: need {k} rows (one per ReLU)")
    W = [_vec(row, d, f"{where}.w[{u}]") for u, row in enumerate(w)]
    b = _vec(params["b"], k, f"{where}.b")
    a = _vec(params["a"], k, f"{where}.a")
    if not bias and any(b):
        raise CertificateRejected(f"{where}.b: a nonzero bias without bias")
    total = Fraction(0)
    for x, y in zip(pts, ys):
        f = sum(a[u] * max(Fraction(0), sum(wv * xv for wv, xv in zip(W[u], x)) + b[u]) for u in range(k))
        total += (f - y) ** 2
    return total


def check_erm(points, labels, relus: int, bias: bool, cert) -> ErmChecked:
    """Replay ``cert`` against the data (points: lists of Fractions, labels: Fractions), for sums of
    ``relus`` ReLUs with (``bias``) or without biases.  Raises CertificateRejected (saying where)."""
    pts = [tuple(Fraction(v) for v in x) for x in points]
    ys = [Fraction(y) for y in labels]
    n, k = len(pts), relus
    if not isinstance(cert, dict) or cert.get("format") != FORMAT or cert.get("version") != 1:
        raise CertificateRejected(f"certificate: format must be {FORMAT!r}, version 1")
    if set(cert) != _KEYS:
        raise CertificateRejected(f"certificate: unknown keys {sorted(set(cert) - _KEYS)}, "
                                  f"missing keys {sorted(_KEYS - set(cert))}")
    d = len(pts[0]) if pts else 0
    if n == 0 or len(ys) != n or any(len(x) != d for x in pts):
        raise CertificateRejected("data: need n >= 1 points of one dimension and one label each")
    if any(type(cert[key]) is not int for key in ("relus", "n", "d", "version")):
        raise CertificateRejected("certificate: relus, n, d and version must be integers")
    if cert["relus"] != k or cert["bias"] is not bias or cert["n"] != n or cert["d"] != d:
        raise CertificateRejected(f"certificate: it is about relus={cert['relus']!r}, bias={cert['bias']!r}, "
                                  f"n={cert['n']!r}, d={cert['d']!r}; asked: relus={k}, bias={bias}, n={n}, d={d}")
    if n * k > MAX_HYPERPLANES:
        raise KernelLimit(f"n k = {n * k} hyperplanes, beyond the checker's limit {MAX_HYPERPLANES}")
    order = cert["order"]
    if not isinstance(order, list) or any(type(o) is not int for o in order) or sorted(order) != list(range(n)):
        raise CertificateRejected(f"certificate.order: must be a permutation of 0..{n - 1}")
    lower = _q(cert["lower"], "certificate.lower")
    upper = None if cert["params"] is None else _loss(pts, ys, cert["params"], k, bias, "certificate.params")
    if cert["loss"] is not None:     # the claim "min = loss": params must attain it and the trees prove it
        loss = _q(cert["loss"], "certificate.loss")
        if upper is None or upper != loss:
            raise CertificateRejected(f"certificate.params: attain {'nothing' if upper is None else _txt(upper)}, "
                                      f"not the claimed loss {_txt(loss)}")
        if lower != loss:
            raise CertificateRejected(f"certificate.lower: {_txt(lower)} differs from the claimed loss {_txt(loss)}")
    if upper is not None and upper < lower:
        raise CertificateRejected(f"certificate: params attain {_txt(upper)}, below the claimed lower bound "
                                  f"{_txt(lower)}: some tree must be wrong")
    trees = cert["trees"]
    want = sorted_signs(k)
    if not isinstance(trees, list) or len(trees) != len(want):
        raise CertificateRejected(f"certificate.trees: need {len(want)} trees, one per sign vector {want}")
    for t, (tree, s) in enumerate(zip(trees, want)):
        if not isinstance(tree, dict) or set(tree) - {"order"} != {"a", "tree"} or tree["a"] != s:
            raise CertificateRejected(f"certificate.trees[{t}]: must be {{'a': {s}, 'tree': node}} "
                                      f"(and optionally 'order')")
        tord = tree.get("order", order)
        if not isinstance(tord, list) or any(type(o) is not int for o in tord) or sorted(tord) != list(range(n)):
            raise CertificateRejected(f"certificate.trees[{t}].order: must be a permutation of 0..{n - 1}")
        r = _Replay(pts, ys, k, bias, tord, s, lower)
        r.node(tree["tree"], f"trees[{t}].tree")
    what = (f"sum_i (sum_u a_u relu(w_u . x_i{' + b_u' if bias else ''}) - y_i)^2 over all real "
            f"w{', b' if bias else ''}, a (k = {k}, n = {n}, d = {d})")
    if upper is not None and upper == lower:
        st = f"min {what} = {_txt(lower)}, attained by the given params"
    else:
        st = f"{_txt(lower)} <= min {what}" + ("" if upper is None else f" <= {_txt(upper)}")
    return ErmChecked(lower, upper, k, bias, st)
