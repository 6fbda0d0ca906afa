"""Bump construction phi_y (slides [S]; the exact network is an [R] reconstruction, docs/derivations.md §2-3).

For every instance (d, L, c, M, y, variant) the network phi_y = bump_net(...) is checked exactly:

* bump.params          phi_y in N(d, L, 3d, c, inf): depth L, widths 3d, every |weight|, |bias| <= c.
* bump.bias_condition  the clipped variant is in the class iff M >= c(d-1)/2 (class membership computed),
                       bump_net refuses it otherwise, naming the condition; the one-sided variant always is.
* bump.support         sup |phi_y| == 0 on [0,1]^d minus the open cube y + (-1/M, 1/M)^d (cut into 2d
                       boxes: the slabs, made disjoint), by kernel-replayed sup certificates.
* bump.shape           phi_y == peak * ReLU(1 - M||x - y||_1) on all of [0,1]^d: sup |phi_y - ref| == 0 on the
                       cube (certificate), and off the cube both vanish (bump.support's certificates, plus
                       sup |ref| == 0 there).  ref is an independent depth-3 net (|t| = relu(t) + relu(-t)).
* bump.peak            sup phi_y over [0,1]^d == c^L (3d)^(L-2)/(2M), the slides' formula, attained at y
                       (certificate on the cube with witness y; zero off the cube by bump.support).
* bump.lp_norm         (2/M)^d p!/(p+d)! == exact symbolic integral of f_y^p (sympy, d <= 3, p = 1..3).

The certificates come from ``exactrelu.analysis.sup.sup`` and are replayed by ``exactrelu.kernel``; for
d <= 2, L <= 4 one more certificate covers |phi_y - ref| on all of [0,1]^d at once.  Hooks (for tests):
``build`` (a broken construction), ``peak_formula``, ``lp_formula``, ``bias_formula``, ``instances``.
"""
from __future__ import annotations

import sys
import time
from fractions import Fraction as F
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exactrelu import NetClass, kernel  # noqa: E402
from exactrelu.analysis.sup import sup  # noqa: E402
from exactrelu.constructions import bumps as Bm  # noqa: E402
from exactrelu.errors import InputError  # noqa: E402
from exactrelu.numbers import fmt  # noqa: E402
from exactrelu.proofkit import run_script  # noqa: E402

SRC = "slides [S]; network [R] reconstruction (docs/derivations.md §2)"


