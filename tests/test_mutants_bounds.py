"""theory/bounds.py: tests that pin what mutation testing showed unpinned (docs/testing.md).

Each test states the exact value, text or key a mutant of bounds.py changed without any other
test noticing: messages that name the argument, hooks forwarded to every formula, the report's
keys and theorem names, and PowerProduct's printing, enclosures and exact decisions.
"""
import math
from fractions import Fraction as F

import pytest

from exactrelu.errors import InputError, LimitReached
from exactrelu.theory import bounds as bd
from exactrelu.theory.bounds import INF, PowerProduct as PP


# -- PowerProduct: printing, comparisons, exact decisions ---------------------------------------
def test_repr_is_exact_text():
    assert repr(PP()) == "PowerProduct(1)"
    assert repr(PP([(2, 1), (F(1, 3), F(1, 2)), (5, 3), (7, -2)])) == "PowerProduct((1/3)^(1/2) * 2 * 5^3 * 7^(-2))"
    assert repr(PP.of(F(2, 3), F(-1, 2))) == "PowerProduct((2/3)^(-1/2))"
    assert repr(PP.of(3, 2)) == "PowerProduct(3^2)"


def test_order_is_strict_at_equality():
    four, r2 = PP.of(4), PP.of(2, F(1, 2))
    assert not four < 4 and not four > 4 and four <= 4 and four >= 4 and four == 4
    assert not r2 < PP.of(8, F(1, 6)) and r2 <= PP.of(8, F(1, 6))  # 8^(1/6) = 2^(1/2)
    assert r2 < F(3, 2) and not r2 >= F(3, 2) and r2 > F(7, 5) and not r2 <= F(7, 5)


def test_is_one_over_a_coprime_basis():
    assert PP([(2, 2), (4, -1)]).is_one()                      # 2^2 / 4
    assert PP([(6, 1), (2, -1), (3, -1)]).is_one()             # 6 / (2 3)
    assert PP([(F(4, 9), F(1, 2)), (F(3, 2), 1)]).is_one()     # (2/3) (3/2)
    assert not PP.of(2).is_one() and not PP.of(2, F(1, 3)).is_one()
    assert not PP([(2, 1), (4, F(-1, 3))]).is_one()            # 2^(1/3)
    assert not PP([(6, 1), (2, -1)]).is_one()


def test_equality_of_huge_products_needs_no_radical():
    """Value exactly 1, radical far beyond MAX_BITS: decided by the coprime basis, not by a limit."""
    x = PP([(2, 10**7), (4, -5 * 10**6)])
    assert x == 1 and x.compare(1) == 0
    assert PP([(2, 10**7 + 1), (4, -5 * 10**6)]).compare(2) == 0


def test_enclose_width_is_one_unit():
    """enclose: (r, r + 1) / 2^k exactly, k = bits - floor(log2 R / D)."""
    lo, hi = PP.of(2, F(1, 2)).enclose(10)
    assert (lo, hi) == (F(1448, 1024), F(1449, 1024))
    assert PP.of(2, F(1, 2)).enclose() == PP.of(2, F(1, 2)).enclose(64)
    big = PP.of(3, F(401, 2))                                  # about 2^318: k < 0
    lo, hi = big.enclose(64)
    assert hi - lo == 2**253 and lo**2 < 3**401 < hi**2


def test_interval_of_a_large_value_is_certified():
    """Dyadic ends m 2^e with e > 0."""
    x = PP.of(3, F(201, 2))
    lo, hi = x.interval(64)
    assert lo.denominator == 1 and lo**2 < 3**201 < hi**2
    assert (hi - lo) * 2**60 < lo


def test_limit_messages_name_the_step():
    with pytest.raises(LimitReached, match=r"^enclosure: the exact value needs about 4,000,001 bits"):
        PP.of(2, F(1, 2)).enclose(1_999_999)                   # 2 * 1999999 + 3 bits
    with pytest.raises(LimitReached, match=r"^PowerProduct interval: "):
        PP.of(2, 5_000_000).interval()
    with pytest.raises(LimitReached, match=r"^PowerProduct: the exact value needs about"):
        PP([(3, 10**6), (2, -1584963)]).exact()


