"""Exact numbers: parsing, integer roots and logarithms of huge rationals.

Every number enters exactrelu through :func:`to_rational`.  Python floats are refused
where an exact value is required: ``0.1`` as a float is not 1/10, and a verdict built on
it would be about a different number than the user wrote.  Decimal *text* is read exactly.
"""
from __future__ import annotations

import math
import re
from fractions import Fraction

from .errors import InputError

__all__ = ["to_rational", "to_integer", "to_positive", "fmt", "int_text", "parse_int", "shown", "approx", "to_float", "iroot_floor",
           "iroot_ceil", "log10", "MAX_EXPONENT", "MAX_DIGITS", "is_power"]

#: Largest decimal exponent accepted in text such as "1e-300": beyond it the number has
#: more digits than any network file reasonably holds, and "1e999999999" would exhaust memory.
MAX_EXPONENT = 10_000
#: Largest number of characters accepted in one numeral (its digits, sign, point and exponent).
MAX_DIGITS = 100_000
#: Python's int() and str() refuse integers of more than 4300 digits; below this many bits
#: (about 3900 digits) they are used, beyond it python-flint (GMP), which has no such limit.
_NATIVE_BITS = 13_000

_RATIO = re.compile(r"\s*([+-]?[0-9]+)\s*/\s*([+-]?[0-9]+)\s*\Z")
_DECIMAL = re.compile(r"\s*([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?\s*\Z")
_INT = re.compile(r"([+-]?)([0-9]+)\Z")


def to_rational(value, *, what: str = "number") -> Fraction:
    """Read ``value`` exactly as a :class:`~fractions.Fraction`.

    Accepts ``int``, ``Fraction``, and text: integers ("-3"), ratios ("1/256") and
    decimals ("0.125", "1e-3", "2.5E+2"), with ASCII digits, of at most :data:`MAX_DIGITS`
    characters and decimal exponents within +-:data:`MAX_EXPONENT`, at any length below those
    limits (Python's own 4300-digit limit does not apply).  ``what`` names the value in errors.

    >>> to_rational("0.1"), to_rational("3/-6"), to_rational(7)
    (Fraction(1, 10), Fraction(-1, 2), Fraction(7, 1))
    """
    if isinstance(value, bool):
        raise InputError(f"{what}: expected a number, got a boolean {value!r}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        raise InputError(f"{what}: got the float {value!r}; give exact text such as "
                         f"'{value!r}' in quotes or 'p/q'")
    if not isinstance(value, str):
        raise InputError(f"{what}: expected a number, got {type(value).__name__}")
    if len(value) > MAX_DIGITS:
        raise InputError(f"{what}: numeral has {len(value)} characters (the limit is {MAX_DIGITS})")
    m = _RATIO.match(value)
    if m:
        p, q = _int(m.group(1)), _int(m.group(2))
        if q == 0:
            raise InputError(f"{what}: zero denominator in {value!r}")
        return Fraction(p, q)
    m = _DECIMAL.match(value)
    if m and (m.group(2) or m.group(3)):
        sign, whole, frac, exp = m.groups()
        frac = frac or ""
        e = int(exp) if exp else 0
        if abs(e) > MAX_EXPONENT:
            raise InputError(f"{what}: exponent {e} in {value!r} is beyond +-{MAX_EXPONENT}")
        digits = _int((whole or "0") + frac)
        e -= len(frac)
        r = Fraction(digits * 10**e) if e >= 0 else Fraction(digits, 10**-e)
        return -r if sign == "-" else r
    raise InputError(f"{what}: {value!r} is not a number (use an integer, 'p/q' or decimal text)")


def to_integer(value, *, what: str = "number", least: int | None = None, most: int | None = None) -> int:
    """An exact integer from an int or exact text ("12", "1e3", "24/2"), range-checked.

    >>> to_integer("1e3", what="--m", least=1)
    1000
    """
    x = to_rational(value, what=what)
    if x.denominator != 1:
        raise InputError(f"{what}={shown(value)} must be an integer")
    n = x.numerator
    if least is not None and n < least:
        raise InputError(f"{what}={shown(n)} must be an integer >= {least}")
    if most is not None and n > most:
        raise InputError(f"{what}={shown(n)} must be at most {most}")
    return n


def shown(value, limit: int = 60) -> str:
    """A value for an error message: exact text, or its head and length when long.

    >>> shown(10**100)
    '1000000000000000000000000000000000000000... (101 digits)'
    """
    if isinstance(value, (int, Fraction)) and not isinstance(value, bool):
        text, unit = fmt(value), "digits"
    else:
        text, unit = (value if isinstance(value, str) else repr(value)), "characters"
    return text if len(text) <= limit else f"{text[:40]}... ({len(text)} {unit})"


def to_positive(value, *, what: str = "number") -> Fraction:
    """An exact rational > 0."""
    x = to_rational(value, what=what)
    if x <= 0:
        raise InputError(f"{what}={shown(x)} must be > 0")
    return x


