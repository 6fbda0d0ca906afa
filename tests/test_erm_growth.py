"""bench/erm_growth.py and bench/erm_baselines.py (issue 11, item 4 and the float baselines): their functions
on tiny instances, the exact re-evaluation of float parameters against a hand computation, no baseline ever
below the certified optimum, and one-line errors for bad arguments."""
import importlib.util
import math
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import pytest

from exactrelu.errors import InputError
from exactrelu.learning.erm import erm, loss, pattern_bound

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _load(name):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


G = _load("erm_growth")
B = _load("erm_baselines")


def test_instance_is_seeded_on_the_grid_and_planted_labels_are_realizable():
    p1, y1, par = G.instance(6, 2, 1, 3, "planted")
    p2, y2, _ = G.instance(6, 2, 1, 3, "planted")
    assert (p1, y1) == (p2, y2)
    assert all(abs(v) <= 1 and (v * 8).denominator == 1 for x in p1 for v in x)
    assert loss(p1, y1, par) == 0
    _, yn, _ = G.instance(6, 2, 1, 3, "noisy")
    assert all(abs(a - b) <= F(1, 8) and (a - b) * 32 == int((a - b) * 32) for a, b in zip(yn, y1))
    _, yr, _ = G.instance(6, 2, 1, 3, "random")
    assert all(abs(v) <= 1 and (v * 8).denominator == 1 for v in yr)


def test_counts_are_the_arrangement_formulas():
    c = G.counts(10, 2, 1)
    assert c == {"gp_affine": 1 + 10 + 45 + 120, "gp_central": 2 * (1 + 9 + 36), "bound": pattern_bound(10, 2, 1, True)}
    assert c["gp_central"] <= c["gp_affine"]
    assert G.counts(5, 1, 2)["bound"] == 3 * (2 * (1 + 4)) ** 2


def test_fit_recovers_a_power_law():
    xs = [math.log(n) for n in (4, 8, 16, 32)]
    f = G.fit(xs, [math.log(3 * n ** 2.5) for n in (4, 8, 16, 32)])
    assert abs(f["slope"] - 2.5) < 1e-12 and abs(f["r2"] - 1) < 1e-12 and f["points"] == 4
    assert math.isnan(G.fit([1.0], [2.0])["slope"])


def test_growth_measure_quick_tiny_grid_and_replay():
    rows, summary, fits = G.measure({(1, 1): (4, 6), (2, 1): (3,)}, 1, 10.0, replay=True, labels=("noisy", "planted"))
    assert len(rows) == 6 and all(not r["timeout"] and r["replay_ok"] for r in rows)
    assert all(r["leaves"] <= r["bound"] for r in rows)
    assert {s["n"] for s in summary} == {3, 4, 6}
    assert "k=1 d=1 noisy: vs log n" in fits
    lines = G.table(summary, fits)
    assert lines[0].split()[:4] == ["k", "d", "labels", "n"] and len(lines) > len(summary)


def test_growth_figure(tmp_path):
    pytest.importorskip("matplotlib")
    _, summary, _ = G.measure({(1, 1): (4, 5)}, 1, 10.0, labels=("noisy",))
    out = tmp_path / "g.png"
    G.figure(summary, out)
    assert out.stat().st_size > 1000


def test_exact_reevaluation_equals_a_hand_computation():
    # one unit w = 0.5, b = -0.25, a = 1.5 (all exact in binary), and w = 0.1 (NOT 1/10: the double's exact value)
    pts, ys = [(F(1),), (F(0),), (F(-1),)], [F(1), F(0), F(1, 2)]
    par = B.exact_params([[0.5]], [-0.25], [1.5])
    assert par == {"w": [[F(1, 2)]], "b": [F(-1, 4)], "a": [F(3, 2)]}
    # outputs 1.5 * relu(1/4) = 3/8, 0, 0: residuals -5/8, 0, -1/2
    assert loss(pts, ys, par) == F(25, 64) + F(1, 4)
    tenth = B.exact_params([[0.1]], [0.0], [1.0])["w"][0][0]
    assert tenth == F(3602879701896397, 2 ** 55) != F(1, 10)
    assert loss([(F(1),)], [F(0)], {"w": [[tenth]], "b": [F(0)], "a": [F(1)]}) == tenth ** 2


def test_baselines_never_beat_the_certified_optimum():
    pts, ys, _ = G.instance(6, 2, 1, 1, "random")
    opt = erm(pts, ys, 1, True).loss
    runs = B.adam(pts, ys, 1, starts=8, steps=60, seed=1)
    assert len(runs) == 8
    for _, w, b, a in runs:
        assert loss(pts, ys, B.exact_params(w, b, a)) >= opt
    for obj in ("sq", "l1"):
        v, par, stat = B.milp(pts, ys, 1, obj, time_limit=10.0)
        assert par is not None and loss(pts, ys, B.exact_params(*par)) >= opt
        if obj == "sq":          # the outer approximation's value is (up to float tolerance) a lower bound
            assert v <= float(opt) * (1 + 1e-6) + 1e-7


def test_run_instance_rows_and_miss_rates():
    row = B.run_instance("t", 5, 1, 1, 0, "noisy", steps=40, starts=10, milp_seconds=10.0)
    assert row["replay_seconds"] >= 0 and F(row["opt"]) >= 0
    assert set(row["methods"]) == {"adam-1", "adam-10", "milp-sq", "milp-l1"}
    for m in row["methods"].values():
        assert m["gap"] >= 0 and F(m["loss"]) >= F(row["opt"])
        assert m["miss@1e-09"] == (F(m["loss"]) - F(row["opt"]) > F(1, 10 ** 9) * F(row["opt"]))
    rates = B.miss_rates([row, dict(row, name="fam_noisy_s0")])
    assert rates["named"]["adam-1"]["instances"] == 1 and rates["fam_noisy"]["milp-sq"]["instances"] == 1
    assert len(B.table([row], rates)) > 2


def test_bad_arguments_are_one_line_errors():
    with pytest.raises(InputError, match="labels="):
        G.instance(4, 1, 1, 0, "uniform")
    with pytest.raises(InputError, match="must be >= 1"):
        G.instance(0, 1, 1, 0)
    with pytest.raises(InputError, match="seeds="):
        G.measure({(1, 1): (4,)}, 0, 1.0)
    with pytest.raises(InputError, match="objective="):
        B.milp([(F(0),)], [F(0)], 1, "l2")
    with pytest.raises(InputError, match="tangents="):
        B.milp([(F(0),)], [F(0)], 1, "sq", tangents=4)
    with pytest.raises(InputError, match="starts="):
        B.adam([(F(0),)], [F(0)], 1, starts=0)
    for script, args in (("erm_growth.py", ["--seeds", "0"]), ("erm_growth.py", ["--time-limit", "-1"]),
                         ("erm_baselines.py", ["--steps", "0"]), ("erm_baselines.py", ["--family", "-2"])):
        p = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True, text=True, timeout=60)
        assert p.returncode == 2 and "Traceback" not in p.stderr
        assert p.stderr.strip().splitlines()[-1].startswith(f"{script}: error:")
