"""ERM instances of the bit model and their witnesses: the data, the JSON formats, the encoding sizes.

Doron-Arad and Mossel (2026), Section 2: an instance I = (N, D, loss, gamma) is a DAG network N with an
activation per non-source vertex, a data set D of samples (x_i, y_i), a loss and a threshold gamma; a
witness theta gives one weight and one bias per edge.  ERM_bit(C1, C2) asks for a theta with
L(theta) = sum_i loss(f_theta(x_i), y_i) <= gamma and |enc(theta)| <= C1 |I|^C2 (erm.py checks one).

Samples are stored *sparsely*: an instance has default vectors (``default_x`` over the input vertices,
``default_y`` over the output vertices, 0 where not given) and each sample gives only the coordinates
where it differs, with a multiplicity ``count``.  This is a property of the file, not of the instance:
the encoding size :func:`instance_bits` counts every coordinate of every copy, as the paper's
encoding lists them.  It is what keeps Lemma 3.2's instances (reduction.py) linear in size on disk,
where every vertex is an input and an output coordinate.

Bit length: len(p/q) = bits(|p|) + bits(q) of the reduced fraction, bits(0) = 1
(:func:`~exactrelu.bitmodel.activations.bit_length`; len(0) = 2).  The file formats and the exact
definitions of |I| and |enc(theta)| are in docs/bit-model-reduction.md.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction

import flint

from ..errors import InputError
from ..io import check_keys, read_json, write_atomic
from ..numbers import fmt, to_integer
from .activations import Activation, bit_length, identity, leaky, piecewise, poly, rational, relu, to_q
from .dag import DagNet

__all__ = ["Instance", "Sample", "LossSpec", "LOSSES", "MAIN_LOSSES", "activation_from_spec", "activation_spec",
           "instance_from_dict", "instance_to_dict", "load_instance", "save_instance", "theta_from_obj",
           "theta_to_dict", "load_theta", "save_theta", "instance_bits", "theta_bits", "activation_bits",
           "edge_key", "INSTANCE_FORMAT", "THETA_FORMAT", "MAX_C2"]

fmpq = flint.fmpq
INSTANCE_FORMAT, THETA_FORMAT = "exactrelu.erm", "exactrelu.theta"
INSTANCE_KEYS = ("format", "version", "comment", "vertices", "edges", "sources", "inputs", "outputs",
                 "activation", "activations", "loss", "gamma", "defaults", "samples", "C1", "C2")
SAMPLE_KEYS = ("x", "y", "count", "flag")
THETA_KEYS = ("format", "version", "comment", "theta")
LOSSES = ("square", "hinge", "zero_one")
MAIN_LOSSES = ("bit", "hinge", "square")
ACTIVATION_KINDS = ("relu", "leaky", "piecewise", "identity", "poly")
#: Largest exponent C2 of the size bound C1 |I|^C2 read from a file or an option.
MAX_C2 = 1000
_ZERO = fmpq(0)


@dataclass(frozen=True)
class LossSpec:
    """The instance's loss.  ``kind`` is "square", "hinge", "zero_one" (each over the whole output
    vector, as losses.py defines them) or "flagged": Lemma 3.2's loss, where a sample with flag 0 takes
    the 0/1 loss of the whole output vector and one with flag 1 takes ``main`` ("bit": 1[bit_j(yhat_t)
    != 1]; "hinge": max(0, 1 - y_t yhat_t); "square": (yhat_t - y_t)^2 / 2) at the one output ``output``
    (a vertex index)."""
    kind: str
    output: int | None = None
    main: str | None = None
    j: int | None = None


@dataclass
class Sample:
    """One sample: x and y as {vertex index: fmpq} overriding the instance's defaults, its
    multiplicity and its flag (0 unless the loss is flagged)."""
    x: dict
    y: dict
    count: int = 1
    flag: int = 0


@dataclass
class Instance:
    """An ERM instance (module docstring).  ``default_x``/``default_y`` map vertex indices to fmpq
    (absent: 0); ``C1``/``C2`` are the size bound's constants when the instance states them."""
    net: DagNet
    loss: LossSpec
    gamma: Fraction
    samples: list
    default_x: dict = field(default_factory=dict)
    default_y: dict = field(default_factory=dict)
    C1: int | None = None
    C2: int | None = None
    comment: str | None = None

    def __post_init__(self):
        self.index = {v: i for i, v in enumerate(self.net.vertices)}
        self.input_ix = [self.index[v] for v in self.net.inputs]
        self.output_ix = [self.index[t] for t in self.net.outputs]

    @property
    def copies(self) -> int:
        """The number of samples counted with multiplicity (the size of the multiset D)."""
        return sum(s.count for s in self.samples)

    def x_of(self, i: int) -> dict:
        """Sample i's input as {input vertex: Fraction}, every input vertex listed."""
        s = self.samples[i]
        return {self.net.vertices[v]: _fr(s.x.get(v, self.default_x.get(v, _ZERO))) for v in self.input_ix}

    def y_of(self, i: int) -> dict:
        """Sample i's label as {output vertex: Fraction}, every output vertex listed."""
        s = self.samples[i]
        return {self.net.vertices[t]: _fr(s.y.get(t, self.default_y.get(t, _ZERO))) for t in self.output_ix}

    def __repr__(self) -> str:
        return (f"Instance({len(self.net.vertices)} vertices, {len(self.net.edges)} edges, "
                f"{len(self.samples)} samples ({self.copies} with multiplicity), loss {self.loss.kind})")


