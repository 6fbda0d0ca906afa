"""The lower-bound adversary defeats every shipped learning algorithm, with replayed certificates.

Berner, Grohs, Voigtlaender (ICLR 2023), slides [S]; docs/derivations.md §6-7: for any algorithm that sees u only
through m point samples, some grid bump +-phi_y in N(d, L, 3d, c, inf) that none of its
queries touches makes it err by at least ||phi_y||_inf on one of the two signs.  For each
shipped learner (claim ``adversary.<learner>``) and several (m, d, L, c, seed):

* the adversary's run (:func:`exactrelu.learning.adversary.fool`) ends defeated, with its
  certificate replayed by the kernel;
* the certificate, written to JSON and read back, replays again independently
  (:func:`~exactrelu.learning.adversary.replay_certificate`) and says defeated;
* the three runs (u = 0, +phi_y, -phi_y) asked the same points, saw only zeros, and returned
  the same predictor (bit for bit);
* the pigeonhole count: at least N - (number of queries) >= N/2 bumps were untouched;
* for network predictors, the certified sups max(sup|P - phi|, sup|P + phi|) >= ||phi||_inf.

A learner that needs torch (``adam``) fails its claim when torch is missing: a skipped
check is a failure.  Hooks: ``learners`` (name -> callable, replacing or adding learners),
``tamper`` (certificate -> certificate before the replay), ``choose_y`` (queries, M, d -> y).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exactrelu.learning.adversary import fool, replay_certificate  # noqa: E402
from exactrelu.learning.learners import LEARNERS  # noqa: E402
from exactrelu.numbers import fmt  # noqa: E402
from exactrelu.proofkit import run_script  # noqa: E402

SOURCE = "slides [S] (grid bumps, pigeonhole); acted out [R] reconstruction (docs/derivations.md §6)"
#: (m, d, L, c, seed) instances; c as exact text.
FULL = [(8, 1, 3, "1", 0), (16, 2, 3, "1", 1), (5, 2, 4, "1/2", 2), (27, 3, 3, "2", 3)]
QUICK = [(8, 1, 3, "1", 0), (9, 2, 3, "1/2", 1)]


def checks(report, quick=False, **hooks):
    """Every shipped learner is defeated by the grid-bump adversary, with replayed certificates."""
    learners = {**LEARNERS, **hooks.get("learners", {})}
    tamper, choose_y = hooks.get("tamper"), hooks.get("choose_y")
    instances = QUICK if quick else FULL
    for name, learner in learners.items():
        with report.claim(f"adversary.{name}", SOURCE,
                          f"{name} errs by >= ||phi_y||_inf on +phi_y or -phi_y (certified)") as c:
            c.over("(m, d, L, c, seed) in {" + ", ".join(f"({m}, {d}, {L}, {cc}, {s})" for m, d, L, cc, s in instances)
                   + "}")
            for m, d, L, cc, seed in instances:
                tag = f"m={m} d={d} L={L} c={cc} seed={seed}"
                r = fool(learner, m, d, L, cc, seed=seed, name=name, tamper=tamper, y=choose_y)
                c.check(r.ok, f"{tag}: {'; '.join(r.failures) or 'not defeated'}")
                if r.failures or r.certificate is None:
                    continue
                again = replay_certificate(json.loads(json.dumps(r.certificate)))
                c.check(again["defeated"] is True, f"{tag}: the JSON certificate replays as defeated")
                c.check(r.same_run.get("queries") is True and r.same_run.get("answers_zero") is True
                        and r.same_run.get("predictor") is True, f"{tag}: same run on 0, +phi, -phi {r.same_run}")
                c.check(len(r.queries) <= m and r.untouched >= r.N - len(r.queries) and 2 * r.untouched >= r.N,
                        f"{tag}: pigeonhole {r.untouched} of {r.N} untouched after {len(r.queries)} queries")
                if r.predictor_kind in ("net", "torch"):
                    sups = again["errors"]["sup"]
                    c.check(len(sups) == 2 and max(sups.values()) >= r.peak,
                            f"{tag}: certified sups {[fmt(v) for v in sups.values()]} vs ||phi|| = {fmt(r.peak)}")
                err = max(r.point_errors.values())
                sups = again["errors"]["sup"]
                sup_txt = f" certified sups +{float(sups['plus']):.6g} -{float(sups['minus']):.6g}" if sups else ""
                c.note(f"{tag}: y={[fmt(v) for v in r.y]} M={r.M} peak={fmt(r.peak)} "
                       f"error at y>={float(err):.6g}{sup_txt} ({r.predictor_kind}, {len(r.queries)} queries, "
                       f"{r.seconds:.2f}s)")


if __name__ == "__main__":
    raise SystemExit(run_script(checks))
