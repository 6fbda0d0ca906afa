"""Sweep specs (TOML): the grid of teacher-student runs, every key validated.

A spec is a TOML file; every table and key below is known, and anything else is refused (exit 2,
naming the file and the key).  Defaults are the reference code's (juliusberner/theory2practice,
``specs/{1d,3d}_5x32/exp_*.yaml``) where a default makes sense::

    name = "quick"                     # required; names the sweep in the store
    [grid]
    d = [1]                            # input dimensions
    m = [100, 1000]                    # sample sizes
    teacher_seeds = [0, 1, 2]          # or "0..39"
    domain = "reference"               # [-1/2, 1/2]^d (the reference code's) or "unit" ([0, 1]^d, the paper's)
    [teacher]
    depth = 5                          # affine layers L
    width = 32
    [student]
    depth = [5]
    width = [32]
    standardize = true                 # x -> (x - mean) / std of the uniform input, as the reference code
    [training]
    seeds = [10000, 10001, 10002]
    lr = 1e-4                          # Adam
    lr_final = 1e-6                    # ExponentialLR per epoch, lr -> lr_final over all epochs
    checkpoints = 5                    # evaluate after each of 5 equal parts of the epochs
    batches = [{fraction = "1/5", epochs = 5000}, {size = 100, epochs = 1000}]
    [test]
    points = 16777216                  # fresh uniform test points per checkpoint (2^24 in the reference code)
    chunk = 131072                     # evaluated in chunks of this many points
    [certify]
    which = "last"                     # "last": certify every run's last checkpoint; "none"
    time_limit = 60                    # seconds per certified sup (search and replay)
    rel_gap = "1/100"                  # stop a sup at (upper - lower) <= rel_gap * upper

One run is one (d, teacher seed, m, student depth, student width, batch rule, seed); :meth:`Spec.runs`
lists them with every parameter a worker needs, so a run is reproducible from its row alone.
"""
from __future__ import annotations

import hashlib
import json
import math
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..errors import InputError
from ..numbers import to_rational

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Spec", "load_spec", "parse_spec", "DOMAINS"]

DOMAINS = {"reference": (Fraction(-1, 2), Fraction(1, 2)), "unit": (Fraction(0), Fraction(1))}
MAX_RUNS = 1_000_000


class _Where:
    def __init__(self, path):
        self.path = path

    def fail(self, key: str, why: str):
        raise InputError(f"{self.path}: {key}: {why}")


def _int(w, key, v, least):
    if isinstance(v, bool) or not isinstance(v, int) or v < least:
        w.fail(key, f"{v!r} must be an integer >= {least}")
    return v


def _ints(w, key, v, least):
    if isinstance(v, str) and ".." in v:          # "0..39", both ends included
        a, _, b = v.partition("..")
        try:
            lo, hi = int(a), int(b)
        except ValueError:
            w.fail(key, f"{v!r} must be a list of integers or a range 'a..b'")
        v = list(range(lo, hi + 1))
    if not isinstance(v, list) or not v:
        w.fail(key, f"{v!r} must be a non-empty list of integers")
    out = [_int(w, f"{key}[{i}]", x, least) for i, x in enumerate(v)]
    if len(set(out)) != len(out):
        w.fail(key, f"{v!r} lists a value twice")
    return out


def _pos_float(w, key, v):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
        w.fail(key, f"{v!r} must be a finite number > 0")
    return float(v)


def _rational(w, key, v, lo=None, hi=None):
    try:
        q = to_rational(str(v) if isinstance(v, (int, str)) else v, what=key) if not isinstance(v, bool) else None
    except InputError as e:
        w.fail(key, str(e))
    if q is None or (lo is not None and q < lo) or (hi is not None and q > hi):
        w.fail(key, f"{v!r} must be a number in [{lo}, {hi}]")
    return q


def _table(w, name, obj, known):
    if not isinstance(obj, dict):
        w.fail(name, "must be a table")
    extra = sorted(set(obj) - set(known))
    if extra:
        w.fail(f"{name}.{extra[0]}" if name else extra[0], f"unknown key (known: {', '.join(sorted(known))})")
    return obj


def _batches(w, v):
    if not isinstance(v, list) or not v:
        w.fail("training.batches", "must be a non-empty list of {fraction = ..., epochs = ...} or {size = ...}")
    out = []
    for i, b in enumerate(v):
        key = f"training.batches[{i}]"
        _table(w, key, b, {"fraction", "size", "epochs"})
        if ("fraction" in b) == ("size" in b):
            w.fail(key, "give exactly one of 'fraction' (of m, rounded up) and 'size'")
        rule = {"epochs": _int(w, f"{key}.epochs", b.get("epochs", 5000), 1)}
        if "fraction" in b:
            f = _rational(w, f"{key}.fraction", b["fraction"], 0, 1)
            if f == 0:
                w.fail(f"{key}.fraction", "must be > 0")
            rule.update(kind="fraction", value=str(f), label=f"bs{f}m")
        else:
            rule.update(kind="size", value=_int(w, f"{key}.size", b["size"], 1), label=f"bs{b['size']}")
        out.append(rule)
    return out


