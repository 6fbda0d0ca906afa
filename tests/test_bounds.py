"""Bounds: exact forms, inverse forms, enclosures, the CLI contract, and proofs/bounds.py failing on hooks."""
import json
import math
import os
import subprocess
import sys
from fractions import Fraction as F

import pytest
from hypothesis import given, strategies as st

from exactrelu.errors import InputError
from exactrelu.numbers import iroot_floor
from exactrelu.proofkit import run_checks
from exactrelu.theory import bounds as bd
from exactrelu.theory.bounds import INF, PowerProduct
from helpers import ROOT, cli, load_proof


def statement_lower(d, L, c, eps, const=128):
    return F(c) ** (d * L) * F(3 * d) ** (d * (L - 2)) * (1 / (const * F(eps))) ** d


def statement_upper(d, L, c, eps):
    return F(c) ** (d * L) * F(3 * d) ** (d * (L - 2)) * (3 * F(d) ** 2 / F(eps)) ** d


small_pos = st.fractions(min_value=F(1, 12), max_value=5, max_denominator=12)
exps = st.one_of(st.just(INF), st.fractions(min_value=1, max_value=6, max_denominator=5))


# -- PowerProduct ------------------------------------------------------------------------------
def test_power_product_rational_detection():
    assert PowerProduct.of(8, F(2, 3)).exact() == 4
    assert PowerProduct.of(F(4, 9), F(1, 2)).exact() == F(2, 3)
    assert PowerProduct.of(2, F(1, 2)).exact() is None
    assert (PowerProduct.of(2, F(1, 2)) * PowerProduct.of(8, F(1, 2))).exact() == 4
    assert PowerProduct.of(12, F(1, 2)).exact() is None


def test_enclosure_of_sqrt2_is_certified_and_tight():
    x = PowerProduct.of(2, F(1, 2))
    for bits in (1, 10, 100, 1000):
        lo, hi = x.enclose(bits)
        assert lo * lo < 2 < hi * hi
        assert (hi - lo) * 2 ** (bits - 2) <= lo
    assert x.floor() == 1 and x.ceil() == 2


@given(b=st.fractions(min_value=F(1, 30), max_value=50, max_denominator=30),
       e=st.fractions(min_value=-4, max_value=4, max_denominator=7), bits=st.integers(1, 120))
def test_enclosure_property(b, e, bits):
    x = PowerProduct.of(b, e)
    lo, hi = x.enclose(bits)
    D = e.denominator
    R = b ** e.numerator
    assert lo <= hi and lo ** D <= R <= hi ** D
    if x.is_rational:
        assert lo == hi and lo ** D == R
    else:
        assert lo ** D < R < hi ** D
    ilo, ihi = x.interval(bits)
    assert ilo ** D <= R <= ihi ** D
    fl = x.floor()
    assert F(fl) ** D <= R < F(fl + 1) ** D


@given(a=st.fractions(min_value=F(1, 9), max_value=9, max_denominator=9).filter(lambda v: v > 0),
       b=st.fractions(min_value=F(1, 9), max_value=9, max_denominator=9).filter(lambda v: v > 0),
       e=st.fractions(min_value=-3, max_value=3, max_denominator=5), f=st.fractions(min_value=-3, max_value=3,
                                                                                   max_denominator=5))
def test_compare_matches_powers(a, b, e, f):
    x, y = PowerProduct.of(a, e), PowerProduct.of(b, f)
    D = math.lcm(e.denominator, f.denominator)
    lhs, rhs = a ** int(e * D), b ** int(f * D)  # x^D vs y^D, exact
    assert x.compare(y) == (lhs > rhs) - (lhs < rhs)
    assert (x * y) / y == x


def test_floats_refused_and_bad_bits():
    with pytest.raises(InputError):
        PowerProduct.of(0.5, 1)
    with pytest.raises(InputError):
        PowerProduct.of(2, F(1, 2)).enclose(0)


