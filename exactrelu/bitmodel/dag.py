"""DAG networks of the bit model (Doron-Arad and Mossel 2026, Section 2) and their exact passes.

A network is a DAG N = (V, E) whose every non-source vertex v has an activation sigma^v; the
parameters live on the edges, theta = (w_uv, b_uv) for every (u, v) in E, and the input is
injected at every input vertex:

    f^s = x_s (s a source),   f^v = sigma^v( x_v + sum_{(u,v) in E} (w_uv f^u + b_uv) ),

with x_v = 0 for a vertex that takes no input.  The output is (f^t) over the output vertices and
the empirical loss is the sum over the samples (losses.py).  ``forward``, ``loss`` and
``backward`` compute exactly (passes.py) and account for the bit length of every pre-activation,
activation, backpropagated error and gradient entry.

:func:`from_net` turns a layered :class:`~exactrelu.net.Net` into this model exactly: neuron j of a
layer becomes a vertex with an edge from every unit of the layer below (weight W[j][i]); the
neuron's bias goes on its edge from unit 0 of the layer below, and every other edge has bias 0.
"""
from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from ..errors import InputError
from .activations import Activation, identity, leaky, piecewise, poly, relu
from .losses import Loss, custom, hinge, square, zero_one
from .passes import Pass, Value, backprop, backward, forward, loss, passes
from .report import BitReport, name

__all__ = ["DagNet", "from_net", "Activation", "relu", "leaky", "piecewise", "identity", "poly",
           "Loss", "square", "hinge", "zero_one", "custom",
           "forward", "loss", "backward", "backprop", "passes", "Value", "Pass", "BitReport"]


def _hashable(v, what: str):
    try:
        hash(v)
    except TypeError:
        raise InputError(f"{what}: {v!r} cannot name a vertex (not hashable)") from None
    if isinstance(v, (bool, float)):
        raise InputError(f"{what}: {v!r} cannot name a vertex (use a string, an int or a tuple)")
    return v


def _vertex_list(seq, what: str, known=None) -> tuple:
    if isinstance(seq, (str, bytes)) or not hasattr(seq, "__iter__"):
        raise InputError(f"{what}: expected a list of vertices, got {type(seq).__name__}")
    out, seen = [], set()
    for v in seq:
        _hashable(v, what)
        if known is not None and v not in known:
            raise InputError(f"{what}: unknown vertex {name(v)}")
        if v in seen:
            raise InputError(f"{what}: vertex {name(v)} is listed twice")
        seen.add(v)
        out.append(v)
    return tuple(out)


