"""The bit report of a pass: the bit length of every quantity, per vertex, edge, layer and pass."""
from __future__ import annotations

from dataclasses import dataclass

from .activations import bit_length

__all__ = ["BitReport", "build_report", "name", "NAMES"]

NAMES = {"pre": "pre-activation", "act": "activation", "delta": "delta (dL/dpre-activation)", "dx": "dL/dx"}


def name(v) -> str:
    """A vertex as messages show it."""
    return v if isinstance(v, str) else repr(v)


@dataclass(frozen=True)
class BitReport:
    """Bit lengths of one run (maxima over its samples).

    ``vertex[v]``: {"pre", "act", "delta", "dx"} (delta is None at a source, dx None at a vertex that
    takes no input, both None after a forward-only run); ``edge[(u, v)]``: {"grad_w", "grad_b"} of the
    final (summed) gradient entries; ``layer[d]``: the maxima of each quantity over the vertices of
    layer d (longest path from a vertex without incoming edges; an edge counts in its head's layer);
    ``passes``: {"forward", "backward"}; ``loss``: the summed loss's bits; ``max`` and ``where``: the
    largest of them all and what it is."""
    vertex: dict
    edge: dict
    layer: dict
    passes: dict
    loss: int | None
    max: int
    where: str

    def per_layer(self, quantity: str = "act") -> list[int]:
        """The maximum of ``quantity`` per layer, layer 0 first."""
        return [self.layer[d].get(quantity) for d in sorted(self.layer)]



def build_report(net, best, seen, GW, GB, loss_bits) -> BitReport:
    vertex, layer, top, where = {}, {}, -1, None
    for i, v in enumerate(net.vertices):
        row = {q: (best[q][i] if seen[q][i] is not None else None) for q in best}
        vertex[v] = row
        lay = layer.setdefault(net._layer[i], {})
        for q, b in row.items():
            if b is not None:
                if b > lay.get(q, -1):
                    lay[q] = b
                if b > top:
                    top, where = b, ("vertex", i, q)
    fwd = max((max(r["pre"], r["act"]) for r in vertex.values()), default=0)
    edge, bwd = {}, None
    if GW is not None:
        bwd = max([r[q] for r in vertex.values() for q in ("delta", "dx") if r[q] is not None], default=0)
        gb = [bit_length(g) for g in GB]
        for e, (u, v) in enumerate(net.edges):
            j = net._ix[v]
            row = edge[(u, v)] = {"grad_w": bit_length(GW[e]), "grad_b": gb[j]}
            lay = layer.setdefault(net._layer[j], {})
            for q, b in row.items():
                if b > lay.get(q, -1):
                    lay[q] = b
            b = max(row["grad_w"], row["grad_b"])
            bwd = max(bwd, b)
            if b > top:
                top, where = b, ("edge", e, None)
    if loss_bits is not None and loss_bits > top:
        top, where = loss_bits, ("loss", None, None)
    return BitReport(vertex, edge, dict(sorted(layer.items())), {"forward": fwd, "backward": bwd}, loss_bits,
                     max(top, 0), _where(net, where, seen))


def _where(net, where, seen) -> str:
    kind, k, q = where or ("nothing", None, None)
    if kind == "vertex":
        return f"vertex {name(net.vertices[k])} (layer {net._layer[k]}), sample {seen[q][k]}: {NAMES[q]}"
    if kind == "edge":
        u, v = net.edges[k]
        return f"edge ({name(u)}, {name(v)}): gradient entry"
    return "the loss" if kind == "loss" else "nothing"
