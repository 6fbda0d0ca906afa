"""Linear relaxation bounds by back-substitution (CROWN-like), in float64, batched over boxes.

The producer side of the kernel's ``linear`` nodes (:mod:`exactrelu.kernel`).  For every box and
every hidden neuron, layer by layer, the pre-activation ``z = w . a + b`` is bounded by
back-substituting the relaxations of the layers below down to the inputs (Zhang et al., "Efficient
Neural Network Robustness Certification with General Activation Functions", NeurIPS 2018, CROWN);
the box's extreme values of the resulting affine forms bound ``z``.  Each neuron gets a *claim*
the kernel can check exactly: ``"+"`` or ``"-"`` when its interval has one sign, else the
interval ``[l, u]`` rounded outward to multiples of 2^-32 (with a relative margin of 1e-9 that
covers the float error) and the lines ``a z <= ReLU(z) <= s z + t`` on it: ``s`` the chord slope
``u / (u - l)`` rounded up to a multiple of 2^-24, ``t >= -s l`` rounded up to 2^-24, and ``a`` the
CROWN choice (1 if ``u >= -l`` else 0).  The bound of the objective back-substitutes it from both
nets' outputs with the claims, rounded exactly as the kernel will see them, so the float bound
differs from the kernel's exact one by float rounding only.

Boxes inherit: a sub-box's neurons keep the claims of its parent box unless the new bound is
tighter by the factor ``RENEW`` (or changes a sign), and only the renewed claims are emitted,
so the kernel proves each claim once for a whole subtree.  Nothing here is trusted.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..numbers import fmt

__all__ = ["Claims", "bounds", "box_max", "emit", "float_layers", "leaf_boxes", "unstable_counts", "RENEW"]

#: A sub-box renews a neuron's claim when the new interval is at most RENEW times the inherited one.
RENEW = 0.5
_G, _GS, _GT = 2.0 ** 32, 2.0 ** 24, 2.0 ** 24     # grids of intervals, slopes, intercepts
_MARGIN_REL, _MARGIN_ABS = 1e-9, 2.0 ** -30

_POS, _NEG, _LINE = 1, 2, 0


class Claims:
    """Claims in force for B boxes: per net, per hidden layer, arrays (B, width) of kind, lo, up,
    s, t, a and ``new`` (whether the box itself proves it: emitted in its node)."""
    __slots__ = ("layers",)

    def __init__(self, layers):
        self.layers = layers          # [net][layer] -> dict of arrays

    def take(self, idx):
        return Claims([[{k: v[idx] for k, v in lay.items()} for lay in net] for net in self.layers])

    def force(self, k, positive):
        """These claims (of one box) with neuron k (kernel order) claimed "+" or "-": a branch's kid."""
        layers = [list(net) for net in self.layers]
        for n, net in enumerate(layers):
            for l, lay in enumerate(net):
                w = lay["kind"].shape[1]
                if 0 <= k < w:
                    lay = net[l] = {key: v.copy() for key, v in lay.items()}
                    for key, v in zip(("kind", "lo", "up", "s", "t", "a", "new"),
                                      (_POS if positive else _NEG, 0.0, 0.0, float(positive), 0.0, float(positive), False)):
                        lay[key][:, k] = v
                    return Claims(layers)
                k -= w
        raise IndexError("no such neuron")

    @staticmethod
    def stack(many):
        """The claims of several Claims (boxes concatenated in order)."""
        first = many[0].layers
        return Claims([[{k: np.concatenate([m.layers[n][l][k] for m in many]) for k in lay}
                        for l, lay in enumerate(net)] for n, net in enumerate(first)])


def box_max(F, k, c, r):
    """Max over boxes (centres c, radii r: (B, d)) of the affine forms F (B, m, d) + k (B, m)."""
    return np.einsum("bmd,bd->bm", F, c) + np.einsum("bmd,bd->bm", np.abs(F), r) + k