def _centres(d: int, M: int) -> dict:
    """Corner (1/M, ..., 1/M), interior (middle grid centre) and, for d >= 2, mixed grid centres."""
    g = Bm.grid_centres(M)
    out = {"corner": (g[0],) * d, "interior": (g[(len(g) - 1) // 2],) * d}
    if d >= 2:
        out["mixed"] = tuple(g[(i * (len(g) - 1)) // (d - 1)] for i in range(d))
    return out


def instances(quick: bool) -> list:
    """(d, L, c, M, y, variant, label): every d in 1..4 with its L values, both variants and every centre
    kind; c and M cycle through their values (clipped instances take the next M meeting its bias
    condition; bump.bias_condition covers the others).  Always includes d = 4, L = 8."""
    if quick:
        plan = [(1, (3, 8), (F(1, 2), F(2)), (2, 8)), (2, (3, 5), (F(1), F(2)), (4, 8)),
                (3, (4,), (F(2),), (8,))]
        d4 = [(4, 8, F(2), 8, "corner", "one-sided")]
    else:
        plan = [(1, (3, 4, 8), (F(1, 2), F(1), F(2)), (2, 4, 8)), (2, (3, 4, 6, 8), (F(1, 2), F(1), F(2)), (4, 8)),
                (3, (3, 8), (F(1, 2), F(2)), (4, 8))]
        d4 = [(4, 3, F(2), 8, "corner", "clipped"), (4, 3, F(1, 2), 4, "mixed", "one-sided"),
              (4, 8, F(2), 8, "interior", "clipped"), (4, 8, F(1), 8, "corner", "one-sided")]
    out, k = [], 0
    for d, Ls, cs, Ms in plan:
        for L in Ls:
            for variant in Bm.VARIANTS:
                for name in _centres(d, 8):
                    c = cs[k % len(cs)]
                    ok = [M for M in Ms if variant == "one-sided" or Bm.bias_condition_holds(d, c, M)]
                    M = ok[k % len(ok)]
                    out.append((d, L, c, M, _centres(d, M)[name], variant, name))
                    k += 1
    for d, L, c, M, name, variant in d4:
        out.append((d, L, c, M, _centres(d, M)[name], variant, name))
    return out


def _describe(todo) -> str:
    """The instance set of ``todo`` for Claim.over: per d, the values of L, c, M, centre and variant."""
    by = {}
    for d, L, c, M, _, variant, name in todo:
        for k, v in zip("LcMyv", (L, c, M, name, variant)):
            by.setdefault(d, {}).setdefault(k, set()).add(v)
    def vals(xs):
        return "{" + ", ".join(fmt(x) if isinstance(x, F) else str(x) for x in sorted(xs)) + "}"
    return f"{len(todo)} instances, values taken per d (not all combinations): " + "; ".join(
        f"d={d}: L in {vals(g['L'])}, c in {vals(g['c'])}, M in {vals(g['M'])}, y in {vals(g['y'])}, "
        f"variants {vals(g['v'])}" for d, g in sorted(by.items()))


def _label(t) -> str:
    d, L, c, M, y, variant, name = t
    return f"d={d} L={L} c={fmt(c)} M={M} {name} {variant}"


def off_cube_boxes(y, M):
    """[0,1]^d minus the open cube y + (-1/M, 1/M)^d as 2d closed boxes (slab i, side lo/hi; axes
    before i restricted to the cube, so the slabs do not overlap)."""
    d, r = len(y), F(1, M)
    out = []
    for i in range(d):
        for side in ("lo", "hi"):
            box = [(y[j] - r, y[j] + r) for j in range(i)]
            box.append((F(0), y[i] - r) if side == "lo" else (y[i] + r, F(1)))
            box += [(F(0), F(1))] * (d - i - 1)
            out.append((f"slab {i} {side}", box))
    return out


def _replay(nets, cert):
    return kernel.replay(nets if len(nets) > 1 else nets[0], cert, expect=("sup", "sup_interval"))


def _sup_zero(cl, nets, box, what):
    """Certify and replay sup |f - g| (or |f|) over box; check it is exactly 0."""
    r = sup(*nets, box=box, sign="abs")
    chk = r.checked or _replay(nets, r.certificate)   # sup() has replayed it already, or the kernel does now
    return cl.check(chk.kind == "sup" and r.exact and r.value == 0, f"{what}: sup in [{r.lower}, {r.upper}]")


def checks(report, quick=False, **hooks):
    """Parameters, bias condition, support, shape, peak and L^p norms of the bump phi_y."""
    build = hooks.get("build", Bm.bump_net)
    peak_formula = hooks.get("peak_formula", Bm.bump_peak)
    lp_formula = hooks.get("lp_formula", Bm.lp_norm_power)
    bias_formula = hooks.get("bias_formula", Bm.bias_condition_holds)
    todo = hooks.get("instances") or instances(quick)
    nets, times = {}, {}

    def net_of(t):
        if t not in nets:
            d, L, c, M, y, variant, _ = t
            nets[t] = build(d, L, c, M, y, variant)
        return nets[t]

    def timed(t, part, fn):  # CPU seconds (reproducible on a shared machine) and wall seconds
        c0, w0 = time.process_time(), time.perf_counter()
        try:
            return fn()
        finally:
            rec = times.setdefault(t, {})
            rec[part] = time.process_time() - c0
            rec["wall"] = rec.get("wall", 0) + time.perf_counter() - w0

    with report.claim("bump.params", SRC, "phi_y in N(d, L, 3d, c, inf): depth L, every hidden width 3d, "
                                          "every |weight| and |bias| <= c") as cl:
        cl.over(_describe(todo))
        for t in todo:
            d, L, c, M, y, variant, _ = t
            net = net_of(t)
            cls = NetClass(d, L, 3 * d, c, "inf")
            why = cls.why_not(net)
            cl.check(why is None, f"{_label(t)}: {why}")
            cl.check(net.widths == (3 * d,) * (L - 1), f"{_label(t)}: widths {net.widths}")
            bad = Bm.check_params(net, c)
            cl.check(not bad, f"{_label(t)}: {bad[:2]}")

    with report.claim("bump.bias_condition", "[R] reconstruction (docs/derivations.md §2.4)",
                      "clipped phi_y in the class <=> M >= c(d-1)/2 (refused with the condition named "
                      "otherwise); one-sided always in the class") as cl:
        grid = [(d, c, M) for d in (1, 2, 3, 4, 5, 15) for c in (F(1, 2), F(1), F(2), F(7))
                for M in (2, 4, 6, 8, 14, 16)]
        if quick:
            grid = [g for g in grid if g[0] in (1, 3, 15) and g[2] in (2, 6, 14)]
        cl.over("L = 3, y = (1/M, ..., 1/M), both variants", d=sorted({g[0] for g in grid}),
                c=sorted({g[1] for g in grid}), M=sorted({g[2] for g in grid}))
        for d, c, M in grid:
            y = (F(1, M),) * d
            held = bias_formula(d, c, M)
            cls = NetClass(d, 3, 3 * d, c, "inf")
            loose = build(d, 3, c, M, y, "clipped", check=False)
            cl.check((loose in cls) == held, f"d={d} c={fmt(c)} M={M}: in class {loose in cls}, "
                                              f"condition says {held}")
            try:
                build(d, 3, c, M, y, "clipped")
                refused = None
            except InputError as e:
                refused = str(e)
            cl.check((refused is None) == held, f"d={d} c={fmt(c)} M={M}: refused={refused!r}, condition {held}")
            if refused is not None:
                cl.check("M >= c(d-1)/2" in refused, f"message does not name the condition: {refused}")
            one = build(d, 3, c, M, y, "one-sided")
            cl.check(one in cls, f"d={d} c={fmt(c)} M={M}: one-sided not in the class: {cls.why_not(one)}")

    support_ok = {}
    with report.claim("bump.support", SRC, "phi_y == 0 on [0,1]^d outside y + (-1/M, 1/M)^d "
                                           "(sup |phi_y| == 0 on the 2d slabs, kernel-replayed)") as cl:
        cl.over(_describe(todo))
        for t in todo:
            d, L, c, M, y, variant, _ = t
            net = net_of(t)

            def run():
                ok = True
                for name, box in off_cube_boxes(y, M):
                    ok &= _sup_zero(cl, (net,), box, f"{_label(t)} {name}")
                return ok
            support_ok[t] = timed(t, "support", run)

    with report.claim("bump.shape", SRC, "phi_y == c^L (3d)^(L-2)/(2M) * ReLU(1 - M||x-y||_1) on all of [0,1]^d "
                                         "(sup |phi_y - ref| == 0 on the cube; both zero off it)") as cl:
        cl.over(_describe(todo))
        for t in todo:
            d, L, c, M, y, variant, _ = t
            net, peak = net_of(t), peak_formula(d, L, c, M)
            ref = Bm.pyramid_net(d, M, y, peak)

            def run():
                cube = [(v - F(1, M), v + F(1, M)) for v in y]
                _sup_zero(cl, (net, ref), cube, f"{_label(t)} cube")
                for name, box in off_cube_boxes(y, M):
                    _sup_zero(cl, (ref,), box, f"{_label(t)} reference on {name}")
                cl.check(support_ok.get(t) is True, f"{_label(t)}: bump.support failed, shape off the cube unproven")
                if d <= 2 and L <= 4:  # the same identity by one certificate on the whole box
                    _sup_zero(cl, (net, ref), [(F(0), F(1))] * d, f"{_label(t)} [0,1]^d")
            timed(t, "shape", run)

    with report.claim("bump.peak", SRC, "max of phi_y over [0,1]^d == c^L (3d)^(L-2)/(2M), attained at y") as cl:
        cl.over(_describe(todo))
        for t in todo:
            d, L, c, M, y, variant, _ = t
            net, peak = net_of(t), peak_formula(d, L, c, M)

            def run():
                cube = [(v - F(1, M), v + F(1, M)) for v in y]
                r = sup(net, box=cube, sign="max")
                cert = r.certificate
                if r.exact and net(y)[0] == r.value:   # the same tree with y as the witness
                    cert = dict(cert, witness=[fmt(v) for v in y])
                chk = _replay((net,), cert)
                cl.check(chk.kind == "sup" and r.exact and r.value == peak,
                         f"{_label(t)}: max in [{fmt(r.lower)}, {fmt(r.upper)}], formula {fmt(peak)}")
                cl.check(tuple(F(v) for v in cert["witness"]) == tuple(y),
                         f"{_label(t)}: the maximum is not attained at y (witness {cert['witness']})")
                cl.check(net(y) == (peak,), f"{_label(t)}: phi_y(y) = {net(y)}")
                cl.check(support_ok.get(t) is True, f"{_label(t)}: bump.support failed, max off the cube unproven")
            timed(t, "peak", run)

    with report.claim("bump.lp_norm", "[R] reconstruction (docs/derivations.md §3)", "||f_y||_p^p == (2/M)^d p!/(p+d)! (exact symbolic "
                                                       "integration, d <= 3, p = 1..3)") as cl:
        cases = [(1, 2, (F(1, 2),)), (1, 8, (F(1, 8),)), (1, 8, (F(5, 8),)), (2, 8, (F(1, 8), F(5, 8))),
                 (2, 4, (F(1, 4), F(1, 4))), (3, 2, (F(1, 2),) * 3)]   # M = 2: the support fills [0,1]^d
        # quick: (1, 8, corner), (1, 8, interior), (2, 8, mixed); full: all, both variants for d <= 2
        if quick:
            cases = cases[1:4]
        cl.over("(d, M, y) in {" + ", ".join(f"({d}, {M}, ({', '.join(fmt(v) for v in y)}))" for d, M, y in cases)
                + "}", p=(1, 3) if quick else (1, 2, 3), variants="clipped" if quick else "both for d <= 2")
        for d, M, y in cases:
            for p in ((1, 3) if quick else (1, 2, 3)):
                for variant in Bm.VARIANTS[: 1 if quick or d == 3 else 2]:
                    got = Bm.lp_norm_power_sympy(d, M, y, p, variant)
                    want = lp_formula(d, M, p)
                    cl.check(got == want, f"d={d} M={M} p={p} {variant}: integral {fmt(got)} != formula {fmt(want)}")

    parts = ("support", "shape", "peak")
    for c in report.claims:
        if c.id in ("bump.support", "bump.shape", "bump.peak"):
            part = c.id.split(".")[1]
            worst = sorted(((v.get(part, 0), t) for t, v in times.items()), key=lambda p: p[0])[-3:]
            c.note("slowest (CPU s): " + "; ".join(f"{_label(t)} {s:.2f}" for s, t in reversed(worst)))
        if c.id == "bump.shape":
            for t, rec in times.items():
                if t[0] == 4 and t[1] == 8:
                    c.note(f"{_label(t)}: support+shape+peak {sum(rec.get(k, 0) for k in parts):.2f} CPU s, "
                           f"{rec['wall']:.2f} wall s")
    report.times = {_label(t): {k: round(v, 3) for k, v in rec.items()} for t, rec in times.items()}
    if hooks.get("print_times", True):
        print(f"{'instance (CPU seconds)':44} {'support':>8} {'shape':>8} {'peak':>8} {'total':>8} {'wall':>8}")
        for t, rec in times.items():
            print(f"{_label(t):44} " + " ".join(f"{rec.get(k, 0):7.2f}s" for k in parts)
                  + f" {sum(rec.get(k, 0) for k in parts):7.2f}s {rec['wall']:7.2f}s")


if __name__ == "__main__":
    raise SystemExit(run_script(checks))
