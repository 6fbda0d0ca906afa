"""Reductions from graph and set problems to ReLU training (exact rational training sets).

1. Maximum independent set -> the minimum square loss of ONE ReLU x -> relu(w . x) (no bias), with noisy
   labels: [R] reconstruction: our reduction (docs/training-hardness-reductions.md).  For a graph G on
   0..n-1 the training set in Q^n is e_i with label 1 for every vertex and e_i + e_j with label 0 for
   every edge.  Then min_w L(w) = n - alpha(G) exactly, so "min L <= n - k" iff alpha(G) >= k
   (:func:`indset_instance`, :func:`indset_threshold`, :func:`indset_network`).  The lower bound is
   Caro-Wei's alpha >= sum 1/(d_i + 1) on the ReLU's active set.  With a bias: the edge points become
   the midpoints (e_i + e_j)/2, four copies each (``with_bias=True``), and the same holds.

2. Hypergraph 2-colouring (set splitting) -> realizable ERM of a sum of two ReLUs, after Blum & Rivest
(1992), who reduce set splitting to training a 3-node network of threshold
units; the adaptation to a sum of two ReLUs with output weights +-1, square loss 0, is [R] reconstruction
(the statement and both directions are proved in docs/training-hardness-reductions.md).

Instance: a hypergraph on the vertices 0..n-1 with hyperedges S (each a set of vertices).
Training set in Q^n, labels exact:

* the origin 0, label 0;
* e_i for every vertex i, label 1;
* for every hyperedge S: the indicator 1_S, label 0, and its centroid 1_S / |S|, label 0 (the centroid
  is our gadget: without it, with biases, every r-uniform hypergraph is realizable by relu(z_1) - relu(z_2)).

Theorem: some f = a_1 relu(w_1 . x + b_1) + a_2 relu(w_2 . x + b_2) with a in {+1, -1}^2 and real w, b
fits every point exactly (square loss 0) iff the hypergraph is 2-colourable (every hyperedge meets both
colour classes).  For a 2-colouring C_1, C_2 the network :func:`splitting_network` (a = (1, 1), b = 0)
fits; the converse is the case analysis of the doc.  A 2-uniform hypergraph is a graph, and there
2-colourable means bipartite.

The brute-force decider :func:`two_colourings` enumerates colourings with itertools (networkx is used only
to walk the graph atlas); nothing here calls the ERM.
"""
from __future__ import annotations

import itertools
import random
from fractions import Fraction

__all__ = ["indset_instance", "indset_threshold", "indset_network", "independence_number",
           "maximum_independent_set", "normalise", "splitting_instance", "two_colourings", "is_two_colourable", "splitting_network",
           "network_loss", "graph_hypergraph", "atlas_hypergraphs", "random_hypergraph", "NO_EXAMPLES"]

_Z = Fraction(0)


def normalise(n: int, edges) -> tuple:
    """(n, sorted tuple of sorted vertex tuples); refuses vertices outside 0..n-1 and empty edges."""
    if n < 1:
        raise ValueError("a hypergraph needs at least one vertex")
    out = set()
    for S in edges:
        S = tuple(sorted(set(S)))
        if not S or S[0] < 0 or S[-1] >= n:
            raise ValueError(f"hyperedge {S} is empty or not inside 0..{n - 1}")
        out.add(S)
    return n, tuple(sorted(out))


def splitting_instance(n: int, edges, *, centroids: bool = True, sums: bool = True) -> tuple:
    """(points, labels) of the reduction, exact Fractions, in dimension n.  ``centroids`` / ``sums``
    switch the gadget points 1_S / |S| and 1_S off (for tests that watch the reduction break)."""
    n, edges = normalise(n, edges)
    pts, ys = [[_Z] * n], [_Z]
    for i in range(n):
        e = [_Z] * n
        e[i] = Fraction(1)
        pts.append(e)
        ys.append(Fraction(1))
    for S in edges:
        if sums:
            pts.append([Fraction(1) if i in S else _Z for i in range(n)])
            ys.append(_Z)
        if centroids:
            pts.append([Fraction(1, len(S)) if i in S else _Z for i in range(n)])
            ys.append(_Z)
    return pts, ys


def two_colourings(n: int, edges):
    """Every colouring c in {0, 1}^n (c[0] = 0: the two classes are unordered) with no monochromatic
    hyperedge, by brute force over all 2^(n-1) colourings."""
    n, edges = normalise(n, edges)
    for rest in itertools.product((0, 1), repeat=n - 1):
        c = (0,) + rest
        if all(len({c[i] for i in S}) == 2 for S in edges):
            yield c


def is_two_colourable(n: int, edges) -> bool:
    return next(two_colourings(n, edges), None) is not None


def splitting_network(n: int, edges, colouring) -> dict:
    """The zero-loss network of a 2-colouring: unit u has weight 1 on its colour class and -M on the
    other (M = n), bias 0, output weights (1, 1).  Params in erm's format {"w", "b", "a"}."""
    n, edges = normalise(n, edges)
    M = Fraction(n)
    w = [[Fraction(1) if colouring[i] == u else -M for i in range(n)] for u in (0, 1)]
    return {"w": w, "b": [_Z, _Z], "a": [1, 1]}


