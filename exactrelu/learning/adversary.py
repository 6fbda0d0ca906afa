"""The lower-bound adversary: fool any sampling algorithm with a grid bump, and certify it.

Berner, Grohs, Voigtlaender (ICLR 2023), slides [S]; docs/derivations.md §6-7.  Given a learning algorithm
``learner(oracle, m, d, rng) -> predictor`` with a budget of m samples and the class
N(d, L, 3d, c, inf):

1. run it on u = 0 with a fixed seed and record the points it asks for;
2. find a grid bump phi_y (M = 8 ceil(m^(1/d)), centres {(2j-1)/M}^d) that no query touches
   (M ||x - y||_1 < 1 for no query x).  Each query touches at most one of the N = (M/2)^d >= 4m
   bumps, so at least N - m >= 3N/4 are untouched (N/2 with the 2m samples of the Markov step);
3. build +phi_y and -phi_y in N(d, L, 3d, c, inf) and re-run the algorithm on both with the
   same seed.  It sees the same zeros, so it asks the same points and returns the same
   predictor P; this is checked (queries and answers identical; the predictor compared bit for
   bit: an exact Net by its entries, a torch module by its parameter bytes, the shipped
   callables by their data, any other callable by its values at y and at the queries);
4. certify that the uniform error on one of +-phi_y is >= ||phi_y||_inf = phi_y(y):
   ``|P(y) - phi(y)| + |P(y) + phi(y)| >= 2 phi(y)``, so one of the two errors at the single
   point y is >= phi(y) (a witness-only certificate, exact, valid for any predictor), and,
   when P is a network (exact, or a float64 net read exactly), the certified sups
   sup |P - phi| and sup |P + phi| over [0, 1]^d from :func:`exactrelu.analysis.sup.sup`,
   replayed by the kernel.  ||phi_y||_inf = phi_y(y) is itself certified by a sup.

The certificate is a JSON dict (``FoolResult.certificate``) and :func:`replay_certificate`
re-checks it from the JSON alone, with the kernel: phi's class membership, the grid, that phi
vanishes at every query, phi(y), ||phi||_inf, P(y) for network predictors, the sups, and the
final inequality.  The values P(y) of a black-box callable are recorded evidence (the replay
has no predictor to re-run); :func:`fool` evaluated them itself.

>>> from exactrelu.learning.learners import a_star
>>> r = fool(a_star, m=4, d=1, L=3, c=1)
>>> r.ok, r.M, r.y, r.peak
(True, 32, (Fraction(1, 32),), Fraction(3, 64))
"""
from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .. import kernel
from ..calculus import scale
from ..errors import CertificateRejected, ExactReluError, InputError
from ..io import net_from_dict
from ..net import INF, Net, NetClass
from ..numbers import fmt, to_rational
from .oracle import OracleError, SampleOracle, exact_value, unit_box

__all__ = ["FoolResult", "fool", "replay_certificate", "trusted", "exact_predictor", "ExactPredictor",
           "choose_bump", "ZERO"]

_ZERO = Fraction(0)


def ZERO(x) -> Fraction:  # noqa: N802  (the target u = 0)
    """The target u = 0."""
    return _ZERO


# -- predictors, read exactly ---------------------------------------------------------------------

@dataclass
class ExactPredictor:
    """A learner's output made exact: ``kind`` is "net", "torch" or "callable"."""
    kind: str
    fn: object                  # exact point -> Fraction
    net: Net | None = None      # the exact network, when there is one
    fingerprint: object = None  # bit-for-bit identity (None: compare values only)


def _is_torch_module(obj) -> bool:
    mod = type(obj).__module__ or ""
    return hasattr(obj, "state_dict") and hasattr(obj, "parameters") and mod.startswith("torch")


def _scalar(v, what):
    if isinstance(v, (tuple, list)) or (isinstance(v, np.ndarray) and v.size == 1):
        v = list(np.asarray(v, dtype=object).reshape(-1)) if isinstance(v, np.ndarray) else list(v)
        if len(v) != 1:
            raise OracleError(f"{what}: predictor returned {len(v)} values, expected one")
        v = v[0]
    return exact_value(v, what)


