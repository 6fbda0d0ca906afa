"""Learning a ReLU under Gaussian marginals (issue 12): Goel, Karmalkar, Klivans, NeurIPS 2019, "Time/Accuracy
Tradeoffs for Learning a ReLU with respect to Gaussian Marginals" (arXiv 1911.01462).  The Hermite analysis of
ReLU (the paper's closed form against exact integration, the odd coefficients, Parseval with an exact tail, the
multivariate expansion) and the parity embedding of the lower bound ([R] reconstruction: z = x|g| is exactly
N(0, I), chi_S = prod sign(z_i), and the correlations A_k: exact for k = 1, 2 and odd k, certified intervals for
even k <= 12).  exactrelu/theory/hermite.py, exactrelu/theory/parity_embedding.py; docs/gaussian-relu-hermite.md.

Every verdict is exact: pairs of rationals (c_i sqrt(i!) = a + b/sqrt(2 pi)), sympy expressions whose difference
simplifies to 0, or python-flint arb balls whose comparison is decided (an undecided comparison fails).

Hooks (the claim in brackets must then fail): ``coefficient`` (i -> hermite.Coef, the closed form)
[hermite.closed_form, hermite.odd_vanish, embedding.A_exact]; ``moment`` (the factor of the moment recurrence,
i -> i - 1) [hermite.closed_form, hermite.odd_vanish]; ``b`` (m -> 2 pi c_{2m}^2, the closed form of the squares)
[hermite.parseval]; ``multinomial`` ((w, n) -> {alpha: coefficient}) and ``inner_product`` ((w, alpha) ->
E[ReLU(w.x) H_alpha(x)]) [hermite.multivariate]; ``embed`` ((x, g) -> z, sympy) [embedding.moments,
embedding.charfn, embedding.chi]; ``constants`` ({"A1": ..., "A2": ...}, the issue's values, sympy)
[embedding.A_exact, embedding.A_certified]; ``dawson`` (an acb function replacing F(v)/v = 1F1(1; 3/2; -v^2), F Dawson's) and ``prefactor``
(k -> arb) [embedding.A_certified]; ``threshold`` (a forced label threshold t, e.g. a biased one), ``learner``
(the halfspace step) and ``C`` / ``eps`` / ``delta`` (the guarantee's constants) [algorithm.guarantee].
``only`` runs only the named claims.  ``quick`` runs smaller instance sets.
"""
from __future__ import annotations

import sys
from fractions import Fraction as F
from math import comb
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sympy as sp  # noqa: E402

from exactrelu.proofkit import run_claims, run_script  # noqa: E402
from exactrelu.theory import hermite as H  # noqa: E402
from exactrelu.theory import parity_embedding as P  # noqa: E402

PAPER = "Goel, Karmalkar, Klivans 2019 (closed form, confirmed via the issue's audit)"
RECON = "[R] reconstruction (docs/gaussian-relu-hermite.md)"
EMB = "[R] reconstruction: Klivans-Kothari style embedding (docs/gaussian-relu-hermite.md)"
ALG = "Goel, Karmalkar, Klivans 2019 (Result 2); the algorithm, C, eps, delta: [R] reconstruction (docs/gaussian-relu.md)"
HOOKS = {"coefficient", "moment", "b", "multinomial", "inner_product", "embed", "constants", "dawson",
         "prefactor", "threshold", "learner", "C", "eps", "delta", "only"}


def _constants(hooks):
    """The issue's A_1 and A_2 (inputs, recomputed by the claims)."""
    base = {"A1": 1 / sp.sqrt(2 * sp.pi), "A2": (sp.sqrt(2) - 1) / sp.sqrt(2 * sp.pi)}
    base.update(hooks.get("constants", {}))
    return base


def _degree(quick):
    return 60 if quick else 200


def _zero(expr) -> bool:
    return bool(sp.simplify(expr) == 0)


