"""The sweep store: one embedded SQLite file (the standard library's sqlite3, WAL mode).

Tables: ``specs`` (name, text, sha256), ``runs`` (one row per run: key, spec hash, parameters, status
``pending`` / ``running`` / ``done`` / ``failed``, owner, attempts, timings, versions, weights file, error),
``checkpoints`` (the test errors of each run after each part of its epochs) and ``certified`` (the
certified sup of each certified student, beside its sampled L-infinity).  Weights are files in
``<store>.weights/<key>.npz``, written atomically before the run's row turns ``done``.

Crash safety: a run's results (its checkpoints, certified sup and ``done``) are written in one
transaction, so a killed sweep leaves each run either done or not; a run left ``running`` by a process
that no longer exists on this host is taken up again by the next sweep.  Several sweeps (other specs,
or the same spec from two processes) can share a store: a run is claimed in a write transaction
before it is started, so no run is done twice at once.  A run ``running`` under another host's owner is
left alone.
"""
from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from pathlib import Path

from ..errors import InputError
from ..io import write_atomic

__all__ = ["Store", "owner_id"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS specs (hash TEXT PRIMARY KEY, name TEXT NOT NULL, text TEXT NOT NULL, added REAL);
CREATE TABLE IF NOT EXISTS runs (
  key TEXT PRIMARY KEY, spec_hash TEXT NOT NULL, params TEXT NOT NULL, status TEXT NOT NULL,
  owner TEXT, attempts INTEGER NOT NULL DEFAULT 0, started REAL, finished REAL, seconds TEXT,
  versions TEXT, batch_size INTEGER, weights TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS spec_runs (spec_hash TEXT, key TEXT, PRIMARY KEY (spec_hash, key));
CREATE TABLE IF NOT EXISTS checkpoints (
  key TEXT, iteration INTEGER, epochs INTEGER, train_mse REAL, l1 REAL, l2 REAL, linf REAL, linf_at TEXT,
  PRIMARY KEY (key, iteration));
CREATE TABLE IF NOT EXISTS certified (
  key TEXT, iteration INTEGER, exact INTEGER, lower TEXT, upper TEXT, lower_float REAL, upper_float REAL,
  sampled_linf REAL, ratio REAL, reason TEXT, statement TEXT, seconds REAL, PRIMARY KEY (key, iteration));
"""


def owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(owner: str | None) -> bool:
    """Whether the owner of a running row may still be working (unknown hosts count as alive)."""
    if not owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return True
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return True


class Store:
    """A sweep store at ``path`` (created if missing; its folder must exist)."""

    def __init__(self, path, *, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise InputError(f"{path}: no such store")
        if self.path.is_dir() or not self.path.parent.is_dir():
            raise InputError(f"{path}: not a file in an existing folder")
        try:
            self.db = sqlite3.connect(str(self.path), timeout=60, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as e:
            raise InputError(f"{path}: not a sweep store ({e})") from None
        self.weights_dir = self.path.with_name(self.path.name + ".weights")

    def close(self):
        self.db.close()

    # -- writing -------------------------------------------------------------------------------
    def add_spec(self, spec) -> int:
        """Record the spec and its runs (existing runs are kept as they are); returns the number of runs."""
        runs = spec.runs()
        with self._write():
            self.db.execute("INSERT OR IGNORE INTO specs VALUES (?, ?, ?, ?)", (spec.hash, spec.name, spec.text,
                                                                             time.time()))
            self.db.executemany("INSERT OR IGNORE INTO runs (key, spec_hash, params, status) VALUES (?, ?, ?, ?)",
                                [(p["key"], spec.hash, json.dumps(p, sort_keys=True), "pending") for p in runs])
            self.db.executemany("INSERT OR IGNORE INTO spec_runs VALUES (?, ?)", [(spec.hash, p["key"]) for p in runs])
        return len(runs)

    def claim(self, spec_hash: str, owner: str, skip=()) -> dict | None:
        """Atomically take one run of the spec that is pending, failed, or running under a dead owner."""
        with self._write():
            rows = self.db.execute(
                "SELECT r.key, r.params, r.status, r.owner FROM runs r JOIN spec_runs s ON s.key = r.key "
                "WHERE s.spec_hash = ? AND r.status != 'done' ORDER BY r.rowid", (spec_hash,)).fetchall()
            for key, params, status, who in rows:
                if key in skip or (status == "running" and _alive(who)):
                    continue
                self.db.execute("UPDATE runs SET status = 'running', owner = ?, attempts = attempts + 1, "
                                "started = ?, error = NULL WHERE key = ?", (owner, time.time(), key))
                return json.loads(params)
        return None

    def finish(self, key: str, result: dict) -> None:
        """Record a run's results in one transaction (weights first, atomically, outside it)."""
        self.weights_dir.mkdir(exist_ok=True)
        wpath = self.weights_dir / f"{key}.npz"
        write_atomic(wpath, result["weights"])
        with self._write():
            self.db.executemany(
                "INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(key, c["iteration"], c["epochs"], c["train_mse"], c["l1"], c["l2"], c["linf"],
                  json.dumps(c["linf_at"])) for c in result["checkpoints"]])
            c = result.get("certified")
            if c is not None:
                last = result["checkpoints"][-1]
                self.db.execute(
                    "INSERT OR REPLACE INTO certified VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (key, last["iteration"], int(c["exact"]), c["lower"], c["upper"],
                     None if c["lower"] is None else _f(c["lower"]), None if c["upper"] is None else _f(c["upper"]),
                     last["linf"], c["ratio"], c["reason"], c["statement"], c["seconds"]))
            self.db.execute("UPDATE runs SET status = 'done', finished = ?, seconds = ?, versions = ?, "
                            "batch_size = ?, weights = ?, error = NULL WHERE key = ?",
                            (time.time(), json.dumps(result["seconds"]), json.dumps(result["versions"]),
                             result["batch_size"], str(wpath.relative_to(self.path.parent)), key))

    def fail(self, key: str, error: str) -> None:
        with self._write():
            self.db.execute("UPDATE runs SET status = 'failed', finished = ?, error = ? WHERE key = ?",
                            (time.time(), error[:2000], key))

    def release(self, key: str) -> None:
        """Give a claimed run back (e.g. the sweep was interrupted before it ran)."""
        with self._write():
            self.db.execute("UPDATE runs SET status = 'pending', owner = NULL WHERE key = ? AND status = 'running'",
                            (key,))

    def _write(self):
        return _Tx(self.db)

    # -- reading -------------------------------------------------------------------------------
    def status(self, spec_hash: str | None = None) -> dict:
        """Counts per status (running under a dead owner counts as ``stale``) and the failures."""
        q = "SELECT r.key, r.status, r.owner, r.error, r.params FROM runs r"
        args = ()
        if spec_hash:
            q += " JOIN spec_runs s ON s.key = r.key WHERE s.spec_hash = ?"
            args = (spec_hash,)
        counts = {"done": 0, "running": 0, "stale": 0, "failed": 0, "pending": 0}
        failed = []
        for key, st, who, err, params in self.db.execute(q, args):
            if st == "running" and not _alive(who):
                st = "stale"
            counts[st] += 1
            if st == "failed":
                failed.append({"key": key, "error": err, "params": json.loads(params)})
        counts["left"] = counts["pending"] + counts["stale"] + counts["failed"]
        return {"counts": counts, "failed": failed}

    def specs(self) -> list[dict]:
        return [{"hash": h, "name": n} for h, n in self.db.execute("SELECT hash, name FROM specs ORDER BY added")]

    def rows(self, spec_hash: str | None = None) -> list[dict]:
        """Every done run with its parameters, checkpoints and certified result."""
        q = "SELECT r.key, r.params, r.seconds, r.batch_size, r.weights FROM runs r"
        args = ()
        if spec_hash:
            q += " JOIN spec_runs s ON s.key = r.key WHERE s.spec_hash = ? AND r.status = 'done'"
            args = (spec_hash,)
        else:
            q += " WHERE r.status = 'done'"
        out = []
        for key, params, secs, bs, w in self.db.execute(q + " ORDER BY r.rowid", args).fetchall():
            cps = [dict(zip(("iteration", "epochs", "train_mse", "l1", "l2", "linf", "linf_at"), r))
                   for r in self.db.execute("SELECT iteration, epochs, train_mse, l1, l2, linf, linf_at FROM "
                                            "checkpoints WHERE key = ? ORDER BY iteration", (key,))]
            for c in cps:
                c["linf_at"] = json.loads(c["linf_at"])
            cert = self.db.execute("SELECT iteration, exact, lower, upper, sampled_linf, ratio, reason, statement, "
                                   "seconds FROM certified WHERE key = ?", (key,)).fetchone()
            out.append({"key": key, "params": json.loads(params), "seconds": json.loads(secs), "batch_size": bs,
                        "weights": w, "checkpoints": cps,
                        "certified": None if cert is None else dict(zip(
                            ("iteration", "exact", "lower", "upper", "sampled_linf", "ratio", "reason", "statement",
                             "seconds"), cert))})
        return out


def _f(text: str) -> float:
    from ..numbers import to_float, to_rational
    return to_float(to_rational(text, what="certified bound"))


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): one writer at a time, all or nothing."""

    def __init__(self, db):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, *_):
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
