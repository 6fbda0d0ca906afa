"""Issue 7, section 2: no verdict about the wrong object.  Each test fails on the behaviour the issue
reports (a replay for another box or sign accepted, an eval certificate taken as a sup, the full-space
gradient reported on a degenerate box, options silently ignored)."""
import json
from fractions import Fraction as F

import pytest

from exactrelu import Net
from exactrelu.analysis.regions import lipschitz
from exactrelu.calculus import restrict
from exactrelu.io import save_net
from helpers import cli

ABS = Net([([[1], [-1]], ["-1/3", "1/3"]), ([[1, 1]], [0])])                  # |x - 1/3|
STEEP = Net([([[1, 0], [0, 100]], [0, 0]), ([[1, 1]], [0])])                  # relu(x1) + relu(100 x2)


@pytest.fixture
def files(tmp_path):
    paths = {"dir": tmp_path}
    for name, net in {"abs": ABS, "steep": STEEP}.items():
        paths[name] = tmp_path / f"{name}.json"
        save_net(net, paths[name])
    paths["cert"] = tmp_path / "cert.json"
    code, _, err = cli("sup", paths["abs"], "--certificate", paths["cert"])
    assert code == 0, err
    return paths


# -- sup --replay is about the box and sign of the command line -----------------------------------

def test_replay_names_box_and_sign(files):
    code, out, _ = cli("sup", files["abs"], "--replay", files["cert"])
    assert code == 0 and out.strip() == "ACCEPTED: max over [0, 1] of |f| == 2/3"
    code, out, _ = cli("sup", files["abs"], "--replay", files["cert"], "--json")
    got = json.loads(out)
    assert code == 0 and got == {"accepted": True, "claim": "sup", "statement": "max over [0, 1] of |f| == 2/3",
                                 "sign": "abs", "box": [["0", "1"]], "sup": "2/3"}


@pytest.mark.parametrize("extra,why", [(["--box", "0,2"], "about [0, 1]; [0, 2] was asked for"),
                                       (["--box=-1,1"], "about [0, 1]; [-1, 1] was asked for"),
                                       (["--sign", "max"], "sign 'abs'; sign 'max' was asked for")])
def test_replay_for_another_box_or_sign_is_rejected(files, extra, why):
    code, out, _ = cli("sup", files["abs"], "--replay", files["cert"], *extra)
    assert code == 1 and out.startswith("REJECTED") and why in out


def test_replay_of_an_eval_certificate_with_sup_keys_is_rejected(files):
    c = json.loads(files["cert"].read_text())
    c.update(kind="eval", points=[], values=[])
    bad = files["dir"] / "eval.json"
    bad.write_text(json.dumps(c))
    code, out, _ = cli("sup", files["abs"], "--replay", bad)
    assert code == 1 and "eval certificate: unknown keys" in out


@pytest.mark.parametrize("opt", [["--certificate", "x.json"], ["--time-limit", "5"], ["--rel-gap", "0"],
                                 ["--max-regions", "3"], ["--max-boxes", "3"]])
def test_search_options_with_replay_are_usage_errors(files, opt):
    code, out, err = cli("sup", files["abs"], "--replay", files["cert"], *opt)
    assert code == 2 and "does not apply" in err and opt[0] in err and err.count("\n") == 1


# -- fool --replay: kernel-only, a sup certificate of phi over the report's box and nothing else ---

@pytest.fixture
def report(tmp_path):
    path = tmp_path / "fool.json"
    code, _, err = cli("fool", "--learner", "a_star", "--m", "4", "--d", "1", "--L", "3", "--c", "1", "-o", path)
    assert code == 0, err
    return path


def test_fool_replay_accepts_its_report_and_lists_what_it_trusts(report):
    code, out, _ = cli("fool", "--replay", report)
    assert code == 0 and "DEFEATED" in out and "max over [0, 1] of |f| == 3/64" in out
    assert "taken on trust: the learner asked exactly the 4 listed points" in out
    code, out, _ = cli("fool", "--replay", report, "--json")
    got = json.loads(out)
    assert got["accepted"] and got["defeated"] and len(got["trusted"]) == 2
    assert json.loads(report.read_text())["trusted"] == got["trusted"]


def _tampered(report, tmp_path, change):
    rep = json.loads(report.read_text())
    change(rep["certificate"])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(rep))
    return bad