def _fr(q) -> Fraction:
    return Fraction(int(q.p), int(q.q))


def edge_key(u, v) -> str:
    """The theta file's key of the edge (u, v): "u->v"."""
    return f"{u}->{v}"


# -- activations ------------------------------------------------------------------------------------
def activation_from_spec(spec, where: str) -> Activation:
    """{"relu": true}, {"leaky": slope}, {"piecewise": {"breakpoints", "slopes", "intercepts"}},
    {"identity": true} or {"poly": [c0, c1, ...]} (lowest degree first)."""
    if not isinstance(spec, dict) or len(spec) != 1:
        raise InputError(f"{where}: an activation is an object with one key, one of {', '.join(ACTIVATION_KINDS)} "
                         f"(e.g. {{\"relu\": true}}), got {_short(spec)}")
    (kind, val), = spec.items()
    if kind not in ACTIVATION_KINDS:
        check_keys(spec, ACTIVATION_KINDS, f"{where}: ")
    try:
        if kind in ("relu", "identity"):
            if val is not True:
                raise InputError(f"{{\"{kind}\": true}} is the only form, got {_short(val)}")
            return relu() if kind == "relu" else identity()
        if kind == "leaky":
            return leaky(rational(val, what="slope"))
        if kind == "poly":
            if not isinstance(val, list):
                raise InputError(f"expected a list of coefficients (lowest degree first), got {_short(val)}")
            return poly([rational(c, what=f"coefficient {k}") for k, c in enumerate(val)])
        if not isinstance(val, dict):
            raise InputError(f"expected {{\"breakpoints\": [...], \"slopes\": [...], \"intercepts\": [...]}}, "
                             f"got {_short(val)}")
        check_keys(val, ("breakpoints", "slopes", "intercepts"), "")
        for k in ("breakpoints", "slopes", "intercepts"):
            if not isinstance(val.get(k), list):
                raise InputError(f"'{k}' must be a list of numbers")
        return piecewise(val["breakpoints"], val["slopes"], val["intercepts"])
    except InputError as e:
        raise InputError(f"{where} ({kind}): {e}") from None


def activation_spec(a: Activation) -> dict:
    """The file form of an activation (inverse of :func:`activation_from_spec`)."""
    if a.kind in ("relu", "identity"):
        return {a.kind: True}
    if a.kind == "leaky":
        return {"leaky": fmt(a.slopes[0])}
    if a.kind == "poly":
        return {"poly": [fmt(c) for c in a.coeffs]}
    return {"piecewise": {"breakpoints": [fmt(c) for c in a.breakpoints], "slopes": [fmt(c) for c in a.slopes],
                          "intercepts": [fmt(c) for c in a.intercepts]}}


def activation_bits(a: Activation) -> int:
    """enc(sigma): the bit lengths of its breakpoints, slopes and intercepts, or of its coefficients."""
    nums = a.coeffs if a.kind == "poly" else a.breakpoints + a.slopes + a.intercepts
    return sum(bit_length(c) for c in nums)


def _short(v, limit: int = 60) -> str:
    text = json.dumps(v) if not isinstance(v, str) else repr(v)
    return text if len(text) <= limit else text[:limit] + "..."


