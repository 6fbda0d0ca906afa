"""exactrelu.learning.reductions: the set-splitting training set, the zero-loss network of a 2-colouring,
the brute-force decider, and both directions of the reduction on small instances (the NO side by the
exact ERM with its certificate replayed)."""
import itertools
import random
from fractions import Fraction as F

import networkx as nx
import pytest

from exactrelu.erm_kernel import check_erm
from exactrelu.learning import reductions as R
from exactrelu.learning.erm import erm, loss


def test_the_training_set_of_a_path():
    pts, ys = R.splitting_instance(3, [(1, 0), (1, 2)])
    assert pts[0] == [0, 0, 0] and ys[0] == 0
    assert pts[1:4] == [[1, 0, 0], [0, 1, 0], [0, 0, 1]] and ys[1:4] == [1, 1, 1]
    assert pts[4:] == [[1, 1, 0], [F(1, 2), F(1, 2), 0], [0, 1, 1], [0, F(1, 2), F(1, 2)]] and ys[4:] == [0] * 4
    assert all(type(v) is F for p in pts for v in p) and all(type(y) is F for y in ys)
    pts2, _ = R.splitting_instance(3, [(0, 1), (1, 2)], centroids=False)
    assert len(pts2) == 6


def test_bad_hypergraphs_are_refused():
    for n, e in ((0, []), (2, [()]), (2, [(0, 2)]), (2, [(-1, 0)])):
        with pytest.raises(ValueError):
            R.normalise(n, e)


def test_the_decider_on_the_named_examples_and_graphs():
    assert not any(R.is_two_colourable(n, e) for n, e in R.NO_EXAMPLES.values())
    assert R.is_two_colourable(4, itertools.combinations(range(4), 3))       # K4^(3): split {0,1} | {2,3}
    assert list(R.two_colourings(3, [(0, 1), (1, 2)])) == [(0, 1, 0)]
    for k, n, e in R.atlas_hypergraphs(6):
        G = nx.Graph()
        G.add_nodes_from(range(n))
        G.add_edges_from(e)
        assert R.is_two_colourable(n, e) == nx.is_bipartite(G), k
    with pytest.raises(ValueError):
        next(R.atlas_hypergraphs(8))


def test_yes_direction_every_colouring_gives_loss_zero():
    rng = random.Random(5)
    cases = [(n, e) for _, n, e in R.atlas_hypergraphs(6)] + \
        [R.random_hypergraph(rng, rng.randint(2, 6), rng.randint(1, 6), (2, 3, 4)) for _ in range(40)]
    yes = 0
    for n, e in cases:
        pts, ys = R.splitting_instance(n, e)
        for col in R.two_colourings(n, e):
            p = R.splitting_network(n, e, col)
            assert R.network_loss(pts, ys, p) == 0 == loss(pts, ys, p)
            yes += 1
    assert yes > 100


def test_a_monochromatic_edge_breaks_the_network():
    pts, ys = R.splitting_instance(3, [(0, 1), (1, 2)])
    assert R.network_loss(pts, ys, R.splitting_network(3, [(0, 1), (1, 2)], (0, 0, 1))) > 0


@pytest.mark.parametrize("name", ["triangle", "singleton-edge", "triangle+3-edge"])
def test_no_direction_certified_positive_without_bias(name):
    n, e = R.NO_EXAMPLES[name]
    pts, ys = R.splitting_instance(n, e)
    res = erm(pts, ys, relus=2, bias=False, realizable=True, max_patterns=10 ** 12, time_limit=60)
    rep = check_erm(pts, ys, 2, False, res.certificate)
    assert rep.lower > 0 and rep.lower == res.lower


def test_no_direction_with_bias_and_the_gadget_it_needs():
    n, e = R.NO_EXAMPLES["triangle"]
    pts, ys = R.splitting_instance(n, e)
    res = erm(pts, ys, relus=2, bias=True, realizable=True, max_patterns=10 ** 12, time_limit=60)
    assert check_erm(pts, ys, 2, True, res.certificate).lower > 0
    # without the centroids relu(z1) - relu(z2) (with biases) fits every r-uniform hypergraph: the doc's example
    pts2, ys2 = R.splitting_instance(n, e, centroids=False)
    b, r = F(3), 2
    cex = {"w": [[1 - b] * n, [-b] * n], "b": [b, b], "a": [1, -1]}
    assert R.network_loss(pts2, ys2, cex) == 0
    assert R.network_loss(pts, ys, cex) > 0                         # the centroids catch it
    B = F(r, r - 1)                                                 # the doc's other one
    cex0 = {"w": [[1] * n, [B] * n], "b": [0, -B], "a": [1, -1]}
    assert R.network_loss(pts2, ys2, cex0) == 0 and R.network_loss(pts, ys, cex0) > 0


def test_independent_set_reduction_without_and_with_bias():
    n, e = 3, ((0, 1), (0, 2), (1, 2))                       # the triangle: alpha = 1
    assert R.maximum_independent_set(n, e) == (0,) and R.independence_number(n, e) == 1
    assert R.indset_threshold(3, 2) == 1
    pts, ys = R.indset_instance(n, e)
    assert len(pts) == 6 and ys == [1, 1, 1, 0, 0, 0]
    res = erm(pts, ys, relus=1, bias=False, time_limit=60)
    assert check_erm(pts, ys, 1, False, res.certificate).lower == res.loss == 2
    assert R.network_loss(pts, ys, R.indset_network(n, (0,))) == 2
    # with a bias the plain set is fitted exactly (w = -1, b = 2): the bias needs the midpoint set
    assert R.network_loss(pts, ys, {"w": [[-1, -1, -1]], "b": [2], "a": [1]}) == 0
    ptsb, ysb = R.indset_instance(n, e, with_bias=True)
    assert len(ptsb) == 3 + 4 * 3 and ptsb[3] == [F(1, 2), F(1, 2), 0]
    resb = erm(ptsb, ysb, relus=1, bias=True, time_limit=60)
    assert check_erm(ptsb, ysb, 1, True, resb.certificate).lower == resb.loss == 2
    assert R.network_loss(ptsb, ysb, R.indset_network(n, (0,))) == 2
    p1, y1 = R.indset_instance(2, [(0, 1)], with_bias=True, copies=1)   # one copy: the hedge 2/3 < 1 wins
    assert erm(p1, y1, relus=1, bias=True, time_limit=60).loss == F(2, 3)


def test_independent_set_yes_networks_on_the_atlas():
    for _, n, e in R.atlas_hypergraphs(6):
        I = R.maximum_independent_set(n, e)
        for with_bias in (False, True):
            pts, ys = R.indset_instance(n, e, with_bias=with_bias)
            assert R.network_loss(pts, ys, R.indset_network(n, I)) == n - len(I)
    with pytest.raises(ValueError):
        R.indset_instance(3, [(0, 1, 2)])
