"""The bit model's networks and exact passes (issue 10, items 1-3): Doron-Arad and Mossel (2026),
Section 2's DAG semantics, backpropagation against sympy, the bit report and budget, Theorem E.1's
explicit bound, and the polynomial side's multiplicative growth."""
import re
from fractions import Fraction as F

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from exactrelu import kernel
from exactrelu.bitmodel.activations import bit_length
from exactrelu.bitmodel.dag import (DagNet, backprop, backward, custom, forward, from_net, hinge, identity, leaky,
                                    loss, piecewise, poly, relu, square, zero_one)
from exactrelu.bitmodel.growth import e1_bound, e1_check, encoding_length, layer_bits, scalar_bits
from exactrelu.errors import InputError, LimitReached
from exactrelu.net import Net
from exactrelu.strategies import nets, points, rationals

S_H_T = (["s", "h", "t"], [("s", "h"), ("h", "t"), ("s", "t")])
THETA = {("s", "h"): (F(2), F(1, 3)), ("h", "t"): (F(-1, 2), 0), ("s", "t"): (3, "1/5")}


def small():
    return DagNet(*S_H_T, relu(), ["s"], ["t"])


# -- activations ---------------------------------------------------------------------------------
def test_activations_and_the_breakpoint_convention():
    clip = piecewise([0, 1], [0, 1, 0], [0, 0, 1], continuous=True)
    assert [clip(F(v)) for v in (-1, 0, F(1, 2), 1, 2)] == [0, 0, F(1, 2), 1, 1]
    # at a breakpoint the piece on the left gives value and derivative
    assert clip.derivative(F(0)) == 0 and clip.derivative(F(1)) == 1 and clip.derivative(F(2)) == 0
    assert relu().derivative(F(0)) == 0 and relu().derivative(F(1, 9)) == 1
    step = piecewise([0], [0, 0], [0, 1])                  # a threshold unit: discontinuous, allowed
    assert step(F(0)) == 0 and step(F(1, 100)) == 1
    lk = leaky("1/10")
    assert lk(F(-5)) == F(-1, 2) and lk.derivative(F(-5)) == F(1, 10) and lk.derivative(F(0)) == F(1, 10)
    p = poly([F(-1, 2), 3, 0, 1, 0])
    assert p.degree == 3 and p.is_polynomial and not p.is_piecewise_linear
    assert p(F(2)) == F(27, 2) and p.derivative(F(2)) == 15
    assert identity().is_polynomial and identity().is_piecewise_linear and identity().degree == 1
    assert poly([1, 2]).is_piecewise_linear and poly([1, 2]).pieces() == ((2, 1),)
    assert relu().degree is None and not relu().is_polynomial


@pytest.mark.parametrize("make, fragment", [
    (lambda: piecewise([0, 0], [0, 1, 2], [0, 0, 0]), "increase strictly: breakpoints[0] = 0, breakpoints[1] = 0"),
    (lambda: piecewise([1, 0], [0, 1, 2], [0, 0, 0]), "increase strictly"),
    (lambda: piecewise([0], [0, 1], [0]), "1 breakpoints need 2 slopes and 2 intercepts, got 2 slopes and 1"),
    (lambda: piecewise([0], [0, 0], [0, 1], continuous=True), "pieces 0 and 1 differ at breakpoint 0 (0 and 1)"),
    (lambda: leaky(0.1), "got the float 0.1"),
    (lambda: poly([]), "at least one coefficient"),
    (lambda: poly("12"), "expected a list of numbers"),
    (lambda: piecewise([0], [0, "x"], [0, 0]), "piecewise slopes[1]: 'x' is not a number"),
    (lambda: leaky(float("nan"), floats=True), "not a finite number"),
])
def test_bad_activations(make, fragment):
    with pytest.raises(InputError) as e:
        make()
    assert fragment in str(e.value) and "\n" not in str(e.value)