# -- reading ----------------------------------------------------------------------------------------
def _names(seq, what: str, pre: str) -> list:
    if not isinstance(seq, list):
        raise InputError(f"{pre}'{what}' must be a list of vertex names, got {_short(seq)}")
    for k, v in enumerate(seq):
        if not isinstance(v, str) or not v:
            raise InputError(f"{pre}{what}[{k}]: a vertex name is a non-empty string, got {_short(v)}")
    return seq


def _num(v, what: str) -> fmpq:
    return to_q(rational(v, what=what))


def _vector(obj, keys_ix, net_index, names, what: str, kind: str, allowed) -> dict:
    """{vertex index: fmpq} from {"name": number} (any subset of ``names``, whose set is ``allowed``) or a
    full list aligned with them."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k not in net_index:
                raise InputError(f"{what}: unknown vertex {k!r}")
            if k not in allowed:
                raise InputError(f"{what}: vertex {k!r} is not an {kind} vertex")
            out[net_index[k]] = _num(v, f"{what}[{k!r}]")
        return out
    if isinstance(obj, list):
        if len(obj) != len(names):
            raise InputError(f"{what}: a list of {len(obj)} numbers, the instance has {len(names)} {kind} vertices")
        return {i: _num(v, f"{what}[{k}]") for k, (i, v) in enumerate(zip(keys_ix, obj))}
    raise InputError(f"{what}: expected an object {{vertex: number}} or a list of {len(names)} numbers, "
                     f"got {_short(obj)}")


def _loss(obj, index, outputs, pre: str) -> LossSpec:
    if isinstance(obj, str):
        if obj not in LOSSES:
            raise InputError(f"{pre}loss {obj!r} is not one of {', '.join(LOSSES)} (or {{\"flagged\": ...}})")
        return LossSpec(obj)
    if not isinstance(obj, dict) or list(obj) != ["flagged"] or not isinstance(obj["flagged"], dict):
        raise InputError(f"{pre}loss must be one of {', '.join(repr(x) for x in LOSSES)} or "
                         f"{{\"flagged\": {{\"output\": VERTEX, \"main\": \"bit\"|\"hinge\"|\"square\", \"j\": J}}}}, "
                         f"got {_short(obj)}")
    f = obj["flagged"]
    check_keys(f, ("output", "main", "j"), f"{pre}loss.flagged: ")
    t, main = f.get("output"), f.get("main")
    if not isinstance(t, str) or t not in index:
        raise InputError(f"{pre}loss.flagged.output: unknown vertex {_short(t)}")
    if t not in outputs:
        raise InputError(f"{pre}loss.flagged.output: vertex {t!r} is not an output vertex")
    if main not in MAIN_LOSSES:
        raise InputError(f"{pre}loss.flagged.main: {_short(main)} is not one of {', '.join(MAIN_LOSSES)}")
    if main == "bit":
        if "j" not in f:
            raise InputError(f"{pre}loss.flagged: the bit loss needs the bit index 'j'")
        j = to_integer(f["j"], what=f"{pre}loss.flagged.j")
    elif "j" in f:
        raise InputError(f"{pre}loss.flagged.j: only the bit loss takes a bit index")
    else:
        j = None
    return LossSpec("flagged", index[t], main, j)


def instance_from_dict(obj, where: str = "") -> Instance:
    """An :class:`Instance` from the file form (docs/bit-model-reduction.md); errors name ``where``."""
    pre = f"{where}: " if where else ""
    if not isinstance(obj, dict):
        raise InputError(f"{pre}an instance file is a JSON object")
    check_keys(obj, INSTANCE_KEYS, pre)
    if obj.get("format", INSTANCE_FORMAT) != INSTANCE_FORMAT:
        raise InputError(f"{pre}format is {_short(obj.get('format'))}, expected {INSTANCE_FORMAT!r}")
    if obj.get("version", 1) != 1:
        raise InputError(f"{pre}version {_short(obj.get('version'))} is not supported (expected 1)")
    for k in ("vertices", "edges", "outputs", "loss", "gamma", "samples"):
        if k not in obj:
            raise InputError(f"{pre}missing key {k!r}")
    vertices = _names(obj["vertices"], "vertices", pre)
    for v in vertices:
        if "->" in v:
            raise InputError(f"{pre}vertices: the name {v!r} contains '->' (theta files write edges as 'u->v')")
    edges = obj["edges"]
    if not isinstance(edges, list):
        raise InputError(f"{pre}'edges' must be a list of [u, v] pairs")
    pairs = []
    for k, e in enumerate(edges):
        if not (isinstance(e, list) and len(e) == 2 and all(isinstance(t, str) for t in e)):
            raise InputError(f"{pre}edges[{k}]: expected a pair [\"u\", \"v\"] of vertex names, got {_short(e)}")
        pairs.append((e[0], e[1]))
    known = set(vertices)
    for k, (u, v) in enumerate(pairs):             # named here, before DagNet, with the entry's position
        for end in (u, v):
            if end not in known:
                raise InputError(f"{pre}edges[{k}]: unknown vertex {end!r}")
    heads = {v for _, v in pairs}
    sources = _names(obj["sources"], "sources", pre) if "sources" in obj else [v for v in vertices if v not in heads]
    outputs = _names(obj["outputs"], "outputs", pre)
    inputs = _names(obj["inputs"], "inputs", pre) if "inputs" in obj else None
    src = set(sources)
    acts = {}
    default = obj.get("activation")
    per = obj.get("activations", {})
    if not isinstance(per, dict):
        raise InputError(f"{pre}'activations' must be an object {{vertex: activation}}")
    for v, spec in per.items():
        if v not in known:
            raise InputError(f"{pre}activations: unknown vertex {v!r}")
        if v in src:
            raise InputError(f"{pre}activations: {v!r} is a source (f^s = x_s has no activation)")
        acts[v] = activation_from_spec(spec, f"{pre}activations[{v!r}]")
    fallback = None if default is None else activation_from_spec(default, f"{pre}activation")
    for v in vertices:
        if v not in src and v not in acts:
            if fallback is None:
                raise InputError(f"{pre}vertex {v!r} has no activation (give 'activations' or a default 'activation')")
            acts[v] = fallback
    try:
        net = DagNet(vertices, pairs, acts, sources, outputs, inputs=inputs)
    except InputError as e:
        raise InputError(f"{pre}{e}") from None
    index = {v: i for i, v in enumerate(net.vertices)}
    loss = _loss(obj["loss"], index, set(net.outputs), pre)
    gamma = rational(obj["gamma"], what=f"{pre}gamma")
    in_ix, out_ix = [index[v] for v in net.inputs], [index[t] for t in net.outputs]
    in_set, out_set = set(net.inputs), set(net.outputs)
    dx, dy = {}, {}
    if "defaults" in obj:
        d = obj["defaults"]
        if not isinstance(d, dict):
            raise InputError(f"{pre}'defaults' must be an object {{\"x\": ..., \"y\": ...}}")
        check_keys(d, ("x", "y"), f"{pre}defaults: ")
        if "x" in d:
            dx = _vector(d["x"], in_ix, index, net.inputs, f"{pre}defaults.x", "input", in_set)
        if "y" in d:
            dy = _vector(d["y"], out_ix, index, net.outputs, f"{pre}defaults.y", "output", out_set)
    samples = obj["samples"]
    if not isinstance(samples, list) or not samples:
        raise InputError(f"{pre}'samples' must be a non-empty list")
    out = []
    for k, s in enumerate(samples):
        w = f"{pre}samples[{k}]"
        if not isinstance(s, dict):
            raise InputError(f"{w}: a sample is an object {{\"x\": ..., \"y\": ...}}")
        check_keys(s, SAMPLE_KEYS, f"{w}: ")
        count = to_integer(s.get("count", 1), what=f"{w}.count", least=1)
        flag = to_integer(s.get("flag", 0), what=f"{w}.flag", least=0, most=1)
        if flag and loss.kind != "flagged":
            raise InputError(f"{w}.flag: a flag is 1 only with a flagged loss (this instance's loss is {loss.kind!r})")
        if "x" not in s:
            raise InputError(f"{w}: missing 'x' (give {{}} for the defaults)")
        if "y" not in s and not (flag and loss.main == "bit"):
            raise InputError(f"{w}: missing 'y' (give {{}} for the defaults)")
        x = _vector(s["x"], in_ix, index, net.inputs, f"{w}.x", "input", in_set)
        y = _vector(s["y"], out_ix, index, net.outputs, f"{w}.y", "output", out_set) if "y" in s else {}
        out.append(Sample(x, y, count, flag))
    C = {}
    for k in ("C1", "C2"):
        if k in obj:
            C[k] = to_integer(obj[k], what=f"{pre}{k}", least=1, most=MAX_C2 if k == "C2" else None)
    comment = obj.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise InputError(f"{pre}'comment' must be text")
    return Instance(net, loss, gamma, out, dx, dy, C.get("C1"), C.get("C2"), comment)


def load_instance(path) -> Instance:
    return instance_from_dict(read_json(path), where=str(path))


def theta_from_obj(obj, net: DagNet, where: str = "") -> dict:
    """{(u, v): (w, b)} (Fractions) from a theta file: {"format": "exactrelu.theta", "theta": T} or T alone,
    T being {"u->v": [w, b], ...} with every edge once, or a list of [w, b] aligned with the edges."""
    pre = f"{where}: " if where else ""
    if isinstance(obj, dict) and "theta" in obj:
        check_keys(obj, THETA_KEYS, pre)
        if obj.get("format", THETA_FORMAT) != THETA_FORMAT:
            raise InputError(f"{pre}format is {_short(obj.get('format'))}, expected {THETA_FORMAT!r}")
        if obj.get("version", 1) != 1:
            raise InputError(f"{pre}version {_short(obj.get('version'))} is not supported (expected 1)")
        obj = obj["theta"]
    edges = net.edges
    if isinstance(obj, list):
        if len(obj) != len(edges):
            raise InputError(f"{pre}theta: a list of {len(obj)} [w, b] pairs, the instance has {len(edges)} edges")
        items = [(edge_key(*e), e, val) for e, val in zip(edges, obj)]
    elif isinstance(obj, dict):
        lookup = {edge_key(*e): e for e in edges}
        names = set(net.vertices)
        items = []
        for key, val in obj.items():
            if key not in lookup:
                parts = key.split("->")
                if len(parts) != 2:
                    raise InputError(f"{pre}theta: key {key!r} is not of the form 'u->v'")
                for end in parts:
                    if end not in names:
                        raise InputError(f"{pre}theta[{key!r}]: unknown vertex {end!r}")
                raise InputError(f"{pre}theta[{key!r}]: not an edge of the instance")
            items.append((key, lookup[key], val))
        if len(items) != len(edges):
            given = set(obj)
            miss = next(k for k in lookup if k not in given)
            raise InputError(f"{pre}theta: no [w, b] for the edge {miss!r} ({len(edges) - len(items)} missing)")
    else:
        raise InputError(f"{pre}theta must be an object {{\"u->v\": [w, b]}} or a list of [w, b] pairs")
    theta = {}
    for key, e, val in items:
        if not isinstance(val, list) or len(val) != 2:
            raise InputError(f"{pre}theta[{key!r}]: expected a pair [w, b], got {_short(val)}")
        theta[e] = (rational(val[0], what=f"{pre}theta[{key!r}] weight"),
                    rational(val[1], what=f"{pre}theta[{key!r}] bias"))
    return theta


def load_theta(path, net: DagNet) -> dict:
    return theta_from_obj(read_json(path), net, where=str(path))


# -- writing ----------------------------------------------------------------------------------------
def _vec_out(vec: dict, vertices) -> dict:
    return {vertices[i]: fmt(_fr(q)) for i, q in sorted(vec.items())}


def instance_to_dict(inst: Instance) -> dict:
    """The file form of ``inst`` (sparse samples, the defaults, one default activation where it serves)."""
    net, V = inst.net, inst.net.vertices
    specs = {v: activation_spec(a) for v, a in net.activations.items()}
    counts = {}
    for v, a in net.activations.items():
        counts[a] = counts.get(a, 0) + 1
    common = max(counts, key=counts.get) if counts else None
    obj = {"format": INSTANCE_FORMAT, "version": 1}
    if inst.comment:
        obj["comment"] = inst.comment
    obj.update({"vertices": list(V), "edges": [[u, v] for u, v in net.edges], "sources": list(net.sources),
                "inputs": list(net.inputs), "outputs": list(net.outputs)})
    if common is not None:
        obj["activation"] = activation_spec(common)
        obj["activations"] = {v: specs[v] for v, a in net.activations.items() if a != common}
    ls = inst.loss
    if ls.kind == "flagged":
        f = {"output": V[ls.output], "main": ls.main}
        if ls.j is not None:
            f["j"] = ls.j
        obj["loss"] = {"flagged": f}
    else:
        obj["loss"] = ls.kind
    obj["gamma"] = fmt(inst.gamma)
    if inst.C1 is not None:
        obj["C1"] = inst.C1
    if inst.C2 is not None:
        obj["C2"] = inst.C2
    if inst.default_x or inst.default_y:
        obj["defaults"] = {"x": _vec_out(inst.default_x, V), "y": _vec_out(inst.default_y, V)}
    rows = []
    for s in inst.samples:
        row = {"x": _vec_out(s.x, V)}
        if s.y or not (s.flag and ls.main == "bit"):
            row["y"] = _vec_out(s.y, V)
        if s.count != 1:
            row["count"] = s.count
        if s.flag:
            row["flag"] = s.flag
        rows.append(row)
    obj["samples"] = rows
    return obj


def _dumps_rows(obj: dict, rows_key: str) -> str:
    """JSON with one top-level key per line and one entry of ``rows_key`` per line."""
    parts = []
    for k, v in obj.items():
        if k == rows_key and isinstance(v, (list, dict)):
            items = v.items() if isinstance(v, dict) else v
            inner = [f"{json.dumps(a)}: {json.dumps(b)}" for a, b in items] if isinstance(v, dict) \
                else [json.dumps(r) for r in items]
            o, c = ("{", "}") if isinstance(v, dict) else ("[", "]")
            parts.append(f"{json.dumps(k)}: {o}\n  " + ",\n  ".join(inner) + f"\n {c}")
        else:
            parts.append(f"{json.dumps(k)}: {json.dumps(v)}")
    return "{" + ",\n ".join(parts) + "}\n"


def save_instance(inst: Instance, path) -> None:
    """Write ``inst`` as an instance file, atomically."""
    write_atomic(path, _dumps_rows(instance_to_dict(inst), "samples"))


def theta_to_dict(net: DagNet, theta: dict) -> dict:
    """{"format": "exactrelu.theta", "version": 1, "theta": {"u->v": ["w", "b"], ...}} in edge order."""
    out = {}
    for e in net.edges:
        w, b = theta[e]
        out[edge_key(*e)] = [fmt(Fraction(w)), fmt(Fraction(b))]
    return {"format": THETA_FORMAT, "version": 1, "theta": out}


def save_theta(net: DagNet, theta: dict, path) -> None:
    write_atomic(path, _dumps_rows(theta_to_dict(net, theta), "theta"))


# -- encoding sizes ---------------------------------------------------------------------------------
def instance_bits(inst: Instance) -> dict:
    """|I| and its parts, in bits (docs/bit-model-reduction.md, "Encoding sizes"):

    * structure: k bits per vertex index, k = max(1, bits(|V| - 1)), for both ends of every edge and
      every entry of the source, input and output lists;
    * activations: enc(sigma_v) (:func:`activation_bits`) summed over the non-source vertices;
    * samples: for every copy of every sample, len(x_v) for every input vertex and len(y_t) for every
      output vertex (zeros included: len(0) = 2), and 1 bit for the flag when the loss is flagged;
    * loss: 2 bits for its kind, and for a flagged loss 2 for the main loss, k for the output vertex and
      len(j); gamma: len(gamma).
    The file's sparse form and its ``count`` do not change |I|: it counts what the samples are."""
    net = inst.net
    V = len(net.vertices)
    k = max(1, (V - 1).bit_length())
    structure = k * (2 * len(net.edges) + len(net.sources) + len(net.inputs) + len(net.outputs))
    acts = sum(activation_bits(a) for a in net.activations.values())
    dx, dy = inst.default_x, inst.default_y
    base_x = sum(bit_length(dx.get(v, _ZERO)) for v in inst.input_ix)
    base_y = sum(bit_length(dy.get(t, _ZERO)) for t in inst.output_ix)
    flagged = inst.loss.kind == "flagged"
    data = 0
    for s in inst.samples:
        bits = base_x + base_y + (1 if flagged else 0)
        bits += sum(bit_length(q) - bit_length(dx.get(v, _ZERO)) for v, q in s.x.items())
        bits += sum(bit_length(q) - bit_length(dy.get(t, _ZERO)) for t, q in s.y.items())
        data += s.count * bits
    ls = inst.loss
    loss = 2 + ((2 + k + (bit_length(ls.j) if ls.j is not None else 0)) if flagged else 0)
    gamma = bit_length(inst.gamma)
    total = structure + acts + data + loss + gamma
    return {"structure": structure, "activations": acts, "samples": data, "loss": loss, "gamma": gamma,
            "total": total}


def theta_bits(theta: dict) -> int:
    """|enc(theta)|: the bit lengths of every weight and bias, sum_e len(w_e) + len(b_e)."""
    return sum(bit_length(w) + bit_length(b) for w, b in theta.values())
