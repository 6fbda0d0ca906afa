"""exactrelu bits gadget --sigma TEXT: Lemma 3.1's exact coefficients for an activation sigma in Q[T].

Prints lambda_0..lambda_mu with sum_j lambda_j (sigma(x+y+j) - sigma(x+j) - sigma(y+j)) = x y
(Doron-Arad and Mossel 2026, Lemma 3.1; the proof's lambda'_j = lambda_j / 2 of U^2 = sum_j lambda_j
sigma(U + j)), Lemma 3.2's integer form (a common denominator D of sigma's coefficients and the
lambda_j, and D lambda_j), and Claim B.4's determinant of the basis sigma(U + j), j = 0..mu.  The
identity is checked by exact expansion; the determinant against its closed form.

JSON (--json): {"sigma": "<canonical text>", "lambda": ["p/q", ...] (lambda_0 first), "D": "<integer>",
"lambda_int": ["<integer>", ...], "determinant": "p/q", "identity_holds": bool, "determinant_formula_holds":
bool}.  Exit 1 if a check fails, 2 for a sigma that is not a polynomial in T of degree >= 2.
"""
from __future__ import annotations

import json

from ..bitmodel import gadget
from ..numbers import fmt

HELP = "Lemma 3.1's multiplication gadget: exact lambda_j for an activation sigma in Q[T]"
DESCRIPTION = __doc__.split("\n\n")[0] + "\n\n" + __doc__.split("\n\n")[1]


def add_arguments(p):
    p.add_argument("--sigma", required=True,
                   help="a polynomial in T of degree >= 2, e.g. \"2*T^3 - T/5 + 7\" (^ or ** for powers; decimals "
                        "are read exactly; write --sigma=-T^2 for a leading minus)")
    p.add_argument("--json", action="store_true", help="print a JSON object")


def run(args) -> int:
    sigma = gadget.as_sigma(args.sigma, what="--sigma")
    lam = gadget.gadget_coefficients(sigma)
    D, ints = gadget.integer_gadget(sigma)
    det = gadget.basis_determinant(sigma)
    holds = gadget.identity_holds(sigma, lam)
    formula = det != 0 and det == gadget.determinant_formula(sigma)
    text = gadget.poly_text(sigma)
    if args.json:
        print(json.dumps({"sigma": text, "lambda": [fmt(x) for x in lam], "D": str(D),
                          "lambda_int": [str(x) for x in ints], "determinant": fmt(det),
                          "identity_holds": holds, "determinant_formula_holds": formula}))
        return 0 if holds and formula else 1
    mu = len(sigma) - 1
    print(f"sigma = {text}   (degree {mu})")
    print("Lemma 3.1: sum_j lambda_j (sigma(x+y+j) - sigma(x+j) - sigma(y+j)) = x*y with")
    width = max(len("lambda_j"), *(len(fmt(x)) for x in lam))
    print(f"  {'j':>3}  {'lambda_j':<{width}}  D*lambda_j")
    for j, (x, n) in enumerate(zip(lam, ints)):
        print(f"  {j:>3}  {fmt(x):<{width}}  {n}")
    print(f"D = {D}: Lemma 3.2's common denominator of sigma's coefficients and the lambda_j")
    print("identity: " + ("holds exactly (the expansion of the left side minus x*y is 0)" if holds
                          else "FAILS (the expansion of the left side minus x*y is not 0)"))
    print(f"Claim B.4: det C = {fmt(det)} ({'nonzero' if det else 'ZERO'}); closed form "
          f"(-1)^(mu(mu+1)/2) (mu! r_mu)^(mu+1) / prod_(i<=mu) i!: {'agrees' if formula else 'DISAGREES'}")
    return 0 if holds and formula else 1
