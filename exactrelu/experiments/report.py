"""exactrelu sweep report: the paper's aggregation of a sweep store, as tables and a figure.

The aggregation is the reference code's (juliusberner/theory2practice, analysis.py; docs/derivations.md §11).  An *algorithm* is a
student depth and width, the learning-rate schedule (Adam, lr -> lr_final), the batch rule and the
number of epochs.  For each input dimension d, sample size m and metric:

* min-max rate = min over algorithms of (max over teachers of (mean over training seeds));
* min-avg rate = min over algorithms of (mean over teachers of (mean over training seeds)).

Two readings of "algorithm": ``last`` takes each run's last checkpoint (the honest one); ``reference``
lets the minimum also range over the checkpoints, i.e. picks the number of epochs by test error, as the
reference code does (its algorithm name ends in ``_it{iteration}``).

Metrics: L1, L2 and L-infinity from the sampled test points, and the certified L-infinity: the stored
certified sup of |student - teacher| (its lower end; the upper end is aggregated beside it, so the
aggregate of the true sups lies in [aggregate of lower ends, aggregate of upper ends]).  Only last
checkpoints are certified, so the certified metric exists in the ``last`` reading only.

Every mean, max and min is taken exactly on the stored numbers (a float64 is a rational), so the result
does not depend on the order of the runs; floats are printed.  Missing values propagate, as the
reference code's ``skipna=False``: a run that is not done (or a metric that is not finite, or a sup
with no interval) makes its teacher's mean unknown, which makes the max and the mean over teachers
unknown, which makes the minimum over algorithms unknown; the tables say how many runs are missing.

Runs that differ in anything else (the teacher's architecture, the domain, the test points, ...) are
reported as separate experiments.  Outputs, in the output folder, each written atomically:
``report.md``, ``report.json``, and unless ``--no-figures`` ``figure.png`` and ``figure.pdf``.
"""
from __future__ import annotations

import json
import math
import sqlite3
from fractions import Fraction
from pathlib import Path

from ..errors import InputError
from ..io import write_atomic
from ..numbers import fmt
from .spec import DOMAINS

__all__ = ["report", "load", "build", "markdown", "figure", "algorithm", "METRICS", "READINGS"]

METRICS = ("l1", "l2", "linf", "linf_cert")
LABELS = {"l1": "L1", "l2": "L2", "linf": "L∞ sampled", "linf_cert": "L∞ certified"}
P_OF = {"l1": 1, "l2": 2, "linf": math.inf, "linf_cert": math.inf}
READINGS = ("last", "reference")
RATES = ("minmax", "minavg")
#: the parameters that make up an algorithm; m, teacher_seed and seed index the cells; the rest is the experiment
ALGO_KEYS = ("depth", "width", "standardize", "lr", "lr_final", "batch")
INDEX_KEYS = ("m", "teacher_seed", "seed", "key")
TABLES = ("specs", "runs", "spec_runs", "checkpoints", "certified")
MAX_RUN_ROWS = 100      # the Markdown lists every run's certified interval up to this many runs


# -- reading the store ----------------------------------------------------------------------------

