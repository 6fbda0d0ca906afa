"""exactrelu regions NET: count the linear regions over a box exactly; --plot draws them (d <= 2)."""
from __future__ import annotations

import json

from ._args import count, seconds
from ..errors import InputError
from ..io import load_net, parse_box, write_atomic
from ..numbers import fmt

HELP = "count a network's linear regions over a box (exact); --plot draws them for d <= 2"


def add_arguments(p):
    p.add_argument("net", help="network file")
    p.add_argument("--box", help="box (default: the net's domain, else [0,1]^d)")
    p.add_argument("--max-regions", type=count, default=100_000, help="stop (exit 2) beyond this many regions")
    p.add_argument("--time-limit", type=seconds, default=600.0, help="stop (exit 2) after this many seconds")
    p.add_argument("--plot", metavar="PNG", help="draw the regions and the function (d <= 2; needs matplotlib)")
    p.add_argument("--json", action="store_true", help='print {"regions": n, "box": [...]}')


def plot(net, regions, box, path):
    """Regions as exact polygons coloured by the output's value at their interior point (d = 2),
    or the function with its breakpoints (d = 1)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError("--plot needs matplotlib: pip install 'exactrelu[plot]'") from None
    fig, ax = plt.subplots(figsize=(6, 5))
    if net.input_dim == 1:
        pts = sorted({v[0] for r in regions for v in r.vertices})
        ax.plot([float(t) for t in pts], [float(net((t,))[0]) for t in pts], "-k", lw=1)
        for t in pts:
            ax.axvline(float(t), color="0.85", lw=0.5, zorder=0)
        ax.set_xlabel("x")
        ax.set_ylabel("net(x)")
        ax.set_title(f"{len(regions)} linear pieces on [{fmt(box[0][0])}, {fmt(box[0][1])}]")
    else:
        from matplotlib.collections import PolyCollection
        import math
        polys, vals = [], []
        for r in regions:
            cx = sum(float(v[0]) for v in r.vertices) / len(r.vertices)
            cy = sum(float(v[1]) for v in r.vertices) / len(r.vertices)
            verts = sorted(((float(v[0]), float(v[1])) for v in r.vertices),
                           key=lambda p: math.atan2(p[1] - cy, p[0] - cx))
            polys.append(verts)
            vals.append(float(net(r.interior)[0]))
        pc = PolyCollection(polys, array=vals, cmap="viridis", edgecolors="white", linewidths=0.3)
        ax.add_collection(pc)
        fig.colorbar(pc, ax=ax, label="net at the region's interior point")
        ax.set_xlim(float(box[0][0]), float(box[0][1]))
        ax.set_ylim(float(box[1][0]), float(box[1][1]))
        ax.set_aspect("equal")
        ax.set_title(f"{len(regions)} linear regions")
    fig.tight_layout()
    try:
        write_atomic(path, lambda f: fig.savefig(f, format="png", dpi=120))
    finally:
        plt.close(fig)


def run(args) -> int:
    from ..analysis.regions import linear_regions
    net = load_net(args.net)
    box = parse_box(args.box, net.input_dim) if args.box is not None else net.box()
    if args.max_regions < 1:
        raise InputError(f"--max-regions={args.max_regions} must be >= 1")
    if args.plot and net.input_dim > 2:
        raise InputError(f"--plot: input dimension {net.input_dim}; plots are for d <= 2")
    want = bool(args.plot)
    regions = []
    n = 0
    for r in linear_regions(net, box, max_regions=args.max_regions, time_limit=args.time_limit,
                            vertices=want):
        n += 1
        if want:
            regions.append(r)
    if args.plot:
        plot(net, regions, box, args.plot)
    if args.json:
        print(json.dumps({"regions": n, "box": [[fmt(a), fmt(b)] for a, b in box], "exact": True}))
    else:
        print(f"{n} linear regions over {' x '.join(f'[{fmt(a)}, {fmt(b)}]' for a, b in box)} (exact)")
    return 0