@dataclass(frozen=True)
class Spec:
    """A validated sweep spec; ``text`` is the file, ``hash`` its sha256 (the store keys runs by both)."""
    name: str
    text: str
    hash: str
    grid: dict
    teacher: dict
    student: dict
    training: dict
    test: dict
    certify: dict

    def runs(self) -> list[dict]:
        """Every run of the grid, as the JSON-able parameters a worker needs (``key`` identifies it)."""
        out = []
        g, t, s, tr = self.grid, self.teacher, self.student, self.training
        for d in g["d"]:
            for ts in g["teacher_seeds"]:
                for m in g["m"]:
                    for sd in s["depth"]:
                        for sw in s["width"]:
                            for b in tr["batches"]:
                                for seed in tr["seeds"]:
                                    p = {"d": d, "domain": g["domain"], "teacher_seed": ts,
                                         "teacher_depth": t["depth"], "teacher_width": t["width"], "m": m,
                                         "depth": sd, "width": sw, "standardize": s["standardize"],
                                         "batch": b, "seed": seed, "lr": tr["lr"], "lr_final": tr["lr_final"],
                                         "checkpoints": tr["checkpoints"], "test_points": self.test["points"],
                                         "test_chunk": self.test["chunk"], "certify": self.certify}
                                    p["key"] = run_key(p)
                                    out.append(p)
        return out


def run_key(p: dict) -> str:
    """A run's identity: the hash of its parameters (not of the spec, so two specs share equal runs)."""
    body = {k: v for k, v in p.items() if k != "key"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:20]


def parse_spec(text: str, path="<spec>") -> Spec:
    w = _Where(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{path}: not valid TOML: {e}") from None
    _table(w, "", raw, {"name", "grid", "teacher", "student", "training", "test", "certify"})
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        w.fail("name", f"{name!r} must be a non-empty string (at most 100 characters)")
    g = _table(w, "grid", raw.get("grid", {}), {"d", "m", "teacher_seeds", "domain"})
    for k in ("d", "m", "teacher_seeds"):
        if k not in g:
            w.fail(f"grid.{k}", "is required")
    domain = g.get("domain", "reference")
    if domain not in DOMAINS:
        w.fail("grid.domain", f"{domain!r} must be one of {', '.join(DOMAINS)}")
    grid = {"d": _ints(w, "grid.d", g["d"], 1), "m": _ints(w, "grid.m", g["m"], 1),
            "teacher_seeds": _ints(w, "grid.teacher_seeds", g["teacher_seeds"], 0), "domain": domain}
    t = _table(w, "teacher", raw.get("teacher", {}), {"depth", "width"})
    teacher = {"depth": _int(w, "teacher.depth", t.get("depth", 5), 2),
               "width": _int(w, "teacher.width", t.get("width", 32), 1)}
    s = _table(w, "student", raw.get("student", {}), {"depth", "width", "standardize"})
    std = s.get("standardize", True)
    if not isinstance(std, bool):
        w.fail("student.standardize", f"{std!r} must be true or false")
    student = {"depth": _ints(w, "student.depth", s.get("depth", [5]), 2),
               "width": _ints(w, "student.width", s.get("width", [32]), 1), "standardize": std}
    tr = _table(w, "training", raw.get("training", {}), {"seeds", "lr", "lr_final", "checkpoints", "batches"})
    training = {"seeds": _ints(w, "training.seeds", tr.get("seeds", [10000, 10001, 10002]), 0),
                "lr": _pos_float(w, "training.lr", tr.get("lr", 1e-4)),
                "lr_final": _pos_float(w, "training.lr_final", tr.get("lr_final", 1e-6)),
                "checkpoints": _int(w, "training.checkpoints", tr.get("checkpoints", 5), 1),
                "batches": _batches(w, tr.get("batches", [{"fraction": "1/5", "epochs": 5000}]))}
    for i, b in enumerate(training["batches"]):
        if b["epochs"] % training["checkpoints"]:
            w.fail(f"training.batches[{i}].epochs", f"{b['epochs']} is not a multiple of training.checkpoints "
                                                    f"= {training['checkpoints']}")
    te = _table(w, "test", raw.get("test", {}), {"points", "chunk"})
    test = {"points": _int(w, "test.points", te.get("points", 2**24), 1),
            "chunk": _int(w, "test.chunk", te.get("chunk", 2**17), 1)}
    c = _table(w, "certify", raw.get("certify", {}), {"which", "time_limit", "rel_gap"})
    which = c.get("which", "last")
    if which not in ("last", "none"):
        w.fail("certify.which", f"{which!r} must be 'last' or 'none'")
    certify = {"which": which, "time_limit": _pos_float(w, "certify.time_limit", c.get("time_limit", 60)),
               "rel_gap": str(_rational(w, "certify.rel_gap", c.get("rel_gap", "1/100"), 0, Fraction(99, 100)))}
    n = (len(grid["d"]) * len(grid["teacher_seeds"]) * len(grid["m"]) * len(student["depth"])
         * len(student["width"]) * len(training["batches"]) * len(training["seeds"]))
    if n > MAX_RUNS:
        w.fail("grid", f"{n} runs exceed the limit of {MAX_RUNS}")
    return Spec(name.strip(), text, hashlib.sha256(text.encode()).hexdigest(), grid, teacher, student, training,
                test, certify)


def load_spec(path) -> Spec:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read the spec ({e.__class__.__name__}: {e})") from None
    return parse_spec(text, str(path))
