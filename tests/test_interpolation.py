"""A*: piecewise-constant interpolation on cell centres (slides [S]; [R] reconstruction, docs/derivations.md §5)."""
from fractions import Fraction as F

import pytest
from hypothesis import given, strategies as st

from exactrelu.errors import InputError
from exactrelu.learning.interpolation import (a_star, cell_box, cell_centres, cells_per_axis, error_bound_holds,
                                              interpolate, recording)
from exactrelu.numbers import iroot_floor
from exactrelu.strategies import points, rationals
from exactrelu.theory.lipschitz import PowerProduct


@given(st.integers(1, 10**6), st.integers(1, 5))
def test_cells_per_axis_is_exact_root(m, d):
    n = cells_per_axis(m, d)
    assert n**d <= m < (n + 1) ** d


@given(st.integers(1, 40), st.integers(1, 2), st.data())
def test_queries_and_nearest_centre(m, d, data):
    u = recording(lambda x: sum(x, F(0)) * 3)
    A = a_star(u, m, d)
    n = A.n
    assert len(A.queries) == n**d <= m and A.queries == u.queries == list(A.centres.values())
    for idx, z in A.centres.items():
        assert A(z) == 3 * sum(z) and A.values[idx] == 3 * sum(z)
    x = data.draw(points(d))
    z = A.centres[A.cell_of(x)]
    # the chosen centre is a nearest one (l-inf and hence every l^p distance per axis)
    best = min(max(abs(a - b) for a, b in zip(x, c)) for c in A.centres.values())
    assert max(abs(a - b) for a, b in zip(x, z)) == best
    lo_hi = cell_box(A.cell_of(x), n)
    assert all(lo <= v <= hi for v, (lo, hi) in zip(x, lo_hi))


def test_box_and_net_oracle():
    from exactrelu.net import Net
    net = Net([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])  # |x|
    A = interpolate(net, 9, 1, box=[("-1/2", "1/2")])
    assert A.n == 9 and A.centres[(0,)] == (F(-4, 9),) and A((F(-1, 2),)) == F(4, 9)
    assert cell_centres(2, 2) == {(0, 0): (F(1, 4), F(1, 4)), (0, 1): (F(1, 4), F(3, 4)),
                                  (1, 0): (F(3, 4), F(1, 4)), (1, 1): (F(3, 4), F(3, 4))}


@given(rationals(max_abs=4).map(abs), rationals(max_abs=4).map(abs), st.integers(1, 100), st.integers(1, 3))
def test_error_bound_decision(err, lip, m, d):
    """err <= Lip sqrt(d) m^(-1/d) decided exactly, agreeing with a Radical evaluation."""
    got = error_bound_holds(err, lip * lip, m, d)
    if lip == 0:
        assert got == (err == 0)
    else:
        want = PowerProduct([(lip, 1), (d, F(1, 2)), (m, F(-1, d))])
        assert got == (err == 0 or want >= err)
        assert error_bound_holds(err, PowerProduct.of(lip * lip), m, d) == got


BAD = [(dict(m=0), "m=0"), (dict(d=0), "d=0"), (dict(box=[(0, 1)] * 3), "box has 3"),
       (dict(box=[(1, 1), (0, 1)]), "box[0]")]


@pytest.mark.parametrize("change,frag", BAD, ids=[b[1] for b in BAD])
def test_bad_arguments(change, frag):
    kw = dict(sample=lambda x: 0, m=4, d=2)
    kw.update(change)
    with pytest.raises(InputError, match=__import__("re").escape(frag)):
        a_star(**kw)


# -- the verification script fails closed on a broken A* or a wrong sample count ----------------------

@pytest.fixture(scope="module")
def proof():
    from helpers import load_proof
    return load_proof("upper_bound")


def _held(proof, **hooks):
    from exactrelu.proofkit import run_checks
    rep = run_checks(proof.checks, quick=True, **hooks)
    return rep, {c.id: c.held for c in rep.claims}


def corner_a_star(sample, m, d, box=None):
    """Broken A*: predicts the value at each cell's lower corner instead of its centre."""
    P = a_star(sample, m, d, box)
    for idx in P.values:
        corner = tuple(lo for lo, _ in cell_box(idx, P.n, P.box))
        v = sample(corner)
        P.values[idx] = v[0] if isinstance(v, tuple) else v
    return P


def one_more_cell(sample, m, d, box=None):
    """Broken A*: n = floor(m^(1/d)) + 1 cells per axis, i.e. more samples than the budget."""
    return a_star(sample, (iroot_floor(m, d) + 1) ** d, d, box)


def test_script_verifies(proof):
    rep, held = _held(proof)
    assert rep.ok, rep.table()
    assert set(held) == {"astar.samples", "astar.error", "astar.sharp", "astar.upper_bound"}


BROKEN = [("corner-predictor", dict(algorithm=corner_a_star), ["astar.error", "astar.sharp"]),
          ("over-budget", dict(algorithm=one_more_cell), ["astar.samples"]),
          ("samples-3d-for-3d^2", dict(samples=lambda d, L, c, eps: (F(c) ** L * (3 * d) ** (L - 2) * 3 * d / eps) ** d),
           ["astar.upper_bound"])]


@pytest.mark.parametrize("hooks,claims", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_script_reports_broken(proof, hooks, claims):
    rep, held = _held(proof, **hooks)
    assert not rep.ok and not any(held[c] for c in claims), rep.table()
