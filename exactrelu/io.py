"""File formats of docs/formats.md: network files, points files, JSON reports.

Numbers are read exactly: "p/q", integers, decimal text; a JSON float literal is read
from its decimal text (``0.1`` is 1/10), a JSON integer literal of any length up to
:data:`~exactrelu.numbers.MAX_DIGITS` characters exactly.  NaN and Infinity are refused, and so
are a key given twice in one object (in every file) and a key the format does not define (in
network and points files): a typo such as "domian" must not be read as "no domain".  Outputs
are written atomically (temporary file, then rename), so a failure never leaves half a file,
with the permissions a new file gets under the umask.
"""
from __future__ import annotations

import difflib
import json
import os
import stat
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

from .errors import InputError
from .net import Net
from .numbers import fmt, parse_int, to_rational

__all__ = ["read_json", "load_net", "net_from_dict", "save_net", "load_points",
           "points_from_obj", "write_atomic", "dumps", "check_keys", "NET_KEYS", "LAYER_KEYS", "POINTS_KEYS"]


#: The keys each object of the formats may have (docs/formats.md); any other key is refused.
#: Deepest JSON nesting read (certificate trees: a few levels above the kernel's MAX_DEPTH = 5000 nodes).
MAX_NESTING = 6_000
NET_KEYS = ("format", "version", "input_dim", "layers", "domain")
LAYER_KEYS = ("weight", "bias")
POINTS_KEYS = ("points",)


def _no_constants(name):
    raise InputError(f"{name} is not a number")


def _json_int(text):
    """A JSON integer literal (-?digits by the grammar), exactly at any length up to MAX_DIGITS."""
    return int(text) if len(text) < 3000 else parse_int(text, what="integer literal")


def _no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise InputError(f"key {k!r} appears twice in one object")
        obj[k] = v
    return obj


def check_keys(obj: dict, allowed, where: str) -> None:
    """Refuse a key outside ``allowed``, naming it (and the nearest allowed key)."""
    for k in obj:
        if k not in allowed:
            near = difflib.get_close_matches(str(k), allowed, n=1)
            hint = f"did you mean {near[0]!r}?" if near else f"allowed: {', '.join(allowed)}"
            raise InputError(f"{where}unknown key {k!r} ({hint})")


def read_json(path) -> object:
    """Parse a JSON file; JSON floats stay decimal text so they are read exactly later."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read ({e.__class__.__name__}: {e})") from None
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, MAX_NESTING + 1_000))   # certificate trees nest up to the kernel's depth
    try:
        return json.loads(text, parse_float=str, parse_int=_json_int, parse_constant=_no_constants,
                          object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise InputError(f"{path}: nested deeper than about {MAX_NESTING} levels (the reader's limit)") from None
    except InputError as e:
        raise InputError(f"{path}: {e}") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: malformed JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    except ValueError as e:  # e.g. an integer with too many digits
        raise InputError(f"{path}: {e}") from None
    finally:
        sys.setrecursionlimit(old)


def net_from_dict(obj, where: str = "") -> Net:
    """Build a Net from the docs/formats.md dict; errors name ``where`` (the file)."""
    pre = f"{where}: " if where else ""
    if not isinstance(obj, dict):
        raise InputError(f"{pre}network file must be a JSON object")
    check_keys(obj, NET_KEYS, pre)
    if obj.get("format", "exactrelu.net") != "exactrelu.net":
        raise InputError(f"{pre}format is {obj.get('format')!r}, expected 'exactrelu.net'")
    if obj.get("version", 1) != 1:
        raise InputError(f"{pre}version {obj.get('version')!r} is not supported (expected 1)")
    layers = obj.get("layers")
    if not isinstance(layers, list) or not layers:
        raise InputError(f"{pre}'layers' must be a non-empty list")
    pairs = []
    for l, lay in enumerate(layers):
        if not isinstance(lay, dict) or "weight" not in lay or "bias" not in lay:
            raise InputError(f"{pre}layer {l}: needs 'weight' and 'bias'")
        check_keys(lay, LAYER_KEYS, f"{pre}layer {l}: ")
        pairs.append((lay["weight"], lay["bias"]))
    d = obj.get("input_dim")
    if d is not None and (isinstance(d, bool) or not isinstance(d, int) or d < 1):
        raise InputError(f"{pre}input_dim={d!r} must be an integer >= 1")
    domain = obj.get("domain")
    if domain is not None:
        if not isinstance(domain, list) or not all(isinstance(iv, list) and len(iv) == 2 for iv in domain):
            raise InputError(f"{pre}domain must be a list of [lo, hi] pairs")
    return Net(pairs, input_dim=d, domain=domain, where=pre)


def load_net(path) -> Net:
    return net_from_dict(read_json(path), where=str(path))


def dumps(obj) -> str:
    return json.dumps(obj, indent=1)


def write_atomic(path, data) -> None:
    """Write ``data`` (text, bytes, or a callable taking a binary file) to ``path`` through a
    temporary file in the same folder and a rename: a failure never leaves half a file.

    The file gets the mode of the file it replaces, or, when new, the mode ``open()`` would
    give it (0666 less the umask), not the temporary file's private 0600."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{path}: folder {folder} does not exist")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file name")
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        mode = 0o666 & ~mask
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_net(net: Net, path) -> None:
    write_atomic(path, dumps(net.to_dict()) + "\n")


def points_from_obj(obj, dim: int | None = None, where: str = "points") -> list[tuple[Fraction, ...]]:
    """Points from ``{"points": [[...], ...]}`` or a bare list of lists."""
    if isinstance(obj, dict):
        if "points" not in obj:
            raise InputError(f"{where}: needs a 'points' list")
        check_keys(obj, POINTS_KEYS, f"{where}: ")
        obj = obj["points"]
    if not isinstance(obj, list):
        raise InputError(f"{where}: expected a list of points")
    pts = []
    for i, p in enumerate(obj):
        if not isinstance(p, list):
            raise InputError(f"{where}: point {i} is not a list")
        if dim is not None and len(p) != dim:
            raise InputError(f"{where}: point {i} has {len(p)} coordinates, expected {dim}")
        pts.append(tuple(to_rational(v, what=f"{where}: point {i} coordinate {j}") for j, v in enumerate(p)))
    return pts


def load_points(path, dim: int | None = None):
    return points_from_obj(read_json(path), dim, where=str(path))


def parse_point(text: str, what: str = "point") -> tuple[Fraction, ...]:
    """A comma-separated point: "3/16,5/16"."""
    if not text or not text.strip():
        raise InputError(f"{what}: empty")
    return tuple(to_rational(t, what=f"{what} coordinate {i}") for i, t in enumerate(text.split(",")))


def parse_box(text: str, d: int, what: str = "--box") -> tuple[tuple[Fraction, Fraction], ...]:
    """A box: "0,1" (every axis) or "0,1:0,1/2" (per axis)."""
    parts = text.split(":")
    if len(parts) not in (1, d):
        raise InputError(f"{what}: {len(parts)} intervals for input dimension {d}")
    box = []
    for i, part in enumerate(parts):
        lohi = part.split(",")
        if len(lohi) != 2:
            raise InputError(f"{what}: interval {i} {part!r} must be 'lo,hi'")
        lo, hi = (to_rational(t, what=f"{what} interval {i}") for t in lohi)
        if lo > hi:
            raise InputError(f"{what}: interval {i} has lo {fmt(lo)} > hi {fmt(hi)}")
        box.append((lo, hi))
    return tuple(box * d if len(parts) == 1 else box)