def _as_eval(c):
    pn = c["phi_norm"]
    c["phi_norm"] = dict(pn, kind="eval", points=[], values=[])


def _wider_box(c):
    c["phi_norm"]["box"] = [["0", "2"]]


def _interval(c):
    v = c["phi_norm"].pop("value")
    c["phi_norm"].update(lower=v, upper=v)


@pytest.mark.parametrize("change,why", [(_as_eval, "eval certificate: unknown keys"),
                                        (_wider_box, "about [0, 2]; [0, 1] was asked for"),
                                        (_interval, "proves a 'sup_interval' claim")])
def test_fool_replay_rejects_anything_but_a_sup_of_phi_over_the_box(report, tmp_path, change, why):
    code, out, _ = cli("fool", "--replay", _tampered(report, tmp_path, change))
    assert code == 1 and out.startswith("REJECTED") and why in out


def test_library_replay_rejects_an_eval_certificate_as_the_norm(report):
    from exactrelu.errors import CertificateRejected
    from exactrelu.learning.adversary import replay_certificate
    c = json.loads(report.read_text())["certificate"]
    _as_eval(c)
    with pytest.raises(CertificateRejected, match="eval certificate"):
        replay_certificate(c)


def test_fool_replay_refuses_run_options_and_run_needs_its_options(report):
    code, _, err = cli("fool", "--replay", report, "--m", "4")
    assert code == 2 and "--m does not apply" in err
    code, _, err = cli("fool", "--m", "4")
    assert code == 2 and "required: --learner, --d, --L, --c" in err


# -- Lipschitz constants over degenerate boxes ----------------------------------------------------

def test_lipschitz_on_a_face_is_the_restricted_constant(files):
    code, out, err = cli("info", files["steep"], "--lipschitz", "--box", "0,1:1/2,1/2", "--json")
    got = json.loads(out)
    assert code == 0, err
    assert got["lipschitz_l2_squared"] == "1" and got["lipschitz_linf"] == "1"      # not 10001 and 101
    code, out, _ = cli("info", files["steep"], "--lipschitz", "--box", "1/4,1/4:0,1", "--json")
    assert json.loads(out)["lipschitz_l2_squared"] == "10000"
    code, out, _ = cli("info", files["steep"], "--lipschitz", "--box", "1/4,1/4:1/2,1/2", "--json")
    assert json.loads(out)["lipschitz_l2_squared"] == "0"                           # a point
    code, out, _ = cli("info", files["steep"], "--lipschitz", "--json")
    assert json.loads(out)["lipschitz_l2_squared"] == "10001"                       # the full box


def test_lipschitz_on_a_face_equals_an_independent_restriction():
    # f(x, y) = relu(x + 3y - 1) - relu(2x - y): on y = 1/3 it is relu(x) - relu(2x - 1/3)
    f = Net([([[1, 3], [2, -1]], [-1, 0]), ([[1, -1]], [0])])
    g = Net([([[1], [2]], [0, F(-1, 3)]), ([[1, -1]], [0])])
    face = [(F(0), F(1)), (F(1, 3), F(1, 3))]
    for norm in ("l2", "linf"):
        assert lipschitz(f, face, norm).value == lipschitz(g, [(F(0), F(1))], norm).value
    r = lipschitz(f, face, "l2")
    assert r.gradient[1] == 0 and r.point[1] == F(1, 3)


def test_restrict_keeps_values_on_the_hull():
    g, free, sub = restrict(STEEP, [(0, 1), (F(1, 2), F(1, 2))])
    assert free == [0] and sub == ((0, 1),) and g.input_dim == 1
    for t in (F(0), F(1, 3), F(1)):
        assert g((t,)) == STEEP((t, F(1, 2)))
    assert restrict(STEEP, [(0, 1), (0, 1)])[0] is STEEP and restrict(STEEP, [(1, 1), (0, 0)])[0] is None


# -- info: options that apply only together, and class membership --------------------------------

@pytest.mark.parametrize("opt", [["--box", "0,1"], ["--max-regions", "10"]])
def test_info_lipschitz_options_without_lipschitz_are_usage_errors(files, opt):
    code, _, err = cli("info", files["abs"], *opt)
    assert code == 2 and f"{opt[0]} applies only with --lipschitz" in err