# -- theorems --------------------------------------------------------------------------------
@given(d=st.integers(1, 6), L=st.integers(3, 7), c=small_pos, eps=small_pos)
def test_linf_and_upper_match_statements_and_invert(d, L, c, eps):
    lo = bd.linf_samples(d, L, c, eps)
    up = bd.upper_samples(d, L, c, eps)
    assert lo == statement_lower(d, L, c, eps)
    assert up == statement_upper(d, L, c, eps)
    assert up / lo == F(384 * d * d) ** d
    assert bd.linf_error(lo, d, L, c) == eps
    assert bd.upper_error(up, d, L, c) == eps


@given(d=st.integers(1, 4), L=st.integers(3, 6), extra=st.integers(0, 4), p=exps, q=exps,
       c=small_pos, eps=small_pos, data=st.data())
def test_general_inverse_roundtrip(d, L, extra, p, q, c, eps, data):
    B = 3 * d + extra
    s = data.draw(st.integers(1, bd.max_s(d, B)), label="s")
    m = bd.general_samples(eps, d, L, c, B, p, q, s)
    assert bd.general_error(m, d, L, c, B, p, q, s) == eps
    assert bd.general_error(5, d, L, c, B, p, q, s) > bd.general_error(6, d, L, c, B, p, q, s)


def test_general_at_pinf_qinf_is_2_9_form():
    for d, L, c, eps in ((1, 3, 1, F(1, 2)), (3, 5, F(1, 2), F(1, 10)), (15, 7, 2, F(1, 256))):
        g = bd.general_samples(eps, d, L, c)
        assert g.exact() == statement_lower(d, L, c, eps, const=512)


def test_omega_cases_and_q2_jump():
    c, L, B, s = F(2), 4, 9, 3
    assert bd.omega(3, L, c, B, 2, s).exact() == c**L / 48
    assert bd.omega(3, L, c, B, INF, s).exact() == c**L * F(B) ** (L - 1) / 48
    assert bd.omega(3, L, c, B, 2, s, branch="lt2").exact() == c**L / 24
    assert bd.omega(3, L, c, B, 1, s).exact() == c**L / (72 * s)
    assert bd.omega(3, L, c, B, F(3, 2), s).exact() is None
    assert bd.omega(3, 3, c, 4, 4, 1).exact() == c**3 * 4 / 48  # B^((L-1)/2) = 4^(2/2)
    with pytest.raises(InputError):
        bd.omega(3, L, c, B, 2, s, branch="middle")


def test_n_params_of_atoms_class():
    assert bd.n_params(15, 45, 7) == 15 * 45 + 45 + 5 * (45 * 45 + 45) + 45 + 1


@pytest.mark.parametrize("kw, word", [
    (dict(d=0), "d="), (dict(d="x"), "d"), (dict(L=2), "L="), (dict(c=0), "c="), (dict(c="-1"), "c="),
    (dict(B=2), "B="), (dict(s=0), "s="), (dict(s=4), "s="), (dict(B=8, s=3), "B/3"), (dict(p="1/2"), "p="),
    (dict(q="abc"), "q"), (dict(p=0.5), "p"), (dict(d=F(3, 2)), "d="), (dict(L=True), "L"),
])
def test_check_params_names_the_argument(kw, word):
    args = dict(d=3, L=4, c=1)
    args.update(kw)
    with pytest.raises(InputError, match=word.replace("/", "/")):
        bd.check_params(**args)


def test_limit_reached_keeps_log10():
    rep = bd.bounds_report(100000, 1000, 2, F(1, 256), p=3, q=F(5, 2))
    assert rep["lower"]["m"] is None and "limit" in rep["lower"] and rep["lower"]["log10"] < 0
    assert rep["upper"]["log10"] > 5e8


# -- CLI ---------------------------------------------------------------------------------------
def test_cli_json_atoms():
    code, out, err = cli("bounds", "--d", 15, "--L", 7, "--c", 2, "--eps", "1/256", "--json")
    assert code == 0, err
    r = json.loads(out)
    assert r["lower"]["m"] == str(statement_lower(15, 7, 2, F(1, 256)).numerator)
    assert r["lower"]["theorem"].startswith("L-inf")
    assert r["upper"]["m"] == str(statement_upper(15, 7, 2, F(1, 256)).numerator)
    assert abs(r["lower"]["log10"] - math.log10(statement_lower(15, 7, 2, F(1, 256)))) < 1e-9
    assert r["ratio"]["equal"] is True and r["ratio"]["value"] == str((384 * 225) ** 15)
    g = statement_lower(15, 7, 2, F(1, 256), const=512)
    assert r["general"]["m"] == str(g.numerator) and r["n_params"] == bd.n_params(15, 45, 7)
    assert r["params"] == {"d": 15, "L": 7, "c": "2", "eps": "1/256", "B": 45, "p": "inf", "q": "inf",
                           "s": 15, "m": None, "bits": 64}


