"""One teacher-student run, from its parameters alone (a row of :meth:`Spec.runs`).

Exact teacher (entries k/2^16, :func:`exactrelu.learning.teacher_student.teacher`), m samples uniform on
the domain with the teacher's exact values rounded to float64 as targets, Adam/MSE training in float64
torch on one thread with deterministic algorithms, and after each of ``checkpoints`` equal parts of the
epochs the test errors on fresh uniform points, evaluated in float64 in chunks: L-infinity = max |e|
(a Monte Carlo lower estimate of the uniform error, as the reference code's), L1 = mean |e|,
L2 = sqrt(mean e^2).  The last student's float64 weights are returned as an ``.npz`` (exact: every float64
is a rational) and, with ``certify.which = "last"``, the certified sup of |student - teacher| over the
domain, replayed by the kernel, within ``certify.time_limit`` seconds.

Random streams (numpy ``SeedSequence`` entropy): samples ``[seed, teacher_seed, m, 0]``, test points
``[seed, teacher_seed, m, 1]``, torch initialization and shuffling ``[seed, teacher_seed, m, 2]``.  The
same (teacher, m, seed) therefore sees the same samples whatever the student.
"""
from __future__ import annotations

import io
import math
import platform
import time
from fractions import Fraction

import numpy as np

from .spec import DOMAINS

__all__ = ["run_one", "versions", "student_net"]


def versions() -> dict:
    import exactrelu
    out = {"exactrelu": getattr(exactrelu, "__version__", "?"), "python": platform.python_version(),
           "numpy": np.__version__}
    try:
        import torch
        out["torch"] = torch.__version__
    except ImportError:
        out["torch"] = None
    return out


def _box(p):
    lo, hi = DOMAINS[p["domain"]]
    return tuple((lo, hi) for _ in range(p["d"]))


def _teacher(p):
    from ..learning.teacher_student import teacher
    from ..net import Net
    T = teacher(p["d"], p["teacher_depth"], p["teacher_width"], p["teacher_seed"])
    return Net(T.layers, input_dim=p["d"], domain=_box(p))


def _points(rng, n, p):
    lo, hi = (float(v) for v in DOMAINS[p["domain"]])
    return lo + (hi - lo) * rng.random((n, p["d"]))        # hi - lo is 1: exact


def _batch_size(p) -> int:
    b = p["batch"]
    return b["value"] if b["kind"] == "size" else max(1, math.ceil(Fraction(b["value"]) * p["m"]))


def _test_errors(torch, model, teach_f64, rng, p) -> dict:
    n, chunk = p["test_points"], p["test_chunk"]
    mx, arg, s1, s2, done = -1.0, None, 0.0, 0.0, 0
    with torch.no_grad():
        while done < n:
            k = min(chunk, n - done)
            X = torch.from_numpy(_points(rng, k, p))
            e = (model(X) - teach_f64(X)).abs().reshape(-1)
            i = int(torch.argmax(e))
            if float(e[i]) > mx:
                mx, arg = float(e[i]), X[i].tolist()
            s1 += float(e.sum())
            s2 += float((e * e).sum())
            done += k
    return {"linf": mx, "linf_at": arg, "l1": s1 / n, "l2": math.sqrt(s2 / n)}


def student_net(npz: bytes, domain=None):
    """The exact Net of saved student weights (an ``.npz`` of the torch state dict)."""
    from ..torchio import from_torch, require_torch
    torch = require_torch()
    with np.load(io.BytesIO(npz)) as z:
        sd = {k: torch.from_numpy(z[k]) for k in z.files}
    return from_torch(sd, domain=domain)


