"""The sup, regions and info --lipschitz verbs end to end: exact answers, replayed certificates,
tampering caught, bad boxes and mismatched pairs refused with exit 2."""
import json
from fractions import Fraction as F

import pytest

from exactrelu import Net
from exactrelu.io import save_net
from helpers import cli

# |x - 1/3| and a hat centred at 1/2, as exact networks
ABS = Net([([[1], [-1]], ["-1/3", "1/3"]), ([[1, 1]], [0])])
HAT = Net([([[1], [1], [1]], ["-1/4", "-1/2", "-3/4"]), ([[4, -8, 4]], [0])])


@pytest.fixture
def files(tmp_path):
    paths = {}
    for name, net in {"abs": ABS, "hat": HAT}.items():
        paths[name] = tmp_path / f"{name}.json"
        save_net(net, paths[name])
    paths["two_d"] = tmp_path / "two_d.json"
    save_net(Net([([[1, -1], [-1, 1]], [0, 0]), ([[1, 1]], [0])]), paths["two_d"])   # |x - y|
    return paths


def brute_force(f, g, n=240):
    # both functions are linear between multiples of 1/12, so a grid of 1/n with 12 | n finds the max
    return max(abs(f((F(k, n),))[0] - g((F(k, n),))[0]) for k in range(n + 1))


def test_sup_abs_difference_matches_brute_force(files):
    code, out, err = cli("sup", files["abs"], files["hat"], "--json")
    assert code == 0, err
    got = json.loads(out)
    assert got["exact"] and F(got["sup"]) == brute_force(ABS, HAT)
    w = tuple(F(v) for v in got["witness"])
    assert abs(ABS(w)[0] - HAT(w)[0]) == F(got["sup"])


@pytest.mark.parametrize("sign,expect", [("max", F(2, 3)), ("min", F(0))])
def test_sup_signs(files, sign, expect):
    code, out, err = cli("sup", files["abs"], "--sign", sign, "--json")
    assert code == 0 and F(json.loads(out)["sup"]) == expect


def test_sup_two_d_and_box(files):
    code, out, err = cli("sup", files["two_d"], "--box", "0,1:0,1/2", "--json")
    assert code == 0 and json.loads(out)["sup"] == "1"


def test_certificate_replayed_and_tampering_rejected(files, tmp_path):
    cert = tmp_path / "cert.json"
    code, out, err = cli("sup", files["abs"], files["hat"], "--certificate", cert)
    assert code == 0 and cert.exists()
    code, out, err = cli("sup", files["abs"], files["hat"], "--replay", cert)
    assert code == 0 and out.startswith("ACCEPTED")
    c = json.loads(cert.read_text())
    value = F(c["value"])
    for tamper in (lambda c: c.update(value=str(value - F(1, 1000))),            # claim a smaller sup
                   lambda c: c.update(value=str(value + F(1, 1000))),            # witness no longer attains it
                   lambda c: c.update(witness=["0"]) if c["witness"] != ["0"] else c.update(witness=["1/2"]),
                   lambda c: c["trees"].pop("-")):                               # drop one sign's tree
        bad = json.loads(cert.read_text())
        tamper(bad)
        cert.write_text(json.dumps(bad))
        code, out, err = cli("sup", files["abs"], files["hat"], "--replay", cert)
        assert code == 1 and out.startswith("REJECTED"), (out, err)


@pytest.mark.parametrize("args,fragment", [
    (["--box", "0,1:0,1"], "2 intervals"),
    (["--box", "1,0"], "lo 1 > hi 0"),
    (["--box", "0"], "lo,hi"),
    (["--box", "a,1"], "not a number"),
    (["--rel-gap", "-1"], "--rel-gap"),
    (["--max-regions", "0"], "--max-regions"),
])
def test_bad_boxes_and_limits(files, args, fragment):
    code, out, err = cli("sup", files["abs"], *args)
    assert code == 2 and fragment in err and err.count("\n") == 1, err


def test_mismatched_pair(files):
    code, out, err = cli("sup", files["abs"], files["two_d"])
    assert code == 2 and "input dimension" in err and err.count("\n") == 1


def test_limits_give_a_marked_interval(files):
    code, out, err = cli("sup", files["two_d"], "--max-regions", "1", "--max-boxes", "1", "--json")
    assert code == 0, err
    got = json.loads(out)
    if not got["exact"]:
        assert F(got["lower"]) <= 1 <= F(got["upper"])


def test_regions_count_and_plot(files, tmp_path):
    code, out, err = cli("regions", files["abs"], "--json")
    assert code == 0 and json.loads(out)["regions"] == 2
    code, out, err = cli("regions", files["hat"], "--json")
    assert code == 0 and json.loads(out)["regions"] == 4          # breakpoints 1/4, 1/2, 3/4
    png = tmp_path / "r.png"
    pytest.importorskip("matplotlib")
    code, out, err = cli("regions", files["two_d"], "--plot", png)
    assert code == 0 and png.stat().st_size > 1000


def test_info_lipschitz(files):
    code, out, err = cli("info", files["hat"], "--lipschitz", "--json")
    assert code == 0, err
    got = json.loads(out)
    assert got["lipschitz_linf"] == "4" and got["lipschitz_l2_squared"] == "16" and got["induction_bound_holds"]