def int_text(n: int) -> str:
    """Decimal text of an integer of any size (Python's str() stops at 4300 digits).

    >>> len(int_text(10**5000))
    5001
    """
    if n.bit_length() <= _NATIVE_BITS:
        return str(n)
    import flint
    return str(flint.fmpz(n))


def parse_int(text: str, *, what: str = "integer") -> int:
    """The integer of a decimal numeral ("-12", "+7", "007"), ASCII digits, of any length up to
    :data:`MAX_DIGITS` characters (Python's int() refuses more than 4300 digits).

    >>> parse_int("-" + "9" * 5000) == -(10**5000 - 1)
    True
    """
    if not isinstance(text, str):
        raise InputError(f"{what}: expected integer text, got {type(text).__name__}")
    if len(text) > MAX_DIGITS:
        raise InputError(f"{what}: numeral has {len(text)} characters (the limit is {MAX_DIGITS})")
    m = _INT.match(text)
    if not m:
        raise InputError(f"{what}: {text[:40]!r} is not an integer")
    return -_int(m.group(2)) if m.group(1) == "-" else _int(m.group(2))


def _int(digits: str) -> int:
    """int(digits) of an optionally signed ASCII digit string of any length."""
    if len(digits) < 3900:
        return int(digits)
    if digits[0] in "+-":
        return -_int(digits[1:]) if digits[0] == "-" else _int(digits[1:])
    import flint
    return int(flint.fmpz(digits))


def fmt(x: Fraction | int) -> str:
    """Exact text of a rational: "p/q", or "p" when it is an integer."""
    x = Fraction(x)
    return int_text(x.numerator) if x.denominator == 1 else f"{int_text(x.numerator)}/{int_text(x.denominator)}"


def approx(x, digits: int = 12) -> str:
    """Decimal approximation of a rational for display ("~" text), at any size: float text
    when x is a normal float64, else ``digits`` significant digits (truncated) from the exact value.

    >>> approx(Fraction(1, 3)), approx(10**5000 + 10**4990), approx(Fraction(-2, 10**400))
    ('0.333333333333', '1.0000000001e+5000', '-2e-400')
    """
    x = Fraction(x)
    if x == 0:
        return "0"
    try:
        f = float(x)
        if abs(f) >= 2.2250738585072014e-308 and math.isfinite(f):
            return f"{f:.{digits}g}"
    except OverflowError:
        pass
    a, e = abs(x), math.floor(log10(abs(x)))
    while True:  # q = floor(a 10^(digits - 1 - e)) with exactly `digits` digits
        k = digits - 1 - e
        q = a.numerator * 10**k // a.denominator if k >= 0 else a.numerator // (a.denominator * 10**-k)
        if q >= 10**digits:
            e += 1
        elif q < 10 ** (digits - 1):
            e -= 1
        else:
            break
    s = str(q)
    mant = s[0] + ("." + s[1:].rstrip("0") if s[1:].rstrip("0") else "")
    return f"{'-' if x < 0 else ''}{mant}e{e:+d}"


def iroot_floor(m: int, d: int) -> int:
    """floor(m ** (1/d)) for integers m >= 0, d >= 1, by integer Newton iteration.

    >>> iroot_floor(3125, 5), iroot_floor(3124, 5)
    (5, 4)
    """
    if not isinstance(m, int) or not isinstance(d, int) or isinstance(m, bool):
        raise InputError(f"iroot_floor: need integers, got m={m!r}, d={d!r}")
    if m < 0 or d < 1:
        raise InputError(f"iroot_floor: need m >= 0 and d >= 1, got m={m}, d={d}")
    if m < 2 or d == 1:
        return m
    x = 1 << -(-m.bit_length() // d)  # 2^ceil(bits/d) >= m^(1/d)
    while True:
        y = ((d - 1) * x + m // x ** (d - 1)) // d
        if y >= x:
            return x
        x = y


def iroot_ceil(m: int, d: int) -> int:
    """ceil(m ** (1/d)) by exact integer arithmetic (3125 gives 5 for d = 5, not 6)."""
    r = iroot_floor(m, d)
    return r if r**d == m else r + 1


def is_power(m: int, d: int) -> bool:
    """True when m is a perfect d-th power."""
    return iroot_floor(m, d) ** d == m


def to_float(x) -> float:
    """float(x) for display and sweeps; +-inf beyond the float range instead of OverflowError."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def _log10_int(n: int) -> float:
    n = abs(n)
    if n == 0:
        return -math.inf
    shift = max(0, n.bit_length() - 64)
    return math.log10(n >> shift) + shift * math.log10(2)


def log10(x) -> float:
    """log10 of a huge positive rational, for printing (the exact value decides, not this)."""
    x = Fraction(x)
    if x <= 0:
        raise InputError(f"log10: need a positive number, got {fmt(x)}")
    return _log10_int(x.numerator) - _log10_int(x.denominator)
