"""`exactrelu bits figure1` (issue 10, item 4): the paper's Figure 1, float64 beside exact, in-process."""
import json
import sys

import pytest

from exactrelu.bitmodel.figure1 import Setup, mlp, point
from exactrelu.numbers import log10
from helpers import cli

#: float64 and exact log10 of the same norm: a few ulps per layer of the float64 passes, far below this.
F64_TOL = 1e-9
KEYS = {"log10_grad_float64", "log10_grad_exact", "max_bits"}


def run_json(*argv):
    code, out, err = cli("bits", "figure1", "--json", *argv)
    assert code == 0, err
    return json.loads(out)


def _plain_log10_grad(setup, depth, act):
    """log10 ||dL/dW1|| by a plain layered backprop in Fractions, independent of the DAG passes."""
    net, x = mlp(setup, depth), point(setup)
    hs, zs, a = [], [], list(x)
    for l, lay in enumerate(net.layers):
        hs.append(a)
        z = [sum(w * v for w, v in zip(row, a)) + b for row, b in zip(lay.weight, lay.bias)]
        zs.append(z)
        a = z if l == net.depth - 1 else [max(v, 0) if act == "relu" else v * v for v in z]
    d = list(a)                                             # d/df of 1/2 f^2
    for l in range(net.depth - 1, 0, -1):
        back = [sum(net.layers[l].weight[j][i] * d[j] for j in range(len(d))) for i in range(len(zs[l - 1]))]
        d = [g * ((1 if z > 0 else 0) if act == "relu" else 2 * z) for g, z in zip(back, zs[l - 1])]
    sq = sum(g * g * v * v for g in d for v in hs[0])
    return log10(sq) / 2 if sq else None


def test_default_run_shape_and_values():
    doc = run_json()
    assert set(doc) == {"relu", "x2"}
    for act in ("relu", "x2"):
        assert list(doc[act]) == [str(d) for d in range(1, 13)]
        for d, e in doc[act].items():
            assert KEYS <= set(e) <= KEYS | {"reason"}
            assert ("reason" in e) == (None in (e["log10_grad_float64"], e["log10_grad_exact"], e["max_bits"]))
            if e["log10_grad_float64"] is not None and e["log10_grad_exact"] is not None:
                assert abs(e["log10_grad_float64"] - e["log10_grad_exact"]) < F64_TOL * max(1, e["log10_grad_exact"])
    relu, x2 = doc["relu"], doc["x2"]
    assert all(e["log10_grad_exact"] is not None for e in relu.values())
    # float64 overflows for x^2 while the exact side goes on, doubling its bits per layer
    over = [int(d) for d, e in x2.items() if e["log10_grad_float64"] is None]
    assert over and over == list(range(over[0], 13)) and all("float64: the gradient overflowed" in x2[str(d)]["reason"]
                                                               for d in over)
    assert all(e["log10_grad_exact"] is not None for e in x2.values())
    bits = [x2[str(d)]["max_bits"] for d in range(1, 13)]
    assert all(1.9 < b / a < 2.2 for a, b in zip(bits[4:], bits[5:]))
    rbits = [relu[str(d)]["max_bits"] for d in range(1, 13)]
    assert max(b - a for a, b in zip(rbits, rbits[1:])) < 64 and rbits[-1] < bits[2]


def test_exact_values_match_a_plain_fraction_backprop():
    doc = run_json("--max-depth", "3", "--width", "3", "--seed", "5")
    setup = Setup(width=3, seed=5, max_depth=3)
    zero = 0
    for act in ("relu", "x2"):
        for d in range(1, 4):
            want = _plain_log10_grad(setup, d, act)
            assert doc[act][str(d)]["log10_grad_exact"] == want
            if want is None:                                   # every ReLU of a layer off
                zero += 1
                assert doc[act][str(d)]["reason"] == "float64: the gradient is 0; exact: the gradient is 0"
    assert zero == 1


def test_the_bit_budget_stops_x2_and_says_so():
    doc = run_json("--bits-budget", "5000")
    x2 = doc["x2"]
    stopped = [int(d) for d, e in x2.items() if e["max_bits"] is None]
    first = stopped[0]
    assert stopped == list(range(first, 13)) and 5 <= first <= 8
    assert x2[str(first)]["log10_grad_exact"] is None
    assert "; exact: bit budget 5000 reached at " in x2[str(first)]["reason"]
    assert f"not attempted, the exact pass already stopped at a budget at depth {first}" in x2["12"]["reason"]
    assert all(e["max_bits"] <= 5000 for e in doc["relu"].values())
    assert all(x2[str(d)]["max_bits"] <= 5000 for d in range(1, first))


def test_table_output():
    code, out, err = cli("bits", "figure1", "--max-depth", "8")
    assert code == 0, err
    assert "setup: width 8 (input dimension 8), biases 0, weights 3k/16" in out
    assert "square loss 1/2 f(x)^2 of one sample" in out and "budget of 1000000 bits" in out
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("depth"))
    assert [line.split()[0] for line in lines[head + 1:head + 9]] == [str(d) for d in range(1, 9)]
    assert "notes:" in out and "x^2 depth 8: float64: the gradient overflowed" in out


@pytest.mark.parametrize("argv, fragment", [
    (["--width", "0"], "argument --width: value=0 must be an integer >= 1"),
    (["--width", "65"], "argument --width: value=65 must be at most 64"),
    (["--width", "2.5"], "argument --width: value=2.5 must be an integer"),
    (["--seed", "-1"], "argument --seed"),
    (["--max-depth", "0"], "argument --max-depth"),
    (["--max-depth", "41"], "argument --max-depth"),
    (["--bits-budget", "10"], "argument --bits-budget: value=10 must be an integer >= 64"),
    (["--seconds", "0"], "argument --seconds"),
    (["-o", "figure.txt"], "give a file name ending in .png, .pdf, .svg"),
    (["-o", "no/such/folder/fig.png"], "folder no/such/folder does not exist"),
])
def test_bad_input_is_one_line_exit_2(argv, fragment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("bits", "figure1", *argv)
    assert code == 2 and fragment in err and err.count("\n") == 1, err
    assert out == "" and list(tmp_path.iterdir()) == []


def test_writes_a_png(tmp_path):
    path = tmp_path / "fig.png"
    code, out, err = cli("bits", "figure1", "--max-depth", "4", "-o", path)
    assert code == 0, err
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["fig.png"] and f"wrote {path}" in out


def test_never_a_half_written_file(tmp_path, monkeypatch):
    import matplotlib.figure

    def broken(self, f, **kw):
        f.write(b"\x89PNG half")
        raise RuntimeError("disk full")
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", broken)
    code, out, err = cli("bits", "figure1", "--max-depth", "2", "-o", tmp_path / "fig.png")
    assert code == 4 and "disk full" in err
    assert list(tmp_path.iterdir()) == []


def test_missing_matplotlib_is_a_usage_error_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    import exactrelu.bitmodel.figure1 as fig

    def never(*a, **k):
        raise AssertionError("computed before checking for matplotlib")
    monkeypatch.setattr(fig, "figure1", never)
    code, out, err = cli("bits", "figure1", "-o", tmp_path / "fig.png")
    assert code == 2 and "-o needs matplotlib: pip install 'exactrelu[plot]'" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_without_o_matplotlib_is_not_needed(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert set(run_json("--max-depth", "1")["x2"]) == {"1"}
