"""Figure 1 of Doron-Arad and Mossel (2026), reproduced beside the exact rational computation.

The paper plots log10 ||grad_{W1} L||_2 against depth (the number of hidden layers) for randomly
initialised MLPs with sigma = x^2 and with ReLU, weights scaled by 3 on every layer; it states no
width, seed, input, loss or distribution.  Ours (:class:`Setup`, printed with every run):

* an MLP with ``depth`` hidden layers of width w, input dimension w, one output; biases 0;
* every weight 3 k / 16 with k uniform in {-16, ..., 16} (3 times a uniform draw from [-1, 1] on a
  grid of 1/16), one net per depth from ``random.Random(seed * 1000 + depth)``, the same net for
  both activations;
* the input x_i = k / 16, k uniform in {-16, ..., 16}, from ``random.Random(seed)``;
* the square loss 1/2 (f(x) - 0)^2 of that one sample, W1 the first layer's weights.

Every weight and input is a dyadic rational with few bits, so float64 and the exact computation
start from the same numbers.  The float64 side is a numpy forward and backward pass; its norm is
taken as max|g| * ||g / max|g|||, so the norm itself does not overflow before the gradient does.
The exact side is :func:`~exactrelu.bitmodel.passes.backprop` on the DAG of the same net under a
bit budget and a time budget per pass; log10 of the exact norm is half of log10 of the exact squared
norm.  At the first depth where the exact pass stops at a budget, the deeper ones are not attempted.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np

from ..errors import InputError, LimitReached
from ..net import Net
from ..numbers import log10
from .activations import poly, relu
from .dag import from_net
from .losses import square
from .passes import backprop

__all__ = ["Setup", "mlp", "point", "measure", "figure1", "ACTIVATIONS", "draw"]

ACTIVATIONS = ("relu", "x2")
_GRID = 16


@dataclass(frozen=True)
class Setup:
    """The choices the paper leaves open (module docstring); defaults run in a few seconds."""
    width: int = 8
    seed: int = 0
    max_depth: int = 12
    bits_budget: int = 1_000_000
    seconds: float = 10.0
    scale: int = 3

    def describe(self) -> str:
        return (f"width {self.width} (input dimension {self.width}), biases 0, weights {self.scale}k/{_GRID} with k "
                f"uniform in [-{_GRID}, {_GRID}], input k/{_GRID}, seed {self.seed}, square loss 1/2 f(x)^2 of one "
                f"sample; exact passes under a budget of {self.bits_budget} bits per quantity and "
                f"{self.seconds:g} s per pass")


def mlp(setup: Setup, depth: int) -> Net:
    """The random MLP with ``depth`` hidden layers (depth + 1 affine layers)."""
    rng = random.Random(setup.seed * 1000 + depth)
    w = setup.width
    dims = [w] * (depth + 1) + [1]

    def entry():
        return Fraction(setup.scale * rng.randint(-_GRID, _GRID), _GRID)
    return Net([([[entry() for _ in range(dims[l])] for _ in range(dims[l + 1])], [Fraction(0)] * dims[l + 1])
                for l in range(depth + 1)])


def point(setup: Setup) -> tuple[Fraction, ...]:
    rng = random.Random(setup.seed)
    return tuple(Fraction(rng.randint(-_GRID, _GRID), _GRID) for _ in range(setup.width))


def _float64(net: Net, x, act: str):
    """log10 ||dL/dW1||_2 in float64, or (None, reason)."""
    Ws = [np.array([[float(v) for v in row] for row in lay.weight]) for lay in net.layers]
    with np.errstate(all="ignore"):
        a, zs, hs = np.array([float(v) for v in x]), [], []
        for l, W in enumerate(Ws):
            hs.append(a)
            z = W @ a
            zs.append(z)
            a = z if l == len(Ws) - 1 else (np.maximum(z, 0) if act == "relu" else z * z)
        d = a - 0.0                                           # dL/df for 1/2 (f - 0)^2
        for l in range(len(Ws) - 1, 0, -1):
            d = Ws[l].T @ d
            d = d * ((zs[l - 1] > 0) if act == "relu" else 2 * zs[l - 1])
        g = np.outer(d, hs[0])
        m = np.max(np.abs(g))
        norm = m * np.linalg.norm(g / m) if m > 0 and math.isfinite(m) else m
    if not math.isfinite(norm):
        return None, "float64: the gradient overflowed (inf or nan)"
    if norm == 0:
        return None, "float64: the gradient is 0"
    return math.log10(norm), None


def _exact(net: Net, x, act: str, setup: Setup):
    """(log10 ||dL/dW1||_2, max bits, None) from the exact pass, or (None, None, reason)."""
    dag, theta = from_net(net, relu() if act == "relu" else poly([0, 0, 1]))
    try:
        p = backprop(dag, theta, [(list(x), [0])], square, setup.bits_budget, seconds=setup.seconds, as_fmpq=True)
    except LimitReached as e:
        return None, None, f"exact: {e}"
    first = [e for e in dag.edges if e[0].startswith("x")]
    sq = sum((p.grad_w[e] ** 2 for e in first), flint.fmpq(0))
    if sq == 0:
        return None, p.report.max, "exact: the gradient is 0"
    return (log10(int(sq.p)) - log10(int(sq.q))) / 2, p.report.max, None


def measure(setup: Setup, depth: int, act: str, *, exact: bool = True) -> dict:
    """One entry of the figure: {"log10_grad_float64", "log10_grad_exact", "max_bits"} (+ "reason")."""
    net, x = mlp(setup, depth), point(setup)
    f64, why64 = _float64(net, x, act)
    ex, bits, whyex = _exact(net, x, act, setup) if exact else (None, None, None)
    entry = {"log10_grad_float64": f64, "log10_grad_exact": ex, "max_bits": bits}
    reasons = [r for r in (why64, whyex) if r]
    if reasons:
        entry["reason"] = "; ".join(reasons)
    return entry


def figure1(setup: Setup = Setup()) -> dict:
    """{"relu": {"1": entry, ...}, "x2": {...}} for depths 1..max_depth (see :func:`measure`)."""
    out = {}
    for act in ACTIVATIONS:
        rows, stopped = {}, None
        for depth in range(1, setup.max_depth + 1):
            if stopped is None:
                rows[str(depth)] = e = measure(setup, depth, act)
                if e["log10_grad_exact"] is None and e["max_bits"] is None:
                    stopped = depth
            else:
                e = measure(setup, depth, act, exact=False)
                why = f"exact: not attempted, the exact pass already stopped at a budget at depth {stopped}"
                e["reason"] = f"{e['reason']}; {why}" if "reason" in e else why
                rows[str(depth)] = e
        out[act] = rows
    return out


def draw(path, result: dict, setup: Setup) -> None:
    """The figure, written atomically: log10 of the gradient norm (float64 and exact) and the
    exact passes' bit lengths against depth."""
    try:
        import matplotlib
    except ImportError:
        raise InputError("matplotlib is not installed: pip install 'exactrelu[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from ..io import write_atomic

    style = {"relu": ("tab:blue", "ReLU"), "x2": ("tab:red", "x^2")}
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)
    low = 0.0
    for act, rows in result.items():
        color, label = style[act]
        for key, marker, ls, tag in (("log10_grad_float64", "o", "-", "float64"),
                                     ("log10_grad_exact", "s", "--", "exact")):
            pts = [(int(d), e[key]) for d, e in rows.items() if e[key] is not None]
            if pts:
                ax.plot(*zip(*pts), marker=marker, ls=ls, color=color, mfc="none" if tag == "exact" else color,
                        ms=9 if tag == "exact" else 5, label=f"{label}, {tag}")
                low = min([low, *(v for _, v in pts)])
        pts = [(int(d), e["max_bits"]) for d, e in rows.items() if e["max_bits"] is not None]
        if pts:
            bx.semilogy(*zip(*pts), marker="s", color=color, label=f"{label}, exact")
    ax.axhline(math.log10(np.finfo(float).max), color="gray", lw=0.8, ls=":", label="float64 max (1.8e308)")
    ax.set_yscale("symlog", linthresh=10)
    ax.set_ylim(bottom=low - 1)
    ax.set_xlabel("depth (number of hidden layers)")
    ax.set_ylabel("log10 ||grad_W1 L||_2")
    ax.set_title("Figure 1 of Doron-Arad & Mossel (2026), float64 beside exact", fontsize=10)
    ax.legend(fontsize=8)
    bx.set_xlabel("depth (number of hidden layers)")
    bx.set_ylabel("max bits of any quantity in the exact pass")
    bx.set_title("bit length: additive for ReLU, doubling for x^2", fontsize=10)
    bx.legend(fontsize=8)
    fig.suptitle(setup.describe(), fontsize=7.5)
    ext = str(path).rsplit(".", 1)[-1].lower()
    try:
        write_atomic(path, lambda f: fig.savefig(f, format=ext, dpi=120))
    finally:
        plt.close(fig)
