"""Running a sweep: claim runs from the store, run them (in this process, a process pool, or Ray
tasks), record each result as it arrives.  The store is written by this driver process only; workers
get a run's parameters and return its result."""
from __future__ import annotations

import sys
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context

from ..errors import InputError
from ..progress import Progress
from .runner import run_one
from .store import Store, owner_id

__all__ = ["run_sweep"]


def _safe_run(p: dict):
    """run_one in a worker: ("ok", result) or ("error", one-line reason + traceback tail)."""
    try:
        return "ok", run_one(p)
    except Exception as e:  # a failed run is recorded, not fatal to the sweep
        tail = traceback.format_exc(limit=4).strip().splitlines()[-3:]
        return "error", f"{e.__class__.__name__}: {e} | " + " / ".join(t.strip() for t in tail)


def run_sweep(spec, store: Store, *, workers: int = 1, ray_address=None, use_ray: bool = False,
              progress: bool = False, verbose: bool = False, max_runs: int | None = None) -> dict:
    """Run every run of ``spec`` not yet done in ``store``; returns the store's status counts after.

    ``workers``: runs at once (1: in this process; more: a process pool, or Ray tasks with ``use_ray``).
    ``max_runs``: stop after starting this many (tests use it; a resumed sweep finishes the rest)."""
    store.add_spec(spec)
    left = store.status(spec.hash)["counts"]["left"]
    owner = owner_id()
    started, tried = 0, set()          # a run that fails is retried by the next sweep, not by this one
    with Progress(f"sweep {spec.name}", total=left, enabled=progress, unit="run") as bar:
        def record(p, outcome):
            kind, res = outcome
            if kind == "ok":
                store.finish(p["key"], res)
                last = res["checkpoints"][-1]
                cert = res.get("certified") or {}
                msg = f"linf {last['linf']:.3g}" + (f", certified/sampled {cert['ratio']:.3f}" if cert.get("ratio")
                                                    else "")
            else:
                store.fail(p["key"], res)
                msg = f"FAILED {res[:80]}"
            bar.update()
            bar.note(msg)
            if verbose:
                sys.stderr.write(f"run {p['key']} d={p['d']} teacher={p['teacher_seed']} m={p['m']} "
                                 f"width={p['width']} {p['batch']['label']} seed={p['seed']}: {msg}\n")

        def next_run():
            nonlocal started
            if max_runs is not None and started >= max_runs:
                return None
            p = store.claim(spec.hash, owner, skip=tried)
            if p is not None:
                started += 1
                tried.add(p["key"])
            return p

        if use_ray:
            _ray_loop(next_run, record, workers, ray_address, store)
        elif workers <= 1:
            while (p := next_run()) is not None:
                try:
                    outcome = _safe_run(p)
                except BaseException:
                    store.release(p["key"])
                    raise
                record(p, outcome)
        else:
            _pool_loop(next_run, record, workers, store)
    return store.status(spec.hash)["counts"]


def _pool_loop(next_run, record, workers, store):
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        busy = {}
        try:
            while True:
                while len(busy) < workers and (p := next_run()) is not None:
                    busy[pool.submit(_safe_run, p)] = p
                if not busy:
                    break
                done, _ = wait(busy, return_when=FIRST_COMPLETED)
                for f in done:
                    p = busy.pop(f)
                    try:
                        outcome = f.result()
                    except Exception as e:   # the worker process died
                        outcome = ("error", f"worker died: {e.__class__.__name__}: {e}")
                    record(p, outcome)
        except BaseException:
            for p in busy.values():
                store.release(p["key"])
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _ray_loop(next_run, record, workers, address, store):
    try:
        import ray
    except ImportError:
        raise InputError("--ray needs Ray: pip install 'exactrelu[dist]'") from None
    started_here = not ray.is_initialized()
    if started_here:
        kw = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
        if address:
            ray.init(address=address, **kw)
        else:
            ray.init(num_cpus=max(1, workers), **kw)
    task = ray.remote(num_cpus=1, max_retries=0)(_safe_run)
    busy = {}
    try:
        while True:
            while len(busy) < max(1, workers) and (p := next_run()) is not None:
                busy[task.remote(p)] = p
            if not busy:
                break
            done, _ = ray.wait(list(busy), num_returns=1)
            for ref in done:
                p = busy.pop(ref)
                try:
                    outcome = ray.get(ref)
                except Exception as e:  # the task or its worker failed
                    outcome = ("error", f"ray task failed: {e.__class__.__name__}: {str(e)[:300]}")
                record(p, outcome)
    except BaseException:
        for p in busy.values():
            store.release(p["key"])
        raise
    finally:
        if started_here:
            ray.shutdown()
