"""The proofkit harness records the instance set behind each VERIFIED, and every proofs/ claim fills it in."""
import ast
from fractions import Fraction as F

import pytest

from exactrelu.proofkit import Claim, run_checks
from helpers import PROOFS


def test_over_formats_ranges_sets_and_text():
    c = Claim("x", "s")
    c.over(d=range(1, 7), c=(F(1, 2), F(2)), q=[1, 2, "inf"])
    c.over("the 2^d corners of the box", L=5)
    assert c.ranges == ["d in 1..6; c in {1/2, 2}; q in {1, 2, inf}", "the 2^d corners of the box; L = 5"]
    assert c.row()["over"] == c.ranges
    c.over(k=range(1, 100, 2))  # not consecutive: listed, long lists cut with their size
    assert c.ranges[-1].startswith("k in {1, 3, 5") and c.ranges[-1].endswith("... (50 values)}")
    with pytest.raises(ValueError):
        c.over()


def test_rows_of_a_claim_without_a_range_say_so():
    def checks(report, quick=False):
        with report.claim("a", "s", "t") as c:
            c.check(True, "x")
    row = run_checks(checks).claims[0].row()
    assert row["held"] and row["over"] == []


def _claims_without_range(path):
    """(line, claim id) of every `with report.claim(...) as c:` block whose body never calls c.over(...)."""
    missing = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.With):
            continue
        for item in node.items:
            call, var = item.context_expr, item.optional_vars
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "claim" and isinstance(var, ast.Name)):
                continue
            calls = [n for stmt in node.body for n in ast.walk(stmt) if isinstance(n, ast.Call)]
            if not any(isinstance(n.func, ast.Attribute) and n.func.attr == "over"
                       and isinstance(n.func.value, ast.Name) and n.func.value.id == var.id for n in calls):
                missing.append((node.lineno, ast.unparse(call.args[0]) if call.args else "?"))
    return missing


def test_the_static_check_sees_a_missing_range(tmp_path):
    p = tmp_path / "demo.py"
    p.write_text("def checks(report, quick=False):\n"
                 "    with report.claim('a', 's') as c:\n        c.over(d=range(3))\n        c.check(True)\n"
                 "    with report.claim('b', 's') as c:\n        c.check(True)\n")
    assert _claims_without_range(p) == [(5, "'b'")]


@pytest.mark.parametrize("script", sorted(p.name for p in PROOFS.glob("*.py") if not p.name.startswith("_")))
def test_every_proof_claim_records_its_instance_set(script):
    assert _claims_without_range(PROOFS / script) == []
