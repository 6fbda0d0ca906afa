"""`exactrelu verify` fails closed: a failing, crashing, silent or slow script is NOT VERIFIED."""
import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
import shutil
import textwrap

import pytest

from exactrelu.cli import main
from exactrelu.commands.verify import _commit
from exactrelu.proofkit import Report, run_checks
from helpers import ROOT, cli

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


RANGED = """
from exactrelu.proofkit import run_script
def checks(report, quick=False):
    with report.claim("demo.ranged", "slides [S]", "two plus two is four, for every listed d") as c:
        ds = range(1, 4) if quick else range(1, 6)
        c.over(d=ds)
        for d in ds:
            c.check(d + d == 2 * d, f"d={d}")
    with report.claim("demo.unranged", "[R] reconstruction", "an identity without a recorded range") as c:
        c.check(True, "one")
if __name__ == "__main__":
    raise SystemExit(run_script(checks))
"""


@pytest.mark.parametrize("quick", [False, True])
def test_report_says_what_was_proved(tmp_path, quick):
    code, out, err, rep = _run(tmp_path, {"ranged": RANGED}, *(["--quick"] if quick else []))
    assert code == 0, out + err
    # the console shows each claim's statement and source, not only its id
    assert "two plus two is four, for every listed d" in out and "slides [S]" in out
    assert "instance set: not recorded" in out  # the claim that recorded no range says so
    md = rep.read_text()
    rng = "d in 1..3" if quick else "d in 1..5"
    row = next(line for line in md.splitlines() if "demo.ranged" in line)
    assert "two plus two is four" in row and "slides [S]" in row and rng in row
    assert "not recorded" in next(line for line in md.splitlines() if "demo.unranged" in line)
    assert ("quick (--quick)" if quick else "instance sets: full") in md
    for word in ("commit:", "date (UTC):", "python ", "numpy ", "python-flint ", "sympy ", "mpmath ", "finitely many"):
        assert word in md, word
    data = json.loads(rep.with_suffix(".json").read_text())
    meta = data["meta"]
    assert meta["quick"] is quick and meta["commit"] == "unknown"  # tmp_path is no git checkout
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*", meta["date"])
    assert {"python", "exactrelu", "numpy", "python-flint", "sympy", "mpmath", "torch"} <= set(meta["versions"])
    claims = data["scripts"][0]["claims"]
    assert claims[0]["over"] == [rng] and claims[1]["over"] == []


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout")
def test_commit_is_recorded_in_a_checkout():
    c = _commit(ROOT / "proofs")
    assert re.fullmatch(r"[0-9a-f]{40}", c["commit"]) and isinstance(c["uncommitted_changes"], bool)


def test_only_that_matches_nothing_is_refused(tmp_path):
    code, out, err, rep = _run(tmp_path, {"good": GOOD}, "--only", "zzz")
    assert code == 2 and err.count("\n") == 1 and "zzz" in err and "no script" in err and "good" in err
    assert not rep.exists() and out == ""


MARKS = """
import pathlib
pathlib.Path(__file__).with_suffix(".ran").write_text("ran")
""" + GOOD


@pytest.mark.parametrize("where", ["missing-folder", "a-folder", "under-a-file", "json-path", "unwritable"])
def test_bad_report_path_is_refused_before_the_run(tmp_path, where):
    d = tmp_path / "proofs"
    d.mkdir()
    (d / "marks.py").write_text(MARKS)
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "taken.json").mkdir()  # the JSON report's place is a folder
    report = {"missing-folder": tmp_path / "nope" / "r.md", "a-folder": tmp_path,
              "under-a-file": tmp_path / "file.txt" / "r.md", "json-path": tmp_path / "taken.md",
              "unwritable": "/proc/r.md"}[where]
    code, out, err = cli("verify", "--proofs", d, "--report", report)
    assert code == 2 and err.count("\n") == 1 and "--report" in err, (code, out, err)
    assert not (d / "marks.ran").exists(), "the scripts ran before the bad path was refused"


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_only_when_asked_or_on_a_terminal(tmp_path):
    code, out, err, rep = _run(tmp_path, {"good": GOOD, "fails": SCRIPTS["fails"]})
    assert err == ""  # stderr is not a terminal here: quiet
    base = ["verify", "--proofs", str(tmp_path / "proofs"), "--report", ""]
    code, out, err = cli(*base, "--progress")
    assert "2/2" in err and " held" in err and "VERIFIED" in out and "verify" not in out.split("\n")[0]
    code, out, err = cli(*base, "--json")
    assert err == "" and json.loads(out)["ok"] is False

    def on_terminal(*extra):
        e = _Terminal()
        with redirect_stdout(io.StringIO()), redirect_stderr(e):
            main(base + list(extra))
        return e.getvalue()
    assert "2/2" in on_terminal()
    assert on_terminal("--json") == "" and on_terminal("--no-progress") == ""