def run_one(p: dict) -> dict:
    """Train and measure one run; returns the row the store records (raises on a bug, not on bad luck:
    a diverged student is a result, with its errors)."""
    from ..learning.teacher_student import STANDARDIZE_SCALE, exact_outputs
    from ..torchio import adam_mse_epochs, mlp, single_thread, to_torch
    t0 = time.perf_counter()
    secs = {}
    T = _teacher(p)
    X = _points(np.random.default_rng([p["seed"], p["teacher_seed"], p["m"], 0]), p["m"], p)
    Y = [float(v) for v in exact_outputs(T, X)]
    secs["samples"] = time.perf_counter() - t0
    test_rng = np.random.default_rng([p["seed"], p["teacher_seed"], p["m"], 1])
    epochs, K = p["batch"]["epochs"], p["checkpoints"]
    bs = _batch_size(p)
    with single_thread() as torch:
        det = torch.are_deterministic_algorithms_enabled()
        torch.use_deterministic_algorithms(True)
        try:
            gen = torch.Generator().manual_seed(
                int(np.random.default_rng([p["seed"], p["teacher_seed"], p["m"], 2]).integers(0, 2**62)))
            mean = float(sum(DOMAINS[p["domain"]]) / 2)
            dims = [p["d"]] + [p["width"]] * (p["depth"] - 1) + [1]
            model = mlp(dims, gen, input_scale=(STANDARDIZE_SCALE, mean) if p["standardize"] else None)
            teach_f64 = to_torch(T)
            Xt, Yt = torch.from_numpy(X), torch.tensor(Y, dtype=torch.float64).reshape(-1, 1)
            gamma = (p["lr_final"] / p["lr"]) ** (1.0 / epochs)
            checkpoints, t_train, t_test = [], 0.0, 0.0
            t1 = time.perf_counter()
            for e in adam_mse_epochs(torch, model, Xt, Yt, epochs=epochs, lr=p["lr"], gamma=gamma,
                                     batch_size=bs, generator=gen):
                if e % (epochs // K):
                    continue
                t_train += time.perf_counter() - t1
                t2 = time.perf_counter()
                with torch.no_grad():
                    mse = float(torch.mean((model(Xt) - Yt) ** 2))
                row = {"iteration": e // (epochs // K), "epochs": e, "train_mse": mse,
                       **_test_errors(torch, model, teach_f64, test_rng, p)}
                checkpoints.append(row)
                t_test += time.perf_counter() - t2
                t1 = time.perf_counter()
            secs.update(train=t_train, test=t_test)
            buf = io.BytesIO()
            np.savez(buf, **{k: v.detach().numpy() for k, v in model.state_dict().items()})
            npz = buf.getvalue()
        finally:
            torch.use_deterministic_algorithms(det)
    out = {"checkpoints": checkpoints, "batch_size": bs, "weights": npz, "versions": versions(),
           "deterministic": True, "architecture": dims}
    if p["certify"]["which"] == "last":
        out["certified"] = certify(student_net(npz, domain=_box(p)), T, p, checkpoints[-1]["linf"])
        secs["certify"] = out["certified"]["seconds"]
    secs["total"] = time.perf_counter() - t0
    out["seconds"] = secs
    return out


def certify(S, T, p, sampled: float) -> dict:
    """The certified sup of |S - T| over the domain within the run's budget (kernel-replayed)."""
    from ..analysis.sup import sup
    from ..errors import LimitReached
    from ..numbers import fmt
    t0 = time.perf_counter()
    c = p["certify"]
    try:
        r = sup(S, T, box=_box(p), sign="abs", time_limit=c["time_limit"], rel_gap=Fraction(c["rel_gap"]))
    except LimitReached as e:   # not even an interval within the budget
        return {"exact": False, "lower": None, "upper": None, "reason": str(e), "statement": None,
                "seconds": time.perf_counter() - t0, "ratio": None}
    lower = r.value if r.exact else r.lower
    return {"exact": r.exact, "lower": fmt(lower), "upper": fmt(r.value if r.exact else r.upper),
            "reason": r.reason, "statement": r.checked.statement if r.checked else None,
            "seconds": time.perf_counter() - t0,
            "ratio": float(lower) / sampled if sampled > 0 else None}