def exact_predictor(pred, d: int) -> ExactPredictor:
    """Read a predictor exactly.  A torch module becomes the exact Net of its float64 weights
    (:func:`exactrelu.torchio.from_torch`): its value is the real-arithmetic realization of
    those weights, not torch's rounded forward pass."""
    if isinstance(pred, Net):
        net = pred
        kind, fp = "net", json.dumps(net.to_dict(), sort_keys=True)
    elif _is_torch_module(pred):
        from ..torchio import from_torch, state_fingerprint
        net = from_torch(pred)
        kind, fp = "torch", state_fingerprint(pred)
    elif hasattr(pred, "to_net") and callable(pred.to_net):
        net = pred.to_net()
        kind, fp = "net", json.dumps(net.to_dict(), sort_keys=True)
    elif callable(pred):
        fp = pred.fingerprint() if hasattr(pred, "fingerprint") else (
            repr(pred) if dataclasses.is_dataclass(pred) else None)
        return ExactPredictor("callable", lambda x: _scalar(pred(x), "predictor"), None, fp)
    else:
        raise InputError(f"learner returned {type(pred).__name__}, which is neither a Net, a torch module "
                         f"nor a callable")
    if net.input_dim != d or net.output_dim != 1:
        raise InputError(f"learner returned a network {net!r}; expected input_dim {d} and one output")
    return ExactPredictor(kind, lambda x: net(x)[0], net, fp)


# -- the grid ------------------------------------------------------------------------------------

def choose_bump(queries, m: int, d: int):
    """(M, N, number untouched, y, j): the first grid bump in lexicographic order that no query
    touches (docs/derivations.md §6).  Only the touched set is computed (each query has one candidate)."""
    from ..theory.grid import centre, centres, grid_M, n_bumps, touched_set
    M = grid_M(m, d)
    N = n_bumps(M, d)
    hit = touched_set(queries, M, d)
    for j in centres(M, d):
        if j not in hit:
            return M, N, N - len(hit), centre(j, M), j
    raise CertificateRejected(f"every one of the N = {N} bumps is touched by the {len(queries)} queries")


# -- running a learner ----------------------------------------------------------------------------

@dataclass
class _Run:
    queries: list
    answers: list
    predictor: ExactPredictor | None
    error: str | None = None


def _run(learner, u, m, d, seed, budget) -> _Run:
    o = SampleOracle(u, budget, d=d)
    try:
        pred = learner(o, m, d, np.random.default_rng(seed))
        return _Run(o.queries, o.answers, exact_predictor(pred, d))
    except (OracleError, InputError) as e:
        return _Run(o.queries, o.answers, None, f"{e.__class__.__name__}: {e}")


# -- the result -----------------------------------------------------------------------------------

@dataclass
class FoolResult:
    """Everything :func:`fool` found; ``ok`` when the learner is defeated and the certificate replays."""
    learner: str
    m: int
    d: int
    L: int
    c: Fraction
    seed: int
    budget: int
    variant: str | None = None
    M: int | None = None
    N: int | None = None
    untouched: int | None = None
    y: tuple | None = None
    grid_index: tuple | None = None
    peak: Fraction | None = None
    queries: list = field(default_factory=list)
    predictor_kind: str | None = None
    same_run: dict = field(default_factory=dict)
    at_y: dict = field(default_factory=dict)        # P(y) for the zero, plus and minus runs
    point_errors: dict = field(default_factory=dict)  # |P(y) -+ phi(y)|
    sups: dict = field(default_factory=dict)        # certified sup |P -+ phi| (networks)
    defeated: bool = False
    replayed: bool = False
    checked: list = field(default_factory=list)     # the kernel's statements
    failures: list = field(default_factory=list)
    certificate: dict | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.defeated and self.replayed and not self.failures

    def to_json(self) -> dict:
        q = lambda v: None if v is None else fmt(v)  # noqa: E731
        return {"learner": self.learner, "ok": self.ok, "defeated": self.defeated, "replayed": self.replayed,
                "failures": self.failures, "m": self.m, "d": self.d, "L": self.L, "c": fmt(self.c),
                "B": 3 * self.d, "q": "inf", "seed": self.seed, "budget": self.budget, "variant": self.variant,
                "M": self.M, "N": self.N, "untouched": self.untouched,
                "y": None if self.y is None else [fmt(v) for v in self.y],
                "grid_index": None if self.grid_index is None else list(self.grid_index),
                "peak": q(self.peak), "n_queries": len(self.queries),
                "queries": [[fmt(v) for v in x] for x in self.queries],
                "predictor": self.predictor_kind, "same_run": self.same_run,
                "at_y": {k: q(v) for k, v in self.at_y.items()},
                "errors": {"at_y": {k: q(v) for k, v in self.point_errors.items()},
                           "sup": {k: v for k, v in self.sups.items()}},
                "checked": self.checked, "trusted": trusted(self.certificate or {}),
                "seconds": round(self.seconds, 3), "certificate": self.certificate}


