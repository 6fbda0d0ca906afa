"""Grid of bumps and the pigeonhole count: exact M, exact touched sets, adversarial point sets."""
from fractions import Fraction as F

import pytest
from hypothesis import given, strategies as st

from exactrelu.errors import InputError
from exactrelu.proofkit import run_checks
from exactrelu.theory import grid as gr
from helpers import load_proof


# -- hypothesis strategies for adversarial point sets ------------------------------------------
@st.composite
def grids(draw, max_d=3, max_m=6):
    """(m, d, M) with the paper's M = 8 ceil(m^(1/d))."""
    d = draw(st.integers(1, max_d), label="d")
    m = draw(st.integers(1, max_m), label="m")
    return m, d, gr.grid_M(m, d)


def face_point(M, d):
    """At least one coordinate on a shared face 2k/M (or the cube's boundary)."""
    coord = st.integers(0, 4 * M).map(lambda k: F(k, 4 * M))
    return st.tuples(st.lists(coord, min_size=d, max_size=d), st.integers(0, d - 1), st.integers(0, M // 2)) \
        .map(lambda t: tuple(F(2 * t[2], M) if i == t[1] else v for i, v in enumerate(t[0])))


def node_point(M, d):
    """A grid centre (2j-1)/M."""
    return st.lists(st.integers(1, M // 2), min_size=d, max_size=d).map(lambda j: gr.centre(j, M))


def sphere_point(M, d):
    """On the boundary of a support: y + (signed l1 split of 1/M)."""
    def build(t):
        j, w, signs = t
        tot = sum(w)
        return tuple(gr.centre(j, M)[i] + signs[i] * F(w[i], tot * M) for i in range(d))
    return st.tuples(st.lists(st.integers(1, M // 2), min_size=d, max_size=d),
                     st.lists(st.integers(1, 5), min_size=d, max_size=d),
                     st.lists(st.sampled_from((-1, 1)), min_size=d, max_size=d)).map(build)


def cluster_point(M, d, y):
    """Within l-inf distance 1/(M d) of the centre y (inside or on the support's boundary)."""
    return st.lists(st.integers(-8, 8), min_size=d, max_size=d).map(
        lambda k: tuple(yi + F(ki, 8 * M * d) for yi, ki in zip(y, k)))


def random_point(M, d):
    return st.lists(st.fractions(min_value=0, max_value=1, max_denominator=6 * M), min_size=d, max_size=d) \
        .map(tuple)


@st.composite
def adversarial_sets(draw, max_d=3, max_m=6):
    """(m, d, M, points) with 2m points from one of the families (or a mix)."""
    m, d, M = draw(grids(max_d, max_m))
    family = draw(st.sampled_from(["faces", "nodes", "spheres", "cluster", "one_per_bump", "random", "mixed"]))
    n = 2 * m
    if family == "one_per_bump":
        idx = draw(st.lists(st.lists(st.integers(1, M // 2), min_size=d, max_size=d).map(tuple),
                            min_size=n, max_size=n, unique=True))
        return m, d, M, [gr.centre(j, M) for j in idx], family
    y = gr.centre([draw(st.integers(1, M // 2)) for _ in range(d)], M)
    gens = {"faces": face_point(M, d), "nodes": node_point(M, d), "spheres": sphere_point(M, d),
            "cluster": cluster_point(M, d, y), "random": random_point(M, d)}
    gen = gens[family] if family in gens else st.one_of(*gens.values())
    return m, d, M, draw(st.lists(gen, min_size=n, max_size=n)), family


# -- M by integer roots ------------------------------------------------------------------------
def test_grid_M_perfect_powers():
    assert gr.grid_M(3125, 5) == 40 and gr.grid_M(3126, 5) == 48 and gr.grid_M(1, 7) == 8
    assert gr.ceil_root(F(1, 2), 3) == 1 and gr.ceil_root(F(27, 1), 3) == 3 and gr.ceil_root(F(28, 1), 3) == 4
    assert gr.ceil_root(F(82, 3), 3) == 4 and gr.ceil_root(F(81, 3), 3) == 3


@given(a=st.integers(0, 10**6), b=st.integers(1, 50), d=st.integers(1, 7))
def test_ceil_root_brackets(a, b, d):
    m = F(a, b)
    k = gr.ceil_root(m, d)
    assert k**d >= m and (k == 0 or (k - 1) ** d < m)


@given(k=st.integers(1, 10**4), d=st.integers(1, 12))
def test_ceil_root_on_perfect_powers(k, d):
    assert gr.ceil_root(k**d, d) == k and gr.ceil_root(k**d + 1, d) == k + 1


def test_bad_arguments():
    for bad in ((lambda: gr.ceil_root(-1, 2)), (lambda: gr.ceil_root(4, 0)), (lambda: gr.n_bumps(1, 2)),
                (lambda: gr.bump_index((F(1, 2),), 8, 2)), (lambda: gr.one_per_bump(8, 1, 5))):
        with pytest.raises(InputError):
            bad()


# -- touched: closed form vs brute force --------------------------------------------------------
@given(adversarial_sets())
def test_closed_form_equals_bruteforce_and_at_most_one(case):
    m, d, M, pts, family = case
    for x in pts:
        brute = gr.touched_bruteforce(x, M, d)
        j = gr.bump_index(x, M, d)
        assert len(brute) <= 1
        assert brute == ([] if j is None else [j])
        if family in ("faces", "spheres"):
            assert j is None
        if family in ("nodes", "one_per_bump"):
            assert j is not None and gr.centre(j, M) == x


@given(adversarial_sets(max_d=4, max_m=40))
def test_pigeonhole_counts(case):
    m, d, M, pts, family = case
    ph = gr.pigeonhole(m, d, pts)
    N = (M // 2) ** d
    assert ph.M == M and ph.N == N and N >= 4 * m
    assert ph.untouched == N - len(gr.touched_set(pts, M, d))
    assert ph.untouched >= N - 2 * m >= N // 2 and ph.holds
    if family == "one_per_bump":
        assert ph.untouched == N - 2 * m  # the equality case
    if family in ("faces", "spheres"):
        assert ph.untouched == N


def test_d1_is_tight():
    for m in range(1, 50):
        M = gr.grid_M(m, 1)
        assert gr.n_bumps(M, 1) == 4 * m
        pts = gr.one_per_bump(M, 1, 2 * m, seed=m)
        assert 2 * gr.count_untouched(pts, M, 1) == gr.n_bumps(M, 1)


def test_closed_ball_reading_is_caught():
    """The wrong (closed-ball) reading touches two bumps at the midpoint of a shared face."""
    M = 8
    x = (F(2, 8), F(1, 8))  # midpoint between centres (1/8, 1/8) and (3/8, 1/8)
    assert gr.touched_bruteforce(x, M, 2) == []
    assert len(gr.touched_bruteforce(x, M, 2, strict=False)) == 2


def test_large_grid_needs_no_enumeration():
    d, m = 15, 10**6
    M = gr.grid_M(m, d)
    pts = gr.random_points(M, d, 2 * 50, seed=1)
    ph = gr.pigeonhole(m, d, pts)
    assert ph.N == (M // 2) ** d and ph.holds


def test_matches_bump_network():
    """The closed form agrees with the exact bump network of exactrelu.constructions.bumps."""
    bumps = pytest.importorskip("exactrelu.constructions.bumps")
    M, d = 8, 2
    for j in ((1, 1), (2, 3)):
        y = gr.centre(j, M)
        net = bumps.bump_net(d, 3, 1, M, list(y))
        for x in gr.random_points(M, d, 40, seed=sum(j)) + gr.face_points(M, d, 10, seed=3):
            nonzero = net(x)[0] != 0
            assert nonzero == (gr.bump_index(x, M, d) == j)


# -- the proof script fails when M or the ball is wrong ----------------------------------------
@pytest.mark.parametrize("hooks, failing", [
    ({"M_fn": lambda m, d: gr.grid_M(m, d) - 1}, {"grid.M", "grid.count", "grid.pigeonhole"}),
    ({"M_fn": lambda m, d: gr.grid_M(m, d) + 1}, {"grid.M"}),
    ({"M_fn": lambda m, d: 4 * gr.ceil_root(m, d)}, {"grid.M", "grid.count"}),
    ({"strict": False}, {"grid.one_bump"}),
])
def test_proof_fails_on_broken_grid(hooks, failing):
    rep = run_checks(load_proof("grid_pigeonhole").checks, quick=True, **hooks)
    assert rep.ok is False
    assert failing <= {c.id for c in rep.claims if not c.held}


def test_proof_holds_quick():
    assert run_checks(load_proof("grid_pigeonhole").checks, quick=True).ok is True