# -- Hermite -------------------------------------------------------------------------------------------------
def _closed_form(report, quick, hooks):
    N = _degree(quick)
    J = 8 if quick else 12
    Is = 6 if quick else 10
    with report.claim("hermite.closed_form", PAPER,
                      "c_0 = 1/sqrt(2 pi), c_1 = 1/2, c_i = (He_i(0) + i He_{i-2}(0))/sqrt(2 pi i!) (i >= 2) equals "
                      "E[ReLU(z) He_i(z)]/sqrt(i!) by exact integration (moment recurrence), for every degree") as c:
        c.over(degree=range(0, N + 1))
        c.over(f"moment recurrence M_j against sympy's integrate for j in 0..{J}; He_i's recurrence against "
               f"sympy's hermite_prob and c_i against sympy's integral of ReLU He_i phi for i in 0..{Is}")
        closed = H.coefficients_closed(N, hooks.get("coefficient"))
        direct = H.coefficients_direct(N, hooks.get("moment"))
        for a, b in zip(closed, direct):
            c.check(a == b, f"degree {a.i}: closed form {H.to_sympy(a)} != integration {H.to_sympy(b)}")
        for j in range(J + 1):
            r, q = H.moment(j, hooks.get("moment"))
            val = sp.Rational(r.numerator, r.denominator) + sp.Rational(q.numerator, q.denominator) / sp.sqrt(2 * sp.pi)
            c.check(_zero(val - H.moment_integrated(j)), f"M_{j}: recurrence {val} != integral {H.moment_integrated(j)}")
        z = sp.Symbol("z", positive=True)
        y = sp.Symbol("y")
        for i, poly in enumerate(H.hermite_coefficients(Is)):
            c.check(sp.Poly(sp.hermite_prob(i, y), y).all_coeffs()[::-1] == poly, f"He_{i} coefficients")
            integral = sp.integrate(z * sp.hermite_prob(i, z) * sp.exp(-z ** 2 / 2), (z, 0, sp.oo)) / \
                sp.sqrt(2 * sp.pi * sp.factorial(i))
            c.check(_zero(integral - H.to_sympy(closed[i])), f"degree {i}: sympy's integral {integral}")


def _odd_vanish(report, quick, hooks):
    N = _degree(quick)
    with report.claim("hermite.odd_vanish", PAPER,
                      "c_i = 0 for every odd i >= 3 (both routes), c_1 = 1/2 != 0, and c_i != 0 for every even i") as c:
        c.over(degree=range(0, N + 1))
        closed = H.coefficients_closed(N, hooks.get("coefficient"))
        direct = H.coefficients_direct(N, hooks.get("moment"))
        for route, cs in (("closed form", closed), ("integration", direct)):
            for co in cs:
                if co.i % 2 and co.i >= 3:
                    c.check(co.is_zero, f"{route}: c_{co.i} = {H.to_sympy(co)} != 0")
                else:
                    c.check(not co.is_zero, f"{route}: c_{co.i} = 0")
        c.check(direct[1].a == F(1, 2) and direct[1].b == 0, "c_1 != 1/2")


def _parseval(report, quick, hooks):
    N = _degree(quick)
    T = 10 if quick else 20
    b = hooks.get("b")
    with report.claim("hermite.parseval", f"sum c_i^2 = 1/2: {PAPER}; the exact tail {RECON}",
                      "1/2 - sum_{i<=N} c_i^2 = (pi/2 - 1 - S_M)/(2 pi) exactly (S_M = sum_{m<=M} C(2m,m)/(4^m (2m-1)^2), "
                      "M = floor(N/2)), with b_{M+1} <= pi/2 - 1 - S_M <= u_{M+1}/(4M) (so the gap is positive, "
                      "decreasing and -> 0); sum_m b_m = pi/2 - 1 by h(x) = sqrt(1-x^2)/x + asin x") as c:
        c.over(N=range(1, N + 1))
        c.over(f"generating function: h' and the Laurent coefficients b_1..b_{T}, h(1) = pi/2 (sympy)")
        gaps = H.parseval(H.coefficients_direct(N), b)
        prev = None
        for g in gaps:
            c.check(g.matches, f"N={g.N}: partial sum {g.partial} != 1/4 + (1 + S_{g.M})/(2 pi)")
            lo, hi = H.gap_certified(g)
            c.check(lo and hi, f"N={g.N}: b_{g.M + 1} <= pi/2 - 1 - S_{g.M} <= u/(4M) not certified")
            if prev is not None:
                step = g.S - prev.S
                c.check(step > 0 if g.N % 2 == 0 else step == 0, f"N={g.N}: the gap does not decrease by c_N^2")
            prev = g
        gf = H.generating_function_check(T, b)
        for key, ok in gf.items():
            c.check(ok, f"generating function: {key} fails")


