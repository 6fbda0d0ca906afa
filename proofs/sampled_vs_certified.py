"""Sampled L-infinity errors of trained students never exceed their certified sup, and by how much they fall short.

The paper's experiments (ICLR 2023 §3; reference code juliusberner/theory2practice, docs/derivations.md §11) report the L-infinity error
of a student against its teacher as the maximum of |student - teacher| over random test points.
That is a lower estimate of the uniform error.  Here, for students trained with Adam on small
teachers (the code's setting scaled down: domain [-1/2, 1/2]^d, teachers with weights and
biases uniform on [-1/2, 1/2], made exact as k/2^16):

* ``sampled.below_certified``: the exact error at every sampled test point (each float64 point
  is an exact rational; the student is the exact Net of its float64 weights) is <= the certified
  sup of |student - teacher| over the box: the value (or upper bound) stated by a certificate the
  kernel accepted (sup()'s replay, or a replay here), never an unreplayed number.  The float64 maximum of the code is reported beside.
* ``sampled.certificate_replayed``: the sup certificate, through JSON, replays in the kernel,
  its box is the whole domain [-1/2, 1/2]^d, and its value (lower, upper) are the reported ones.

Notes per case give the ratio certified / sampled (how much sampling under-estimates), also for
nested prefixes of the test set (64, 256, 1024, ... points).  Hooks: ``cases`` (list of case
dicts), ``sup_fn(student, teacher) -> SupResult`` (a broken sup), ``tamper(certificate)``.
"""
from __future__ import annotations

import json
import sys
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exactrelu import kernel  # noqa: E402
from exactrelu.learning.teacher_student import (HALF_BOX, TrainConfig, certified_sup, exact_errors,  # noqa: E402
                                                  sampled_errors, teacher, train_student, uniform_points)
from exactrelu.numbers import to_rational  # noqa: E402
from exactrelu.proofkit import run_script  # noqa: E402

SOURCE = "paper §3 [K]; reference code juliusberner/theory2practice [C]"
#: teacher (L, B), student config, m, seeds; scaled down from the code's 5 x 32 teachers.
FULL = [
    {"d": 1, "teacher": (4, 8), "m": 64, "teacher_seed": 0, "seed": 0, "width": 16},
    {"d": 1, "teacher": (4, 8), "m": 256, "teacher_seed": 1, "seed": 1, "width": 16},
    {"d": 2, "teacher": (3, 6), "m": 64, "teacher_seed": 2, "seed": 2, "width": 8},
    {"d": 2, "teacher": (3, 6), "m": 256, "teacher_seed": 3, "seed": 3, "width": 8},
]
QUICK = [FULL[0], FULL[2]]
N_TEST = 4096
EPOCHS = 200


def _case(spec, sup_fn):
    from exactrelu.torchio import from_torch
    import numpy as np
    d = spec["d"]
    T = teacher(d, *spec["teacher"], seed=spec["teacher_seed"])
    cfg = TrainConfig(width=spec.get("width", 16), depth=spec.get("depth", 3), epochs=spec.get("epochs", EPOCHS))
    model, info = train_student(T, spec["m"], config=cfg, seed=spec["seed"])
    S = from_torch(model, domain=HALF_BOX(d))
    X = uniform_points(np.random.default_rng([spec["seed"], 1]), spec.get("n_test", N_TEST), d)
    sf = sampled_errors(model, T, X)
    errs = exact_errors(S, T, X)
    r = (sup_fn or certified_sup)(S, T)
    return T, S, info, sf, errs, r


def _accepted_upper(S, T, r):
    """(Checked, upper) for the certificate ``r.certificate``: ``upper`` is its stated value (or upper
    bound), accepted by the kernel: sup()'s own replay when its statement ends with that number
    (no second replay), else a replay here (CertificateRejected propagates: the claim fails)."""
    cert = r.certificate
    upper = to_rational(cert["value"] if "value" in cert else cert["upper"])
    chk = r.checked
    if chk is None or chk.kind not in ("sup", "sup_interval") or chk.statement.split()[-1] != str(upper):
        chk = kernel.replay((S, T), cert, expect=("sup", "sup_interval"))
    return chk, upper


def _cases_text(cases) -> str:
    return ("domain [-1/2, 1/2]^d; (d, teacher L x B, m, student width, seeds) in {"
            + ", ".join(f"({s['d']}, {s['teacher'][0]}x{s['teacher'][1]}, {s['m']}, {s.get('width', 16)}, "
                        f"{s['teacher_seed']}/{s['seed']})" for s in cases)
            + f"}}; {cases[0].get('n_test', N_TEST) if cases else N_TEST} test points each")


def checks(report, quick=False, **hooks):
    """Sampled L-inf errors of trained students vs the certified sup (exact)."""
    cases = hooks.get("cases") or (QUICK if quick else FULL)
    sup_fn, tamper = hooks.get("sup_fn"), hooks.get("tamper")
    results = []
    with report.claim("sampled.below_certified", SOURCE,
                      "exact error at every sampled test point <= certified sup |student - teacher|") as c:
        c.over(_cases_text(cases))
        for spec in cases:
            T, S, info, sf, errs, r = _case(spec, sup_fn)
            results.append((spec, T, S, r))
            tag = f"d={spec['d']} teacher {'-'.join(map(str, T.architecture))} student " \
                  f"{'-'.join(map(str, S.architecture))} m={spec['m']}"
            _, upper = _accepted_upper(S, T, r)   # the number the kernel accepted, not r's fields
            worst = max(errs)
            c.check(all(e <= upper for e in errs), f"{tag}: sampled {float(worst):.6g} > certified {float(upper):.6g}")
            cert = r.value if r.exact else r.lower
            ratios = []
            n = 64
            while n <= len(errs):
                ratios.append(f"{n}:{float(cert / max(errs[:n])):.4g}")
                n *= 4
            c.note(f"{tag}: sampled max (float64, {sf['n']} pts) {sf['linf']:.6g}, exact at the same points "
                   f"{float(worst):.6g}, certified sup {float(cert):.6g}{'' if r.exact else ' (lower)'}; "
                   f"ratio certified/sampled {float(cert / worst):.4g} (by test-set size {', '.join(ratios)}); "
                   f"L2 {sf['l2']:.3g}, train mse {info['train_mse']:.3g}, {info['seconds']:.1f}s training")
    with report.claim("sampled.certificate_replayed", "exactrelu kernel", "the sup certificate replays (JSON round trip)") as c:
        c.over(_cases_text([spec for spec, *_ in results]))
        for spec, T, S, r in results:
            cert = json.loads(json.dumps(r.certificate))
            if tamper is not None:
                cert = tamper(cert)
            box = [(to_rational(lo), to_rational(hi)) for lo, hi in cert.get("box", [])]
            c.check(box == list(HALF_BOX(spec["d"])), f"d={spec['d']}: certificate box is the domain")
            chk = kernel.replay((S, T), cert, expect=("sup", "sup_interval"))
            stated = Fraction(cert["value"] if "value" in cert else cert["lower"])
            c.check(stated == (r.value if r.exact else r.lower), f"d={spec['d']}: replayed value is the reported one")
            stated_up = Fraction(cert["value"] if "value" in cert else cert["upper"])
            c.check(stated_up == (r.value if r.exact else r.upper),
                    f"d={spec['d']}: replayed upper {stated_up} is not the reported {r.value if r.exact else r.upper}")
            c.note(f"d={spec['d']} m={spec['m']}: {chk.statement[:60]}... ({chk.instances} leaves)")


if __name__ == "__main__":
    raise SystemExit(run_script(checks))
