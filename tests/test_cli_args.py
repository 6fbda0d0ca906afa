"""Arguments and exit codes (issue 7, section 4): values starting with a minus sign, --version,
and one exit code per meaning, the same in the code and in both documents."""
import json
import re
import tomllib

import pytest

import exactrelu
from exactrelu import cli as cli_module
from exactrelu.commands import eval as eval_verb
from exactrelu.errors import CertificateRejected, InputError, LimitReached
from helpers import ROOT, cli

NET = {"layers": [{"weight": [["1"], ["-1"]], "bias": ["0", "0"]}, {"weight": [["1", "1"]], "bias": ["0"]}]}  # |x|


@pytest.fixture
def absnet(tmp_path):
    p = tmp_path / "abs.json"
    p.write_text(json.dumps(NET))
    return p


# -- values that start with a minus sign -------------------------------------------------------
@pytest.mark.parametrize("argv, key, want", [
    (["sup", "{net}", "--box", "-2,1", "--json"], "sup", "2"),
    (["sup", "{net}", "--box", "-3/2,-1/2", "--json"], "sup", "3/2"),
    (["sup", "{net}", "--bo", "-1e1,1", "--json"], "sup", "10"),          # an abbreviated option
])
def test_negative_values_after_a_space(absnet, argv, key, want):
    code, out, err = cli(*[a.format(net=absnet) for a in argv])
    assert code == 0, err
    assert json.loads(out)[key] == want


@pytest.mark.parametrize("argv, fragment", [
    (["bounds", "--d", "1", "--L", "3", "--c", "1", "--eps", "-1"], "--eps=-1 must be > 0"),
    (["bounds", "--d", "-2", "--L", "3", "--c", "1", "--eps", "1"], "--d=-2 must be an integer >= 1"),
    (["bump", "--d", "1", "--L", "3", "--c", "1", "--M", "8", "--y", "-1/8", "-o", "-"], "--y"),
    (["info", "{net}", "--lipschitz", "--box", "-1,x"], "--box"),
])
def test_negative_values_reach_the_verb_checks(absnet, argv, fragment):
    code, out, err = cli(*[a.format(net=absnet) for a in argv])
    assert code == 2 and fragment in err and "expected one argument" not in err, err
    assert err.count("\n") == 1


def test_only_values_of_options_that_take_one_are_joined():
    p = cli_module.build_parser()
    join = cli_module.join_negative_values
    assert join(p, ["sup", "n.json", "--box", "-1,1"]) == ["sup", "n.json", "--box=-1,1"]
    assert join(p, ["sup", "n.json", "--json", "-1,1"]) == ["sup", "n.json", "--json", "-1,1"]  # a flag
    assert join(p, ["sup", "n.json", "--box", "-x"]) == ["sup", "n.json", "--box", "-x"]        # not a number
    assert join(p, ["sup", "--", "--box", "-1"]) == ["sup", "--", "--box", "-1"]
    assert join(p, ["nosuchverb", "--box", "-1"]) == ["nosuchverb", "--box", "-1"]
    # sub-actions too: the option is looked up in the sub-action's own parser
    assert join(p, ["sweep", "illustrate", "--gap", "-1/2"]) == ["sweep", "illustrate", "--gap=-1/2"]
    assert join(p, ["sweep", "run", "--gap", "-1/2"]) == ["sweep", "run", "--gap", "-1/2"]   # run has no --gap


# -- --version ---------------------------------------------------------------------------------
def test_version():
    code, out, err = cli("--version")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert code == 0 and out.strip() == f"exactrelu {exactrelu.__version__}"
    assert exactrelu.__version__ == pyproject["project"]["version"]


# -- exit codes --------------------------------------------------------------------------------
@pytest.mark.parametrize("exc, code, fragment", [
    (InputError("points.json: bad"), 2, "error: points.json: bad"),
    (CertificateRejected("leaf 3: bound does not follow"), 1, "certificate rejected: leaf 3"),
    (LimitReached("regions: max_regions=1 reached"), 3, "limit reached: regions: max_regions=1 reached"),
    (MemoryError(), 3, "limit reached: out of memory"),
    (RuntimeError("boom\nsecond line"), 4, "internal error: RuntimeError: boom second line"),
    (ValueError("Exceeds the limit (4300 digits)"), 4, "set EXACTRELU_DEBUG=1"),
])
def test_one_exit_code_per_meaning(monkeypatch, absnet, exc, code, fragment):
    def run(args):
        raise exc
    monkeypatch.setattr(eval_verb, "run", run)
    monkeypatch.delenv("EXACTRELU_DEBUG", raising=False)
    got, out, err = cli("eval", absnet, absnet)
    assert got == code and fragment in err and err.count("\n") == 1 and "Traceback" not in err, err


def test_debug_shows_the_traceback(monkeypatch, absnet):
    def run(args):
        raise RuntimeError("boom")
    monkeypatch.setattr(eval_verb, "run", run)
    monkeypatch.setenv("EXACTRELU_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        cli_module.main(["eval", str(absnet), str(absnet)])


def test_a_limit_reached_in_real_work_exits_3(absnet):
    code, out, err = cli("regions", absnet, "--box", "-1,1", "--time-limit", "1e-9")   # --max-regions 1 is refused
    assert code == 3 and "limit reached" in err and err.count("\n") == 1, (code, err)  # up front (exit 2) here


def _exit_table(path):
    """The rows '- N ...' of the section that states the exit codes, as {N: text}."""
    text = (ROOT / path).read_text()
    block = text[text.index("<!-- exit codes -->"):text.index("<!-- /exit codes -->")]
    return {int(m.group(1)): " ".join(m.group(2).split())
            for m in re.finditer(r"^- `(\d)`: (.*?)(?=^- `|\Z)", block, re.M | re.S)}


def test_docs_state_the_same_exit_codes_as_the_code():
    usage, formats = _exit_table("docs/usage.md"), _exit_table("docs/formats.md")
    assert usage == formats
    assert sorted(usage) == [cli_module.EXIT_OK, cli_module.EXIT_FAILED, cli_module.EXIT_USAGE,
                             cli_module.EXIT_LIMIT, cli_module.EXIT_INTERNAL] == [0, 1, 2, 3, 4]
    assert "limit reached" in usage[3] and "internal error" in usage[4] and "budget" in usage[2]
