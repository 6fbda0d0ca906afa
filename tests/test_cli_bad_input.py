"""Bad input gets exit code 2 and one line naming the file, layer and entry; never a traceback."""
import json

import pytest

from helpers import cli

GOOD_NET = {"format": "exactrelu.net", "version": 1, "input_dim": 2,
            "layers": [{"weight": [["1/2", "-3"], ["0", "0.25"]], "bias": ["1/4", "-1"]},
                       {"weight": [["1", "-1"]], "bias": ["0"]}]}
GOOD_PTS = {"points": [["1/2", "1/3"], [0, 1]]}


def _net(**change):
    n = json.loads(json.dumps(GOOD_NET))
    for path, value in change.items():
        obj = n
        keys = path.split(".")
        for k in keys[:-1]:
            obj = obj[int(k)] if k.isdigit() else obj[k]
        last = keys[-1]
        obj[int(last) if last.isdigit() else last] = value
    return json.dumps(n)


CASES = [  # (id, net file text or None for missing, points text, expected fragments of the message)
    ("malformed-json", '{"layers": [', None, ["net.json", "malformed JSON", "line 1"]),
    ("not-an-object", "[1, 2]", None, ["net.json", "JSON object"]),
    ("empty-layers", _net(layers=[]), None, ["net.json", "layers"]),
    ("ragged-weight", _net(**{"layers.0.weight": [["1", "2"], ["3"]]}), None, ["net.json", "layer 0", "row 1"]),
    ("bias-length", _net(**{"layers.0.bias": ["1"]}), None, ["net.json", "layer 0", "bias"]),
    ("inconsistent-width", _net(**{"layers.1.weight": [["1", "-1", "2"]]}), None, ["net.json", "layer 1", "row 0"]),
    ("non-numeric", _net(**{"layers.0.weight": [["1/2", "abc"], ["0", "1"]]}), None,
     ["net.json", "layer 0", "weight[0][1]", "abc"]),
    ("nan", _net().replace('"1/4"', "NaN"), None, ["net.json", "NaN"]),
    ("infinity", _net().replace('"1/4"', "Infinity"), None, ["net.json", "Infinity"]),
    ("zero-denominator", _net(**{"layers.1.bias": ["1/0"]}), None, ["net.json", "layer 1", "bias[0]", "zero denominator"]),
    ("absurd-exponent", _net(**{"layers.0.bias": ["1e999999999", "0"]}), None, ["net.json", "layer 0", "bias[0]", "exponent"]),
    ("absurd-exponent-literal", _net().replace('"1/4"', "1e999999999"), None, ["net.json", "bias[0]", "exponent"]),
    ("wrong-input-dim", _net(input_dim=3), None, ["net.json", "layer 0", "expected 3"]),
    ("bad-format", _net(format="other"), None, ["net.json", "format"]),
    ("missing-layer-keys", _net(**{"layers.0": {"weight": [["1"]]}}), None, ["net.json", "layer 0", "bias"]),
    ("missing-net-file", None, None, ["net.json", "no such file"]),
    ("points-wrong-dim", _net(), '{"points": [["1", "2", "3"]]}', ["pts.json", "point 0", "3 coordinates"]),
    ("points-non-numeric", _net(), '{"points": [["1", "x"]]}', ["pts.json", "point 0", "coordinate 1"]),
    ("points-malformed", _net(), '{"points": [[1, 2]', ["pts.json", "malformed JSON"]),
    ("points-missing", _net(), None, ["pts.json", "no such file"]),
    ("points-not-list", _net(), '{"points": 5}', ["pts.json", "list"]),
    ("int-literal-over-limit", _net().replace('"1/4"', "9" * 100_001), None,
     ["net.json", "integer literal", "100001 characters", "limit is 100000"]),
    ("unknown-key", _net(domian=[["0", "2"], ["0", "2"]]), None, ["net.json", "unknown key 'domian'", "'domain'"]),
    ("unknown-layer-key", _net(**{"layers.1.biass": ["0"]}), None, ["net.json", "layer 1", "unknown key 'biass'"]),
    ("duplicate-key", _net().replace('"input_dim": 2', '"input_dim": 2, "input_dim": 3'), None,
     ["net.json", "'input_dim'", "twice"]),
    ("duplicate-layer-key", _net().replace('"bias": ["0"]', '"bias": ["0"], "bias": ["1"]'), None,
     ["net.json", "'bias'", "twice"]),
    ("points-unknown-key", _net(), '{"points": [["1", "2"]], "point": []}', ["pts.json", "unknown key 'point'"]),
    ("points-duplicate-key", _net(), '{"points": [["1", "2"]], "points": [["3", "4"]]}', ["pts.json", "'points'", "twice"]),
]


