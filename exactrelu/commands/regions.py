"""exactrelu regions NET: count a network's activation regions over a box exactly (cells of constant
activation pattern); --pieces also counts its linear pieces; --plot draws the function (d <= 2)."""
from __future__ import annotations

import json
from pathlib import Path

from ._args import count, seconds
from ..errors import InputError
from ..io import load_net, parse_box, write_atomic
from ..numbers import fmt, to_float
from ..progress import add_option as add_progress_option, deadline, wanted as progress_wanted

HELP = ("count a network's activation regions (cells of constant activation pattern) over a box, exactly; "
        "--pieces: its linear pieces; --plot: draw the function (d <= 2)")
DESCRIPTION = (HELP + ".  An activation region is a set where every hidden neuron keeps its sign; on it the net "
               "is one affine map.  Neighbouring regions can carry the same affine map: --pieces merges them "
               "into linear pieces (exact LPs).  On a degenerate box (lo == hi on some axes) both counts are "
               "those of the function restricted to the box.")

#: --plot formats, by file suffix.
PLOT_FORMATS = {".png": "png", ".pdf": "pdf", ".svg": "svg"}


def add_arguments(p):
    p.add_argument("net", help="network file")
    p.add_argument("--box", help="box (default: the net's domain, else [0,1]^d)")
    p.add_argument("--pieces", action="store_true",
                   help="also count the linear pieces: neighbouring activation regions with the same affine map merged")
    p.add_argument("--max-regions", type=count, default=100_000,
                   help="stop (exit 3) beyond this many regions; refused up front (exit 2) when the first layer "
                        "alone shows more")
    p.add_argument("--time-limit", type=seconds, default=600.0, help="stop (exit 3) after this many seconds")
    p.add_argument("--plot", metavar="FILE",
                   help="draw the function over the box with the region edges (d <= 2; .png, .pdf or .svg; "
                        "needs matplotlib)")
    p.add_argument("--json", action="store_true",
                   help='print {"regions": n, ["pieces": m,] "box": [...], "exact": true}')
    add_progress_option(p)