def _variant(variant, d, c, M):
    from ..constructions.bumps import VARIANTS, bias_condition_holds
    if variant is None:
        return "clipped" if bias_condition_holds(d, c, M) else "one-sided"
    if variant not in VARIANTS:
        raise InputError(f"variant={variant!r} must be one of {', '.join(VARIANTS)}")
    return variant


def _check_args(m, d, L, c, budget):
    for name, v, least in (("m", m, 1), ("d", d, 1), ("L", L, 3)):
        if isinstance(v, bool) or not isinstance(v, int) or v < least:
            raise InputError(f"{name}={v!r} must be an integer >= {least}")
    c = to_rational(c, what="c")
    if c <= 0:
        raise InputError(f"c={fmt(c)} must be > 0")
    budget = m if budget is None else budget
    if isinstance(budget, bool) or not isinstance(budget, int) or not m <= budget <= 2 * m:
        raise InputError(f"budget={budget!r} must be an integer in [m, 2m] (Markov: 2m samples, docs/derivations.md §7)")
    return c, budget


def fool(learner, m: int, d: int, L: int, c, *, seed: int = 0, variant: str | None = None,
         budget: int | None = None, y=None, name: str | None = None, use_sup: bool = True,
         sup_limits: dict | None = None, tamper=None) -> FoolResult:
    """Play the adversary of docs/derivations.md §6 against ``learner`` (see the module docstring).

    Parameters
    ----------
    learner : callable ``learner(oracle, m, d, rng) -> predictor``.
    m : the sample budget of the theorem; d, L, c : the class N(d, L, 3d, c, inf), L >= 3.
    seed : the learner's seed (``numpy.random.default_rng(seed)``, fresh for every run).
    variant : bump realization ("clipped" or "one-sided"); default clipped when its bias
        condition M >= c(d-1)/2 holds, else one-sided.
    budget : oracle budget, m by default (at most 2m: the pigeonhole still leaves N/2 bumps).
    y : force the bump centre: a point, or ``y(queries, M, d) -> point`` called with the queries
        of the run on u = 0 (tests use it to pick a touched bump, which must then fail).
    use_sup : also certify sup |P -+ phi| when the predictor is a network (the network itself is
        always put in the certificate, and the kernel re-evaluates P(y) on it).
    sup_limits : limits passed to :func:`exactrelu.analysis.sup.sup`.
    tamper : ``tamper(certificate_dict) -> dict`` applied before the replay (tests only).

    Returns
    -------
    FoolResult, with ``ok`` True exactly when the learner was defeated and the certificate replayed.
    """
    from ..analysis.sup import sup
    from ..constructions.bumps import bump_net
    t0 = time.perf_counter()
    c, budget = _check_args(m, d, L, c, budget)
    if not callable(learner):
        raise InputError(f"learner {learner!r} is not callable")
    res = FoolResult(name or getattr(learner, "__name__", "learner"), m, d, L, c, seed, budget)
    fail = res.failures.append

    # 1. u = 0
    zero = _run(learner, ZERO, m, d, seed, budget)
    res.queries = zero.queries
    if zero.error:
        fail(f"run on u = 0: {zero.error}")
        return _done(res, t0)
    res.predictor_kind = zero.predictor.kind

    # 2. an untouched grid bump
    from ..theory.grid import grid_M, n_bumps, touched_set
    if y is None:
        res.M, res.N, res.untouched, res.y, res.grid_index = choose_bump(zero.queries, m, d)
    else:
        res.M = grid_M(m, d)
        res.N = n_bumps(res.M, d)
        res.untouched = res.N - len(touched_set(zero.queries, res.M, d))
        pick = y(zero.queries, res.M, d) if callable(y) else y
        res.y = tuple(to_rational(v, what="y") for v in pick)
        res.grid_index = tuple(int((v * res.M + 1) / 2) for v in res.y)
    if res.untouched < res.N - len(zero.queries) or 2 * res.untouched < res.N:
        fail(f"pigeonhole: only {res.untouched} of N = {res.N} bumps untouched")
    res.variant = _variant(variant, d, c, res.M)
    phi = bump_net(d, L, c, res.M, res.y, res.variant, grid=True)
    minus_phi = scale(phi, -1)
    res.peak = phi(res.y)[0]

    # 3. the same run on +phi and -phi
    runs = {"zero": zero}
    for key, u in (("plus", phi), ("minus", minus_phi)):
        runs[key] = _run(learner, u, m, d, seed, budget)
        if runs[key].error:
            fail(f"run on {key} phi: {runs[key].error}")
    if res.failures:
        return _done(res, t0)
    same = res.same_run
    same["queries"] = all(r.queries == zero.queries for r in runs.values())
    same["answers_zero"] = all(a == 0 for r in runs.values() for a in r.answers)
    fps = [r.predictor.fingerprint for r in runs.values()]
    same["predictor"] = "values-only" if any(f is None for f in fps) else all(f == fps[0] for f in fps)
    for k, r in runs.items():
        res.at_y[k] = r.predictor.fn(res.y)
    if not same["queries"]:
        fail("the learner asked different points on u = 0 and on +-phi_y (not a function of its seed and answers)")
    if not same["answers_zero"]:
        fail("some answer on +-phi_y was not 0: the bump is touched by a query")
    if same["predictor"] is False:
        fail("the learner returned different predictors on u = 0 and on +-phi_y although it saw the same samples")
    if same["predictor"] == "values-only":
        vals = [[r.predictor.fn(x) for x in zero.queries[:64]] + [res.at_y[k]] for k, r in runs.items()]
        if any(v != vals[0] for v in vals):
            fail("the predictors differ at y or at the queries although the samples were the same")

    # 4. errors: the single point y, then the certified sups for networks
    P_plus, P_minus = runs["plus"].predictor, runs["minus"].predictor
    res.point_errors = {"plus": abs(res.at_y["plus"] - res.peak), "minus": abs(res.at_y["minus"] + res.peak)}
    box = unit_box(d)
    cert = {"format": "exactrelu.fool", "version": 1, "learner": res.learner,
            "class": {"d": d, "L": L, "B": 3 * d, "c": fmt(c), "q": "inf"}, "m": m, "budget": budget,
            "M": res.M, "y": [fmt(v) for v in res.y], "variant": res.variant, "phi": phi.to_dict(),
            "peak": fmt(res.peak), "queries": [[fmt(v) for v in x] for x in zero.queries],
            "predictor": {"kind": res.predictor_kind,
                          "at_y": {"plus": fmt(res.at_y["plus"]), "minus": fmt(res.at_y["minus"])}}}
    lim = dict(sup_limits or {})
    cert["phi_norm"] = sup(phi, box=box, sign="abs", check=False, **lim).certificate  # replayed below
    if P_plus.net is not None and P_minus.net is not None:
        cert["predictor"]["nets"] = {"plus": P_plus.net.to_dict(), "minus": P_minus.net.to_dict()}
    if use_sup and "nets" in cert["predictor"]:
        cert["sups"] = {}
        for key, P, target in (("plus", P_plus.net, phi), ("minus", P_minus.net, minus_phi)):
            r = sup(P, target, box=box, sign="abs", check=False, **lim)   # replayed below
            cert["sups"][key] = r.certificate
            res.sups[key] = r.to_json()
    if tamper is not None:
        cert = tamper(json.loads(json.dumps(cert)))
    res.certificate = cert

    # 5. the verdict, from the certificate alone, by the kernel
    if max(res.point_errors.values()) < res.peak:
        fail(f"not defeated: errors at y are {fmt(res.point_errors['plus'])} and "
             f"{fmt(res.point_errors['minus'])}, both below ||phi||_inf = {fmt(res.peak)}")
    try:
        rep = replay_certificate(cert)
        res.checked = rep["checked"]
        res.replayed = True
        res.defeated = rep["defeated"]
        if not res.defeated and not res.failures:
            fail("not defeated according to the replayed certificate")
    except CertificateRejected as e:
        fail(f"certificate rejected: {e}")
    # the replay saw recorded P(y) of a callable; re-evaluate here, where the predictor is at hand
    if res.predictor_kind == "callable":
        if Fraction(cert["predictor"]["at_y"]["plus"]) != P_plus.fn(res.y) or \
                Fraction(cert["predictor"]["at_y"]["minus"]) != P_minus.fn(res.y):
            fail("the certificate's P(y) differs from the predictor's value at y")
    return _done(res, t0)


