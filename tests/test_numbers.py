from fractions import Fraction as F

import pytest
from hypothesis import given, strategies as st

from exactrelu.errors import InputError
from exactrelu.numbers import approx, fmt, iroot_ceil, iroot_floor, is_power, log10, shown, to_integer, to_rational


@pytest.mark.parametrize("text,value", [
    ("1/256", F(1, 256)), ("2", F(2)), ("0.125", F(1, 8)), ("0.1", F(1, 10)), ("-3/-6", F(1, 2)),
    ("1e-3", F(1, 1000)), ("2.5E+2", F(250)), (".5", F(1, 2)), ("-0", F(0)), (" 7 ", F(7)), ("5.", F(5)),
])
def test_parse_exact(text, value):
    assert to_rational(text) == value


@pytest.mark.parametrize("bad", ["", "abc", "1/0", "nan", "NaN", "inf", "Infinity", "1e999999999",
                                 "1/2/3", "0x10", "1e", ".", "--1", 0.1, None, True, [1]])
def test_parse_refuses(bad):
    with pytest.raises(InputError):
        to_rational(bad)


def test_float_refused_with_advice():
    with pytest.raises(InputError, match="float"):
        to_rational(0.5)


@given(st.integers(0, 10**60), st.integers(1, 9))
def test_iroot_floor_brackets(m, d):
    r = iroot_floor(m, d)
    assert r**d <= m < (r + 1) ** d
    c = iroot_ceil(m, d)
    assert (c - 1) ** d < m <= c**d or (m == 0 and c == 0)


@given(st.integers(1, 400), st.integers(1, 7))
def test_perfect_powers(k, d):
    assert iroot_ceil(k**d, d) == k == iroot_floor(k**d, d) and is_power(k**d, d)


def test_float_root_is_wrong_where_integer_root_is_right():
    # the reason iroot_ceil exists: 3125 ** (1/5) = 5.000000000000001 in float64
    import math
    assert math.ceil(3125 ** (1 / 5)) == 6 and iroot_ceil(3125, 5) == 5


@given(st.fractions(min_value=F(1, 10**30), max_value=F(10**30)))
def test_log10_close(x):
    import math
    assert abs(log10(x) - math.log10(x.numerator) + math.log10(x.denominator)) < 1e-9


def test_log10_huge():
    assert abs(log10(2**120 * 45**75) - 160.1145) < 1e-3


@given(st.fractions())
def test_fmt_roundtrip(x):
    assert to_rational(fmt(x)) == x


@pytest.mark.parametrize("x, text", [
    (F(1, 3), "0.333333333333"), (10**5000, "1e+5000"), (-(10**5000 + 10**4990), "-1.0000000001e+5000"),
    (F(2, 10**400), "2e-400"), (F(10**4000 - 1, 10**8000), "9.99999999999e-4001"), (0, "0"), (F(-7, 2), "-3.5"),
], ids=["third", "1e5000", "-1e5000", "2e-400", "below-1e-4000", "zero", "-7/2"])
def test_approx_at_any_size(x, text):
    assert approx(x) == text


@given(st.fractions(min_value=F(1, 10**350), max_value=F(10**350)))
def test_approx_truncates_the_exact_value(x):
    t = approx(x)
    if "e" in t and abs(int(t.split("e")[1])) > 300:
        m, e = t.split("e")
        v = F(m) * F(10) ** int(e)
        assert v <= x < v + F(10) ** (int(e) - 11)


def test_messages_shorten_huge_values():
    with pytest.raises(InputError) as e:
        to_integer("1e5000", what="--d", most=10)
    assert "(5001 digits)" in str(e.value) and len(str(e.value)) < 120
    assert shown("x" * 100).endswith("(100 characters)") and shown(F(1, 3)) == "1/3"
