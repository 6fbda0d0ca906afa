"""Teacher-student experiments: the sampled L-infinity error beside the certified sup.

The paper's experiments (Berner, Grohs, Voigtlaender, ICLR 2023, §3; reference code
``juliusberner/theory2practice``, docs/derivations.md §11) train student networks with Adam on m samples of
random teacher networks and report the L-infinity error as the **maximum over random test
points** (2^24 of them), a Monte Carlo *lower estimate* of the true uniform error.  Here the
same pipeline is scaled down to run in seconds, and the sampled estimate is set beside the
certified sup of |student - teacher| (:func:`exactrelu.analysis.sup.sup`), replayed by the kernel.

Setting (as the reference code, made exact):

* **domain [-1/2, 1/2]^d** (the code's, not the paper's [0, 1]^d); training and test points
  uniform on it, float64;
* **teachers**: depth L (affine layers), width B, weights and biases uniform on [-1/2, 1/2],
  here drawn *exactly* as k / 2^16 with k uniform in [-2^15, 2^15]: an exact Net in
  N(d, L, B, 1/2, inf) whose entries are also exact float64 numbers;
* **students**: ReLU networks with input standardisation x / std, std = 1/sqrt(12) (the code's
  ``standardize: true``; the float64 constant is folded exactly into the first layer when the
  student is read back), default PyTorch initialization drawn from a seeded generator;
* **training**: float64 torch, MSE, Adam, shuffled mini-batches of ceil(0.2 m) (the code's exp_0),
  ExponentialLR stepped per epoch from ``lr`` to ``lr / 100`` (the code decays 1e-4 -> 1e-6 over
  5000 epochs; here fewer epochs and a larger rate);
* **sampled errors**: float64 max / mean / root-mean-square of |student - teacher| over n_test
  uniform points (the code's L-infinity, L1, L2), and the *exact* errors at the same points
  (every float64 point is an exact rational; the student is the exact Net of its float64 weights);
* **certified error**: the sup of |student - teacher| over the closed box, with certificate.

>>> T = teacher(1, 3, 4, seed=0)
>>> T.architecture, T.norm_le("1/2", "inf"), T.box()[0]
((1, 4, 4, 1), True, (Fraction(-1, 2), Fraction(1, 2)))
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..errors import InputError
from ..net import Net
from ..numbers import fmt, to_integer

__all__ = ["HALF_BOX", "TEACHER_BITS", "teacher", "uniform_points", "train_student", "TrainConfig",
           "sampled_errors", "exact_errors", "exact_outputs", "certified_sup", "CaseResult", "run_case"]

#: Denominator exponent of the exact uniform teacher entries k / 2^TEACHER_BITS.
TEACHER_BITS = 16
#: The reference code's standard deviation of U[-1/2, 1/2] is 1/sqrt(12); students see x * sqrt(12).
STANDARDIZE_SCALE = math.sqrt(12.0)


def HALF_BOX(d: int):  # noqa: N802
    """[-1/2, 1/2]^d, the reference code's domain."""
    return tuple((Fraction(-1, 2), Fraction(1, 2)) for _ in range(d))


def _pos_int(v, name, least=1):
    if isinstance(v, bool) or not isinstance(v, int):
        raise InputError(f"{name}={v!r} must be an integer >= {least}")
    return to_integer(v, what=name, least=least)


def teacher(d: int, L: int, B: int, seed: int, *, bits: int = TEACHER_BITS) -> Net:
    """A random teacher in N(d, L, B, 1/2, inf): ``FeedForward(depth=L, width=B)`` of the reference
    code with weights and biases uniform on [-1/2, 1/2], drawn exactly as k / 2^bits."""
    d, L, B, bits = _pos_int(d, "d"), _pos_int(L, "L"), _pos_int(B, "B"), _pos_int(bits, "bits")
    rng = np.random.default_rng(seed)
    dims = [d] + [B] * (L - 1) + [1]
    half = 2 ** (bits - 1)
    den = 2**bits

    def draw(*shape):
        return rng.integers(-half, half, size=shape, endpoint=True).tolist()
    layers = []
    for l in range(L):
        W = [[Fraction(k, den) for k in row] for row in draw(dims[l + 1], dims[l])]
        b = [Fraction(k, den) for k in draw(dims[l + 1])]
        layers.append((W, b))
    return Net(layers, input_dim=d, domain=HALF_BOX(d))


