"""Exact ReLU networks (domain QQ), their float64 twin (domain F64), and the class N(d, L, B, c, q).

Conventions (Berner, Grohs, Voigtlaender, ICLR 2023): a network has L affine layers,
ReLU after every one but the last; ``weight[l]`` has shape (out, in).  The parameter norm
of the class is ``max_l max(||W_l||_q, ||b_l||_q)`` with the *entrywise* l^q norm,
biases included.  Norm comparisons are decided exactly: for integer q we compare
``sum |w|^q`` with ``c^q``, never a floating q-th root.

The only bridge from QQ to F64 is :meth:`Net.to_float64`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from .errors import CertificateRejected, DomainMismatch, InputError, InvalidNet, KernelLimit
from .numbers import fmt, to_rational

__all__ = ["Layer", "Net", "NetF64", "NetClass", "INF", "CertificateRejected", "KernelLimit",
           "DomainMismatch", "InputError", "InvalidNet"]

INF = math.inf


@dataclass(frozen=True)
class Layer:
    """One affine map x -> weight @ x + bias, exact entries."""
    weight: tuple  # tuple of rows, each a tuple of Fraction
    bias: tuple    # tuple of Fraction

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.weight), len(self.weight[0]) if self.weight else 0)

    def entries(self):
        """Every weight, then every bias."""
        for row in self.weight:
            yield from row
        yield from self.bias


def _layer(l, weight, bias, in_dim, where) -> Layer:
    tag = f"{where}layer {l}"
    if not isinstance(weight, (list, tuple)) or len(weight) == 0:
        raise InvalidNet(f"{tag}: weight must be a non-empty list of rows")
    rows = []
    for i, row in enumerate(weight):
        if not isinstance(row, (list, tuple)):
            raise InvalidNet(f"{tag}: weight row {i} is not a list")
        if len(row) != in_dim:
            raise InvalidNet(f"{tag}: weight row {i} has {len(row)} entries, expected {in_dim} "
                             f"(the {'input dimension' if l == 0 else 'width of layer ' + str(l - 1)})")
        rows.append(tuple(to_rational(v, what=f"{tag} weight[{i}][{j}]") for j, v in enumerate(row)))
    if not isinstance(bias, (list, tuple)):
        raise InvalidNet(f"{tag}: bias must be a list")
    if len(bias) != len(rows):
        raise InvalidNet(f"{tag}: bias has {len(bias)} entries, weight has {len(rows)} rows")
    b = tuple(to_rational(v, what=f"{tag} bias[{i}]") for i, v in enumerate(bias))
    return Layer(tuple(rows), b)


class Net:
    """A ReLU network with exact rational parameters.

    Parameters
    ----------
    layers : sequence of (weight, bias) pairs or :class:`Layer`; numbers as ints,
        Fractions or exact text ("1/3", "0.25").
    input_dim : optional; checked against the first weight when given.
    domain : optional box [(lo, hi), ...]; default [0, 1]^d.

    >>> net = Net([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])   # |x| as relu(x) + relu(-x)
    >>> net([Fraction(-3, 4)])
    (Fraction(3, 4),)
    """
    domain_kind = "QQ"

    def __init__(self, layers, input_dim: int | None = None, domain=None, *, where: str = ""):
        if not isinstance(layers, (list, tuple)) or len(layers) == 0:
            raise InvalidNet(f"{where}network needs at least one layer")
        first = layers[0]
        w0 = first.weight if isinstance(first, Layer) else first[0]
        if input_dim is None:
            if not isinstance(w0, (list, tuple)) or not w0 or not isinstance(w0[0], (list, tuple)):
                raise InvalidNet(f"{where}layer 0: weight must be a non-empty list of rows")
            input_dim = len(w0[0])
        if not isinstance(input_dim, int) or isinstance(input_dim, bool) or input_dim < 1:
            raise InvalidNet(f"{where}input_dim={input_dim!r} must be an integer >= 1")
        built, width = [], input_dim
        for l, lay in enumerate(layers):
            if isinstance(lay, Layer):
                w, b = lay.weight, lay.bias
            elif isinstance(lay, (list, tuple)) and len(lay) == 2:
                w, b = lay
            else:
                raise InvalidNet(f"{where}layer {l}: expected a (weight, bias) pair")
            built.append(_layer(l, w, b, width, where))
            width = len(built[-1].bias)
        self.layers: tuple[Layer, ...] = tuple(built)
        self.input_dim = input_dim
        self.domain = None if domain is None else tuple(
            (to_rational(lo, what=f"{where}domain[{i}] lo"), to_rational(hi, what=f"{where}domain[{i}] hi"))
            for i, (lo, hi) in enumerate(domain))
        if self.domain is not None:
            if len(self.domain) != input_dim:
                raise InvalidNet(f"{where}domain has {len(self.domain)} intervals, input_dim is {input_dim}")
            for i, (lo, hi) in enumerate(self.domain):
                if lo > hi:
                    raise InvalidNet(f"{where}domain[{i}]: lo {fmt(lo)} > hi {fmt(hi)}")

    # -- architecture ------------------------------------------------------------------
    @property
    def depth(self) -> int:
        """L, the number of affine layers."""
        return len(self.layers)

    @property
    def widths(self) -> tuple[int, ...]:
        """Hidden widths (L - 1 numbers)."""
        return tuple(len(lay.bias) for lay in self.layers[:-1])

    @property
    def output_dim(self) -> int:
        return len(self.layers[-1].bias)

    @property
    def architecture(self) -> tuple[int, ...]:
        """(d, widths..., output_dim)."""
        return (self.input_dim, *self.widths, self.output_dim)

    @property
    def n_params(self) -> int:
        return sum(len(lay.bias) * (len(lay.weight[0]) + 1) for lay in self.layers)

    def box(self):
        """The network's domain, [0, 1]^d unless the file said otherwise."""
        return self.domain or tuple((Fraction(0), Fraction(1)) for _ in range(self.input_dim))

    # -- parameter norms (entrywise, per layer, biases included) -----------------------
    def layer_norm_power(self, q) -> list[tuple[Fraction, Fraction]]:
        """Per layer (sum |W|^q, sum |b|^q) for integer q, or (max|W|, max|b|) for q = inf."""
        q = _check_q(q)
        out = []
        for lay in self.layers:
            ws = [abs(w) for row in lay.weight for w in row]
            bs = [abs(b) for b in lay.bias]
            if q == INF:
                out.append((max(ws), max(bs)))
            else:
                out.append((sum(w**q for w in ws), sum(b**q for b in bs)))
        return out

    def param_norm_power(self, q) -> Fraction:
        """max over layers of max(||W||_q^q, ||b||_q^q) (for q = inf: the largest |entry|)."""
        return max(max(pair) for pair in self.layer_norm_power(q))

    def param_norm(self, q) -> Fraction | float:
        """The class norm: exact for q in {1, inf} (and when the root is rational); else a float for display."""
        q = _check_q(q)
        s = self.param_norm_power(q)
        if q in (1, INF):
            return s
        r = _rational_root(s, q)
        return r if r is not None else float(s) ** (1.0 / q)

    def norm_le(self, c, q) -> bool:
        """Decide exactly whether max_l max(||W_l||_q, ||b_l||_q) <= c."""
        c, q = to_rational(c, what="c"), _check_q(q)
        if c < 0:
            return False
        return self.param_norm_power(q) <= (c if q == INF else c**q)

    # -- evaluation (the kernel's exact evaluator) -------------------------------------
    def __call__(self, x) -> tuple[Fraction, ...]:
        from .kernel import evaluate  # the kernel imports this module; import lazily
        return evaluate(self, x)

    def to_float64(self) -> "NetF64":
        """The one explicit bridge QQ -> F64 (each entry rounded to nearest)."""
        import numpy as np
        try:
            return NetF64([(np.array([[float(w) for w in row] for row in lay.weight], dtype=np.float64),
                            np.array([float(b) for b in lay.bias], dtype=np.float64))
                           for lay in self.layers])
        except OverflowError:
            where = next((f"layer {l} {'weight' if k == 0 else 'bias'}" for l, lay in enumerate(self.layers)
                          for k, vals in enumerate(([w for row in lay.weight for w in row], lay.bias))
                          if any(abs(v) > 2 ** 1023 for v in vals)), "a parameter")
            raise InputError(f"to_float64: {where} has an entry beyond the float64 range (about 1.8e308), "
                             "which float evaluation (float learners, float-guided search, plots) cannot use") from None

    def to_dict(self) -> dict:
        """The docs/formats.md network file as a dict (numbers as exact text)."""
        d = {"format": "exactrelu.net", "version": 1, "input_dim": self.input_dim,
             "layers": [{"weight": [[fmt(w) for w in row] for row in lay.weight],
                         "bias": [fmt(b) for b in lay.bias]} for lay in self.layers]}
        if self.domain is not None:
            d["domain"] = [[fmt(lo), fmt(hi)] for lo, hi in self.domain]
        return d

    def __eq__(self, other):
        return isinstance(other, Net) and self.layers == other.layers and self.input_dim == other.input_dim

    def __hash__(self):
        return hash(self.layers)

    def __repr__(self):
        return f"Net({'-'.join(map(str, self.architecture))}, QQ)"

    def __matmul__(self, other):
        raise DomainMismatch("use exactrelu.calculus.compose for networks")