def _back(layers, cl, l, Lam, const, record=None):
    """Back-substitute ``Lam . a_l + const`` (Lam (B, m, n_l)) to an affine form of x, upper side;
    ``record`` (a dict) receives each layer's coefficients Lam on its outputs."""
    while l >= 0:
        rel = cl[l]
        if record is not None:
            record[l] = Lam
        pos = Lam > 0
        const = const + np.einsum("bmn,bn->bm", np.where(pos, Lam, 0.0), rel["t"])
        Lam = np.where(pos, Lam * rel["s"][:, None, :], Lam * rel["a"][:, None, :])
        W, b = layers[l]
        const = const + Lam @ b
        Lam = Lam @ W
        l -= 1
    return Lam, const


def _round(lo, up):
    """Outward dyadic roundings of float bounds, with the margin that covers float error."""
    m = _MARGIN_REL * (1.0 + np.abs(lo) + np.abs(up)) + _MARGIN_ABS
    return np.floor((lo - m) * _G) / _G, np.ceil((up + m) * _G) / _G


def _decide(lo, up, parent, renew=None):
    """The claims in force for one layer (B, n) from its linear bounds (lo, up), against the
    parent's claims (or None): a line claim is renewed (emitted) when it changes sign or narrows
    to ``renew`` (default RENEW) of the parent's width; a side the parent's claim already implies is kept."""
    lo_c, up_c = _round(lo, up)
    if parent is None:
        kind = np.where(up_c < 0, _NEG, np.where(lo_c >= 0, _POS, _LINE))
        new = np.ones(lo.shape, bool)
    else:
        pk, plo, pup = parent["kind"], parent["lo"], parent["up"]
        lo_c, up_c = np.maximum(lo_c, plo), np.minimum(up_c, pup)
        stable = pk != _LINE
        kind = np.where(stable, pk, np.where(up_c < 0, _NEG, np.where(lo_c >= 0, _POS, _LINE)))
        with np.errstate(invalid="ignore"):
            tighter = (up_c - lo_c) <= (RENEW if renew is None else renew) * (pup - plo)
        new = ~stable & ((kind != _LINE) | tighter)
    line = kind == _LINE
    lo_c, up_c = np.where(line, lo_c, 0.0), np.where(line, up_c, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.minimum(np.ceil(up_c * _GS / np.where(line, up_c - lo_c, 1.0)) + 1, _GS) / _GS
    s = np.where(line, s, np.where(kind == _POS, 1.0, 0.0))
    t = np.where(line, (np.ceil(-s * lo_c * _GT) + 1) / _GT, 0.0)
    a = np.where(line, (up_c >= -lo_c).astype(float), np.where(kind == _POS, 1.0, 0.0))
    out = {"kind": kind, "lo": lo_c, "up": up_c, "s": s, "t": t, "a": a, "new": new}
    if parent is not None:               # what is not renewed stays the parent's
        for k in ("kind", "lo", "up", "s", "t", "a"):
            out[k] = np.where(new, out[k], parent[k])
    return out


def _scores(rec, cl):
    """Per layer (B, n): the most the relaxation of each line claim can add to the bound, |coefficient|
    times the largest gap between ReLU and the line of that coefficient's sign (0 for signs)."""
    out = []
    for l, lay in enumerate(cl):
        Lam = rec[l][:, 0, :]
        lo, up, s, t, a = lay["lo"], lay["up"], lay["s"], lay["t"], lay["a"]
        gap = np.where(Lam > 0, np.maximum(np.maximum(t + s * lo, t), s * up + t - up), np.maximum(-a * lo, (1 - a) * up))
        out.append(np.where(lay["kind"] == _LINE, np.abs(Lam) * gap, 0.0))
    return out


def bounds(fl, c, r, sign, parent=None, renew=True, factor=None, pick=False):
    """(ub, claims): float upper bounds (B,) of sign * (f - g) over the boxes (centres c, radii r)
    and the claims in force there (:class:`Claims`), renewed against ``parent`` (Claims for the
    same B boxes, or None: every claim new) with the factor ``factor`` (default RENEW; 0: sign
    changes only); ``renew=False`` keeps the parent's claims (a leaf that closes with fewer renewed
    claims costs the kernel fewer proofs).  ``fl``: per net, the float layers [(W, b), ...]."""
    B = c.shape[0]
    total_F, total_k = 0.0, 0.0
    out, scores = [], []
    for n, layers in enumerate(fl):
        cl = [] if renew else [dict(lay, new=np.zeros_like(lay["new"])) for lay in parent.layers[n]]
        for k in range(len(layers) - 1 if renew else 0):
            W, b = layers[k]
            Lam = np.broadcast_to(np.concatenate([W, -W]), (B, 2 * W.shape[0], W.shape[1]))
            F, k0 = _back(layers, cl, k - 1, Lam, np.broadcast_to(np.concatenate([b, -b]), (B, 2 * len(b))))
            v, w = box_max(F, k0, c, r), len(b)
            cl.append(_decide(-v[:, w:], v[:, :w], None if parent is None else parent.layers[n][k], factor))
        W, b = layers[-1]
        sg = sign if n == 0 else -sign
        rec = {} if pick else None
        F, k0 = _back(layers, cl, len(layers) - 2, np.broadcast_to(sg * W[None], (B,) + W.shape),
                      np.broadcast_to(sg * b, (B, 1)), rec)
        total_F, total_k = total_F + F, total_k + k0
        out.append(cl)
        if pick:
            scores += _scores(rec, cl)
    ub = box_max(total_F, total_k, c, r)[:, 0]
    if not pick:
        return ub, Claims(out)
    sc = np.concatenate(scores, 1)
    best = np.argmax(sc, 1)
    return ub, Claims(out), np.where(sc[np.arange(B), best] > 0, best, -1)


def _q(v: float) -> str:
    return fmt(Fraction(v))


def emit(claims, i):
    """The kernel claim list of box i: the new claims, null for inherited ones."""
    out = []
    for lays in claims.layers:
        for lay in lays:
            for j in range(lay["kind"].shape[1]):
                if not lay["new"][i, j]:
                    out.append(None)
                    continue
                k = lay["kind"][i, j]
                out.append("-" if k == _NEG else "+" if k == _POS else
                           [_q(lay[key][i, j]) for key in ("lo", "up", "s", "t", "a")])
    return out


def float_layers(net):
    """The layers of a Net as float64 arrays [(W, b), ...] (for the float searches only)."""
    return [(np.array([[float(w) for w in row] for row in lay.weight]), np.array([float(b) for b in lay.bias]))
            for lay in net.layers]


def leaf_boxes(tree, box):
    """The sub-boxes of the ``linear`` and ``ibp`` leaves of a sup tree (following its cuts)."""
    out, todo = [], [(tree, tuple(box))]
    while todo:
        node, b = todo.pop()
        if "cut" in node:
            i, t = node["cut"], Fraction(node["at"])
            todo += [(node["lo"], b[:i] + ((b[i][0], t),) + b[i + 1:]), (node["hi"], b[:i] + ((t, b[i][1]),) + b[i + 1:])]
        elif "branch" in node:
            todo += [(node["neg"], b), (node["pos"], b)]
        elif "next" in node and "linear" in node:
            todo.append((node["next"], b))
        elif "linear" in node or "ibp" in node:
            out.append(b)
    return out


def unstable_counts(nets, box, boxes=None):
    """Unstable neurons per hidden layer of each net, by the interval bounds of the kernel's ``ibp``
    leaves and by these linear bounds (float64 estimates; for reports): on the box, and with
    ``boxes`` (e.g. :func:`leaf_boxes`) their mean over those sub-boxes as well."""
    from .bnb import layer_intervals
    fl = [float_layers(n) for n in nets]

    def counts(bs):
        c = np.array([[float((lo + hi) / 2) for lo, hi in b] for b in bs])
        r = np.array([[float((hi - lo) / 2) for lo, hi in b] for b in bs])
        _, cl = bounds(fl, c, r, 1)
        lin = [[round(float((lay["kind"] == _LINE).sum(1).mean()), 1) for lay in net] for net in cl.layers]
        ibp = [[round(float(((lo < 0) & (up > 0)).sum(1).mean()), 1) for lo, up in layer_intervals(f, c, r)] for f in fl]
        return {"ibp": ibp, "linear": lin}
    out = counts([box])
    if boxes:
        out["leaves"] = dict(counts(boxes), boxes=len(boxes))
    return out