def load(path, spec: str | None = None) -> tuple[list[dict], dict]:
    """Every run of the store (or of the specs named ``spec``): ``{"params", "status", "checkpoints",
    "certified"}`` (the last two empty unless done), and what was read (``store``, ``specs``)."""
    from .store import Store
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{path}: no such store")
    try:
        with open(p, "rb") as f:
            head = f.read(16)
    except OSError as e:
        raise InputError(f"{path}: cannot read the store ({e.__class__.__name__}: {e})") from None
    if head != b"SQLite format 3\x00":
        raise InputError(f"{path}: not a sweep store (not an SQLite file)")
    try:   # look before Store() would add its tables to someone else's database
        ro = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
        try:
            have = {r[0] for r in ro.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            ro.close()
    except sqlite3.DatabaseError as e:
        raise InputError(f"{path}: not a sweep store ({e})") from None
    if not set(TABLES) <= have:
        raise InputError(f"{path}: not a sweep store (no table {sorted(set(TABLES) - have)[0]!r})")
    store = Store(p, create=False)
    try:
        specs = store.specs()
        if not specs:
            raise InputError(f"{path}: empty store (no sweep has been run into it)")
        if spec is not None:
            specs = [s for s in specs if s["name"] == spec]
            if not specs:
                names = sorted({s["name"] for s in store.specs()})
                raise InputError(f"--spec: no spec named {spec!r} in {path} (it has: {', '.join(names)})")
        hashes = [s["hash"] for s in specs]
        marks = ", ".join("?" * len(hashes))
        allruns = store.db.execute(
            f"SELECT DISTINCT r.key, r.params, r.status FROM runs r JOIN spec_runs s ON s.key = r.key "
            f"WHERE s.spec_hash IN ({marks}) ORDER BY r.rowid", hashes).fetchall()
        done = {}
        for h in hashes:
            for row in store.rows(h):
                done[row["key"]] = row
    finally:
        store.close()
    runs = []
    for key, params, status in allruns:
        row = done.get(key)
        runs.append({"params": json.loads(params), "status": "done" if row else status,
                     "checkpoints": row["checkpoints"] if row else [],
                     "certified": row["certified"] if row else None})
    return runs, {"store": str(path), "specs": sorted({s["name"] for s in specs})}


# -- the aggregation -------------------------------------------------------------------------------

def _q(x):
    """A stored number as an exact rational; None for missing or not finite."""
    if x is None:
        return None
    if isinstance(x, str):
        return Fraction(x)
    return Fraction(x) if math.isfinite(x) else None


def _mean(vals):
    return None if any(v is None for v in vals) else sum(vals, Fraction(0)) / len(vals)


def _max(vals):
    return None if any(v is None for v in vals) else max(vals)


def algorithm(p: dict, iteration: int | None = None) -> str:
    """An algorithm's name, e.g. ``3x8 Adam 0.01->0.0001 bs1/5m x20`` (``reference`` reading: `` it1/2``);
    it spells out every parameter of :data:`ALGO_KEYS` (the rates as their shortest round-trip text), so
    two algorithms never share a name."""
    b = p["batch"]
    name = f"{p['depth']}x{p['width']} Adam {p['lr']!r}->{p['lr_final']!r} {b['label']} x{b['epochs']}"
    if not p["standardize"]:
        name += " raw-input"
    if iteration is not None:
        name += f" it{iteration}/{p['checkpoints']}"
    return name


def _experiment(p: dict) -> str:
    return json.dumps({k: v for k, v in p.items() if k not in ALGO_KEYS + INDEX_KEYS}, sort_keys=True)


def _values(run: dict, reading: str) -> list[tuple[str, dict]]:
    """(algorithm, {metric: value}) of one run under a reading (several for ``reference``)."""
    p, K = run["params"], run["params"]["checkpoints"]
    cps = {c["iteration"]: c for c in run["checkpoints"]} if run["status"] == "done" else {}
    out = []
    for it in ((K,) if reading == "last" else range(1, K + 1)):
        c = cps.get(it) or {}
        v = {m: _q(c.get(m)) for m in ("l1", "l2", "linf")}
        if reading == "last":
            cert = run["certified"] if run["status"] == "done" else None
            ok = cert is not None and cert["iteration"] == it and cert["lower"] is not None
            v["linf_cert"] = _q(cert["lower"]) if ok else None
            v["linf_cert_upper"] = _q(cert["upper"]) if ok else None
        out.append((algorithm(p, None if reading == "last" else it), v))
    return out


def _cells(runs, reading):
    """{experiment: {m: {metric: {algorithm: {teacher: [value per seed]}}}}} and the missing runs per cell."""
    cells, missing = {}, {}
    for run in runs:
        p = run["params"]
        e = _experiment(p)
        for algo, vals in _values(run, reading):
            for metric, v in vals.items():
                (cells.setdefault(e, {}).setdefault(p["m"], {}).setdefault(metric, {}).setdefault(algo, {})
                 .setdefault(p["teacher_seed"], []).append(v))
                if v is None and not metric.endswith("_upper"):
                    missing.setdefault((e, p["m"], metric), set()).add(p["key"])
    return cells, missing


def _rate(per_algo: dict, inner) -> tuple:
    """(min over algorithms of inner(teacher means), its arg-min): None if any algorithm's is None."""
    best, arg = None, None
    vals = {}
    for algo in sorted(per_algo):
        vals[algo] = inner([_mean(seeds) for _, seeds in sorted(per_algo[algo].items())])
    if any(v is None for v in vals.values()):
        return None, None
    for algo, v in vals.items():
        if best is None or v < best:
            best, arg = v, algo
    return best, arg


def _num(x):
    return None if x is None else {"value": float(x), "exact": fmt(x)}


def build(runs: list[dict], meta: dict | None = None) -> dict:
    """The report as a JSON-able dict: ``experiments``, each with ``rates`` (per m, metric, reading),
    ``fits`` and ``certified`` (per run and the distribution of certified/sampled ratios)."""
    meta = dict(meta or {})
    status = {}
    for r in runs:
        status[r["status"]] = status.get(r["status"], 0) + 1
    exps = {}
    for r in runs:
        exps.setdefault(_experiment(r["params"]), []).append(r)
    out = []
    for e, eruns in sorted(exps.items(), key=lambda kv: (kv[1][0]["params"]["d"], kv[0])):
        out.append(_experiment_report(e, eruns))
    labels = [x["label"] for x in out]
    for x in out:
        if labels.count(x["label"]) > 1:
            x["label"] += f" [{x['id']}]"
    return {"format": "exactrelu.sweep_report", "version": 1, **meta, "runs": status,
            "readings": {"last": "each run's last checkpoint (the honest reading)",
                         "reference": "the minimum also ranges over the checkpoints (the reference code's: "
                                      "the number of epochs is picked by test error)"},
            "experiments": out}


def _experiment_report(e: str, runs: list[dict]) -> dict:
    import hashlib
    p0 = runs[0]["params"]
    d = p0["d"]
    certified = any(r["params"]["certify"]["which"] == "last" for r in runs)
    rates = []
    for reading in READINGS:
        cells, missing = _cells(runs, reading)
        for m in sorted(cells[e]):
            for metric in METRICS:
                if metric == "linf_cert" and (reading != "last" or not certified):
                    continue
                per_algo = cells[e][m][metric]
                row = {"m": m, "metric": metric, "reading": reading,
                       "algorithms": len(per_algo), "teachers": len(next(iter(per_algo.values()))),
                       "missing": len(missing.get((e, m, metric), ()))}
                for rate, inner in (("minmax", _max), ("minavg", _mean)):
                    v, arg = _rate(per_algo, inner)
                    row[rate], row[rate + "_algorithm"] = _num(v), arg
                    if metric == "linf_cert":
                        up, arg_up = _rate(cells[e][m]["linf_cert_upper"], inner)
                        row[rate + "_upper"], row[rate + "_upper_algorithm"] = _num(up), arg_up
                rates.append(row)
    seeds = sorted({r["params"]["seed"] for r in runs})
    teachers = sorted({r["params"]["teacher_seed"] for r in runs})
    lo, hi = DOMAINS[p0["domain"]]
    label = (f"d = {d}, domain [{lo}, {hi}]^{d}, teacher {p0['teacher_depth']}x{p0['teacher_width']}, "
             f"{p0['test_points']} test points, {_n(p0['checkpoints'], 'checkpoint')}, {_n(len(teachers), 'teacher')}, "
             f"{_n(len(seeds), 'training seed')}")
    return {"id": hashlib.sha256(e.encode()).hexdigest()[:8], "label": label, "d": d,
            "experiment": json.loads(e), "teachers": teachers, "seeds": seeds,
            "algorithms": sorted({algorithm(r["params"]) for r in runs}),
            "rates": rates, "fits": _fits(rates, d), "certified": _certified(runs) if certified else None}


def _n(k, noun):
    return f"{k} {noun}" + ("" if k == 1 else "s")


def _fits(rates, d) -> list[dict]:
    """Least-squares power laws y = a m^b (np.polyfit on logs) per curve; the theory exponent -(1/p + 1/d)."""
    import numpy as np
    out = []
    for reading in READINGS:
        for metric in METRICS:
            for rate in RATES:
                pts = [(r["m"], r[rate]["value"]) for r in rates
                       if r["reading"] == reading and r["metric"] == metric and r[rate] is not None
                       and r[rate]["value"] > 0]
                if not any(r["reading"] == reading and r["metric"] == metric for r in rates):
                    continue
                fit = {"reading": reading, "metric": metric, "rate": rate, "points": len(pts), "a": None,
                       "b": None, "theory_b": -(1 / P_OF[metric] + 1 / d)}
                if len({m for m, _ in pts}) >= 2:
                    b, log_a = np.polyfit(np.log([m for m, _ in pts]), np.log([y for _, y in pts]), 1)
                    fit.update(a=float(np.exp(log_a)), b=float(b))
                out.append(fit)
    return out


def _median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def _dist(ratios) -> dict:
    if not ratios:
        return {"runs": 0, "min": None, "median": None, "max": None}
    return {"runs": len(ratios), "min": float(min(ratios)), "median": float(_median(ratios)),
            "max": float(max(ratios))}


def _certified(runs) -> dict:
    """Per certified run: sampled L-inf, the certified [lower, upper], ratios; and their distribution."""
    rows, per_m = [], {}
    for r in runs:
        p = r["params"]
        if r["status"] != "done" or p["certify"]["which"] != "last" or r["certified"] is None:
            continue
        c = r["certified"]
        last = next((x for x in r["checkpoints"] if x["iteration"] == c["iteration"]), None)
        s = _q(last["linf"]) if last else None
        lo, up = _q(c["lower"]), _q(c["upper"])
        ratio = lo / s if lo is not None and s else None
        rows.append({"key": p["key"], "m": p["m"], "teacher": p["teacher_seed"], "seed": p["seed"],
                     "algorithm": algorithm(p), "sampled": None if s is None else float(s),
                     "lower": _num(lo), "upper": _num(up), "exact": bool(c["exact"]),
                     "ratio": None if ratio is None else float(ratio),
                     "ratio_upper": float(up / s) if up is not None and s else None, "reason": c["reason"]})
        if ratio is not None:
            per_m.setdefault(p["m"], []).append(ratio)
    everything = [x for v in per_m.values() for x in v]
    return {"runs": rows, "no_interval": sum(1 for x in rows if x["lower"] is None),
            "ratio": {"all": _dist(everything), "per_m": {str(m): _dist(v) for m, v in sorted(per_m.items())}}}


# -- Markdown --------------------------------------------------------------------------------------

def _g(x, digits=4) -> str:
    return "n/a" if x is None else f"{x:.{digits}g}"


def _cell(num) -> str:
    return "n/a" if num is None else f"{num['value']:.4g}"


def markdown(doc: dict) -> str:
    runs = doc["runs"]
    total = sum(runs.values())
    lines = [f"# Sweep report: {doc.get('store', '')}", "",
             f"Specs: {', '.join(doc.get('specs', [])) or 'n/a'}. Runs: {runs.get('done', 0)} done of {total}"
             + "".join(f", {n} {s}" for s, n in sorted(runs.items()) if s != "done") + ".", "",
             "min-max = min over algorithms of (max over teachers of the mean over seeds); min-avg = min over "
             "algorithms of (mean over teachers of the mean over seeds); computed exactly on the stored numbers. "
             "An algorithm is (student depth x width, Adam lr schedule, batch rule, epochs). Reading `last`: "
             f"{doc['readings']['last']}; reading `reference`: {doc['readings']['reference']}. "
             "n/a: a run of the cell is missing (not done, a metric not finite, or a sup without an interval); "
             "missing values propagate, as in the reference code (skipna=False). L∞ sampled is a maximum over "
             "random test points (a lower estimate); L∞ certified is the certified sup's lower end, its upper "
             "end aggregated beside it.", ""]
    for x in doc["experiments"]:
        lines += [f"## {x['label']}", "", f"Algorithms: {'; '.join(x['algorithms'])}.", ""]
        for reading in READINGS:
            rows = [r for r in x["rates"] if r["reading"] == reading]
            lines += [f"### Rates, reading `{reading}`", "",
                      "| m | metric | min-max | arg-min (min-max) | min-avg | arg-min (min-avg) | missing runs |",
                      "|---:|---|---:|---|---:|---|---:|"]
            for r in rows:
                mm, ma = _cell(r["minmax"]), _cell(r["minavg"])
                if r["metric"] == "linf_cert":
                    mm += f" (upper {_cell(r['minmax_upper'])})"
                    ma += f" (upper {_cell(r['minavg_upper'])})"
                lines.append(f"| {r['m']} | {LABELS[r['metric']]} | {mm} | {r['minmax_algorithm'] or 'n/a'} | {ma} "
                             f"| {r['minavg_algorithm'] or 'n/a'} | {r['missing']} |")
            lines.append("")
        lines += ["### Power-law fits y = a m^b (least squares on logs)", "",
                  "| reading | metric | rate | a | b | points | theory exponent −(1/p+1/d) |",
                  "|---|---|---|---:|---:|---:|---:|"]
        for f in x["fits"]:
            lines.append(f"| {f['reading']} | {LABELS[f['metric']]} | {f['rate']} | {_g(f['a'])} | {_g(f['b'])} | "
                         f"{f['points']} | {f['theory_b']:.4g} |")
        lines.append("")
        c = x["certified"]
        if c is None:
            lines += ["No run of this experiment was certified (certify.which = \"none\").", ""]
            continue
        lines += ["### Certified vs sampled L∞ (last checkpoint)", "",
                  "ratio = certified lower end / sampled maximum (>= 1 up to float rounding: sampling "
                  "under-estimates the uniform error by this factor)" + (
                      f"; {c['no_interval']} runs got no interval within the time budget" if c["no_interval"] else ""),
                  "", "| m | runs | min ratio | median | max |", "|---:|---:|---:|---:|---:|"]
        for m, dist in list(c["ratio"]["per_m"].items()) + [("all", c["ratio"]["all"])]:
            lines.append(f"| {m} | {dist['runs']} | {_g(dist['min'], 6)} | {_g(dist['median'], 6)} | "
                         f"{_g(dist['max'], 6)} |")
        lines.append("")
        rows = c["runs"]
        if len(rows) > MAX_RUN_ROWS:
            rows = sorted(rows, key=lambda r: -(r["ratio"] or math.inf))[:MAX_RUN_ROWS]
            lines += [f"The {MAX_RUN_ROWS} runs with the largest ratios (all {len(c['runs'])} in report.json):", ""]
        lines += ["| m | teacher | seed | algorithm | sampled | certified [lower, upper] | ratio |",
                  "|---:|---:|---:|---|---:|---|---:|"]
        for r in rows:
            cert = ("no interval: " + (r["reason"] or "") if r["lower"] is None else
                    f"{_cell(r['lower'])} (exact)" if r["exact"] else f"[{_cell(r['lower'])}, {_cell(r['upper'])}]")
            lines.append(f"| {r['m']} | {r['teacher']} | {r['seed']} | {r['algorithm']} | {_g(r['sampled'])} | "
                         f"{cert} | {_g(r['ratio'], 6)} |")
        lines.append("")
    return "\n".join(lines)


# -- the figure ------------------------------------------------------------------------------------

COLORS = {"l1": "tab:blue", "l2": "tab:orange", "linf": "tab:green", "linf_cert": "tab:red"}


def _rates_panel(ax, x, reading):
    import matplotlib
    import matplotlib.ticker  # noqa: F401
    import numpy as np
    ms = sorted({r["m"] for r in x["rates"]})
    fits = {(f["metric"], f["rate"]): f for f in x["fits"] if f["reading"] == reading}
    for metric in METRICS:
        rows = [r for r in x["rates"] if r["reading"] == reading and r["metric"] == metric]
        if not rows:
            continue
        for rate, style in (("minmax", "-"), ("minavg", ":")):
            pts = [(r["m"], r[rate]["value"]) for r in rows if r[rate] is not None]
            if not pts:
                continue
            f = fits.get((metric, rate))
            fit = f" ≈ {f['a']:.3g}·m^{f['b']:.2f}" if f and f["a"] is not None else ""
            cert = metric == "linf_cert"
            ax.plot(*zip(*pts), style, marker="x" if cert else "o" if rate == "minmax" else ".",
                    color=COLORS[metric], lw=1.2 if cert else 2.2, ms=7 if cert else 5,
                    label=f"{LABELS[metric]} {'min-max' if rate == 'minmax' else 'min-avg'}{fit}")
            if f and f["a"] is not None:
                mm = np.array([min(ms), max(ms)], dtype=float)
                ax.plot(mm, f["a"] * mm ** f["b"], "-", color=COLORS[metric], lw=0.8, alpha=0.45)
    mm = np.geomspace(min(ms), max(ms), 20)
    for p, txt in ((1, "1"), (2, "2"), (math.inf, "∞")):
        e = 1 / p + 1 / x["d"]
        ax.plot(mm, (1 / mm) ** e, "-.", color="0.45", lw=1)
        ax.annotate(f"theory (1/m)^(1/p+1/d), p = {txt}", (mm[-1], (1 / mm[-1]) ** e), fontsize=7, color="0.35",
                    ha="right", va="bottom")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(ms, [str(m) for m in ms], minor=False)
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xlabel("m (samples)")
    ax.set_ylabel("error")
    ax.set_title(f"{'last checkpoint' if reading == 'last' else 'best checkpoint (reference code)'}, d = {x['d']}",
                 fontsize=10)
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=7, loc="best")