def test_log10_small_huge_and_empty():
    assert PP().log10() == 0.0
    assert PP.of(1000, F(1, 3)).log10() == pytest.approx(1.0, abs=1e-15)
    assert PP.of(10, F(10**7, 3)).log10() == pytest.approx(10**7 / 3, rel=1e-15)   # the mpmath branch
    assert PP([(10, F(10**7, 3)), (100, F(-10**7, 6))]).log10() == pytest.approx(0.0, abs=1e-6)


def test_describe_exact_enclosed_and_limited():
    assert PP.of(8, F(2, 3)).describe() == {"log10": pytest.approx(math.log10(4)), "exact": True,
                                            "value": "4", "lo": "4", "hi": "4"}
    assert PP.of(2, F(1, 2)).describe(10) == {"log10": pytest.approx(math.log10(2) / 2), "exact": False,
                                              "value": None, "lo": "181/128", "hi": "1449/1024"}
    x = PP([(3, 10**6), (2, -1584963)])                        # radical too large, value about 0.71
    info = x.describe()
    assert set(info) == {"log10", "exact", "value", "limit", "lo", "hi"}
    assert info["exact"] is None and info["value"] is None and info["limit"].startswith("PowerProduct: ")
    lo, hi = F(info["lo"]), F(info["hi"])
    assert F(7, 10) < lo < hi < F(72, 100) and (hi - lo) * 2**64 < lo
    far = PP.of(3, F(10**7, 3)).describe()                     # enclosure ends too long to print
    assert far["exact"] is None and "lo" not in far and "hi" not in far


def test_samples_entry_keys():
    assert bd._samples_entry(PP.of(4), 64) == {"m": "4", "log10": pytest.approx(math.log10(4)),
                                                "exact": True, "m_ceil": "4"}
    e = bd._samples_entry(PP.of(2, F(1, 2)), 10)
    assert e == {"m": None, "log10": pytest.approx(math.log10(2) / 2), "exact": False,
                 "m_lo": "181/128", "m_hi": "1449/1024", "m_ceil": "2"}


# -- argument messages -----------------------------------------------------------------------
@pytest.mark.parametrize("call, msg", [
    (lambda: bd.general_error(0, 1, 3, 1), "^m=0 must be > 0"),
    (lambda: bd.upper_error(0, 1, 3, 1), "^m=0 must be > 0"),
    (lambda: bd.linf_error(0, 1, 3, 1), "^m=0 must be > 0"),
    (lambda: bd.general_samples(0, 1, 3, 1), "^eps=0 must be > 0"),
    (lambda: bd.linf_samples_pp(1, 3, 1, 0), "^eps=0 must be > 0"),
    (lambda: bd.upper_samples_pp(1, 3, 1, 0), "^eps=0 must be > 0"),
    (lambda: bd.linf_samples_pp(1, 3, 1, 1, linf="x"), "^linf: "),
    (lambda: bd.upper_samples_pp(1, 3, 1, 1, upper="x"), "^upper: "),
    (lambda: bd.omega(1, 3, 1, omega_ge2="x"), "^omega_ge2: "),
    (lambda: bd.omega(1, 3, 1, q=1, omega_lt2="x"), "^omega_lt2: "),
    (lambda: bd.omega(1, 3, 1, branch="mid"), r"^branch='mid' must be 'lt2', 'ge2' or None$"),
    (lambda: bd.bounds_report(1, 3, 1), r"^give eps \(target error\) or m \(sample count\), or both$"),
])
def test_messages_name_the_argument(call, msg):
    with pytest.raises(InputError, match=msg):
        call()


# -- every formula uses its inputs and hooks ---------------------------------------------------
def test_n_params_small_depths():
    assert bd.n_params(2, 6, 1) == 3
    assert bd.n_params(2, 6, 2) == 6 * 3 + 6 + 1
    assert bd.n_params(2, 6, 3) == 6 * 3 + 6 * 7 + 6 + 1