def _rational_root(s: Fraction, q: int) -> Fraction | None:
    from .numbers import iroot_floor
    p, r = iroot_floor(s.numerator, q), iroot_floor(s.denominator, q)
    return Fraction(p, r) if p**q == s.numerator and r**q == s.denominator else None


def _check_q(q):
    if q in ("inf", "Inf", "infinity") or q == INF:
        return INF
    if isinstance(q, str):
        try:
            q = int(q)
        except ValueError:
            raise InputError(f"q={q!r} must be a positive integer or 'inf'") from None
    if isinstance(q, bool) or not isinstance(q, int) or q < 1:
        raise InputError(f"q={q!r} must be a positive integer or 'inf'")
    return q


class NetF64:
    """Float64 twin of a :class:`Net`, for sweeps and plots; never decides a claim."""
    domain_kind = "F64"

    def __init__(self, layers):
        import numpy as np
        self.layers = [(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)) for W, b in layers]
        self.input_dim = self.layers[0][0].shape[1]

    def __call__(self, X):
        """Batched evaluation: X of shape (n, d) -> (n, out)."""
        import numpy as np
        A = np.asarray(X)
        if A.dtype == object:
            raise DomainMismatch("QQ @ F64: exact points given to a float64 network; convert explicitly")
        A = A.astype(np.float64)
        if A.ndim == 1:
            A = A[None, :]
        last = len(self.layers) - 1
        for l, (W, b) in enumerate(self.layers):
            A = A @ W.T + b
            if l < last:
                np.maximum(A, 0.0, out=A)
        return A

    @property
    def depth(self):
        return len(self.layers)

    def __repr__(self):
        dims = [self.input_dim] + [W.shape[0] for W, _ in self.layers]
        return f"NetF64({'-'.join(map(str, dims))})"


