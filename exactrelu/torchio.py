"""Torch import and export of networks (extra ``train``: torch is imported lazily).

* :func:`to_torch` turns an exact :class:`~exactrelu.net.Net` into ``nn.Sequential`` of
  ``Linear`` and ``ReLU`` in float64.  Entries are rounded to nearest; with
  ``require_exact=True`` a net whose entries are not all float64 numbers is refused.
* :func:`from_torch` reads a trained module (or its state dict) back as an exact Net.
  The conversion is exact: a float64 (or float32) weight *is* a dyadic rational and
  ``Fraction(float(w))`` is that rational, with no rounding.  The exact Net is therefore the
  real-arithmetic realization of the very parameters the module holds; only torch's own
  forward pass rounds.

Recognised modules: ``nn.Sequential`` of ``Linear`` layers with a ``ReLU`` between
consecutive ones, optionally starting with :class:`InputScale` (a fixed, non-trainable
x -> (x - shift) * scale, the reference code's input standardisation), which is folded
into the first layer exactly.  A state dict is read as its ``*.weight`` / ``*.bias`` pairs in
order, ReLU between them (plus ``*.input_scale`` / ``*.input_shift`` buffers if present).

Round trip (tests/test_teacher_student.py): ``from_torch(to_torch(net)) == net`` whenever every
entry of ``net`` is a float64 number.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from fractions import Fraction

from .errors import InputError
from .net import Layer, Net

__all__ = ["to_torch", "from_torch", "InputScale", "require_torch", "state_fingerprint", "single_thread", "mlp",
           "fit_mse_adam", "adam_mse_epochs"]


def require_torch():
    """Import torch or raise a one-line InputError naming the extra to install."""
    try:
        import torch
    except ImportError:
        raise InputError("torch is not installed: pip install 'exactrelu[train]' (torch==2.13.0)") from None
    return torch


@contextmanager
def single_thread():
    """Run torch on one CPU thread inside the block (restored after).  Small float64 nets train
    much faster this way (no thread-pool contention), and the float results do not depend on
    the machine's core count."""
    torch = require_torch()
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield torch
    finally:
        torch.set_num_threads(old)


def _input_scale_class():
    torch = require_torch()

    class InputScale(torch.nn.Module):
        """x -> (x - shift) * scale with fixed float64 buffers (input standardisation)."""

        def __init__(self, scale, shift, dtype=torch.float64):
            super().__init__()
            self.register_buffer("input_scale", torch.as_tensor(scale, dtype=dtype).reshape(-1))
            self.register_buffer("input_shift", torch.as_tensor(shift, dtype=dtype).reshape(-1))

        def forward(self, x):
            return (x - self.input_shift) * self.input_scale

    return InputScale


_INPUT_SCALE = None


def InputScale(scale, shift=0.0):  # noqa: N802  (a class factory: torch is optional)
    """A fixed input standardisation layer (see module docstring)."""
    global _INPUT_SCALE
    if _INPUT_SCALE is None:
        _INPUT_SCALE = _input_scale_class()
    return _INPUT_SCALE(scale, shift)


def mlp(dims, generator, *, input_scale=None, dtype=None):
    """A fresh ``nn.Sequential`` ReLU network with layer sizes ``dims`` (d, widths..., out), float64.

    Initialization as PyTorch's default for ``nn.Linear`` (weights and biases uniform in
    [-1/sqrt(fan_in), 1/sqrt(fan_in)]) but drawn from ``generator`` (a ``torch.Generator``), so it
    depends on no global random state.  ``input_scale=(scale, shift)`` prepends :func:`InputScale`."""
    torch = require_torch()
    dtype = dtype or torch.float64
    mods = [] if input_scale is None else [InputScale(*input_scale)]
    for l in range(len(dims) - 1):
        lin = torch.nn.Linear(dims[l], dims[l + 1], dtype=dtype)
        bound = dims[l] ** -0.5
        with torch.no_grad():
            for p in (lin.weight, lin.bias):
                p.copy_((torch.rand(p.shape, generator=generator, dtype=dtype) * 2 - 1) * bound)
        mods.append(lin)
        if l < len(dims) - 2:
            mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods)


