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
    rep = run_checks(checks)
    row = rep.claims[0].row()
    assert row["held"] and row["over"] == []
    assert "instances: not recorded" in rep.table()


def test_a_script_table_shows_each_claims_instance_set():
    def checks(report, quick=False):
        with report.claim("a", "s", "t") as c:
            c.over(d=range(1, 4))
            c.check(True, "x")
    assert "instances: d in 1..3" in run_checks(checks).table()


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


DOCS = PROOFS.parent / "docs"


def _claim_rows():
    """(id, source, script, status) of every row of docs/claims.md's tables."""
    import re
    rows = []
    for line in (DOCS / "claims.md").read_text().splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 6 and cells[0] not in ("id", "---"):
            rows.append((cells[0], cells[2], cells[3], cells[5]))
    return rows


def _static_claim_ids(path):
    ids = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "claim"
                and node.args and isinstance(node.args[0], ast.Constant)):
            ids.add(node.args[0].value)
    return ids


def test_claims_md_says_which_claims_verify_checks():
    rows = _claim_rows()
    assert len(rows) > 40
    for cid, _, script, status in rows:  # verify's claims say "verified"; the others "tested only"
        assert status == ("verified" if script.startswith("proofs/") else "tested only"), (cid, script, status)
    listed = {(cid, script) for cid, _, script, _ in rows}
    for path in PROOFS.glob("*.py"):
        for cid in _static_claim_ids(path):
            assert (cid, f"proofs/{path.name}") in listed, f"{cid} ({path.name}) has no row in docs/claims.md"


def test_one_spelling_of_reconstruction():
    import re
    texts = [DOCS / "claims.md", DOCS / "paper.md", DOCS / "derivations.md", *PROOFS.glob("*.py")]
    for p in texts:
        t = p.read_text()
        bad = re.findall(r".{0,30}(?:\[R\](?!\s+reconstruction)|reconstruction\s+\[R\]|\*\*\[R\]\*\*).{0,10}", t)
        assert not bad, f"{p.name}: {bad[:3]} (write '[R] reconstruction')"


def test_readme_names_every_verification_script():
    section = (PROOFS.parent / "README.md").read_text().split("## What `make verify` checks", 1)[1].split("\n## ", 1)[0]
    for p in PROOFS.glob("*.py"):
        assert f"`{p.name}`" in section, f"README does not say what {p.name} checks"


def test_nothing_refers_to_files_a_user_does_not_have():
    import re
    root = PROOFS.parent
    # the project's private notes and design file live outside the repository
    unshipped = re.compile(r"\.\./shared|shared/(reference|seeds)|DESIGN\.md|" + "notes" + r" §|[Rr]eference notes")
    files = [root / "README.md", *(p for d in ("exactrelu", "proofs", "tests", "docs", "bench")
                                   for p in (root / d).rglob("*") if p.suffix in (".py", ".md"))]
    hits = [f"{p.relative_to(root)}:{i}" for p in files for i, line in enumerate(p.read_text().splitlines(), 1)
            if unshipped.search(line)]
    assert not hits, hits


def test_pmap_equals_the_serial_map_and_takes_closures():
    from exactrelu.proofkit import pmap
    from fractions import Fraction
    k = Fraction(1, 3)
    items = list(range(23))
    assert pmap(lambda x: x * k, items) == [x * k for x in items]          # forked workers (a closure)
    assert pmap(lambda x: x * k, items, jobs=1) == [x * k for x in items]  # here
    assert pmap(lambda x: x, []) == []
