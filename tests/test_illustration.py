"""The 1-D illustration (exactrelu/experiments/illustration.py): exact pieces, the certified sup of
|student - log(sin(50x)+2) - sin(5x)|, its checker against tampered bounds, the figure and the CLI."""
import bisect
import json
from dataclasses import replace
from fractions import Fraction as F

import mpmath
import pytest

from exactrelu import cli
from exactrelu.analysis import pl1d
from exactrelu.errors import CertificateRejected, InputError
from exactrelu.evaluate import evaluate_batch
from exactrelu.net import Net

torch = pytest.importorskip("torch")
from exactrelu.experiments import illustration as il  # noqa: E402
from exactrelu.torchio import from_torch, mlp, state_fingerprint  # noqa: E402

LO, HI = il.DOMAIN
#: A student trained in about a second: enough pieces to have a worst one, small enough for a dense grid.
TINY = il.Config(depth=4, width=10, m=60, batch_size=20, epochs=15, lr=1e-2, lr_final=1e-4, n_sampled=2048,
                 label="tiny")


@pytest.fixture(scope="module")
def trained():
    model, X, Y, info = il.train(TINY)
    S = from_torch(model)
    knots, values = il.exact_pieces(S, LO, HI)
    return model, S, knots, values


@pytest.fixture(scope="module")
def bound(trained):
    _, S, knots, values = trained
    return il.certify_sup(knots, values, gap=F(1, 1000))


def mp(q: F):
    return mpmath.mpf(q.numerator) / q.denominator


def error_at(x: F, s: F):
    """|s - u(x)| to 40 digits with mpmath (not interval arithmetic: an independent evaluation)."""
    with mpmath.workdps(40):
        return abs(mp(s) - (mpmath.log(mpmath.sin(50 * mp(x)) + 2) + mpmath.sin(5 * mp(x))))


def test_the_target_enclosures_contain_40_digit_values():
    import random
    rnd = random.Random(0)
    with il._precision(il.PRECISION) as iv:
        for _ in range(200):
            c = F(rnd.randrange(-2**20, 2**20), 2**21)
            d = c + F(rnd.randrange(1, 2**12), 2**rnd.randrange(12, 40))
            X = il._enclose(iv, c, d)
            fa, fb = il._ends(il.SINE.f_iv(X))
            da, db = il._ends(il.SINE.df_iv(X))
            with mpmath.workdps(40):
                for x in (c, d, (c + d) / 2):
                    t = mp(x)
                    assert mp(fa) <= mpmath.log(mpmath.sin(50 * t) + 2) + mpmath.sin(5 * t) <= mp(fb)
                    du = 50 * mpmath.cos(50 * t) / (mpmath.sin(50 * t) + 2) + 5 * mpmath.cos(5 * t)
                    assert mp(da) <= du <= mp(db)


# -- exact pieces --------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_exact_pieces_are_pl1d_knots_and_exact_values(seed):
    S = from_torch(mlp([1, 7, 6, 5, 1], torch.Generator().manual_seed(seed), input_scale=(12 ** 0.5, 0.0)))
    knots, values = il.exact_pieces(S, LO, HI)
    assert knots == pl1d.knots([S], LO, HI)
    assert values == [v[0] for v in evaluate_batch(S, [(x,) for x in knots])]


def test_exact_pieces_two_neurons_crossing_at_one_point():
    # relu(x - 1/4) and relu(2x - 1/2) break at the same point: one knot there, no empty piece
    S = Net([([[1], [2], [-1]], ["-1/4", "-1/2", "-1/8"]), ([[1, 1, 1]], [0])])
    knots, values = il.exact_pieces(S, LO, HI)
    assert knots == [LO, F(-1, 8), F(1, 4), HI] == pl1d.knots([S], LO, HI)
    assert values == [S((x,))[0] for x in knots]


def test_exact_pieces_refuse_non_dyadic_entries_and_d2():
    with pytest.raises(InputError, match="dyadic"):
        il.exact_pieces(Net([([[1]], ["1/3"]), ([[1]], [0])]), LO, HI)
    with pytest.raises(InputError, match="d = 1"):
        il.exact_pieces(Net([([[1, 1]], [0]), ([[1]], [0])]), LO, HI)


