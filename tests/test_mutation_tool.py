"""tests/mutation.py (`make mutation`): the scores it prints and its argument errors."""
import json

import mutation


def test_score_counts_each_status(tmp_path, monkeypatch):
    monkeypatch.setattr(mutation, "ROOT", tmp_path)
    meta = tmp_path / "mutants" / "exactrelu" / "kernel.py.meta"
    meta.parent.mkdir(parents=True)
    codes = {"k.x_a__mutmut_1": 1, "k.x_a__mutmut_2": 0, "k.x_a__mutmut_3": -24, "k.x_a__mutmut_4": 3,
             "k.x_a__mutmut_5": 33, "k.x_a__mutmut_6": None}
    meta.write_text(json.dumps({"exit_code_by_key": codes}))
    r = mutation.score("kernel", sorted(codes))
    assert (r["killed"], r["survived"], r["timeout"], r["no tests"], r["not checked"], r["total"]) == (2, 1, 1, 1, 1, 6)
    assert r["killed_pct"] == 33.3
    assert mutation.score("kernel", ["k.x_a__mutmut_1", "k.x_a__mutmut_4"])["killed_pct"] == 100.0
    assert mutation._glob("bounds") == "exactrelu.theory.bounds.*"


def test_bad_arguments_exit_2(capsys):
    assert mutation.main(["nosuch"]) == 2
    assert capsys.readouterr().err.strip() == "mutation: unknown module 'nosuch' (one of kernel, bounds, bumps, sup)"
    assert mutation.main(["--sample", "0", "kernel"]) == 2
    assert capsys.readouterr().err.strip() == "mutation: --sample and --jobs must be >= 1"