RUNS = [("eval", c) for c in CASES] + [("info", c) for c in CASES if not c[0].startswith("points")]


@pytest.mark.parametrize("verb,case", RUNS, ids=[f"{v}-{c[0]}" for v, c in RUNS])
def test_bad_input_exit_2_one_line(tmp_path, case, verb):
    name, net_text, pts_text, fragments = case
    net, pts = tmp_path / "net.json", tmp_path / "pts.json"
    if net_text is not None:
        net.write_text(net_text)
    if pts_text is not None:
        pts.write_text(pts_text)
    elif not name.startswith("points-missing"):
        pts.write_text(json.dumps(GOOD_PTS))
    args = [verb, net] + ([pts] if verb == "eval" else [])
    code, out, err = cli(*args)
    assert code == 2, (code, out, err)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for frag in fragments:
        assert frag in err, (frag, err)


def test_good_input_works(tmp_path):
    net, pts = tmp_path / "net.json", tmp_path / "pts.json"
    net.write_text(json.dumps(GOOD_NET))
    pts.write_text(json.dumps(GOOD_PTS))
    code, out, err = cli("eval", net, pts, "--json")
    assert code == 0, err
    # layer 1: (1/2*1/2 - 3*1/3 + 1/4, 1/4*1/3 - 1) = (-1/2, -11/12) -> relu 0, 0 -> output 0
    assert json.loads(out) == {"outputs": [["0"], ["0"]]}
    code, out, err = cli("info", net, "--json")
    assert code == 0 and json.loads(out)["n_params"] == 9


def test_usage_errors_one_line():
    for argv in (["nosuchverb"], ["eval"], ["bounds", "--d"]):
        code, out, err = cli(*argv)
        assert code == 2 and err.count("\n") == 1, err


def _files(tmp_path, net_obj):
    net, pts = tmp_path / "net.json", tmp_path / "pts.json"
    net.write_text(json.dumps(net_obj))
    pts.write_text(json.dumps({"points": [["1/2"], ["1"]]}))
    return net, pts


HUGE = {"layers": [{"weight": [["1e5000"]], "bias": ["0"]}, {"weight": [["1"]], "bias": ["-1e400"]}]}


@pytest.mark.parametrize("argv,fragment", [
    (["eval", "{net}", "{pts}", "--float64"], "float64 range"),                        # 1e400 does not fit
    (["bump", "--d", 1, "--L", 3, "--c", 1, "--M", 8, "--y", "1/8", "-o", "{dir}"], "is a folder"),
    (["bump", "--d", 2, "--L", "1e7", "--c", 1, "--M", 8, "--y", "1/8,1/8", "-o", "{dir}/b.json"], "parameters"),
    (["fool", "--learner", "a_star", "--m", 4, "--d", 2, "--L", "1e6", "--c", 1], "parameters"),
    (["sup", "{net}", "--time-limit", "nan"], "--time-limit"),
    (["sup", "{net}", "--box="], "--box"),
    (["verify", "--timeout", "-1"], "--timeout"),
    (["verify", "--report", "{dir}/r.json"], "--report"),
])
def test_more_bad_input_exit_2(tmp_path, argv, fragment):
    net, pts = _files(tmp_path, HUGE if argv[0] == "eval" else
                      {"layers": [{"weight": [["1"]], "bias": ["0"]}]})
    args = [str(a).format(net=net, pts=pts, dir=tmp_path) for a in argv]
    code, out, err = cli(*args)
    assert code == 2 and fragment in err and err.count("\n") == 1, (code, err)


def test_huge_numbers_are_exact_not_errors(tmp_path):
    net, pts = _files(tmp_path, HUGE)
    code, out, err = cli("eval", net, pts, "--json")   # 5001-digit outputs, beyond str(int)'s default limit
    assert code == 0, err
    assert all(len(o[0]) > 4300 for o in json.loads(out)["outputs"])
    code, out, err = cli("info", net, "--json")
    assert code == 0 and json.loads(out)["norm_l2"] is None      # beyond float: no approximation, no crash


def test_counts_follow_the_number_rules(tmp_path):
    net, _ = _files(tmp_path, {"layers": [{"weight": [["1"]], "bias": ["0"]}]})
    code, out, err = cli("sup", net, "--max-regions", "1e5", "--time-limit", "1/2", "--json")
    assert code == 0, err
