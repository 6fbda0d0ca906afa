"""exactrelu bounds: the theorems' sample bounds, exact (or certified enclosures) and log10.

Prints, for the class N(d, L, B, c, q) and L^p error eps (Berner, Grohs, Voigtlaender, ICLR 2023):

* the specialised L-infinity lower bound  m >= c^(dL) (3d)^(d(L-2)) (1/(2^7 eps))^d  (p = q = inf, B >= 3d),
* the general lower bound of Theorem 2.2 at s (all p, q in [1, inf]),
* the upper bound  m <= c^(dL) (3d)^(d(L-2)) (3d^2/eps)^d,
* the ratio upper/lower, checked exactly against (384 d^2)^d,

each as the sample count m of the theorem's inequality *before* rounding (exact "p/q" when
rational; otherwise a certified enclosure m_lo < m < m_hi from exact integer roots), with
log10 and the rounded integer.  With --m, also the error each theorem guarantees for m samples.

JSON (--json): {"lower": {"m": "<exact or null>", "m_lo"/"m_hi" (when irrational), "log10": x,
"m_ceil": "...", "theorem": "..."}, "upper": {..., "m_floor": "..."}, "linf": {...} | null,
"general": {...}, "omega": {...}, "ratio": {...} | null, "n_params": n, "params": {...},
"error_at_m": {...} (with --m)}.  Exit 1 if the exact ratio check fails.
"""
from __future__ import annotations

import json

from ..errors import InputError
from ..numbers import to_integer, to_rational
from ..theory.bounds import bounds_report, parse_exponent

HELP = "sample bounds of the theorems (exact and log10)"
DESCRIPTION = __doc__.split("\n\n")[0] + "\n\n" + "m is the sample count of each theorem's inequality before rounding up."


def add_arguments(p):
    p.add_argument("--d", required=True, help="input dimension (integer >= 1)")
    p.add_argument("--L", required=True, help="number of affine layers (integer >= 3)")
    p.add_argument("--c", required=True, help="parameter bound c > 0 (e.g. 2, 1/2, 0.5)")
    p.add_argument("--eps", default=None, help="target error eps > 0 (e.g. 1/256); needed unless --m is given")
    p.add_argument("--B", default=None, help="width (integer >= 3; default 3d)")
    p.add_argument("--p", default="inf", help="L^p error norm, rational in [1, inf] or 'inf' (default inf)")
    p.add_argument("--q", default="inf", help="l^q parameter norm, rational in [1, inf] or 'inf' (default inf)")
    p.add_argument("--s", default=None, help="bump dimension of Theorem 2.2, integer 1 <= s <= min(B/3, d) "
                                              "(default min(d, floor(B/3)))")
    p.add_argument("--m", default=None, help="also print the error each theorem guarantees for m samples")
    p.add_argument("--bits", default="64", help="precision of enclosures of irrational values (default 64)")
    p.add_argument("--json", action="store_true", help="print a JSON object")


def _int(text, what):
    return to_integer(text, what=what)