def _certified_panel(ax, x):
    """Per run: the sampled L-inf (x) and certified / sampled (y), a bar up to the upper end's ratio."""
    import matplotlib
    import matplotlib.ticker  # noqa: F401
    c = x["certified"]
    rows = [r for r in (c["runs"] if c else []) if r["ratio"] is not None]
    if not rows:
        ax.text(0.5, 0.5, "no certified runs", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    ms = sorted({r["m"] for r in rows})
    cmap = matplotlib.colormaps["viridis"]
    for i, m in enumerate(ms):
        sel = [r for r in rows if r["m"] == m]
        lo = [r["ratio"] for r in sel]
        bar = [r["ratio_upper"] - r["ratio"] for r in sel]
        ax.errorbar([r["sampled"] for r in sel], lo, yerr=[[0] * len(sel), bar], fmt="o", ms=4, alpha=0.8,
                    color=cmap(i / max(1, len(ms) - 1)), elinewidth=1, label=f"m = {m}")
    ax.axhline(1, ls="--", color="0.3", lw=1, label="certified = sampled")
    ax.set_xscale("log")
    ax.set_xlabel("sampled L∞ (max over the test points)")
    ax.set_ylabel("certified L∞ / sampled L∞ (bar: upper end)")
    dist = c["ratio"]["all"]
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_title(f"certified / sampled L∞ per run (last checkpoint), d = {x['d']}\nmin {dist['min']:.5g}, "
                 f"median {dist['median']:.5g}, max {dist['max']:.5g} over {dist['runs']} runs"
                 + (f"; {c['no_interval']} without an interval" if c["no_interval"] else ""), fontsize=10)
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=7, loc="center right")