_UNIT = [(F(3, 5), F(4, 5)), (F(-5, 13), F(12, 13)), (F(1, 3), F(2, 3), F(2, 3)), (F(2, 7), F(-3, 7), F(6, 7))]
_ANY = [(1, 2), (1, -1), (3, 4), (1, 2, 2), (1, 1, 1), (2, -1, 3)]


def _multi_indices(d, top):
    out = []
    for n in range(top + 1):
        out += list(H._multi_indices(d, n))
    return out


def _multivariate(report, quick, hooks):
    mult = hooks.get("multinomial")
    inner = hooks.get("inner_product", H.relu_inner_product)
    nsym = 3 if quick else 5
    nunit = 4 if quick else 6
    top = 3 if quick else 4
    ws = _ANY[:3] + _ANY[3:5] if quick else _ANY
    with report.claim("hermite.multivariate", RECON,
                      "for unit w: He_n(w.x) = sum_{|alpha|=n} n!/alpha! w^alpha prod He_{alpha_j}(x_j); for every w != 0: "
                      "E[ReLU(w.x) H_alpha(x)] = ||w||^(1-|alpha|) c_|alpha| sqrt(|alpha|!) w^alpha (exact Gaussian "
                      "integration by rotation)") as c:
        c.over(f"symbolic w on the unit sphere (d = 2, 3), n in 0..{nsym}")
        c.over(f"rational unit w {[tuple(str(v) for v in w) for w in _UNIT]}, n in 0..{nunit}")
        c.over(f"w in {ws}, every alpha with |alpha| <= {top}")
        if mult is None:
            for d in (2, 3):
                for n in range(nsym + 1):
                    c.check(H.he_multinomial_symbolic(d, n), f"symbolic d={d} n={n}")
        for w in _UNIT:
            for n in range(nunit + 1):
                c.check(H.he_multinomial_holds(w, n, mult), f"w={w} n={n}: the multinomial rule fails")
        for w in ws:
            for al in _multi_indices(len(w), top):
                got = inner(w, al)
                want = H.relu_inner_product_direct(w, al)
                c.check(_zero(got - want), f"w={w} alpha={al}: {got} != integration {want}")


# -- the embedding ------------------------------------------------------------------------------------------
def _moments(report, quick, hooks):
    emb = hooks.get("embed")
    D = 6 if quick else 10
    with report.claim("embedding.moments", EMB,
                      "z = x|g| (x uniform in {+-1}, g ~ N(0,1)) has E[z^j] = E[g^j] = j! [t^j] e^(t^2/2), and independent "
                      "coordinates have the joint moments of N(0, I_n)") as c:
        c.over(j=range(0, D + 1))
        c.over("joint: n = 2 total degree <= 4" + ("" if quick else ", n = 3 total degree <= 4"))
        for j, got, want in P.moments(D, emb):
            c.check(_zero(got - want), f"E[z^{j}] = {got} != {want}")
        c.check(P.joint_moments_ok(2, 4, emb), "joint moments n=2")
        if not quick:
            c.check(P.joint_moments_ok(3, 4, emb), "joint moments n=3")


def _charfn(report, quick, hooks):
    emb = hooks.get("embed")
    with report.claim("embedding.charfn", EMB,
                      "E[exp(i t x|g|)] = exp(-t^2/2) exactly (sympy), so x|g| ~ N(0, 1) and z = x * |g| ~ N(0, I_n)") as c:
        c.over("t real (symbolic); one coordinate (coordinates independent)")
        val, ok = P.charfn(emb)
        c.check(ok, f"E[exp(i t z)] = {val} != exp(-t^2/2)")