def uniform_points(rng, n: int, d: int) -> np.ndarray:
    """n float64 points uniform on [-1/2, 1/2)^d (``rng.random() - 0.5`` is exact in float64)."""
    return rng.random((n, d)) - 0.5


# -- exact evaluation at many points ------------------------------------------------------------

def exact_outputs(net: Net, X) -> list[Fraction]:
    """Exact scalar outputs of ``net`` at the rows of X (floats, read exactly, or Fractions),
    through the batched exact engine (:func:`exactrelu.evaluate.evaluate_batch`)."""
    from ..evaluate import evaluate_batch
    if net.output_dim != 1:
        raise InputError(f"exact_outputs: network has {net.output_dim} outputs, expected 1")
    pts = [tuple(v if isinstance(v, Fraction) else Fraction(float(v)) for v in row) for row in X]
    return [out[0] for out in evaluate_batch(net, pts)]


# -- training ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrainConfig:
    """Student and optimizer (the reference code's exp_0, scaled down: docs/derivations.md §11)."""
    width: int = 16
    depth: int = 3
    epochs: int = 300
    lr: float = 1e-2
    lr_decay: float = 1e-2            # final lr = lr * lr_decay (the code: 1e-4 -> 1e-6)
    batch_fraction: Fraction = Fraction(1, 5)   # batch size ceil(0.2 m)
    standardize: bool = True


def train_student(teach: Net, m: int, *, config: TrainConfig = TrainConfig(), seed: int = 0):
    """Train a student on m uniform samples of ``teach`` (targets: the teacher's exact values,
    rounded to float64).  Returns ``(module, info)``; deterministic given ``seed``."""
    from ..torchio import fit_mse_adam, mlp, single_thread
    m = _pos_int(m, "m")
    d = teach.input_dim
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    X = uniform_points(rng, m, d)
    Y = [float(v) for v in exact_outputs(teach, X)]
    with single_thread() as torch:
        gen = torch.Generator().manual_seed(int(rng.integers(0, 2**62)))
        dims = [d] + [config.width] * (config.depth - 1) + [1]
        scale = (STANDARDIZE_SCALE, 0.0) if config.standardize else None
        model = mlp(dims, gen, input_scale=scale)
        Xt = torch.tensor(X, dtype=torch.float64)
        Yt = torch.tensor(Y, dtype=torch.float64).reshape(-1, 1)
        bs = max(1, math.ceil(config.batch_fraction * m))
        fit_mse_adam(torch, model, Xt, Yt, epochs=config.epochs, lr=config.lr,
                     gamma=config.lr_decay ** (1.0 / config.epochs), batch_size=bs, generator=gen)
        with torch.no_grad():
            train_mse = float(torch.mean((model(Xt) - Yt) ** 2))
    return model, {"m": m, "epochs": config.epochs, "batch_size": bs, "train_mse": train_mse,
                   "seconds": time.perf_counter() - t0, "architecture": dims}


# -- errors ---------------------------------------------------------------------------------------

def sampled_errors(student, teach: Net, X) -> dict:
    """The reference code's test errors in float64 at the rows of X: L-infinity = max |e|
    (with its argmax), L1 = mean |e|, L2 = sqrt(mean e^2).  Student: a torch module; teacher:
    its float64 twin (exact entries, rounded arithmetic)."""
    from ..torchio import single_thread, to_torch
    with single_thread() as torch:
        Xt = torch.tensor(np.asarray(X), dtype=torch.float64)
        with torch.no_grad():
            e = (student(Xt) - to_torch(teach)(Xt)).abs().reshape(-1)
        i = int(torch.argmax(e))
        return {"linf": float(e[i]), "argmax": i, "l1": float(e.mean()), "l2": float(torch.sqrt((e**2).mean())),
                "n": len(e)}