def test_upper_bound_other_widths_and_hooks():
    d, L, c, eps = 2, 4, F(1, 2), F(1, 10)
    assert bd.upper_samples(d, L, c, eps) == (c**L * F(6) ** (L - 2) * 3 * d**2 / eps) ** d  # B = 3d = 6
    assert bd.upper_samples(d, L, c, eps, upper=5) == (c**L * F(6) ** (L - 2) * 5 * d**2 / eps) ** d
    B = 7
    assert bd.upper_samples(d, L, c, eps, B) == (c**L * d * F(B) ** (L - 1) / eps) ** d
    m = PP.of(16)
    assert bd.upper_error(m, d, L, c, B) == c**L * d * F(B) ** (L - 1) / 4
    assert bd.upper_error(16, d, L, c, upper=5) == c**L * F(6) ** (L - 2) * 5 * d**2 / 4


def test_general_error_forwards_its_constants():
    base = bd.general_error(5, 1, 3, 1)
    assert bd.general_error(5, 1, 3, 1, omega_ge2=F(1, 24)) == 2 * base
    assert bd.general_error(5, 1, 3, 1, grid=64) == base / 2     # (grid s)^(-1 - s/p), p = inf


def _report(**kw):
    args = dict(d=1, L=3, c=1, eps=F(1, 2), m=10)
    args.update(kw)
    return bd.bounds_report(**args)


def test_report_names_and_values():
    r = _report()
    assert r["omega"]["case"] == "q>=2" and r["omega"]["value"] == "3/16"
    assert r["general"]["theorem"] == "Theorem 2.2" and r["general"]["exponent"] == "1"
    assert r["linf"]["theorem"] == "L-inf theorem (2^7)" and r["lower"]["theorem"] == "L-inf theorem (2^7)"
    assert r["upper"]["theorem"] == "upper bound"
    assert r["ratio"]["formula_value"] == "384" and r["ratio"]["equal"] is True
    assert set(r["error_at_m"]) == {"general", "upper", "linf"}
    assert r["error_at_m"]["linf"]["value"] == "3/1280"
    wide = _report(B=4)
    assert wide["upper"]["theorem"] == "upper bound [R] (Lip c^L d B^(L-1))" and wide["ratio"] is None
    q1 = _report(q=1, B=4)
    assert q1["omega"]["case"] == "q<2" and q1["linf"] is None
    assert q1["linf_reason"] == "the specialised theorem needs p = q = inf and B >= 3d"
    assert q1["lower"]["theorem"] == "Theorem 2.2" and "linf" not in q1["error_at_m"]
    p2 = _report(p=2, d=2, L=3)
    assert p2["general"]["exponent"] == "1"                   # 1/(1/p + 1/s) with p = s = 2


def test_report_forwards_every_hook():
    r = _report()
    assert _report(grid=64)["general"]["m"] != r["general"]["m"]
    assert _report(grid=64)["error_at_m"]["general"]["value"] != r["error_at_m"]["general"]["value"]
    assert _report(linf=256)["linf"]["m"] == "3/128" and _report(linf=256)["error_at_m"]["linf"]["value"] == "3/2560"
    assert _report(upper=6)["upper"]["m"] == "36"
    assert _report(omega_ge2=F(1, 24))["omega"]["value"] == "3/8"
    assert _report(omega_ge2=F(1, 24))["general"]["m"] == "3/128"
    r9 = _report(d=1, L=4, B=9, q=INF, p=INF)                  # Omega uses B: (L-1)(1-2/q) = 3
    assert r9["omega"]["value"] == "243/16"
    assert _report(q=4, B=4, L=3)["omega"]["value"] == "1/12"  # 4^((3-1)(1/2)) / 48: q is used


# -- enclosures are certified and as tight as promised -------------------------------------------
@pytest.mark.parametrize("b, e", [(3, F(1, 2)), (F(7, 5), F(5, 3)), (10**30 + 1, F(2, 7)), (F(1, 2**70 + 3), F(3, 4)),
                                  (5, 37), (F(2, 9), F(-7, 2)), (2**200 + 7, F(-1, 3))])
def test_interval_is_certified_and_tight(b, e):
    x = PP.of(b, e)
    P, D = e.numerator, e.denominator
    R = F(b) ** P
    for bits in (16, 64, 300):
        lo, hi = x.interval(bits)
        assert lo**D <= R <= hi**D
        assert (hi - lo) * 2 ** (bits - 2) <= lo, bits
        elo, ehi = x.enclose(bits)
        assert elo**D <= R <= ehi**D and (ehi - elo) * 2 ** (bits - 2) <= elo