def _chi(report, quick, hooks):
    emb = hooks.get("embed")
    with report.claim("embedding.chi", EMB,
                      "E[(sign(x|g|) - x)^2] = 0, so prod_{i in S} sign(z_i) = chi_S(x) almost surely for every S") as c:
        c.over("one coordinate (so every S, the coordinates being independent)")
        val = P.sign_identity(emb)
        c.check(_zero(val), f"E[(sign(z) - x)^2] = {val} != 0")


def _A_exact(report, quick, hooks):
    K = _constants(hooks)
    odd = range(3, 9 if quick else 16, 2)
    coefs = H.coefficients_closed(2 * max(odd) + 1, hooks.get("coefficient"))
    with report.claim("embedding.A_exact", f"A_1, A_2: the issue's values; derivations {RECON}",
                      "A_1 = 1/sqrt(2 pi) and A_2 = (sqrt 2 - 1)/sqrt(2 pi) by our own sympy integration; for odd k, "
                      "A_k = c_0 s_0^k + c_1 sqrt(k) s_1 s_0^(k-1) (the Hermite argument: c_odd = 0 above 1), "
                      "= 0 for k >= 3; the pairing identity sum_j (-1)^j C(k,j)(k-2j) = 2 [k = 1]") as c:
        c.over(k=(1, 2), odd_k=list(odd))
        a1, a2 = P.A1_exact(), P.A2_exact()
        c.check(_zero(a1 - K["A1"]), f"A_1 = {a1} != {K['A1']}")
        c.check(_zero(a2 - K["A2"]), f"A_2 = {a2} != {K['A2']}")
        h1 = P.A_odd_hermite(1, coefs)
        c.check(h1 is not None and _zero(h1 - a1), f"the Hermite sum for k = 1 ({h1}) != A_1")
        for k in odd:
            v = P.A_odd_hermite(k, coefs)
            c.check(v is not None and _zero(v), f"A_{k} = {v} != 0 (or an odd coefficient above 1 is nonzero)")
            pair = sum((-1) ** j * comb(k, j) * (k - 2 * j) for j in range(k + 1))
            c.check(pair == 0, f"pairing sum for k = {k}: {pair}")