# -- the certified interval ------------------------------------------------------------------------

def test_certified_interval_contains_the_dense_grid_maximum(trained, bound):
    _, S, knots, values = trained
    assert bound.gap_met and bound.reason == "gap"
    assert bound.upper - bound.lower <= F(1, 1000) * bound.upper
    grid = sorted(set(F(k, 4000) - F(1, 2) for k in range(4001)) | set(knots))
    s_vals = [v[0] for v in evaluate_batch(S, [(x,) for x in grid])]       # S exact, not from the pieces
    with mpmath.workdps(40):
        grid_max = max(error_at(x, s) for x, s in zip(grid, s_vals))
        assert grid_max <= mp(bound.upper)
        # the witness: |S(w) - u(w)| at 40 digits is at least the certified lower end
        w = bound.witness
        assert error_at(w, S((w,))[0]) >= mp(bound.lower)
        assert mp(bound.lower) >= grid_max * (1 - mpmath.mpf(1) / 100)   # the worst point was found
        # and every cell's own bound holds at the grid points inside it (not only the largest one)
        starts = [c.lo for c in bound.cells]
        for x, s in zip(grid, s_vals):
            c = bound.cells[max(bisect.bisect_right(starts, x) - 1, 0)]
            assert c.lo <= x <= c.hi and error_at(x, s) <= mp(c.upper)
    assert il.check(S, bound)["cells"] == len(bound.cells)


def test_cover_is_consecutive_and_inside_pieces(bound):
    cells = bound.cells
    assert cells[0].lo == LO and cells[-1].hi == HI
    assert all(a.hi == b.lo for a, b in zip(cells, cells[1:]))
    assert all(bound.knots[c.piece] <= c.lo < c.hi <= bound.knots[c.piece + 1] for c in cells)
    assert bound.upper == max(c.upper for c in cells)


def test_limits_stop_early_with_a_certified_wider_interval(trained):
    _, S, knots, values = trained
    b = il.certify_sup(knots, values, gap=F(1, 10**9), max_cells=len(knots) + 3)
    assert not b.gap_met and "cell limit" in b.reason and len(b.cells) <= len(knots) + 4
    il.check(S, b)                          # still a sound interval


def test_bad_gap_refused(trained):
    _, _, knots, values = trained
    for g in (0, 1, -1, 2):
        with pytest.raises(InputError, match="gap"):
            il.certify_sup(knots, values, gap=g)


# -- the checker rejects wrong bounds -----------------------------------------------------------------

def test_checker_rejects_a_shrunk_upper_bound(trained, bound):
    S = trained[1]
    with pytest.raises(CertificateRejected, match="exceeds upper"):
        il.check(S, replace(bound, upper=bound.upper * F(99, 100)))


def test_checker_rejects_a_shrunk_cell_bound(trained, bound):
    S = trained[1]
    top = max(range(len(bound.cells)), key=lambda i: bound.cells[i].upper)
    cells = list(bound.cells)
    cells[top] = replace(cells[top], upper=cells[top].upper / 2)
    smaller = max(c.upper for c in cells)
    with pytest.raises(CertificateRejected, match="recomputed bound"):
        il.check(S, replace(bound, cells=cells, upper=max(smaller, bound.lower)))


