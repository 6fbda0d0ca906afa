"""The README's two commands on a fresh machine: `make verify` must install everything its claims need
by itself (it runs first, before `make test` ever did), and CI runs them in a newcomer's order."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _recipe(target: str) -> tuple[list[str], str]:
    """(prerequisites, recipe text) of a Makefile target."""
    text = (ROOT / "Makefile").read_text()
    m = re.search(rf"^{re.escape(target)}:([^\n]*)\n((?:\t[^\n]*\n)*)", text, re.M)
    assert m, f"no target {target}"
    return m.group(1).split(), m.group(2)


def _installed_extras(target: str) -> set[str]:
    """Extras pip-installed by a target and the stamps it depends on."""
    deps, recipe = _recipe(target)
    extras = set()
    for spec in re.findall(r"-e '?\.\[([^\]]*)\]", recipe):
        extras |= {e.strip() for e in spec.split(",")}
    for d in deps:
        if d.startswith("$(VENV)/."):
            extras |= _installed_extras(d)
    return extras


def test_make_verify_installs_what_its_claims_need():
    # the Adam claims (proofs/adversary.py, proofs/sampled_vs_certified.py) train with torch
    assert "train" in _installed_extras("verify")
    proofs_need_torch = any("torch" in p.read_text() or "adam" in p.read_text().lower()
                            for p in (ROOT / "proofs").glob("*.py"))
    assert proofs_need_torch


def test_make_test_installs_the_test_extra_and_everything_verify_has():
    assert {"test", "train"} <= _installed_extras("test")
    assert _installed_extras("verify") <= _installed_extras("test")


def test_ci_runs_verify_first_then_test():
    lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()
             if ln.strip().startswith("make ")]
    assert lines[:2] == ["make verify", "make test"]


def test_readme_keeps_exactly_the_two_setup_commands():
    readme = (ROOT / "README.md").read_text()
    setup = readme.split("## Set up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^\s{4}(make \w+)\s*$", setup, re.M) == ["make verify", "make test"]