def _sci(log10: float) -> str:
    e = int(log10 // 1)
    return f"{10 ** (log10 - e):.4f}e{e:+d}"


def _short(text: str, limit: int = 120) -> str:
    """Long exact numbers in the human output: head...tail and the digit count (--json has all)."""
    if text is None or len(text) <= limit:
        return text
    return f"{text[:40]}...{text[-12:]} ({len(text)} characters; the exact text is in --json)"


def _line(label: str, entry: dict, rounding: str) -> list[str]:
    out = [f"{label}: {entry.get('theorem', '')}"]
    if entry.get("m") is not None:
        out.append(f"  m = {_short(entry['m'])}")
    elif "m_lo" in entry:
        out.append(f"  m in ({_short(entry['m_lo'])}, {_short(entry['m_hi'])})  [irrational; certified enclosure]")
    if "limit" in entry:
        out.append(f"  exact value not built: {entry['limit']}")
    out.append(f"  log10 m = {entry['log10']:.6f}  (m ~ {_sci(entry['log10'])})")
    if rounding in entry:
        out.append(f"  {'smallest integer m' if rounding == 'm_ceil' else 'largest integer m'}: {_short(entry[rounding])}")
    return out


def _error_line(name: str, e: dict) -> str:
    if e.get("exact"):
        v = _short(e["value"])
    elif e.get("lo") is not None:
        v = f"in ({_short(e['lo'])}, {_short(e['hi'])})"
    else:
        v = "(too large to build exactly)"
    return f"  {name:8} error >= {v}  (log10 {e['log10']:.6f})" if name != "upper" else \
        f"  {name:8} error <= {v}  (log10 {e['log10']:.6f})"


def run(args) -> int:
    d, L = _int(args.d, "--d"), _int(args.L, "--L")
    B = None if args.B is None else _int(args.B, "--B")
    s = None if args.s is None else _int(args.s, "--s")
    bits = _int(args.bits, "--bits")
    if bits < 1 or bits > 100_000:
        raise InputError(f"--bits={bits} must be between 1 and 100000")
    p, q = parse_exponent(args.p, "--p"), parse_exponent(args.q, "--q")
    c = to_rational(args.c, what="--c")
    eps = None if args.eps is None else to_rational(args.eps, what="--eps")
    m = None if args.m is None else to_rational(args.m, what="--m")
    if eps is None and m is None:
        raise InputError("--eps: give a target error (or --m for the error at m samples)")
    for name, v in (("--c", c), ("--eps", eps), ("--m", m)):
        if v is not None and v <= 0:
            raise InputError(f"{name}={getattr(args, name[2:])} must be > 0")
    try:
        rep = bounds_report(d, L, c, eps, B, p, q, s, m, bits=bits)
    except InputError as e:  # name the command-line flag
        msg = str(e)
        for k in ("d", "L", "c", "eps", "B", "p", "q", "s", "m"):
            if msg.startswith(f"{k}="):
                msg = "--" + msg
                break
        raise InputError(msg) from None
    ok = rep.get("ratio") is None or rep["ratio"]["equal"]
    if args.json:
        print(json.dumps(rep))
        return 0 if ok else 1
    pr = rep["params"]
    print(f"exactrelu bounds: d={pr['d']} L={pr['L']} c={pr['c']} eps={pr['eps']} B={pr['B']} "
          f"p={pr['p']} q={pr['q']} s={pr['s']}" + (f" m={pr['m']}" if pr["m"] else ""))
    om = rep["omega"]
    print(f"Omega ({om['case']}) = " + (_short(om["value"]) if om.get("exact")
                                         else f"in ({_short(om.get('lo'))}, {_short(om.get('hi'))})")
          + f"  (log10 {om['log10']:.6f})")
    if "lower" in rep:
        for line in _line("lower", rep["lower"], "m_ceil"):
            print(line)
        if rep["linf"] is not None and rep["lower"]["theorem"] != rep["linf"]["theorem"]:
            for line in _line("L-inf theorem", rep["linf"], "m_ceil"):
                print(line)
        if rep["lower"]["theorem"] != rep["general"]["theorem"]:
            for line in _line("general", rep["general"], "m_ceil"):
                print(line)
        if rep["linf"] is None:
            print(f"  (L-inf 2^7 theorem not applicable: {rep['linf_reason']})")
        for line in _line("upper", rep["upper"], "m_floor"):
            print(line)
        r = rep["ratio"]
        if r is not None:
            print(f"ratio upper/lower = {r['formula']}: {'holds exactly' if r['equal'] else 'FAILS'} "
                  f"(log10 {r['log10']:.6f})")
    print(f"parameters of the class (d, {pr['B']} x {pr['L'] - 1}, 1): {rep['n_params']}")
    if "error_at_m" in rep:
        print(f"error guaranteed with m = {pr['m']} samples:")
        at = rep["error_at_m"]
        for name in ("linf", "general", "upper"):
            if name in at:
                print(_error_line(name, at[name]))
    return 0 if ok else 1
