"""exactrelu bounds: the theorems' sample bounds, exact (or certified enclosures) and log10.

Prints, for the class N(d, L, B, c, q) and L^p error eps (Berner, Grohs, Voigtlaender, ICLR 2023):

* the specialised L-infinity lower bound  m >= c^(dL) (3d)^(d(L-2)) (1/(2^7 eps))^d  (p = q = inf, B >= 3d),
* the general lower bound of Theorem 2.2 at s (all p, q in [1, inf]),
* the upper bound  m <= c^(dL) (3d)^(d(L-2)) (3d^2/eps)^d,
* the ratio upper/lower, checked exactly against (384 d^2)^d,

each as the sample count m of the theorem's inequality *before* rounding (exact "p/q" when
rational; otherwise a certified enclosure m_lo < m < m_hi from exact integer roots), with
log10 and the rounded integer.  With --m, also the error each theorem guarantees for m samples.

"m_ceil" is the smallest integer >= m: the fewest samples a lower bound allows, the samples that
suffice for the upper bound.  Beyond 4,000,000 bits the exact numbers are not built; log10 is
always printed, and the reason replaces what is absent.

JSON (--json): {"lower": {"m": "<exact or null>", "m_lo"/"m_hi" (certified enclosure, when m is
irrational or not built), "log10": x, "m_ceil": "..." | "limit": "<why not built>", "theorem":
"..."}, "upper": {...}, "linf": {...} | null, "general": {...}, "omega": {...},
"ratio": {...} | null, "n_params": n, "params": {...}, "error_at_m": {...} (with --m)}.
Exit 1 if the exact ratio check fails.
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
    """m ~ 1.2345e+67, or 10^(log10) when log10 is too large for its fraction to be known."""
    if abs(log10) >= 1e9:
        return f"10^{_log(log10)}"
    e = int(log10 // 1)
    return f"{10 ** (log10 - e):.4f}e{e:+d}"


def _log(log10: float) -> str:
    """log10 with the digits it has: 6 decimals below 10^8, else 15 significant digits."""
    return f"{log10:.6f}" if abs(log10) < 1e8 else f"{log10:.15g}"


def _short(text: str, limit: int = 120) -> str:
    """Long exact numbers in the human output: head...tail and the digit count (--json has all)."""
    if text is None or len(text) <= limit:
        return text
    return f"{text[:40]}...{text[-12:]} ({len(text)} characters; the exact text is in --json)"


def _value(exact, value, lo, hi, limit) -> str:
    """An exact value, a certified enclosure, or the reason there is neither."""
    if exact and value is not None:
        return _short(value)
    if lo is not None:
        kind = "irrational" if exact is False else "not built exactly"
        return f"in ({_short(lo)}, {_short(hi)})  [{kind}; certified enclosure]"
    return f"not built exactly ({limit})" if limit else "not available"


def _line(label: str, entry: dict, upper: bool) -> list[str]:
    out = [f"{label}: {entry.get('theorem', '')}",
           "  m = " + _value(entry.get("exact"), entry.get("m"), entry.get("m_lo"), entry.get("m_hi"),
                             entry.get("limit")),
           f"  log10 m = {_log(entry['log10'])}  (m ~ {_sci(entry['log10'])})"]
    if "m_ceil" in entry:
        what = "samples that suffice" if upper else "fewest samples allowed"
        out.append(f"  {what} (smallest integer >= m): {_short(entry['m_ceil'])}")
    return out


def _error_line(name: str, e: dict) -> str:
    v = _value(e.get("exact"), e.get("value"), e.get("lo"), e.get("hi"), e.get("limit"))
    return f"  {name:8} error {'<=' if name == 'upper' else '>='} {v}  (log10 {_log(e['log10'])})"


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
    given = [f"{k}={_short(str(pr[k]), 40)}" for k in ("d", "L", "c", "eps", "B", "p", "q", "s", "m")
             if pr[k] is not None]
    print("exactrelu bounds: " + " ".join(given))
    om = rep["omega"]
    print(f"Omega ({om['case']}) = " + _value(om.get("exact"), om.get("value"), om.get("lo"), om.get("hi"),
                                              om.get("limit")) + f"  (log10 {_log(om['log10'])})")
    if "lower" in rep:
        for line in _line("lower", rep["lower"], False):
            print(line)
        if rep["linf"] is not None and rep["lower"]["theorem"] != rep["linf"]["theorem"]:
            for line in _line("L-inf theorem", rep["linf"], False):
                print(line)
        if rep["lower"]["theorem"] != rep["general"]["theorem"]:
            for line in _line("general", rep["general"], False):
                print(line)
        if rep["linf"] is None:
            print(f"  (L-inf 2^7 theorem not applicable: {rep['linf_reason']})")
        for line in _line("upper", rep["upper"], True):
            print(line)
        r = rep["ratio"]
        if r is not None:
            print(f"ratio upper/lower = {r['formula']}: {'holds exactly' if r['equal'] else 'FAILS'} "
                  f"(log10 {_log(r['log10'])})")
    print(f"parameters of the class (d, {pr['B']} x {pr['L'] - 1}, 1): {rep['n_params']}")
    if "error_at_m" in rep:
        print(f"error guaranteed with m = {pr['m']} samples:")
        at = rep["error_at_m"]
        for name in ("linf", "general", "upper"):
            if name in at:
                print(_error_line(name, at[name]))
    return 0 if ok else 1
