"""Big numbers, typos and files (issue 7, section 4): every verb reads and prints numbers of any
length the docs accept, exactly; JSON keys are checked; written files get the umask's mode."""
import json
import os
import stat
import time
from fractions import Fraction as F

import pytest

from exactrelu import evaluate as ev, kernel
from exactrelu.errors import InputError
from exactrelu.io import load_net, read_json, write_atomic
from exactrelu.net import Net
from exactrelu.numbers import MAX_DIGITS, fmt, parse_int, to_rational
from helpers import cli

W6000 = 10**6000 + 7  # beyond Python's 4300-digit int <-> str limit


def _write(path, obj_or_text):
    path.write_text(obj_or_text if isinstance(obj_or_text, str) else json.dumps(obj_or_text))
    return path


def _relu_scale(w):
    """x -> relu(w x): its sup over [0, b] is w b."""
    return {"layers": [{"weight": [[w]], "bias": ["0"]}, {"weight": [["1"]], "bias": ["0"]}]}


# -- 1. big numbers ----------------------------------------------------------------------------
def test_sup_of_a_6000_digit_weight_is_exact(tmp_path):
    net = _write(tmp_path / "net.json", _relu_scale(fmt(W6000)))
    code, out, err = cli("sup", net, "--json")
    assert code == 0, err
    assert json.loads(out)["sup"] == fmt(W6000)


def test_human_output_of_huge_values(tmp_path):
    net = _write(tmp_path / "net.json", _relu_scale(fmt(W6000)))
    code, out, err = cli("sup", net)
    assert code == 0, err
    assert out.startswith(f"sup = {fmt(W6000)}  (~1e+6000) at 1")
    code, out, err = cli("fool", "--learner", "a_star", "--m", 4, "--d", 1, "--L", 3, "--c", "1e5000")
    assert code == 0 and "error on +phi_y: >= 4.6875e+14998 (exact: 46875" in out, err


def test_sup_on_a_box_with_a_5000_digit_end(tmp_path):
    net = _write(tmp_path / "net.json", _relu_scale("1"))
    code, out, err = cli("sup", net, "--box=0,1e5000", "--json")
    assert code == 0, err
    assert json.loads(out)["sup"] == fmt(10**5000)


def test_eval_and_info_with_a_6000_digit_weight(tmp_path):
    net = _write(tmp_path / "net.json", _relu_scale(fmt(W6000)))
    pts = _write(tmp_path / "pts.json", {"points": [["1/2"], ["3"]]})
    code, out, err = cli("eval", net, pts, "--json")
    assert code == 0, err
    assert json.loads(out)["outputs"] == [[fmt(F(W6000, 2))], [fmt(3 * W6000)]]
    code, out, err = cli("info", net, "--json")
    assert code == 0 and json.loads(out)["norm_linf"] == fmt(W6000), err


def test_fool_with_a_5000_digit_c():
    code, out, err = cli("fool", "--learner", "a_star", "--m", 4, "--d", 1, "--L", 3, "--c", "1e5000", "--json")
    assert code in (0, 1) and "internal error" not in err and "Exceeds" not in err, err
    assert json.loads(out)["defeated"] is True