class DagNet:
    """A network of the bit model.

    Parameters
    ----------
    vertices : the vertex names (strings, ints or tuples), in an order that breaks ties.
    edges : the pairs (u, v); a dict's keys are taken (so a theta dict serves too).
    activations : one :class:`Activation` per non-source vertex (a dict), or one for all of them.
    sources : vertices with no incoming edge whose value is the input (f^s = x_s).
    outputs : the output vertices, in the order of the output vector (any vertex may be one).
    inputs : every vertex that takes an input coordinate x_v, in the order of an input list;
        default the sources (which always do).

    >>> net = DagNet(["s", "h", "t"], [("s", "h"), ("h", "t"), ("s", "t")], relu(), ["s"], ["t"])
    >>> net.depth, net.layer["t"], net.fan_in
    (2, 2, 2)
    """

    def __init__(self, vertices, edges, activations, sources, outputs, *, inputs=None):
        self.vertices = _vertex_list(vertices, "vertices")
        ix = {v: i for i, v in enumerate(self.vertices)}
        if isinstance(edges, (str, bytes)) or not hasattr(edges, "__iter__"):
            raise InputError(f"edges: expected a list of (u, v) pairs, got {type(edges).__name__}")
        es, eix = [], {}
        for k, e in enumerate(edges):
            if not isinstance(e, tuple) or len(e) != 2:
                raise InputError(f"edges[{k}]: expected a pair (u, v), got {e!r}")
            for end in e:
                _hashable(end, f"edge {e!r}")
                if end not in ix:
                    raise InputError(f"edge ({name(e[0])}, {name(e[1])}): unknown vertex {name(end)}")
            if e in eix:
                raise InputError(f"edge ({name(e[0])}, {name(e[1])}) is listed twice")
            eix[e] = len(es)
            es.append(e)
        self.edges, self._eix, self._ix = tuple(es), eix, ix
        n = len(self.vertices)
        self._preds = [[] for _ in range(n)]
        self._succs = [[] for _ in range(n)]
        for k, (u, v) in enumerate(es):
            self._preds[ix[v]].append((k, ix[u]))
            self._succs[ix[u]].append((k, ix[v]))
        self._order = self._topological_order()
        self.sources = _vertex_list(sources, "sources", ix)
        for s in self.sources:
            if self._preds[ix[s]]:
                u = self.vertices[self._preds[ix[s]][0][1]]
                raise InputError(f"source {name(s)} has an incoming edge ({name(u)}, {name(s)}); f^s = x_s takes none")
        self.outputs = _vertex_list(outputs, "outputs", ix)
        if not self.outputs:
            raise InputError("outputs: the network needs at least one output vertex")
        self.inputs = self.sources if inputs is None else _vertex_list(inputs, "inputs", ix)
        for s in self.sources:
            if s not in self.inputs:
                raise InputError(f"inputs: the source {name(s)} must be an input vertex")
        self.activations = self._activations(activations)
        self._act = [self.activations.get(v) for v in self.vertices]
        self._source = [False] * n
        for s in self.sources:
            self._source[ix[s]] = True
        self._in_pos = [-1] * n
        for p, v in enumerate(self.inputs):
            self._in_pos[ix[v]] = p
        self._out_ix = [ix[t] for t in self.outputs]
        lay = [0] * n
        for i in self._order:
            for _, u in self._preds[i]:
                lay[i] = max(lay[i], lay[u] + 1)
        self._layer = lay
        self.layer = {v: lay[i] for i, v in enumerate(self.vertices)}
        self.depth = max(lay, default=0)
        self.fan_in = max((len(p) for p in self._preds), default=0)
        self.fan_out = max((len(s) for s in self._succs), default=0)

    def _topological_order(self) -> list[int]:
        n = len(self.vertices)
        indeg = [len(p) for p in self._preds]
        ready = [i for i in range(n) if indeg[i] == 0]
        order = []
        while ready:
            nxt = []
            for i in ready:
                order.append(i)
                for _, w in self._succs[i]:
                    indeg[w] -= 1
                    if indeg[w] == 0:
                        nxt.append(w)
            ready = sorted(nxt)
        if len(order) < n:
            raise InputError(f"the graph has a cycle: {self._cycle(set(range(n)) - set(order))}")
        return order

    def _cycle(self, left: set) -> str:
        i, seen = min(left), []
        while i not in seen:
            seen.append(i)
            i = next(u for _, u in self._preds[i] if u in left)
        loop = seen[seen.index(i):][::-1]                  # along the edges
        k = loop.index(min(loop))
        loop = loop[k:] + loop[:k]
        return " -> ".join(name(self.vertices[j]) for j in loop + [loop[0]])

    def _activations(self, acts) -> dict:
        others = [v for v in self.vertices if v not in set(self.sources)]
        if isinstance(acts, Activation):
            return {v: acts for v in others}
        if not isinstance(acts, Mapping):
            raise InputError(f"activations: expected an Activation or a dict vertex -> Activation, "
                             f"got {type(acts).__name__}")
        for v, a in acts.items():
            if v not in self._ix:
                raise InputError(f"activations: unknown vertex {name(v)}")
            if v in self.sources:
                raise InputError(f"activations: {name(v)} is a source (f^s = x_s has no activation)")
            if not isinstance(a, Activation):
                raise InputError(f"activations[{name(v)}]: expected an Activation (relu(), poly([...]), ...), "
                                 f"got {type(a).__name__}")
        for v in others:
            if v not in acts:
                raise InputError(f"activations: vertex {name(v)} has no activation")
        return {v: acts[v] for v in others}

    def __repr__(self) -> str:
        return (f"DagNet({len(self.vertices)} vertices, {len(self.edges)} edges, depth {self.depth}, "
                f"{len(self.inputs)} inputs, {len(self.outputs)} outputs)")


def from_net(net, activation: Activation | None = None, output: Activation | None = None):
    """``(DagNet, theta)`` computing the layered ``net`` exactly.

    Vertices ``x0..`` (inputs, the sources), ``h{l}_{j}`` (hidden layer l = 1..L-1) and ``y0..``
    (outputs); every weight is an edge (zeros included).  ``activation`` is used after every
    layer but the last (default ReLU, the net's own semantics) and ``output`` after the last
    (default the identity).  A neuron's bias sits on its edge from unit 0 of the layer below.

    >>> from exactrelu.net import Net
    >>> dag, theta = from_net(Net([([[1], [-1]], [0, 0]), ([[1, 1]], [0])]))
    >>> forward(dag, theta, {"x0": Fraction(-3, 4)})["y0"].act
    Fraction(3, 4)
    """
    activation = relu() if activation is None else activation
    output = identity() if output is None else output
    L = len(net.layers)
    names = [[f"x{i}" for i in range(net.input_dim)]]
    names += [[f"h{l}_{j}" for j in range(len(lay.bias))] for l, lay in enumerate(net.layers[:-1], start=1)]
    names.append([f"y{j}" for j in range(net.output_dim)])
    theta, acts = {}, {}
    for l, lay in enumerate(net.layers):
        below, here = names[l], names[l + 1]
        for j, (row, b) in enumerate(zip(lay.weight, lay.bias)):
            acts[here[j]] = output if l == L - 1 else activation
            for i, w in enumerate(row):
                theta[(below[i], here[j])] = (w, b if i == 0 else Fraction(0))
    vertices = [v for layer in names for v in layer]
    return DagNet(vertices, list(theta), acts, names[0], names[-1]), theta