def figure(doc: dict, folder: Path) -> list[Path]:
    """figure.png and figure.pdf in ``folder`` (one row per experiment: the two readings' rates and the
    certified-vs-sampled panel), each written atomically."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    exps = doc["experiments"]
    fig = plt.figure(figsize=(18, 5.8 * len(exps)), layout="constrained")
    try:
        for sub, x in zip(fig.subfigures(len(exps), 1, squeeze=False)[:, 0], exps):
            sub.suptitle(x["label"], fontsize=11, fontweight="bold")
            row = sub.subplots(1, 3)
            _rates_panel(row[0], x, "last")
            _rates_panel(row[1], x, "reference")
            _certified_panel(row[2], x)
        out = []
        for ext, kw in (("png", {"dpi": 110}), ("pdf", {})):
            path = Path(folder) / f"figure.{ext}"
            write_atomic(path, lambda f, ext=ext, kw=kw: fig.savefig(f, format=ext, **kw))
            out.append(path)
        return out
    finally:
        plt.close(fig)


# -- the verb --------------------------------------------------------------------------------------

def _folder(store, output) -> Path:
    if output is not None:
        out = Path(output)
        if not out.is_dir():
            raise InputError(f"-o: {output} is not an existing folder")
        return out
    out = Path(store).with_name(Path(store).stem + "-report")
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: the default output folder is a file; give -o")
    out.mkdir(exist_ok=True)
    return out


def report(args) -> int:
    """``exactrelu sweep report STORE [-o DIR] [--spec NAME] [--no-figures] [--json]``."""
    runs, meta = load(args.store, args.spec)
    if not any(r["status"] == "done" for r in runs):
        raise InputError(f"{args.store}: no finished runs yet" + (f" of spec {args.spec!r}" if args.spec else ""))
    if not args.no_figures:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise InputError("figures need matplotlib: pip install 'exactrelu[plot]' (or give --no-figures)") from None
    doc = build(runs, meta)
    folder = _folder(args.store, args.output)
    write_atomic(folder / "report.json", json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    write_atomic(folder / "report.md", markdown(doc))
    written = [folder / "report.md", folder / "report.json"]
    if not args.no_figures:
        written += figure(doc, folder)
    if args.json:
        print(json.dumps(doc, ensure_ascii=False))
    else:
        print(f"report of {sum(doc['runs'].values())} runs ({doc['runs'].get('done', 0)} done): "
              + ", ".join(str(p) for p in written))
    return 0