def test_floats_only_on_request_and_then_exactly():
    assert leaky(0.1, floats=True).slopes[0] == F(3602879701896397, 36028797018963968)
    net = small()
    with pytest.raises(InputError, match=r"theta\[\(s, h\)\] weight: got the float 2.0"):
        forward(net, {**THETA, ("s", "h"): (2.0, 0)}, {"s": 1})
    with pytest.raises(InputError, match=r"sample 0: x\[s\]: got the float 0.5"):
        forward(net, THETA, {"s": 0.5})
    assert forward(net, THETA, {"s": 0.5}, floats=True) == forward(net, THETA, {"s": F(1, 2)})


# -- the network model ----------------------------------------------------------------------------
def test_semantics_input_at_every_vertex_and_biases_per_edge():
    net = small()
    vals = forward(net, THETA, {"s": F(1, 2)})
    assert vals["s"] == (F(1, 2), F(1, 2))
    assert vals["h"].pre == 2 * F(1, 2) + F(1, 3)
    assert vals["t"].pre == F(-1, 2) * vals["h"].act + 0 + 3 * F(1, 2) + F(1, 5)   # both edges' biases
    inj = DagNet(*S_H_T, relu(), ["s"], ["t"], inputs=["s", "h"])
    v2 = forward(inj, THETA, [F(1, 2), F(-7)])                       # a list aligned with inputs
    assert v2["h"].pre == vals["h"].pre - 7 and v2["h"].act == 0
    iso = DagNet(["s", "c", "t"], [("s", "t"), ("c", "t")], {"c": piecewise([], [0], [5]), "t": identity()},
                 ["s"], ["t", "c"])                                   # a constant unit, two outputs
    v3 = forward(iso, {("s", "t"): (1, 0), ("c", "t"): (2, 1)}, {"s": 1})
    assert v3["c"].act == 5 and v3["t"].act == 1 + 2 * 5 + 1


