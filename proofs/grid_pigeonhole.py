"""Grid and pigeonhole step of the L-infinity lower bound (slides [S]; details [R] reconstruction,
docs/derivations.md §6).

M = 8 ceil(m^(1/d)) by integer roots; N = (M/2)^d bumps centred at {(2j-1)/M}^d; a point x
makes phi_y nonzero iff M ||x - y||_1 < 1; each point touches at most one bump, so any 2m
points leave at least N - 2m >= N/2 bumps untouched.  Hooks: ``M_fn`` (grid size, e.g. off by
one) and ``strict=False`` (closed instead of open l1 ball).
"""
from __future__ import annotations

import itertools
import random
import sys
from fractions import Fraction as F
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exactrelu.proofkit import run_script  # noqa: E402
from exactrelu.theory import grid as gr  # noqa: E402

SRC = "slides [S]; details [R] reconstruction (docs/derivations.md §6)"


def _ms(d: int, quick: bool) -> list:
    """m values: 1, small, perfect d-th powers and their neighbours, a rational, a large one."""
    ks = (2, 3, 5) if quick else (2, 3, 4, 5, 7, 10)
    ms = {1, 2, 3, 7, 10, 100}
    for k in ks:
        ms |= {k**d - 1, k**d, k**d + 1}
    ms.discard(0)
    out = sorted(ms) + [F(7, 2), F(1, 3)]
    if not quick:
        out.append(10**30 + 12345)
    return out


def _ms_text(quick: bool) -> str:
    ks = (2, 3, 5) if quick else (2, 3, 4, 5, 7, 10)
    return ("m in {1, 2, 3, 7, 10, 100, 7/2, 1/3" + ("" if quick else ", 10^30 + 12345")
            + "} and k^d - 1, k^d, k^d + 1 for k in {" + ", ".join(map(str, ks)) + "}")


def checks(report, quick=False, **hooks):
    """Grid size, centres, bump count, one bump per point, pigeonhole."""
    M_fn = hooks.get("M_fn", gr.grid_M)
    strict = hooks.get("strict", True)
    ds = (1, 2, 3, 5) if quick else (1, 2, 3, 4, 5, 7, 10, 15)

    with report.claim("grid.M", SRC + ", §10.5",
                      "M = 8 ceil(m^(1/d)) by integer roots: 8 | M, (M/8-1)^d < m <= (M/8)^d") as cl:
        cl.over(_ms_text(quick), d=ds)
        for d in ds:
            for m in _ms(d, quick):
                M = M_fn(m, d)
                k = F(M, 8)
                cl.check(M % 8 == 0 and k.denominator == 1 and (k - 1) ** d < m <= k**d, f"d={d} m={m}: M={M}")

    with report.claim("grid.centres", SRC,
                      "centres (2j-1)/M: N of them, supports y+[-1/M,1/M]^d inside [0,1]^d, pairwise disjoint") as cl:
        dms = ((1, 1), (1, 5), (2, 1), (2, 5), (3, 1)) if quick else \
            ((1, 1), (1, 5), (1, 17), (2, 1), (2, 5), (2, 17), (3, 1), (3, 9), (4, 1))
        cl.over("(d, m) in {" + ", ".join(map(str, dms)) + "}; disjointness pairwise where N <= 300")
        for d, m in dms:
            M = M_fn(m, d)
            cs = [gr.centre(j, M) for j in gr.centres(M, d)]
            cl.check(len(cs) == gr.n_bumps(M, d) == (M // 2) ** d, f"d={d} m={m}: count")
            cl.check(all(0 <= yi - F(1, M) and yi + F(1, M) <= 1 for y in cs for yi in y), f"d={d} m={m}: inside")
            axis = sorted({yi for y in cs for yi in y})  # per axis: M/2 values, consecutive gaps 2/M
            cl.check(len(axis) == M // 2 and all(b - a == F(2, M) for a, b in zip(axis, axis[1:])),
                     f"d={d} m={m}: axis spacing")
            cl.check(len(set(cs)) == len(cs), f"d={d} m={m}: repeated centre")
            if len(cs) <= 300:  # distinct centres are >= 2/M apart in l-inf, so open supports are disjoint
                cl.check(all(M * max(abs(a - b) for a, b in zip(y, z)) >= 2 for y, z in itertools.combinations(cs, 2)),
                         f"d={d} m={m}: supports overlap")

    with report.claim("grid.count", SRC + ", §10.6",
                      "N = (M/2)^d >= 4^d m >= 4m; d = 1 is tight: N = 4m") as cl:
        cl.over(_ms_text(quick), d=ds)
        for d in ds:
            for m in _ms(d, quick):
                M = M_fn(m, d)
                N = gr.n_bumps(M, d)
                cl.check(N >= 4**d * m and N >= 4 * m, f"d={d} m={m}: N={N}")
                if d == 1 and F(m).denominator == 1:
                    cl.check(N == 4 * m, f"d=1 m={m}: N={N} != 4m")

    rng = random.Random(20230)
    small = ((1, 1), (1, 3), (2, 1), (2, 2), (3, 1)) if quick else \
        ((1, 1), (1, 3), (1, 8), (2, 1), (2, 2), (2, 4), (3, 1), (3, 2), (4, 1))
    with report.claim("grid.one_bump", SRC,
                      "phi_y(x) != 0 iff M||x-y||_1 < 1; every point touches <= 1 bump; faces and l1 spheres touch none") as cl:
        cl.over("(d, m) in {" + ", ".join(map(str, small)) + "}; the adversarial point families of theory.grid, "
                f"{6 if quick else 12} points each, seed 20230")
        for d, m in small:
            M = M_fn(m, d)
            fam = gr.adversarial_families(M, d, 6 if quick else 12, rng)
            for name, pts in fam.items():
                for x in pts:
                    brute = gr.touched_bruteforce(x, M, d, strict=strict)
                    j = gr.bump_index(x, M, d, strict=strict)
                    cl.check(len(brute) <= 1, f"{name} d={d} M={M}: {x} touches {len(brute)} bumps")
                    cl.check(brute == ([] if j is None else [j]), f"{name} d={d} M={M}: closed form {j} vs {brute}")
                    if name in ("faces", "vertices"):
                        cl.check(j is None, f"{name} point {x} touches {j}")
                    if name == "nodes":
                        cl.check(j is not None and gr.centre(j, M) == tuple(x), f"node {x} not its own bump")

    with report.claim("grid.pigeonhole", SRC + ", §10.6",
                      "any 2m points leave >= N - 2m >= N/2 bumps untouched (floor(2m) points for rational m)") as cl:
        cl.over(_ms_text(quick) + " with floor(2m) <= 2000; the adversarial point families of theory.grid", d=ds)
        for d in ds:
            for m in _ms(d, quick):
                M = M_fn(m, d)
                n = int(2 * F(m))  # floor(2m) points
                if n > 2000:
                    continue
                N = gr.n_bumps(M, d)
                for name, pts in gr.adversarial_families(M, d, n, rng).items():
                    ph = gr.pigeonhole(m, d, pts, M=M, strict=strict)
                    cl.check(ph.untouched >= N - n and 2 * (N - n) >= N and N >= 4 * F(m),
                             f"{name} d={d} m={m}: untouched {ph.untouched} of N={N}")
                    if name == "one_per_bump" and n <= N:
                        cl.check(ph.untouched == N - n, f"one per bump d={d} m={m}: {ph.untouched} != N - 2m")


if __name__ == "__main__":
    raise SystemExit(run_script(checks))