def test_unquoted_5000_digit_json_integer_is_read_exactly(tmp_path):
    text = json.dumps(_relu_scale("PLACEHOLDER")).replace('"PLACEHOLDER"', "9" * 5000)
    net = _write(tmp_path / "net.json", text)
    assert load_net(net).layers[0].weight[0][0] == 10**5000 - 1
    pts = _write(tmp_path / "pts.json", '{"points": [[' + "1" * 5000 + "]]}")
    code, out, err = cli("eval", net, pts, "--json")
    assert code == 0, err
    assert json.loads(out)["outputs"] == [[fmt((10**5000 - 1) * ((10**5000 - 1) // 9))]]


def test_limits_are_the_documented_ones(tmp_path):
    ok = "1" * MAX_DIGITS
    n = parse_int(ok)
    assert to_rational(ok) == n == (10**MAX_DIGITS - 1) // 9 and fmt(n) == ok
    for bad, frag in [("1" * (MAX_DIGITS + 1), "100001 characters"), ("1e10001", "exponent")]:
        net = _write(tmp_path / "net.json", _relu_scale(bad))
        code, out, err = cli("info", net)
        assert code == 2 and frag in err and "layer 0" in err and err.count("\n") == 1, err


def test_signed_long_numerals():
    # "+<5000 digits>/3" went to python-flint with its sign and ended in ValueError
    ones = (10**5000 - 1) // 9
    assert to_rational("+" + "3" * 5000 + "/3") == ones
    assert to_rational("-" + "3" * 5000 + ".5") == -(3 * ones + F(1, 2))
    with pytest.raises(InputError, match="not an integer"):
        parse_int("1" * 5000 + "x")
    with pytest.raises(InputError, match="not a number"):
        to_rational("\u0663")  # a non-ASCII digit: refused at every length alike


# -- 2. eval on long numerals is near-linear ---------------------------------------------------
def test_eval_of_a_100000_digit_weight_finishes(tmp_path):
    w = "7" * MAX_DIGITS
    net_obj = {"layers": [{"weight": [[w], ["-" + w[:-1]]], "bias": ["1/3", "5"]},
                          {"weight": [["1", "1/7"]], "bias": ["0"]}]}
    net = _write(tmp_path / "net.json", net_obj)
    pts = _write(tmp_path / "pts.json", {"points": [["1/2"], ["3"], ["-2/9"]]})
    t = time.process_time()
    code, out, err = cli("eval", net, pts, "--json")
    took = time.process_time() - t
    assert code == 0, err
    assert took < 20, took  # 0.4 s measured; the residue path needed gigabytes and hours here
    want = [kernel.evaluate(load_net(net), p) for p in [(F(1, 2),), (F(3),), (F(-2, 9),)]]
    assert json.loads(out)["outputs"] == [[fmt(v) for v in o] for o in want]


def test_eval_with_huge_denominators_is_exact(tmp_path):
    n = 20000  # python-flint's gcd, lcm and division beyond 2^14 bits; Python's are quadratic
    net_obj = {"layers": [{"weight": [["7." + "7" * n], ["-1/" + "3" * n]], "bias": ["1/3", "5"]},
                          {"weight": [["1/" + "9" * n, "1/7"]], "bias": ["0"]}]}
    net = _write(tmp_path / "net.json", net_obj)
    pts = [(F(1, 2),), (F(-3),), (F(2, 9),)]
    assert ev.evaluate_batch(load_net(net), pts) == [kernel.evaluate(load_net(net), p) for p in pts]


def test_pow16_table_by_doubling_is_right():
    mod = ev._Modulus(4, 2**2000)
    K = 300
    table = mod.pow16(K)
    assert table.shape == (K, mod.R)
    for t in (0, 1, 2, 127, 128, 129, 255, K - 1):
        assert table[t].astype(int).tolist() == [pow(2, 16 * t, p) for p in mod.primes], t
    assert mod.pow16(5).shape == (5, mod.R)  # a shorter table after a longer one


def test_direct_and_residue_paths_agree(monkeypatch):
    big = F(3**20000 + 1, 7)
    net = Net([([[big, -1], [-big, F(1, 3)]], [1, -(3**19999)]), ([[1, big]], [F(1, 5)])])
    pts = [(F(1, 2), F(-1, 3)), (F(-1), F(2)), (F(0), F(0)), (F(3, 4), F(5))]
    stats = ev.EvalStats()
    direct = ev.evaluate_batch(net, pts, stats=stats)
    assert stats.paths_used() == {"bigint"}
    monkeypatch.setattr(ev, "_DIRECT_BITS", 1 << 40)  # force the residue path
    assert ev.evaluate_batch(net, pts) == direct == [kernel.evaluate(net, p) for p in pts]


# -- 3. unknown and duplicate keys -------------------------------------------------------------
def test_domain_typo_is_refused_not_read_as_no_domain(tmp_path):
    obj = dict(_relu_scale("1"), domian=[["0", "2"]])
    net = _write(tmp_path / "net.json", obj)
    code, out, err = cli("sup", net, "--json")
    assert code == 2 and out == ""
    assert "net.json" in err and "unknown key 'domian'" in err and "did you mean 'domain'" in err


def test_duplicate_keys_refused_in_every_file(tmp_path):
    net = _write(tmp_path / "net.json", _relu_scale("1"))
    cert = _write(tmp_path / "cert.json", '{"kind": "sup", "sign": "abs", "value": "1", "value": "2"}')
    code, out, err = cli("sup", net, "--replay", cert)
    assert code == 2 and "cert.json" in err and "'value'" in err and "twice" in err, err
    with pytest.raises(InputError, match="'a' appears twice"):
        read_json(_write(tmp_path / "any.json", '[{"b": 1}, {"a": 1, "a": 1}]'))


# -- 6. files: atomic writes keep the umask's mode; bump -o - ----------------------------------
@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_atomic_writes_get_the_umask_mode(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        write_atomic(tmp_path / "f.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "f.txt").st_mode) == mode


def test_atomic_write_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    p = tmp_path / "f.txt"
    p.write_text("old")
    os.chmod(p, 0o640)
    write_atomic(p, "new")
    assert p.read_text() == "new" and stat.S_IMODE(os.stat(p).st_mode) == 0o640


def test_bump_to_stdout(tmp_path):
    args = ["bump", "--d", 1, "--L", 3, "--c", 1, "--M", 8, "--y", "1/8"]
    code, out, err = cli(*args, "-o", "-")
    assert code == 0, err
    code2, _, err2 = cli(*args, "-o", tmp_path / "b.json")
    assert code2 == 0 and json.loads(out) == json.loads((tmp_path / "b.json").read_text())
    assert not os.path.exists("-")
    code, out, err = cli(*args, "-o", "-", "--json")
    assert code == 2 and out == "" and "--json" in err and err.count("\n") == 1


def test_plot_of_values_beyond_float64_is_refused_not_a_crash(tmp_path):
    net = _write(tmp_path / "net.json", _relu_scale(fmt(W6000)))
    code, out, err = cli("regions", net, "--plot", tmp_path / "r.png")
    assert code == 2 and "--plot" in err and "float64" in err and err.count("\n") == 1, err
    assert not (tmp_path / "r.png").exists()