def adam_mse_epochs(torch, model, X, Y, *, epochs: int, lr: float, gamma: float, batch_size=None, generator=None):
    """Train ``model`` on (X, Y) with Adam and MSE, the learning rate multiplied by ``gamma`` after
    every epoch (ExponentialLR, as the reference code); full batch when ``batch_size`` is None, else
    shuffled mini-batches drawn with ``generator``.  A generator: it yields the epoch count after each
    epoch (checkpoints evaluate the model there; it stays in training mode)."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=gamma)
    n = X.shape[0]
    for e in range(epochs):
        batches = [slice(None)] if batch_size is None else \
            [idx for perm in [torch.randperm(n, generator=generator)]
             for idx in (perm[k:k + batch_size] for k in range(0, n, batch_size))]
        for idx in batches:
            opt.zero_grad()
            loss = torch.mean((model(X[idx]) - Y[idx]) ** 2)
            loss.backward()
            opt.step()
        sched.step()
        yield e + 1


def fit_mse_adam(torch, model, X, Y, *, epochs: int, lr: float, gamma: float, batch_size=None, generator=None):
    """:func:`adam_mse_epochs` run to the end; leaves the model in eval mode, frozen."""
    for _ in adam_mse_epochs(torch, model, X, Y, epochs=epochs, lr=lr, gamma=gamma, batch_size=batch_size,
                             generator=generator):
        pass
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def to_torch(net: Net, *, dtype=None, require_exact: bool = False):
    """``nn.Sequential`` computing ``net`` in float64 (or ``dtype``); entries rounded to nearest."""
    torch = require_torch()
    dtype = dtype or torch.float64
    mods = []
    for l, lay in enumerate(net.layers):
        out_dim, in_dim = lay.shape
        lin = torch.nn.Linear(in_dim, out_dim, dtype=dtype)
        W = [[float(w) for w in row] for row in lay.weight]
        b = [float(v) for v in lay.bias]
        if require_exact:
            for i, row in enumerate(lay.weight):
                for j, w in enumerate(row):
                    if Fraction(W[i][j]) != w:
                        raise InputError(f"to_torch: layer {l} weight[{i}][{j}] = {w} is not a float64 number")
            for i, v in enumerate(lay.bias):
                if Fraction(b[i]) != v:
                    raise InputError(f"to_torch: layer {l} bias[{i}] = {v} is not a float64 number")
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(W, dtype=dtype))
            lin.bias.copy_(torch.tensor(b, dtype=dtype))
        mods.append(lin)
        if l < net.depth - 1:
            mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods)


def _exact(t, what: str) -> list:
    """Exact Fractions from a tensor (nested lists)."""
    vals = t.detach().cpu().to(dtype=t.dtype).tolist()

    def conv(v, path):
        if isinstance(v, list):
            return [conv(u, f"{path}[{i}]") for i, u in enumerate(v)]
        if not math.isfinite(v):
            raise InputError(f"from_torch: {what}{path} = {v} is not finite")
        return Fraction(v)  # exact: float32 -> float64 widening is exact, Fraction(float) is exact
    return conv(vals, "")


def _pairs_from_state_dict(sd) -> tuple[list, object, object]:
    keys = list(sd.keys())
    scale = next((sd[k] for k in keys if k.endswith("input_scale")), None)
    shift = next((sd[k] for k in keys if k.endswith("input_shift")), None)
    weights = [k for k in keys if k.endswith("weight")]
    if not weights:
        raise InputError("from_torch: state dict has no '*.weight' entries")
    pairs = []
    for k in weights:
        bk = k[: -len("weight")] + "bias"
        if bk not in sd:
            raise InputError(f"from_torch: {k} has no matching {bk} (layers without bias are not supported)")
        pairs.append((k, sd[k], sd[bk]))
    return pairs, scale, shift


def _pairs_from_module(module):
    torch = require_torch()
    seq = list(module.children()) if isinstance(module, torch.nn.Sequential) else None
    if seq is None:  # its forward pass is unknown: refuse rather than guess the architecture
        raise InputError(f"from_torch: a {type(module).__name__} is not an nn.Sequential of Linear and ReLU "
                         f"(pass its state_dict() if its forward pass is Linear, ReLU, ..., Linear)")
    scale = shift = None
    if seq and hasattr(seq[0], "input_scale"):
        scale, shift = seq[0].input_scale, seq[0].input_shift
        seq = seq[1:]
    pairs, expect_linear = [], True
    for i, mod in enumerate(seq):
        if isinstance(mod, torch.nn.Linear):
            if not expect_linear:
                raise InputError(f"from_torch: module {i} is Linear right after Linear; a ReLU must separate them")
            if mod.bias is None:
                raise InputError(f"from_torch: Linear module {i} has no bias")
            pairs.append((f"{i}", mod.weight, mod.bias))
            expect_linear = False
        elif isinstance(mod, torch.nn.ReLU):
            if expect_linear:
                raise InputError(f"from_torch: module {i} is a ReLU not preceded by a Linear layer")
            expect_linear = True
        elif isinstance(mod, torch.nn.Identity):
            continue
        else:
            raise InputError(f"from_torch: module {i} is {type(mod).__name__}; only Linear and ReLU are supported")
    if not pairs or expect_linear:
        raise InputError("from_torch: the network must end with a Linear layer")
    return pairs, scale, shift


def from_torch(module_or_state_dict, *, domain=None) -> Net:
    """The exact Net of a torch module or state dict (see module docstring)."""
    require_torch()
    if isinstance(module_or_state_dict, dict):
        pairs, scale, shift = _pairs_from_state_dict(module_or_state_dict)
    else:
        pairs, scale, shift = _pairs_from_module(module_or_state_dict)
    layers = [(_exact(W, f"{name} weight"), _exact(b, f"{name} bias")) for name, W, b in pairs]
    if scale is not None:
        # f((x - s) * a) = W diag(a) x + (b - W diag(a) s): exact folding into the first layer
        d = len(layers[0][0][0])
        a = _exact(scale, "input_scale")
        s = _exact(shift, "input_shift") if shift is not None else [Fraction(0)]
        a = a * d if len(a) == 1 else a
        s = s * d if len(s) == 1 else s
        W, b = layers[0]
        W2 = [[w * a[j] for j, w in enumerate(row)] for row in W]
        b2 = [bi - sum((w * s[j] for j, w in enumerate(row)), Fraction(0)) for row, bi in zip(W2, b)]
        layers[0] = (W2, b2)
    return Net([Layer(tuple(map(tuple, W)), tuple(b)) for W, b in layers], domain=domain)


def state_fingerprint(module) -> bytes:
    """The module's parameters and buffers, bit for bit (to compare two trained models)."""
    torch = require_torch()
    parts = []
    for k, v in module.state_dict().items():
        t = v.detach().cpu().contiguous()
        parts.append(k.encode() + b"|" + str(t.dtype).encode() + b"|" + str(tuple(t.shape)).encode() + b"|")
        parts.append(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return b"".join(parts)