def test_info_class_membership(files):
    code, out, _ = cli("info", files["steep"], "--class", "2,2,2,100,inf", "--json")
    got = json.loads(out)
    assert code == 0 and got["member"] is True and got["why_not"] is None
    assert got["class"] == {"d": 2, "L": 2, "B": 2, "c": "100", "q": "inf"}
    code, out, _ = cli("info", files["steep"], "--class", "2,2,2,99,inf")
    assert code == 1 and "NO: parameter norm exceeds c = 99" in out
    code, out, _ = cli("info", files["steep"], "--class", "2,3,2,100,inf", "--json")
    assert code == 1 and json.loads(out)["why_not"] == "depth 2 != L = 3"
    code, out, _ = cli("info", files["steep"], "--class", "2,2,1,100,2", "--json")
    assert code == 1 and json.loads(out)["why_not"] == "hidden width 2 > B = 1"


@pytest.mark.parametrize("text,why", [("2,2,1", "five comma-separated"), ("2,2,2,1,x", "q='x'"),
                                      ("0,2,2,1,inf", "--class d"), ("2,2,2,-1,inf", "must be >= 0")])
def test_info_bad_class_is_a_usage_error(files, text, why):
    code, _, err = cli("info", files["abs"], "--class", text)
    assert code == 2 and why in err and err.count("\n") == 1


# -- the kernel's limits are limits (exit 3), never crashes, never acceptances ----------------------

def _deep_cert(files, depth):
    c = json.loads(files["cert"].read_text())
    node = {"ibp": True}
    for k in range(depth, 0, -1):             # cuts at 2^-k nested in the lower halves: a valid tree
        node = {"cut": 0, "at": f"1/{2 ** k}", "lo": node, "hi": {"ibp": True}}
    c["trees"] = {"+": node, "-": {"ibp": True}}
    path = files["dir"] / f"deep{depth}.json"
    import sys
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(3 * depth)
    try:
        path.write_text(json.dumps(c))
    finally:
        sys.setrecursionlimit(old)
    return path


def test_deep_certificate_files_replay_up_to_the_kernel_depth(files):
    from exactrelu import kernel
    code, out, err = cli("sup", files["abs"], "--replay", _deep_cert(files, 3000))
    assert code == 0 and out.startswith("ACCEPTED"), err
    code, out, err = cli("sup", files["abs"], "--replay", _deep_cert(files, kernel.MAX_DEPTH + 10))
    assert code == 3 and out == "" and "limit reached" in err and f"deeper than {kernel.MAX_DEPTH}" in err
    assert "nothing was proved" in err and err.count("\n") == 1


def test_a_numeral_beyond_the_kernel_limit_is_a_limit(files):
    from exactrelu import kernel
    from exactrelu.errors import CertificateRejected, KernelLimit
    assert issubclass(KernelLimit, CertificateRejected)       # fail closed wherever rejections are caught
    c = json.loads(files["cert"].read_text())
    c["value"] = "2" * (kernel.MAX_DIGITS + 1) + "/3"
    path = files["dir"] / "long.json"
    path.write_text(json.dumps(c))
    code, out, err = cli("sup", files["abs"], "--replay", path)
    assert code == 3 and "longer than 100000 digits" in err


def test_json_nesting_beyond_the_reader_limit_is_bad_input(files):
    path = files["dir"] / "nest.json"
    path.write_text("[" * 7000 + "]" * 7000)
    code, _, err = cli("eval", files["abs"], path)
    assert code == 2 and "nested deeper than" in err and err.count("\n") == 1


def test_sup_beyond_the_float64_range_needs_no_floats(tmp_path):
    from exactrelu.analysis.sup import sup
    from exactrelu.errors import InputError
    big = F(10) ** 400
    small = Net([([[big, 0], [0, 1]], [0, F(-1, 2)]), ([[1, 1]], [0])])       # relu(big x) + relu(y - 1/2)
    r = sup(small)
    assert r.exact and r.value == big + F(1, 2)
    wide = Net([([[big, 0]] + [[1, k] for k in range(70)], [0] * 71), ([[1] + [0] * 70], [0])])   # 71 neurons
    r = sup(wide, time_limit=30)
    assert r.exact and r.value == big
    with pytest.raises(InputError, match="beyond the float64 range"):
        sup(wide, method="bnb")
    path = tmp_path / "big.json"
    save_net(wide, path)
    code, out, err = cli("sup", path, "--json")
    assert code == 0 and json.loads(out)["sup"] == "1" + "0" * 400, err