def _plot_format(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in PLOT_FORMATS:
        raise InputError(f"--plot {path}: unknown suffix {suffix or '(none)'!r}; use one of {', '.join(PLOT_FORMATS)}")
    folder = Path(path).parent
    if str(folder) and not folder.is_dir():
        raise InputError(f"--plot {path}: folder {folder} does not exist")
    try:
        import matplotlib
        matplotlib.use("Agg")
    except ImportError:
        raise InputError("--plot needs matplotlib: pip install 'exactrelu[plot]'") from None
    return PLOT_FORMATS[suffix]


def _box_text(box) -> str:
    return " x ".join(f"[{fmt(a)}, {fmt(b)}]" for a, b in box)


def plot(net, regions, box, path, fmt_name="png", n_pieces=None):
    """d = 2: a colour map of the function (float64 on a grid, for the picture only) with the exact
    region edges drawn over it; d = 1: the function with its breakpoints."""
    import math

    import matplotlib.pyplot as plt
    import numpy as np
    fig, ax = plt.subplots(figsize=(6, 5))
    what = f"{len(regions)} activation regions" + (f", {n_pieces} linear pieces" if n_pieces is not None else "")
    if net.input_dim == 1:
        pts = sorted({v[0] for r in regions for v in r.vertices})
        ys = [to_float(net((t,))[0]) for t in pts]
        if not all(map(math.isfinite, ys + [to_float(t) for t in pts])):
            raise InputError(f"--plot: values beyond the float64 range cannot be drawn ({path})")
        ax.plot([float(t) for t in pts], ys, "-k", lw=1)
        for t in pts:
            ax.axvline(float(t), color="0.85", lw=0.5, zorder=0)
        ax.set_xlabel("x")
        ax.set_ylabel("net(x)")
    else:
        (x0, x1), (y0, y1) = [(float(a), float(b)) for a, b in box]
        n = 301
        X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
        P = np.stack([X.ravel(), Y.ravel()], 1)
        f64 = net.to_float64()
        with np.errstate(over="ignore", invalid="ignore"):
            Z = np.concatenate([f64(P[k:k + 4096])[:, 0] for k in range(0, len(P), 4096)]).reshape(n, n)
        if not (np.isfinite(Z).all() and np.isfinite([x0, x1, y0, y1]).all()):
            raise InputError(f"--plot: values beyond the float64 range cannot be drawn ({path})")
        im = ax.imshow(Z, origin="lower", extent=(x0, x1, y0, y1), cmap="viridis", interpolation="nearest",
                       aspect="auto")     # a raster: small and fast in PDF and SVG too
        fig.colorbar(im, ax=ax, label="net(x)")
        if Z.max() > Z.min():
            ax.contour(X, Y, Z, levels=10, colors="k", linewidths=0.3, alpha=0.5)
        for r in regions:
            cx = sum(float(v[0]) for v in r.vertices) / len(r.vertices)
            cy = sum(float(v[1]) for v in r.vertices) / len(r.vertices)
            vs = sorted(((float(v[0]), float(v[1])) for v in r.vertices),
                        key=lambda p: math.atan2(p[1] - cy, p[0] - cx))
            ax.plot([p[0] for p in vs + vs[:1]], [p[1] for p in vs + vs[:1]], "-", color="white", lw=0.4)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
    ax.set_title(f"net over {_box_text(box)}: {what}", fontsize=9)
    fig.tight_layout()
    try:
        write_atomic(path, lambda f: fig.savefig(f, format=fmt_name, dpi=120))
    finally:
        plt.close(fig)


def _count(net, box, args, bar):
    """(regions kept for the plot, number of regions, number of pieces or None)."""
    from ..analysis.regions import linear_regions, pieces
    if args.pieces:
        groups = pieces(net, box, max_regions=args.max_regions, time_limit=args.time_limit,
                        vertices=bool(args.plot), progress=bar)
        regions = [r for g in groups for r in g]
        return regions, len(regions), len(groups)
    regions, n = [], 0
    for r in linear_regions(net, box, max_regions=args.max_regions, time_limit=args.time_limit,
                            vertices=bool(args.plot), progress=bar):
        n += 1
        if args.plot:
            regions.append(r)
    return regions, n, None


def run(args) -> int:
    net = load_net(args.net)
    box = parse_box(args.box, net.input_dim) if args.box is not None else net.box()
    if args.max_regions < 1:
        raise InputError(f"--max-regions={args.max_regions} must be >= 1")
    fmt_name = None
    if args.plot:
        if net.input_dim > 2:
            raise InputError(f"--plot: input dimension {net.input_dim}; plots are for d <= 2")
        flat = [i for i, (lo, hi) in enumerate(box) if lo == hi]
        if flat:
            raise InputError(f"--plot: the box {_box_text(box)} is degenerate on axis {flat[0]} (lo == hi); "
                             f"plots need a full-dimensional box")
        fmt_name = _plot_format(args.plot)
    bar = progress_wanted(args.progress, json=args.json)
    # the search checks its time before every neuron; the deadline also stops a single long LP
    with deadline(args.time_limit + 1.0, f"regions: time_limit={args.time_limit:g}s"):
        regions, n, n_pieces = _count(net, box, args, bar)
    if args.plot:
        plot(net, regions, box, args.plot, fmt_name, n_pieces)
    if args.json:
        out = {"regions": n}
        if n_pieces is not None:
            out["pieces"] = n_pieces
        out.update({"box": [[fmt(a), fmt(b)] for a, b in box], "exact": True})
        print(json.dumps(out))
    else:
        tail = f"; {n_pieces} linear pieces" if n_pieces is not None else ""
        print(f"{n} activation regions over {_box_text(box)} (exact){tail}")
    return 0