def test_cli_json_irrational_gives_enclosure():
    code, out, err = cli("bounds", "--d", 2, "--L", 3, "--c", "3/2", "--eps", "1/100", "--p", 2, "--q", "3/2",
                         "--m", 10, "--json")
    assert code == 0, err
    r = json.loads(out)
    low = r["lower"]
    assert low["m"] is None and low["exact"] is False and r["linf"] is None and r["ratio"] is None
    lo, hi = F(low["m_lo"]), F(low["m_hi"])
    x = bd.general_samples(F(1, 100), 2, 3, F(3, 2), 6, 2, F(3, 2), 2)
    assert lo < hi and x > lo and x < hi
    assert low["m_ceil"] == str(x.ceil())
    assert set(r["error_at_m"]) == {"general", "upper"}


def test_cli_human_and_m_only():
    code, out, _ = cli("bounds", "--d", 1, "--L", 3, "--c", 1, "--eps", "1/2")
    assert code == 0 and "log10" in out and "(384 d^2)^d: holds exactly" in out
    code, out, _ = cli("bounds", "--d", 2, "--L", 3, "--c", 1, "--m", 9)
    assert code == 0 and "error guaranteed with m = 9" in out


@pytest.mark.parametrize("extra, flag", [
    (["--d", "0"], "--d"), (["--d", "two"], "--d"), (["--L", "2"], "--L"), (["--c", "0"], "--c"),
    (["--c", "-1"], "--c"), (["--eps", "0"], "--eps"), (["--eps", "x"], "--eps"), (["--s", "0"], "--s"),
    (["--s", "5"], "--s"), (["--B", "2"], "--B"), (["--B", "6", "--s", "3"], "--s"), (["--p", "1/2"], "--p"),
    (["--q", "nope"], "--q"), (["--d", "2.5"], "--d"), (["--bits", "0"], "--bits"), (["--m", "-3"], "--m"),
])
def test_cli_bad_input_exit_2_one_line(extra, flag):
    base = {"--d": "3", "--L": "4", "--c": "1", "--eps": "1/10"}
    for k, v in zip(extra[::2], extra[1::2]):
        base[k] = v
    argv = ["bounds"] + [x for kv in base.items() for x in kv]
    code, out, err = cli(*argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and flag in err and "Traceback" not in err


def test_cli_needs_eps_or_m():
    code, _, err = cli("bounds", "--d", 3, "--L", 4, "--c", 1)
    assert code == 2 and "--eps" in err


# -- the proof script fails when a constant is broken ------------------------------------------
@pytest.mark.parametrize("hooks, failing", [
    ({"linf": 2**8}, {"bounds.linf_exact", "bounds.upper_over_lower"}),
    ({"upper": 4}, {"bounds.upper_exact", "bounds.upper_over_lower"}),
    ({"omega_ge2": F(1, 47)}, {"bounds.omega", "bounds.general_inverse"}),
    ({"omega_lt2": F(1, 9)}, {"bounds.omega"}),
    ({"grid": 31}, {"bounds.general_inverse"}),
    ({"exponent_sign": -1}, {"bounds.linf_exact"}),
])
def test_proof_bounds_fails_on_broken_constant(hooks, failing):
    mod = load_proof("bounds")
    rep = run_checks(mod.checks, quick=True, **hooks)
    assert rep.ok is False
    bad = {c.id for c in rep.claims if not c.held}
    assert failing <= bad


def test_proof_bounds_holds_quick():
    assert run_checks(load_proof("bounds").checks, quick=True).ok is True


def test_proof_bounds_subprocess_exit_code_with_env_hook():
    env = dict(os.environ, EXACTRELU_PROOF_HOOKS=json.dumps({"linf": "256"}))
    proc = subprocess.run([sys.executable, str(ROOT / "proofs" / "bounds.py"), "--quick"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "NOT VERIFIED" in proc.stdout


def test_root_helper_agrees_with_numbers():
    x = 3**5000 + 1
    assert bd._iroot(x, 7) == iroot_floor(x, 7)
    assert bd._iroot_exact(3**5000, 5000) == (3, True)


# -- issue 7: every printed number right and readable, or absent with the reason ------------------
def test_upper_sample_count_is_the_ceiling_that_suffices():
    code, out, err = cli("bounds", "--d", 1, "--L", 3, "--c", 1, "--eps", "7/10", "--json")
    assert code == 0, err
    up = json.loads(out)["upper"]
    assert up["m"] == "90/7" and up["m_ceil"] == "13"
    # 13 samples give error 9/13 <= 7/10; 12 give 3/4 > 7/10 (decided exactly)
    assert bd.upper_error(13, 1, 3, 1) <= F(7, 10) < bd.upper_error(12, 1, 3, 1)
    code, out, _ = cli("bounds", "--d", 1, "--L", 3, "--c", 1, "--eps", "7/10")
    assert "samples that suffice (smallest integer >= m): 13" in out and "largest integer" not in out


@given(d=st.integers(1, 3), L=st.integers(3, 5), c=small_pos, eps=small_pos)
def test_m_ceil_is_the_smallest_count_meeting_each_theorem(d, L, c, eps):
    r = bd.bounds_report(d, L, c, eps)
    up, low = int(r["upper"]["m_ceil"]), int(r["linf"]["m_ceil"])
    assert up >= 1 and bd.upper_error(up, d, L, c) <= eps
    assert up == 1 or bd.upper_error(up - 1, d, L, c) > eps
    x = bd.linf_samples(d, L, c, eps)
    assert low - 1 < x <= low


def test_huge_eps_gives_one_sample_not_zero():
    code, out, err = cli("bounds", "--d", 1, "--L", 3, "--c", 1, "--eps", 1000, "--json")
    r = json.loads(out)
    assert code == 0 and r["upper"]["m_ceil"] == "1" and r["upper"]["m"] == "9/1000"


def test_m_only_header_has_no_none():
    code, out, _ = cli("bounds", "--d", 1, "--L", 3, "--c", 1, "--m", 10)
    assert code == 0 and "None" not in out and "eps=" not in out.splitlines()[0] and "m=10" in out


def test_values_not_built_say_why_and_keep_log10():
    code, out, err = cli("bounds", "--d", 15, "--L", "1e6", "--c", 2, "--eps", "1/2")
    assert code == 0, err
    assert "None" not in out and "Omega (q>=2) = not built exactly (" in out and "4,000,000" in out
    assert out.count("log10 m = ") == 3 and "holds exactly" in out
    code, out, err = cli("bounds", "--d", 15, "--L", "1e6", "--c", 2, "--eps", "1/2", "--json")
    r = json.loads(out)
    assert r["omega"]["value"] is None and "bits" in r["omega"]["limit"]
    assert r["upper"]["m"] is None and "limit" in r["upper"] and "m_ceil" not in r["upper"]
    assert r["ratio"]["equal"] is True


def test_dimension_1e5_finishes_with_every_log10():
    code, out, err = cli("bounds", "--d", "1e5", "--L", 3, "--c", 1, "--eps", "1/2")
    assert code == 0, err
    assert out.count("log10 m = ") == 3 and "holds exactly" in out and "None" not in out


def test_log10_of_astronomical_bounds_is_right_and_printed_with_its_digits():
    import mpmath
    d = L = 10**9
    code, out, err = cli("bounds", "--d", d, "--L", L, "--c", 2, "--eps", "1/2", "--json")
    assert code == 0, err
    with mpmath.workprec(200):  # the statement's log10, independently
        want = d * L * mpmath.log10(2) + d * (L - 2) * mpmath.log10(3 * d) - d * mpmath.log10(64)
    got = json.loads(out)["linf"]["log10"]
    assert abs(got - float(want)) <= 1e-14 * float(want)
    code, out, err = cli("bounds", "--d", d, "--L", L, "--c", 2, "--eps", "1/2")
    assert "log10 m = 9.7781512" in out and ".000000" not in out


@pytest.mark.parametrize("flag, value", [("--d", "1e400"), ("--L", "1e10"), ("--B", "1e10")])
def test_sizes_beyond_the_stated_limit_are_refused(flag, value):
    base = {"--d": "3", "--L": "4", "--c": "1", "--eps": "1/10", flag: value}
    code, out, err = cli("bounds", *[x for kv in base.items() for x in kv])
    assert code == 2 and flag in err and "limit" in err and err.count("\n") == 1, err


def test_is_one_decides_equality_without_building_values():
    n = 10**6
    six = PowerProduct.of(6, n) * PowerProduct.of(10, n)
    assert (six / (PowerProduct.of(4, n) * PowerProduct.of(15, n))).is_one()     # 60^n / 60^n
    assert not (six / (PowerProduct.of(4, n) * PowerProduct.of(F(15, 1), n + 1))).is_one()
    assert (PowerProduct.of(4, F(1, 2)) / PowerProduct.of(8, F(1, 3))).is_one()                 # 2 / 2
    assert not (PowerProduct.of(4, F(1, 2)) / PowerProduct.of(8, F(1, 2))).is_one()
    assert PowerProduct.of(12, n).compare(PowerProduct.of(3, n) * PowerProduct.of(2, 2 * n)) == 0
    assert PowerProduct.of(12, n).compare(PowerProduct.of(3, n) * PowerProduct.of(2, 2 * n + 1)) == -1


def test_dyadic_interval_brackets_a_huge_power():
    x = PowerProduct.of(F(3, 2), 10**5) * PowerProduct.of(5, F(1, 3))
    (ml, el), (mh, eh) = x._dyadic(64)
    exact3 = (3**10**5) ** 3 * 5, (2**10**5) ** 3          # x^3 = 3^(3n) 5 / 2^(3n)
    lo, hi = bd._dy_fraction(ml, el), bd._dy_fraction(mh, eh)
    assert lo ** 3 * exact3[1] <= exact3[0] <= hi ** 3 * exact3[1]
    assert (hi - lo) < lo * F(1, 2**60)


@pytest.mark.parametrize("k", [100, 1000, 40000])  # 64/512-bit, 4096-bit enclosures; the exact test
def test_compare_values_within_tiny_distance_of_each_other(k):
    above, below = PowerProduct.of(F(2**k + 1, 2**k)), PowerProduct.of(F(2**k - 1, 2**k))
    assert above.compare(1) == 1 and below.compare(1) == -1 and above.compare(above) == 0
    root = PowerProduct.of(F(2**k + 1, 2**k), F(1, 3)) * PowerProduct.of(3, F(1, 2))   # vs sqrt(3)
    assert root > PowerProduct.of(3, F(1, 2)) and not root.is_one()


@pytest.mark.parametrize("b, e", [(F(3, 2), F(1, 15013)), (F(2, 7), F(-5, 15013)), (F(10**30 + 1), F(7, 16001))])
def test_roots_of_large_degree_are_certified(b, e):
    # degree D above 2^20 / prec: mpmath candidate, proved by directed powers (checked here exactly)
    (ml, el), (mh, eh) = PowerProduct.of(b, e)._dyadic(64)
    lo, hi = bd._dy_fraction(ml, el), bd._dy_fraction(mh, eh)
    D, P = e.denominator, e.numerator
    target = b ** P
    assert lo ** D <= target <= hi ** D
    assert hi - lo < lo * F(1, 2**60)
    assert bd._dy_root((3, 0), 15013, 72, False) != bd._dy_root((3, 0), 15013, 72, True)


@pytest.mark.parametrize("factor", [F(101, 100), F(99, 100), F(2), F(1, 3), F(2**200), F(1, 2**200)])
def test_root_search_proves_its_ends_whatever_the_guess(factor):
    D, x = 15013, (3, 0)                                    # 3^(1/D)
    r, f = bd._root_guess(x, D, 72)
    bad = (int(r * factor), f)                              # a guess off by `factor`
    lo = bd._dy_fraction(*bd._dy_root_checked(x, D, 72, False, bad))
    hi = bd._dy_fraction(*bd._dy_root_checked(x, D, 72, True, bad))
    assert lo ** D <= 3 <= hi ** D