@pytest.mark.parametrize("which", ["first", "middle", "last"])
def test_checker_rejects_a_cover_with_a_cell_dropped(trained, bound, which):
    S = trained[1]
    i = {"first": 0, "middle": len(bound.cells) // 2, "last": len(bound.cells) - 1}[which]
    cells = bound.cells[:i] + bound.cells[i + 1:]
    with pytest.raises(CertificateRejected, match="cover"):
        il.check(S, replace(bound, cells=cells))


def test_checker_rejects_an_inflated_lower_bound(trained, bound):
    with pytest.raises(CertificateRejected, match="witness"):
        il.check(trained[1], replace(bound, lower=bound.lower * F(101, 100)))


def test_checker_rejects_a_cell_outside_its_piece_and_a_witness_outside_the_domain(trained, bound):
    cells = list(bound.cells)
    cells[0] = replace(cells[0], piece=cells[0].piece + 1)
    with pytest.raises(CertificateRejected, match="not inside piece"):
        il.check(trained[1], replace(bound, cells=cells))
    with pytest.raises(CertificateRejected, match="outside"):
        il.check(trained[1], replace(bound, witness=HI + 1, lower=F(0)))


def test_checker_rejects_a_wrong_knot_value(trained, bound):
    values = list(bound.values)
    values[1] += F(1, 2**40)
    with pytest.raises(CertificateRejected):
        il.check(trained[1], replace(bound, values=values))


def test_checker_rejects_a_missing_knot(trained):
    _, S, knots, values = trained
    k = len(knots) // 2                       # a breakpoint of S: without it S is not affine there
    ks, vs = knots[:k] + knots[k + 1:], values[:k] + values[k + 1:]
    with pytest.raises(CertificateRejected, match="changes sign"):
        il.check(S, il.certify_sup(ks, vs, gap=F(1, 10)))


# -- training, figure, command line ------------------------------------------------------------------

def test_training_is_deterministic(trained):
    again = il.train(TINY)[0]
    assert state_fingerprint(again) == state_fingerprint(trained[0])


def test_cli_json_and_figure(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(il, "QUICK", replace(TINY, label="quick"))
    out = tmp_path / "ill"
    out.mkdir()
    assert cli.main(["sweep", "illustrate", "--quick", "--json", "-o", str(out), "--gap", "1/100"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert {"lower", "upper", "witness", "sampled", "ratio"} <= set(r)
    lower, upper = F(r["lower"]), F(r["upper"])
    assert 0 < lower <= upper and upper - lower <= F(1, 100) * upper
    assert len(r["witness"]) == 1 and LO <= F(r["witness"][0]) <= HI     # a point, as in sup's JSON
    assert r["sampled"] <= float(upper) * (1 + 1e-9)      # the sampled maximum cannot beat the certified sup
    assert r["ratio"] == pytest.approx(float(lower) / r["sampled"])
    png = out / "illustration-quick.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in out.iterdir()) == ["illustration-quick.json", "illustration-quick.png",
                                                     "student-quick.json"]   # no temporary files left
    assert json.loads((out / "illustration-quick.json").read_text())["upper"] == r["upper"]


def test_cli_human_output_says_quick(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(il, "QUICK", replace(TINY, label="quick"))
    assert cli.main(["sweep", "illustrate", "--quick", "-o", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "quick" in text and "certified" in text and "sampled" in text and "lower / sampled" in text


@pytest.mark.parametrize("argv, what", [(["--gap", "0"], "--gap"), (["--gap", "1"], "--gap"),
                                        (["--gap", "abc"], "--gap"), (["--gap=-1/2"], "--gap"),
                                        (["--gap"], "--gap"), (["--bogus"], "--bogus")])
def test_cli_bad_arguments_are_exit_2(argv, what, capsys):
    try:
        code = cli.main(["sweep", "illustrate", "--quick", *argv])
    except SystemExit as e:               # argparse's own errors
        code = e.code
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and what in err[0]


@pytest.mark.parametrize("kind", ["file", "missing"])
def test_cli_output_that_is_not_a_folder_is_exit_2(tmp_path, capsys, kind):
    f = tmp_path / kind
    if kind == "file":
        f.write_text("x")
    assert cli.main(["sweep", "illustrate", "--quick", "-o", str(f)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(f) in err[0] and ("folder" in err[0])
    assert not (kind == "missing" and f.exists())


def test_progress_bar_over_the_epochs_when_asked(tmp_path, capsys):
    il.illustrate(TINY, tmp_path, gap=F(1, 10), progress=True)
    err = capsys.readouterr().err
    assert "training" in err and f"{TINY.epochs}/{TINY.epochs}" in err