def test_sign_of_dyadic_minus_one():
    assert [bd._dy_sign1(m, e) for m, e in ((1, 0), (2, 0), (1, 1), (1, -1), (2, -1), (3, -1), (4, -2))] == \
        [0, 1, 1, -1, 0, 1, 0]


def test_iroot_exact_on_big_integers():
    big = 2**1000 + 12345
    assert bd._iroot_exact(big**3, 3) == (big, True)
    assert bd._iroot_exact(big**3 - 1, 3) == (big - 1, False)
    assert bd._iroot_exact((big + 1) ** 3 - 1, 3) == (big, False)
    assert bd._iroot_exact(7, 1) == (7, True) and bd._iroot_exact(1, 5) == (1, True)


# -- parameters -------------------------------------------------------------------------------
@pytest.mark.parametrize("kw, msg", [
    (dict(d=0), r"^d=0 must be an integer >= 1$"),
    (dict(B=1), r"^B=1 must be >= 3 \(the bumps need 3s <= B neurons with s >= 1\)$"),
    (dict(d=10**10), r"^d=10000000000 is beyond the limit 1,000,000,000 of these bounds"),
    (dict(L=10**10), r"^L=10000000000 is beyond the limit 1,000,000,000 of these bounds"),
    (dict(B=10**10), r"^B=10000000000 is beyond the limit 3,000,000,000 of these bounds"),
    (dict(q="1/2"), r"^q=1/2 must be in \[1, inf\]"),
    (dict(p="1/2"), r"^p=1/2 must be in \[1, inf\]"),
    (dict(B=8, s=3), r"^s=3 must be <= B/3 = 8/3$"),
    (dict(s=4), r"^s=4 must be <= d=3$"),
])
def test_check_params_messages(kw, msg):
    args = dict(d=3, L=4, c=1)
    args.update(kw)
    with pytest.raises(InputError, match=msg):
        bd.check_params(**args)


def test_parse_exponent_spellings_of_infinity():
    for text in ("inf", "+inf", " Infinity ", "oo", "+INF", "OO"):
        assert bd.parse_exponent(text) == INF
    assert bd.parse_exponent(math.inf) == INF and bd.parse_exponent("3/2") == F(3, 2)


def test_base_must_be_positive_and_equality_with_non_numbers():
    with pytest.raises(InputError, match=r"^PowerProduct: base 0 must be positive$"):
        PP.of(0)
    assert (PP.of(1) == True) is False and (PP.of(2) == "2") is False  # noqa: E712
    assert PP.of(2) != 0 and PP.of(2) != -2


def test_general_bound_values():
    assert bd.general_error(10, 1, 3, 1) == F(3, 5120)          # Omega 3/16, (32)^-1, m^-1
    assert bd.general_error(16, 2, 3, 1) == F(3, 1024)          # Omega 3/4, (64)^-1, m^(-1/2)
    assert bd.general_samples(F(1, 2), 3, 3, 1, B=9, s=1) == F(81, 48) / 32 * 2
    assert bd.general_samples(F(1, 2), 3, 3, 1, B=9) == (F(81, 48) / 96 * 2) ** 3


def test_lipschitz_sqrt_d_and_power_label():
    assert bd.lipschitz_sqrt_d(2, 4, F(1, 2)) == F(1, 16) * 2 * 6**3          # B = 3d
    assert bd.lipschitz_sqrt_d(2, 4, F(1, 2), B=7) == F(1, 16) * 2 * 7**3
    with pytest.raises(InputError, match=r"^exponent: 'x' is not a number"):
        PP.of(2) ** "x"


def test_interval_of_a_root_of_huge_degree():
    """Degree 20011: the enclosure comes from a candidate proven by directed powers."""
    import mpmath
    x = PP.of(3, F(1, 20011))
    lo, hi = x.interval(64)
    with mpmath.workdps(60):
        v = mpmath.mpf(3) ** (mpmath.mpf(1) / 20011)
        assert mpmath.mpf(lo.numerator) / lo.denominator <= v <= mpmath.mpf(hi.numerator) / hi.denominator
    assert lo < hi and (hi - lo) * 2**60 < lo
    assert PP.of(3, F(1, 20011)) > 1 and PP.of(F(1, 3), F(1, 20011)) < 1