def _done(res, t0):
    res.seconds = time.perf_counter() - t0
    return res


# -- the replay ----------------------------------------------------------------------------------

def _q(v, what) -> Fraction:
    try:
        return to_rational(v, what=what)
    except InputError as e:
        raise CertificateRejected(str(e)) from None


def replay_certificate(cert: dict) -> dict:
    """Re-check a fool certificate from its JSON, with the kernel; raises CertificateRejected.

    Returns ``{"defeated": bool, "checked": [statements], "errors": {...}}``; ``defeated`` is
    the exact verdict max(e_+, e_-) >= ||phi||_inf, where e_+- are the errors at y (and, for
    network predictors, the certified sups)."""
    from ..constructions.bumps import is_grid_centre
    from ..numbers import iroot_ceil
    if not isinstance(cert, dict) or cert.get("format") != "exactrelu.fool":
        raise CertificateRejected("fool certificate: format must be 'exactrelu.fool'")
    checked = []
    try:
        cls = cert["class"]
        d, L, m, budget, M = int(cls["d"]), int(cls["L"]), int(cert["m"]), int(cert["budget"]), int(cert["M"])
        c = _q(cls["c"], "class c")
        if cls.get("q") != "inf" or int(cls["B"]) != 3 * d:
            raise CertificateRejected("fool certificate: the class must be N(d, L, 3d, c, inf)")
        phi = net_from_dict(cert["phi"], where="phi")
        y = tuple(_q(v, "y") for v in cert["y"])
        peak = _q(cert["peak"], "peak")
        queries = [tuple(_q(v, "query") for v in x) for x in cert["queries"]]
        at_y = {k: _q(cert["predictor"]["at_y"][k], f"P(y) {k}") for k in ("plus", "minus")}
    except (KeyError, TypeError, ValueError, ExactReluError) as e:
        if isinstance(e, CertificateRejected):
            raise
        raise CertificateRejected(f"fool certificate: malformed ({e.__class__.__name__}: {e})") from None
    # the setting: grid, budget, class
    if M != 8 * iroot_ceil(m, d):
        raise CertificateRejected(f"fool certificate: M = {M} but 8 ceil(m^(1/d)) = {8 * iroot_ceil(m, d)}")
    if len(y) != d or not all(is_grid_centre(v, M) for v in y):
        raise CertificateRejected(f"fool certificate: y = {[fmt(v) for v in y]} is not a grid centre (2j-1)/{M}")
    if not m <= budget <= 2 * m or len(queries) > budget:
        raise CertificateRejected(f"fool certificate: {len(queries)} queries, budget {budget}, m = {m}")
    why = NetClass(d, L, 3 * d, c, INF).why_not(phi)
    if why:
        raise CertificateRejected(f"fool certificate: phi is not in N(d, L, 3d, c, inf): {why}")
    checked.append(f"phi in N({d}, {L}, {3 * d}, {fmt(c)}, inf)")
    # phi vanishes at every query: +phi, -phi and 0 give the learner the same answers
    if queries:
        checked.append("phi(x) == 0 at every query: " + kernel.check_eval(phi, queries, [(0,)] * len(queries)).statement)
    checked.append(f"phi(y) == {fmt(peak)}: " + kernel.check_eval(phi, [y], [(peak,)]).statement)
    if peak <= 0:
        raise CertificateRejected(f"fool certificate: phi(y) = {fmt(peak)} is not positive")
    # ||phi||_inf == phi(y): an exact sup certificate of |phi| over the report's box [0, 1]^d, nothing else
    box = unit_box(d)
    norm = kernel.replay(phi, cert["phi_norm"], expect="sup", box=box, sign="abs")
    if norm.upper != peak:
        raise CertificateRejected(f"fool certificate: phi_norm certifies ||phi||_inf = {fmt(norm.upper)}, "
                                  f"not phi(y) = {fmt(peak)}")
    checked.append(norm.statement)
    # errors at the single point y
    errs = {"plus": abs(at_y["plus"] - peak), "minus": abs(at_y["minus"] + peak)}
    nets = cert["predictor"].get("nets")
    if cert["predictor"].get("kind") in ("net", "torch") and nets is None:
        raise CertificateRejected("fool certificate: a network predictor must be included")
    sups = {}
    if nets is not None:
        minus_phi = scale(phi, -1)
        for key, target in (("plus", phi), ("minus", minus_phi)):
            P = net_from_dict(nets[key], where=f"predictor {key}")
            checked.append(f"P_{key}(y) == {fmt(at_y[key])}: " + kernel.check_eval(P, [y], [(at_y[key],)]).statement)
            if "sups" not in cert:  # the sups were not asked for (use_sup=False): P(y) decides
                continue
            sc = cert["sups"].get(key) if isinstance(cert["sups"], dict) else None
            if sc is None:
                raise CertificateRejected(f"fool certificate: no sup certificate for the {key} run")
            got = kernel.replay((P, target), sc, expect=("sup", "sup_interval"), box=box, sign="abs")
            checked.append(got.statement)
            sups[key] = got.lower   # the certified sup, or the certified lower end of its interval
        if nets["plus"] != nets["minus"]:
            raise CertificateRejected("fool certificate: the plus and minus predictors differ")
    if at_y["plus"] != at_y["minus"]:
        raise CertificateRejected("fool certificate: P(y) differs between the plus and minus runs")
    # |P(y) - phi(y)| + |P(y) + phi(y)| >= 2 phi(y): one of the two errors is >= phi(y) = ||phi||_inf
    defeated = max(errs.values()) >= peak and (not sups or max(sups.values()) >= peak)
    checked.append(f"max(|P(y) - phi(y)|, |P(y) + phi(y)|) = {fmt(max(errs.values()))} "
                   f"{'>=' if max(errs.values()) >= peak else '<'} ||phi||_inf = {fmt(peak)}")
    if sups:
        checked.append(f"max(sup|P - phi|, sup|P + phi|) >= {fmt(max(sups.values()))} "
                       f"{'>=' if max(sups.values()) >= peak else '<'} ||phi||_inf = {fmt(peak)}")
    return {"defeated": defeated, "checked": checked, "errors": {"at_y": errs, "sup": sups},
            "trusted": trusted(cert)}


def trusted(cert: dict) -> list:
    """What a replay of ``cert`` takes on trust because it has no learner to re-run."""
    out = [f"the learner asked exactly the {len(cert.get('queries', []))} listed points on u = 0 and, seeing the "
           "same zero answers, the same points and predictor on +phi_y and -phi_y (a property of the run, "
           "recorded by fool(), not re-checkable from the certificate)"]
    if cert.get("predictor", {}).get("kind") == "callable":
        out.append("P(y) of the black-box predictor (recorded values; the predictor itself is not in the certificate)")
    return out
