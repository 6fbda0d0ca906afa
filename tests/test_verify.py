"""`exactrelu verify` fails closed: a failing, crashing, silent or slow script is NOT VERIFIED."""
import json
import textwrap

import pytest

from exactrelu.proofkit import Report, run_checks
from helpers import cli

GOOD = """
from exactrelu.proofkit import run_script
def checks(report, quick=False):
    with report.claim("demo.good", "test") as c:
        c.check(1 + 1 == 2, "arithmetic")
if __name__ == "__main__":
    raise SystemExit(run_script(checks))
"""
SCRIPTS = {
    "fails": GOOD.replace("1 + 1 == 2", "1 + 1 == 3"),
    "crashes": GOOD.replace("c.check(1 + 1 == 2, \"arithmetic\")", "raise RuntimeError('boom')"),
    "empty": GOOD.replace("c.check(1 + 1 == 2, \"arithmetic\")", "pass"),
    "float_verdict": GOOD.replace("1 + 1 == 2", "0.1 + 0.2"),
    "dies": "import sys\nsys.exit(0)\n",
    "sleeps": "import time\ntime.sleep(30)\n",
}


def _run(tmp_path, scripts, *extra):
    d = tmp_path / "proofs"
    d.mkdir()
    for name, text in scripts.items():
        (d / f"{name}.py").write_text(textwrap.dedent(text))
    rep = tmp_path / "out.md"
    code, out, err = cli("verify", "--proofs", d, "--report", rep, "--timeout", "10", *extra)
    return code, out, err, rep


def test_all_good(tmp_path):
    code, out, err, rep = _run(tmp_path, {"good": GOOD})
    assert code == 0, out + err
    assert "VERIFIED" in out and rep.exists()
    data = json.loads(rep.with_suffix(".json").read_text())
    assert data["ok"] and data["scripts"][0]["claims"][0]["id"] == "demo.good"


@pytest.mark.parametrize("bad", [k for k in SCRIPTS if k != "sleeps"])
def test_each_failure_mode(tmp_path, bad):
    code, out, err, rep = _run(tmp_path, {"good": GOOD, bad: SCRIPTS[bad]})
    assert code == 1, out + err
    assert out.strip().endswith("NOT VERIFIED")
    data = json.loads(rep.with_suffix(".json").read_text())
    assert not data["ok"] and [s["ok"] for s in data["scripts"]].count(False) == 1


def test_timeout(tmp_path):
    d = tmp_path / "proofs"
    d.mkdir()
    (d / "sleeps.py").write_text(SCRIPTS["sleeps"])
    code, out, err = cli("verify", "--proofs", d, "--report", "", "--timeout", "1")
    assert code == 1 and "timed out" in out


def test_bad_arguments(tmp_path):
    code, out, err = cli("verify", "--proofs", tmp_path / "nope")
    assert code == 2 and err.count("\n") == 1
    (tmp_path / "empty").mkdir()
    code, out, err = cli("verify", "--proofs", tmp_path / "empty")
    assert code == 2 and "no verification scripts" in err


def test_claim_counts_instances_and_rejects_non_bool():
    def checks(report, quick=False):
        with report.claim("a", "s") as c:
            c.check(True, "x")
            c.check(2 > 1, "y")
        with report.claim("b", "s") as c:
            c.check(1, "an int is not a verdict")
    rep = run_checks(checks)
    assert rep.claims[0].held and rep.claims[0].instances == 2
    assert not rep.claims[1].held and not rep.ok
    assert not Report("empty").ok  # no claims at all is not a pass