def exact_errors(student_net: Net, teach: Net, X) -> list[Fraction]:
    """|student(x) - teacher(x)| exactly at every row of X (float64 points read exactly)."""
    return [abs(a - b) for a, b in zip(exact_outputs(student_net, X), exact_outputs(teach, X))]


def certified_sup(student_net: Net, teach: Net, box=None, **limits):
    """sup over the box (default [-1/2, 1/2]^d) of |student - teacher|, certified."""
    from ..analysis.sup import sup
    return sup(student_net, teach, box=box or HALF_BOX(teach.input_dim), sign="abs", **limits)


# -- one case -------------------------------------------------------------------------------------

@dataclass
class CaseResult:
    """One teacher, one student: sampled (float and exact) and certified L-infinity errors."""
    d: int
    teacher_arch: tuple
    student_arch: tuple
    m: int
    teacher_seed: int
    seed: int
    n_test: int
    train: dict
    sampled_float: dict                  # the reference code's float64 errors
    sampled_exact: Fraction              # max of the exact errors at the same test points
    sampled_exact_argmax: tuple
    sup: object                          # SupResult
    student: Net
    teacher: Net
    seconds: dict = field(default_factory=dict)

    @property
    def certified(self) -> Fraction:
        """The certified sup (exact value, else the certified lower bound)."""
        return self.sup.value if self.sup.exact else self.sup.lower

    @property
    def ratio(self) -> float:
        """certified / sampled: how much the sampled maximum under-estimates the uniform error."""
        return float(self.certified / self.sampled_exact) if self.sampled_exact else math.inf

    def to_json(self) -> dict:
        return {"d": self.d, "teacher": list(self.teacher_arch), "student": list(self.student_arch), "m": self.m,
                "teacher_seed": self.teacher_seed, "seed": self.seed, "n_test": self.n_test,
                "train": self.train, "sampled_float": self.sampled_float,
                "sampled_exact": fmt(self.sampled_exact), "sampled_exact_float": float(self.sampled_exact),
                "sampled_exact_argmax": [fmt(v) for v in self.sampled_exact_argmax],
                "certified": self.sup.to_json(), "certified_float": float(self.certified),
                "ratio_certified_over_sampled": self.ratio, "seconds": self.seconds}


def run_case(d: int, teacher_shape, m: int, *, teacher_seed: int = 0, seed: int = 0, n_test: int = 4096,
             config: TrainConfig = TrainConfig(), sup_limits: dict | None = None) -> CaseResult:
    """Teacher (``teacher_shape = (L, B)``), student trained on m samples, n_test sampled errors,
    exact errors at the same points, and the certified sup."""
    from ..torchio import from_torch
    L, B = teacher_shape
    T = teacher(d, L, B, teacher_seed)
    t = {}
    t0 = time.perf_counter()
    model, info = train_student(T, m, config=config, seed=seed)
    t["train"] = time.perf_counter() - t0
    S = from_torch(model, domain=HALF_BOX(d))
    X = uniform_points(np.random.default_rng([seed, 1]), n_test, d)
    t0 = time.perf_counter()
    sf = sampled_errors(model, T, X)
    t["sampled_float"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    errs = exact_errors(S, T, X)
    k = max(range(len(errs)), key=errs.__getitem__)
    t["sampled_exact"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    r = certified_sup(S, T, **(sup_limits or {}))
    t["sup"] = time.perf_counter() - t0
    return CaseResult(d, T.architecture, S.architecture, m, teacher_seed, seed, n_test, info, sf, errs[k],
                      tuple(Fraction(float(v)) for v in X[k]), r, S, T, t)