def network_loss(points, labels, params) -> Fraction:
    """sum_i (sum_u a_u relu(w_u . x_i + b_u) - y_i)^2, exactly (written here, independent of erm)."""
    tot = _Z
    for x, y in zip(points, labels):
        f = _Z
        for w, b, a in zip(params["w"], params["b"], params["a"]):
            z = sum((Fraction(wi) * Fraction(xi) for wi, xi in zip(w, x)), _Z) + Fraction(b)
            f += a * max(_Z, z)
        tot += (f - Fraction(y)) ** 2
    return tot


def graph_hypergraph(G) -> tuple:
    """A networkx graph as a 2-uniform hypergraph on 0..n-1 (its nodes relabelled in sorted order)."""
    nodes = sorted(G.nodes())
    idx = {v: i for i, v in enumerate(nodes)}
    return normalise(len(nodes), [(idx[u], idx[v]) for u, v in G.edges()])


def atlas_hypergraphs(max_vertices: int):
    """(atlas index, n, edges) for every graph of networkx's atlas with 1..max_vertices vertices
    (all graphs up to isomorphism; max_vertices <= 7)."""
    import networkx as nx
    if max_vertices > 7:
        raise ValueError("the networkx atlas holds graphs with at most 7 vertices")
    for k, G in enumerate(nx.graph_atlas_g()):
        if 1 <= G.number_of_nodes() <= max_vertices:
            n, edges = graph_hypergraph(G)
            yield k, n, edges


def random_hypergraph(rng: random.Random, n: int, m: int, sizes=(2, 3)) -> tuple:
    """m random hyperedges on 0..n-1 with sizes drawn from ``sizes`` (at most n), seeded by rng."""
    edges = [tuple(rng.sample(range(n), min(rng.choice(sizes), n))) for _ in range(m)]
    return normalise(n, edges)


# small hypergraphs that are not 2-colourable (checked by brute force in the tests)
NO_EXAMPLES = {
    "triangle": (3, ((0, 1), (0, 2), (1, 2))),
    "singleton-edge": (1, ((0,),)),
    "triangle+3-edge": (3, ((0, 1), (0, 2), (1, 2), (0, 1, 2))),
    "K4-pairs": (4, tuple(itertools.combinations(range(4), 2))),
    "5-cycle": (5, ((0, 1), (1, 2), (2, 3), (3, 4), (0, 4))),   # the 5-cycle
    # the Fano plane: the smallest 3-uniform hypergraph that is not 2-colourable (7 points, 7 lines)
    "fano": (7, ((0, 1, 2), (0, 3, 4), (0, 5, 6), (1, 3, 5), (1, 4, 6), (2, 3, 6), (2, 4, 5))),
}


# -- 1. independent set -> one ReLU without bias -------------------------------------------------------
def indset_instance(n: int, edges, *, with_bias: bool = False, copies: int = 4) -> tuple:
    """(points, labels): e_i -> 1 for every vertex, e_i + e_j -> 0 for every edge, in Q^n.

    ``with_bias``: the training set for one ReLU WITH bias: the edge point is the midpoint (e_i + e_j)/2,
    repeated ``copies`` (= 4) times.  An affine z takes the value (z(e_i) + z(e_j))/2 there, so the loss,
    as a function of v_i = z(e_i), is the bias-free loss and min = n - alpha(G) again."""
    n, edges = normalise(n, edges)
    if any(len(S) != 2 for S in edges):
        raise ValueError("a graph's edges have two distinct vertices")
    pts, ys = [], []
    for i in range(n):
        e = [_Z] * n
        e[i] = Fraction(1)
        pts.append(e)
        ys.append(Fraction(1))
    for i, j in edges:
        e = [_Z] * n
        e[i] = e[j] = Fraction(1, 2) if with_bias else Fraction(1)
        for _ in range(copies if with_bias else 1):
            pts.append(list(e))
            ys.append(_Z)
    return pts, ys


def indset_threshold(n: int, k: int) -> Fraction:
    """t(G, k) = n - k: the minimum loss is <= t iff G has an independent set of size k."""
    return Fraction(n - k)


def maximum_independent_set(n: int, edges) -> tuple:
    """A largest independent set, by brute force over all subsets (largest first)."""
    n, edges = normalise(n, edges)
    for r in range(n, -1, -1):
        for A in itertools.combinations(range(n), r):
            s = set(A)
            if not any(i in s and j in s for i, j in edges):
                return A
    raise AssertionError("unreachable: the empty set is independent")


def independence_number(n: int, edges) -> int:
    return len(maximum_independent_set(n, edges))


def indset_network(n: int, independent) -> dict:
    """w_i = 1 on the independent set, -1 elsewhere, no bias: loss n - |I| exactly (edge points inside
    I do not exist, I-to-rest sums are 0, rest-to-rest sums are -2).  Params in erm's format."""
    s = set(independent)
    return {"w": [[Fraction(1) if i in s else Fraction(-1) for i in range(n)]], "b": [_Z], "a": [1]}
