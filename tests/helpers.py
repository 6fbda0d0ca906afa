"""Shared test helpers: run the CLI in-process, load a proofs/ script as a module."""
import importlib.util
import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from exactrelu.cli import main

ROOT = Path(__file__).resolve().parents[1]
PROOFS = ROOT / "proofs"


def cli(*argv):
    """Run `exactrelu argv...`; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as e:
            code = e.code
    return code, out.getvalue(), err.getvalue()


def load_proof(name):
    """Import proofs/NAME.py as a module (so tests can call its checks with broken hooks)."""
    spec = importlib.util.spec_from_file_location(f"proof_{name}", PROOFS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_claim(proof, cid, **hooks):
    """Run one claim of a proofs/ script module (its ``only`` hook) in quick mode; its Claim."""
    from exactrelu.proofkit import run_checks
    rep = run_checks(proof.checks, quick=True, only={cid}, **hooks)
    assert [c.id for c in rep.claims] == [cid]
    return rep.claims[0]