@pytest.mark.parametrize("args, kw, fragment", [
    ((["a", "b"], [("a", "b"), ("b", "a")], relu(), [], ["b"]), {}, "the graph has a cycle: a -> b -> a"),
    ((["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "b")], relu(), ["a"], ["c"]), {}, "cycle: b -> c -> b"),
    ((["a"], [("a", "a")], relu(), [], ["a"]), {}, "cycle: a -> a"),
    ((["a", "b"], [("a", "z")], relu(), ["a"], ["b"]), {}, "edge (a, z): unknown vertex z"),
    ((["a", "b"], [("a", "b"), ("a", "b")], relu(), ["a"], ["b"]), {}, "edge (a, b) is listed twice"),
    ((["a", "b"], [("a", "b", "c")], relu(), ["a"], ["b"]), {}, "edges[0]: expected a pair"),
    ((["a", "a"], [], relu(), [], ["a"]), {}, "vertices: vertex a is listed twice"),
    ((["a", "b"], [("a", "b")], relu(), ["b"], ["b"]), {}, "source b has an incoming edge (a, b)"),
    ((["a", "b"], [("a", "b")], relu(), ["q"], ["b"]), {}, "sources: unknown vertex q"),
    ((["a", "b"], [("a", "b")], relu(), ["a"], ["q"]), {}, "outputs: unknown vertex q"),
    ((["a", "b"], [("a", "b")], relu(), ["a"], []), {}, "at least one output"),
    ((["a", "b"], [("a", "b")], {}, ["a"], ["b"]), {}, "vertex b has no activation"),
    ((["a", "b"], [("a", "b")], {"a": relu(), "b": relu()}, ["a"], ["b"]), {}, "a is a source"),
    ((["a", "b"], [("a", "b")], {"b": "relu"}, ["a"], ["b"]), {}, "activations[b]: expected an Activation"),
    ((["a", "b"], [("a", "b")], {"b": relu(), "z": relu()}, ["a"], ["b"]), {}, "activations: unknown vertex z"),
    ((["a", "b"], [("a", "b")], relu(), ["a"], ["b"]), {"inputs": ["b"]}, "the source a must be an input"),
    (([1.5, "b"], [], relu(), [], ["b"]), {}, "1.5 cannot name a vertex"),
])
def test_bad_networks(args, kw, fragment):
    with pytest.raises(InputError) as e:
        DagNet(*args, **kw)
    assert fragment in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("theta, x, fragment", [
    ({k: v for k, v in THETA.items() if k != ("h", "t")}, {"s": 1}, "theta: no (w, b) for edge (h, t)"),
    ({**THETA, ("t", "s"): (1, 0)}, {"s": 1}, "theta: ('t', 's') is not an edge"),
    ({**THETA, ("s", "h"): (1,)}, {"s": 1}, "theta[(s, h)]: expected a pair (w, b)"),
    ({**THETA, ("s", "h"): (1, "one")}, {"s": 1}, "theta[(s, h)] bias: 'one' is not a number"),
    ([(1, 0)] * 3, {"s": 1}, "theta: expected a dict"),
    (THETA, {"s": 1, "h": 2}, "sample 0: x: h is not an input vertex (inputs: s)"),
    (THETA, {}, "sample 0: x: no value for input vertex s"),
    (THETA, [1, 2], "sample 0: x: 2 values, the network has 1 input vertices (s)"),
    (THETA, 1, "expected a dict vertex -> number or a list of 1 numbers"),
])
def test_bad_parameters_and_inputs(theta, x, fragment):
    with pytest.raises(InputError) as e:
        forward(small(), theta, x)
    assert fragment in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("samples, fragment", [
    ([([1], [1, 2])], "sample 0: y: 2 values, the network has 1 output vertices (t)"),
    ([([1], {"s": 1})], "sample 0: y: s is not an output vertex"),
    ([([1],)], "sample 0: expected a pair (x, y)"),
    ([], "need at least one sample"),
    ({"s": 1}, "samples: expected a list"),
])
def test_bad_samples(samples, fragment):
    with pytest.raises(InputError) as e:
        loss(small(), THETA, samples, square)
    assert fragment in str(e.value) and "\n" not in str(e.value)


@settings(max_examples=40)
@given(data=st.data())
def test_from_net_equals_the_kernel(data):
    net = data.draw(nets(max_depth=4, max_width=4, max_output_dim=2), label="net")
    x = data.draw(points(net.input_dim, coords=rationals(max_denominator=16)), label="x")
    dag, theta = from_net(net)
    vals = forward(dag, theta, list(x))
    assert tuple(vals[f"y{j}"].act for j in range(net.output_dim)) == kernel.evaluate(net, x)


def test_from_net_puts_each_bias_on_the_edge_from_unit_0():
    net = Net([([[1, 2], [3, 4]], ["1/2", "-1"]), ([[1, -1]], [5])])
    dag, theta = from_net(net)
    assert theta[("x0", "h1_0")] == (1, F(1, 2)) and theta[("x1", "h1_0")] == (2, 0)
    assert theta[("h1_1", "y0")] == (-1, 0) and theta[("h1_0", "y0")] == (1, 5)
    _, gw, gb, _ = backward(dag, theta, [([1, 1], [0])], square)
    assert gb[("x0", "h1_0")] == gb[("x1", "h1_0")]                # dL/db_uv is delta_v for every u
    assert len(dag.edges) == 6 and dag.depth == 2 and set(dag.sources) == {"x0", "x1"}


# -- backpropagation against sympy ----------------------------------------------------------------
def _sym_act(a, z):
    if a.kind == "poly":
        return sum(sympy.Rational(c) * z**i for i, c in enumerate(a.coeffs))
    pieces = list(zip(a.slopes, a.intercepts))
    args = [(sympy.Rational(s) * z + sympy.Rational(c), z <= sympy.Rational(b))
            for (s, c), b in zip(pieces, a.breakpoints)]
    return sympy.Piecewise(*args, (sympy.Rational(pieces[-1][0]) * z + sympy.Rational(pieces[-1][1]), True))


def _sym_loss(net, theta, samples, lossname, target):
    """The loss as a sympy expression in the one parameter ``target`` (the others are numbers),
    written from the paper's formula, independently of the passes."""
    t = sympy.Symbol("t")

    def param(key, value):
        return t if key == target else sympy.Rational(value)
    total = 0
    for i, (x, y) in enumerate(samples):
        f = {}
        for v in _topo(net):
            if v in net.sources:
                f[v] = param(("x", i, v), x[v])
                continue
            z = param(("x", i, v), x[v]) if v in x else 0
            for (u, w), (wt, b) in theta.items():
                if w == v:
                    z += param(("w", u, w), wt) * f[u] + param(("b", u, w), b)
            f[v] = _sym_act(net.activations[v], z)
        for k, tv in enumerate(net.outputs):
            yk = sympy.Rational(y[k])
            if lossname == "square":
                total += sympy.Rational(1, 2) * (f[tv] - yk) ** 2
            else:
                m = 1 - yk * f[tv]
                total += sympy.Piecewise((0, m <= 0), (m, True))
    return t, total


def _topo(net):
    done, out = set(), []

    def visit(v):
        if v not in done:
            for u, w in net.edges:
                if w == v:
                    visit(u)
            done.add(v)
            out.append(v)
    for v in net.vertices:
        visit(v)
    return out


def _sym_derivative(net, theta, samples, lossname, target, value):
    t, expr = _sym_loss(net, theta, samples, lossname, target)
    return F(str(sympy.diff(expr, t).subs(t, sympy.Rational(value))))


def _pl_activations(max_den=8):
    r = rationals(max_denominator=max_den, max_abs=2)

    @st.composite
    def pw(draw):
        bs = sorted(set(draw(st.lists(r, max_size=2), label="breakpoints")))
        a = draw(st.lists(r, min_size=len(bs) + 1, max_size=len(bs) + 1), label="slopes")
        c = draw(st.lists(r, min_size=len(bs) + 1, max_size=len(bs) + 1), label="intercepts")
        return piecewise(bs, a, c)
    return st.one_of(st.just(relu()), r.map(leaky), st.just(identity()), pw(),
                     st.lists(r, min_size=1, max_size=2).map(poly))


def _poly_activations():
    return st.lists(rationals(max_denominator=4, max_abs=2), min_size=1, max_size=4).map(poly)


@st.composite
def instances(draw, acts=None, *, max_vertices=6, max_den=8, max_abs=2, loss_names=("square", "hinge")):
    """A random DAG (edges i -> j for i < j), activations, theta and 1-2 samples."""
    acts = acts if acts is not None else _pl_activations(max_den)
    r = rationals(max_denominator=max_den, max_abs=max_abs)
    n = draw(st.integers(2, max_vertices), label="vertices")
    ns = draw(st.integers(1, min(2, n - 1)), label="sources")
    names = [f"v{i}" for i in range(n)]
    edges = [(names[i], names[j]) for j in range(ns, n) for i in range(j) if draw(st.booleans(), label="edge")]
    extra = [names[j] for j in range(ns, n) if draw(st.integers(0, 3), label="input") == 0]
    outs = [names[-1]] + ([names[ns - 1]] if draw(st.booleans(), label="second output") else [])
    net = DagNet(names, edges, {v: draw(acts, label="activation") for v in names[ns:]}, names[:ns], outs,
                 inputs=names[:ns] + extra)
    theta = {e: (draw(r, label="w"), draw(r, label="b")) for e in edges}
    samples = [({v: draw(r, label="x") for v in net.inputs}, [draw(r, label="y") for _ in outs])
               for _ in range(draw(st.integers(1, 2), label="samples"))]
    return net, theta, samples, draw(st.sampled_from(loss_names), label="loss")


def _check_against_sympy(net, theta, samples, lossname):
    lossfn = square if lossname == "square" else hinge
    p = backprop(net, theta, samples, lossfn)
    t, expr = _sym_loss(net, theta, samples, lossname, None)
    assert p.loss == F(str(expr))
    for (u, v), (w, b) in theta.items():
        assert p.grad_w[(u, v)] == _sym_derivative(net, theta, samples, lossname, ("w", u, v), w), (u, v)
        assert p.grad_b[(u, v)] == _sym_derivative(net, theta, samples, lossname, ("b", u, v), b), (u, v)
    for i, (x, _) in enumerate(samples):
        for v in net.inputs:
            assert p.grad_x[i][v] == _sym_derivative(net, theta, samples, lossname, ("x", i, v), x[v]), (i, v)


@settings(max_examples=25)
@given(instances())
def test_gradient_equals_sympy_piecewise_linear(inst):
    _check_against_sympy(*inst)


@settings(max_examples=12)
@given(instances(_poly_activations(), max_vertices=5, loss_names=("square",)))
def test_gradient_equals_sympy_polynomial(inst):
    _check_against_sympy(*inst)


def test_gradient_at_a_breakpoint_is_the_left_pieces():
    net = DagNet(["s", "h"], [("s", "h")], relu(), ["s"], ["h"])
    theta = {("s", "h"): (1, -1)}                                      # z_h = x - 1 = 0 at x = 1
    _, gw, gb, _ = backward(net, theta, [({"s": 1}, [-3])], square)
    assert gw[("s", "h")] == 0 and gb[("s", "h")] == 0                  # relu'(0) = 0
    _check_against_sympy(net, theta, [({"s": 1}, [-3])], "square")


def test_losses():
    assert square([F(3), F(1)], [F(1), F(1)]) == 2 and square.gradient([F(3)], [F(1)]) == (2,)
    assert hinge([F(1, 2)], [F(1)]) == F(1, 2) and hinge.gradient([F(1, 2)], [F(-1)]) == (1,)
    assert hinge([F(2)], [F(1)]) == 0 and hinge.gradient([F(1)], [F(1)]) == (0,)    # 0 at the kink
    assert zero_one([F(1), F(2)], [F(1), F(2)]) == 0 and zero_one([F(1), F(2)], [F(1), F(3)]) == 1
    net = small()
    samples = [({"s": 1}, [F(61, 30)]), ({"s": 2}, [0])]          # f(1) = 61/30
    assert loss(net, THETA, samples, zero_one) == 1
    _, gw, _, _ = backward(net, THETA, samples, zero_one)
    assert set(gw.values()) == {0}
    flagged = custom(lambda yh, y: F(int(yh[0] > y["above"])), name="above")    # labels as given
    assert loss(net, THETA, [({"s": 1}, {"above": 0}), ({"s": 1}, {"above": 10})], flagged) == 1
    with pytest.raises(InputError, match="above loss has no derivative"):
        backward(net, THETA, [({"s": 1}, {"above": 0})], flagged)
    mine = custom(lambda yh, y: (yh[0] - y[0]) ** 2 / 2, lambda yh, y: [yh[0] - y[0]])
    assert backward(net, THETA, samples, mine)[:3] == backward(net, THETA, samples, square)[:3]
    assert loss(net, THETA, samples, lambda yh, y: yh[0]) == loss(net, THETA, samples, custom(lambda yh, y: yh[0]))


# -- bit accounting and the budget ----------------------------------------------------------------
def test_bit_length_and_the_report():
    assert [bit_length(F(v)) for v in (0, 1, -1, F(1, 2), F(-3, 4), 255)] == [2, 2, 2, 3, 5, 9]
    net = small()
    p = backprop(net, THETA, [({"s": F(1, 2)}, [1])], square)
    z_t = F(31, 30)
    rep = p.report
    assert rep.vertex["s"] == {"pre": 3, "act": 3, "delta": None, "dx": bit_length(p.grad_x[0]["s"])}
    assert rep.vertex["h"]["pre"] == bit_length(F(4, 3)) and rep.vertex["t"]["act"] == bit_length(z_t)
    assert rep.vertex["t"]["delta"] == bit_length(z_t - 1)
    assert rep.edge[("h", "t")] == {"grad_w": bit_length(p.grad_w[("h", "t")]), "grad_b": bit_length(z_t - 1)}
    assert rep.layer[2]["act"] == bit_length(z_t) and rep.per_layer("act") == [3, 5, 10]
    assert rep.loss == bit_length((z_t - 1) ** 2 / 2) == rep.max and rep.where == "the loss"
    deltas = [p.grad_b[("s", "h")], p.grad_b[("h", "t")], p.grad_x[0]["s"]]      # delta_h, delta_t, dL/dx_s
    assert rep.passes == {"forward": 10,
                          "backward": max(bit_length(v) for v in [*p.grad_w.values(), *deltas])}


def _chain(act, length, weight=1, bias=0):
    vs = ["s"] + [f"v{i}" for i in range(1, length + 1)]
    net = DagNet(vs, list(zip(vs, vs[1:])), act, ["s"], [vs[-1]])
    return net, {e: (weight, bias) for e in net.edges}


def test_budget_refuses_a_product_before_computing_it():
    net, theta = _chain(poly([0, 0, 1]), 40)
    with pytest.raises(LimitReached) as e:
        forward(net, theta, [F(3, 2)], budget=100_000)
    msg = str(e.value)
    m = re.fullmatch(r"bit budget 100000 reached at vertex v(\d+) \(layer \1\), sample 0: the activation would "
                     r"multiply a (\d+)-bit and a \2-bit number \(up to (\d+) bits\); refused before multiplying", msg)
    assert m, msg
    k = int(m.group(1))        # the pre-activation there is (3/2)^(2^(k-1)): 2 len <= budget before, > after
    assert int(m.group(2)) == bit_length(F(3, 2) ** 2 ** (k - 1)) and 2 * int(m.group(2)) > 100_000
    assert 2 * bit_length(F(3, 2) ** 2 ** (k - 2)) <= 100_000


def test_budget_stops_at_the_first_value_over_it():
    net, theta = _chain(identity(), 3, weight=F(7, 5))
    bits = layer_bits(net, theta, [F(1, 3)])
    assert bits == [bit_length(F(1, 3) * F(7, 5) ** d) for d in range(4)]
    with pytest.raises(LimitReached, match=r"at vertex v3 \(layer 3\), sample 1: the pre-activation would multiply a "
                                           rf"{bit_length(F(7, 5))}-bit and a {bits[2]}-bit number"):
        loss(net, theta, [([0], [0]), ([F(1, 3)], [0])], square, budget=bits[3] - 1)
    one, _ = _chain(identity(), 1)                  # 1 * 1/3 + 1/5 = 8/15: a 5-bit product, an 8-bit sum
    with pytest.raises(LimitReached, match=r"at vertex v1 \(layer 1\), sample 0: the pre-activation has 8 bits$"):
        forward(one, {("s", "v1"): (1, F(1, 5))}, [F(1, 3)], budget=7)
    p = backprop(net, theta, [([F(1, 3)], [0])], square)
    assert backprop(net, theta, [([F(1, 3)], [0])], square, budget=p.report.max).loss == p.loss
    free = custom(lambda yh, y: 0, lambda yh, y: [yh[0] - y[0]])        # a loss that costs no bits itself
    with pytest.raises(LimitReached, match=r"at vertex v2 \(layer 2\), sample 0: the backpropagated"):
        backprop(net, theta, [([F(1, 3)], [0])], free, budget=p.report.passes["forward"] + 1)
    with pytest.raises(LimitReached, match=r"time budget 1e-09 s reached at vertex s \(layer 0\), sample 0, "
                                           r"in the forward pass$"):
        backprop(net, theta, [([F(1, 3)], [0])], square, seconds=1e-9)
    with pytest.raises(InputError, match="budget=0 must be an integer >= 1"):
        loss(net, theta, [([0], [0])], square, budget=0)


# -- Theorem E.1, explicit -------------------------------------------------------------------------
@given(instances(max_vertices=7, max_den=60, max_abs=6, loss_names=("square", "hinge", "zero_one")))
def test_e1_bound_holds(inst):
    net, theta, samples, lossname = inst
    c = e1_check(net, theta, samples, {"square": square, "hinge": hinge, "zero_one": zero_one}[lossname])
    assert c.ok, c.violations
    assert c.N == scalar_bits(net, theta, samples) <= encoding_length(net, theta, samples)
    n = len(samples)          # the bound also holds with the paper's N, the total encoding length
    big = e1_bound(encoding_length(net, theta, samples), edges=len(net.edges), vertices=len(net.vertices),
                   depth=net.depth, fan_in=net.fan_in, fan_out=net.fan_out, samples=n, quantity="grad")
    assert c.measured["grad"] <= c.bound["grad"] <= big


def _worst_chain(length):
    """Every number that enters a value is 1/p, p a distinct prime: nothing cancels."""
    primes = iter(sympy.primerange(1000, 10**5))
    vs = ["s"] + [f"v{i}" for i in range(length)]
    acts = {v: piecewise([], [F(1, next(primes))], [F(1, next(primes))]) for v in vs[1:]}
    net = DagNet(vs, list(zip(vs, vs[1:])), acts, ["s"], [vs[-1]])
    theta = {e: (F(1, next(primes)), F(1, next(primes))) for e in net.edges}
    return net, theta, [({"s": F(1, next(primes))}, [F(1, next(primes))])]


def test_a_too_small_constant_fails():
    net, theta, samples = _worst_chain(6)
    assert e1_check(net, theta, samples, square).ok
    wrong = e1_check(net, theta, samples, square, scale=F(1, 2))
    assert not wrong.ok and wrong.violations[0].startswith("value: ")
    # the paper's step rule len(a + b) <= max(len a, len b) + 1 is an integer fact, not a rational one
    a, b = F(1), F(1, 255)
    assert bit_length(a + b) > max(bit_length(a), bit_length(b)) + 1


def test_e1_refuses_what_it_does_not_cover():
    net, theta = _chain(poly([0, 0, 1]), 2)
    with pytest.raises(InputError, match="vertex v1 has the activation poly\\(T\\^2\\): Theorem E.1 covers"):
        e1_check(net, theta, [([1], [1])], square)
    net, theta = _chain(relu(), 2)
    with pytest.raises(InputError, match="custom loss is not covered"):
        e1_check(net, theta, [([1], [1])], custom(lambda yh, y: 0))
    with pytest.raises(InputError, match="quantity='bits' must be one of value, delta, grad"):
        e1_bound(4, edges=1, vertices=2, depth=1, fan_in=1, fan_out=1, quantity="bits")


# -- the polynomial side: multiplicative growth ---------------------------------------------------
@pytest.mark.parametrize("mu, depth", [(2, 12), (3, 8), (4, 6)])
def test_bit_length_multiplies_by_the_degree_per_layer(mu, depth):
    net, theta = _chain(poly([0] * mu + [1]), depth)
    bits = layer_bits(net, theta, [F(3, 2)])                 # (3/2)^(mu^d): no sum, no cancellation
    assert bits == [bit_length(F(3, 2) ** mu**d) for d in range(depth + 1)]
    # bits_d = mu^d (log2 3 + 1) + e_d with e_d in [1, 2], so |bits_{d+1} / bits_d - mu| <= 2 mu / bits_d -> 0
    gaps = [abs(F(b, a) - mu) for a, b in zip(bits, bits[1:])]
    assert all(g <= F(2 * mu, a) for g, a in zip(gaps, bits)) and gaps[-1] < F(1, 100)


def test_piecewise_linear_growth_is_additive():
    net, theta = _chain(leaky(F(1, 3)), 30, weight=F(-3, 2))
    bits = layer_bits(net, theta, [F(5, 7)])
    steps = [b - a for a, b in zip(bits, bits[1:])]
    assert max(steps) <= bit_length(F(-3, 2)) + bit_length(F(1, 3))    # len(ab) <= len a + len b per layer
    assert bits[-1] < 4 * 30 + bits[0]


def test_summing_samples_adds_bits_per_sample_not_log_n():
    # Appendix E: "summing over i = 1..n adds at most log n bits" holds for integers; rationals'
    # denominators multiply: dL/dw = sum_i x_i^2 here, 1/9 + 1/25 = 34/225
    net, theta = _chain(identity(), 1)
    _, gw, _, rep = backward(net, theta, [([F(1, 3)], [0]), ([F(1, 5)], [0])], square)
    assert gw[("s", "v1")] == F(34, 225) and rep.edge[("s", "v1")]["grad_w"] == 14
    assert 14 > max(bit_length(F(1, 9)), bit_length(F(1, 25))) + 1