@dataclass(frozen=True)
class NetClass:
    """N(d, L, B, c, q): input dim d, L affine layers, hidden widths <= B (zero-padding embeds a
    narrower net without changing its norms), scalar output, parameter norm <= c in l^q."""
    d: int
    L: int
    B: int
    c: Fraction
    q: object = INF

    def __post_init__(self):
        for name in ("d", "L", "B"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InputError(f"{name}={v!r} must be an integer >= 1")
        object.__setattr__(self, "c", to_rational(self.c, what="c"))
        object.__setattr__(self, "q", _check_q(self.q))

    def why_not(self, net: Net) -> str | None:
        """None if ``net`` belongs to the class, else the first reason it does not."""
        if net.input_dim != self.d:
            return f"input dimension {net.input_dim} != d = {self.d}"
        if net.depth != self.L:
            return f"depth {net.depth} != L = {self.L}"
        if net.output_dim != 1:
            return f"output dimension {net.output_dim} != 1"
        wide = [w for w in net.widths if w > self.B]
        if wide:
            return f"hidden width {max(wide)} > B = {self.B}"
        if not net.norm_le(self.c, self.q):
            return f"parameter norm exceeds c = {fmt(self.c)} (q = {self.q})"
        return None

    def __contains__(self, net: Net) -> bool:
        return self.why_not(net) is None