def _A_certified(report, quick, hooks):
    K = _constants(hooks)
    ks = list(range(2, 9 if quick else 13, 2))
    daw, pre = hooks.get("dawson"), hooks.get("prefactor")
    with report.claim("embedding.A_certified", RECON,
                      "for even k: A_k = (-1)^(k/2+1) (4/pi)^(k/2)/(pi sqrt(2k)) int_0^oo F(v)^k/v^2 dv (F Dawson's) in a "
                      "certified arb ball; the k = 2 ball contains (sqrt 2 - 1)/sqrt(2 pi); sign (-1)^(k/2+1); "
                      "|A_{k+2}| < |A_k|; every ball (k >= 4) within the all-k bounds C_lo(k) rho_lo^k <= |A_k| <= C_hi(k) rho_hi^k") as c:
        c.over(k=ks)
        c.over("[0, 20] by acb.integral; the tail by 1/(2v) <= F(v) <= 1/(2v) + 1/(2v^3) (certified lemmas); 96 bits")
        certs = [P.A_even_certified(k, dawson_fn=daw, prefactor=pre) for k in ks]
        bounds = P.decay_bounds()
        c.check(bool(bounds["lemma_upper"]), "the upper tail lemma is not certified")
        for ce in certs:
            c.check(ce.lemmas["lower"] and ce.lemmas["upper"], f"k={ce.k}: a tail lemma is not certified")
            positive = (ce.k // 2) % 2 == 1
            c.check(bool(ce.A > 0) if positive else bool(ce.A < 0), f"k={ce.k}: sign of {ce.A} not certified")
            if ce.k == 2:                     # the upper bound is A_2 itself there (U^0 I_2)
                continue
            lo, hi = P.bound_values(ce.k, bounds)
            c.check(bool(lo <= abs(ce.A)) and bool(abs(ce.A) <= hi), f"k={ce.k}: {ce.A} outside [{lo}, {hi}]")
        a2 = K["A2"]
        ends = certs[0].endpoints()
        c.check(ends is not None and bool(sp.Rational(ends[0].numerator, ends[0].denominator) <= a2) and
                bool(a2 <= sp.Rational(ends[1].numerator, ends[1].denominator)),
                f"k=2: {a2} not in {certs[0].interval_str()}")
        for x, y in zip(certs, certs[1:]):
            c.check(bool(abs(y.A) < abs(x.A)), f"|A_{y.k}| < |A_{x.k}| not certified")
        if not all(ce.A.is_finite() for ce in certs):
            c.check(False, "a ball is not finite")
            return
        mids = [float(ce.A.mid()) for ce in certs]
        slope, _ = P.fit_decay(ks, mids)
        c.note("intervals: " + "; ".join(f"A_{ce.k} in {ce.interval_str()}" for ce in certs))
        c.note(f"float fit log2|A_k| ~ {slope:.3f} k over k in {ks}; certified rates per k: "
               f"{bounds['rate_lo'].mid().str(6, radius=False)}..{bounds['rate_hi'].mid().str(6, radius=False)}")
        lead = [float(P.leading_term(k)) for k in ks]
        c.note("A_k / leading Hermite term: " + ", ".join(f"k={k}: {m / lt:.3f}" for k, m, lt in zip(ks, mids, lead)))


# -- the learning algorithm (another worker) --------------------------------------------------------------
def _algorithm(report, quick, hooks):
    from exactrelu.learning import gaussian_relu as GR
    C, eps, delta = (float(hooks.get(key, dflt)) for key, dflt in
                     (("C", GR.GUARANTEE_C), ("eps", GR.GUARANTEE_EPS), ("delta", GR.GUARANTEE_DELTA)))
    with report.claim("algorithm.guarantee", ALG,
                      f"(a statistical claim) the thresholding algorithm's square loss is <= C opt^(2/3) + eps with C = {C:g}, "
                      f"eps = {eps:g}: "
                      f"on each fixed-seed planted instance the upper end of a (1 - delta) Hoeffding bound on the "
                      f"loss of its output (delta = {delta:g} per instance, a fresh sample; interval arithmetic) is "
                      f"below the bound (opt exact in closed form for random noise; for the adversaries L(w*) >= opt, "
                      f"so the check is of loss <= C L(w*)^(2/3) + eps)") as c:
        rows = GR.guarantee_check(quick, C=C, eps=eps, delta=delta, threshold=hooks.get("threshold"),
                                  learner=hooks.get("learner"))
        c.over("; ".join(f"{r['noise']} eta={r['eta']} d={r['d']} n={r['n']} seed={r['seed']}" for r in rows),
               confidence=f"1 - {delta:g} per instance (seeded, so replayable; a statistical claim)")
        for r in rows:
            c.check(r["held"] is True, f"{r['noise']} eta={r['eta']}: loss bound {r['ci_upper']:.4g} above "
                                       f"C opt^(2/3) + eps = {r['bound']:.4g} (opt {r['opt']:.3g})")


def _claims(quick):
    return [("hermite.closed_form", _closed_form), ("hermite.odd_vanish", _odd_vanish),
            ("hermite.parseval", _parseval), ("hermite.multivariate", _multivariate),
            ("embedding.moments", _moments), ("embedding.charfn", _charfn), ("embedding.chi", _chi),
            ("embedding.A_exact", _A_exact), ("embedding.A_certified", _A_certified),
            ("algorithm.guarantee", _algorithm)]


def checks(report, quick=False, **hooks):
    """Learning a ReLU under Gaussian marginals: the Hermite analysis and the parity embedding (issue 12)."""
    run_claims(report, quick, hooks, _claims(quick), HOOKS)


if __name__ == "__main__":
    raise SystemExit(run_script(checks))
