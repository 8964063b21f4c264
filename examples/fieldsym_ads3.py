"""3D gravity with Lambda = -1/ell^2 in Bondi gauge, from the ansatz, Lambda and the falloffs
given as data: solution space, asymptotic Killing vectors, transformation laws, charges, and
the charge algebra in two mode bases (two Virasoro algebras with c = 3 ell / 2G; in the flat
limit ell -> oo, BMS3 with c_2 = 3/G). Barnich, Gomberoff & Gonzalez 2012, arXiv 1204.3288.

Run: ``python examples/fieldsym_ads3.py`` (about 5 s of CPU).
"""

import sympy as sp

from fieldsym.asymptotic_pipeline import ModeBasis, asymptotic_analysis, derive_mode_algebra

u, r, phi = sp.symbols("u r phi", real=True)
ell = sp.Symbol("ell", positive=True)
V, W, beta = (sp.Function(f)(u, r, phi) for f in ("V", "W", "beta"))

# 1. the data: Bondi gauge (g_rr = g_rphi = 0, g_phiphi = r^2), Lambda, boundary conditions
#    g_uu = O(r^2), g_ur = -1 + O(1/r), g_uphi = O(1)
ansatz = sp.Matrix([[V, -sp.exp(2 * beta), W], [-sp.exp(2 * beta), 0, 0], [W, 0, r**2]])
falloffs = {(0, 0): 2, (0, 1): (-1, -1), (0, 2): 0}

# 2. a mode basis of our choice: J_m = Q[Y = e^{im phi}], P_m = Q[T = e^{im phi}] on u = 0
m = sp.Symbol("m", integer=True)
e, e_bar = sp.exp(sp.I * m * phi), sp.exp(-sp.I * m * phi)
jp = ModeBasis({"J": {"Y": e}, "P": {"T": e}}, m)

res = asymptotic_analysis(
    ansatz,
    (u, r, phi),
    (V, W, beta),
    cosmological_constant=-1 / ell**2,
    boundary_conditions=falloffs,
    names={"V0": "M", "W0": "N", "xi^u": "T", "xi^phi": "Y"},
    modes=jp,
)
print("solution space:", dict(res.space.solution))
print("evolution equations:", dict(res.space.evolution))
print("asymptotic Killing vectors:", res.xi, dict(res.symmetries.evolution))
print("transformation laws:", dict(res.laws.laws))
print("charge density at u = 0:", res.charges.charge)
for b in res.modes.brackets:
    print(f"i{{{b.left}_m, {b.right}_n}} =", b.value)

# 3. the same algebra in the chiral basis Y^+- = e^{i m x^+-}, x^+- = u/ell +- phi
vir = ModeBasis(
    {"Lp": {"T": ell * e / 2, "Y": e / 2}, "Lm": {"T": ell * e_bar / 2, "Y": -e_bar / 2}}, m
)
for b in derive_mode_algebra(res.algebra, vir).brackets:
    print(f"i{{{b.left}_m, {b.right}_n}} =", b.value, "   c =", b.central_charge)

# 4. the flat limit of the J, P algebra: BMS3
flat = res.modes.limit(ell, sp.oo)
print(
    "ell -> oo: i{P_m, P_n} =",
    flat.bracket("P", "P").value,
    "  c_2 =",
    flat.bracket("J", "P").central_charge,
)
print("seconds per step:", {k: round(v, 2) for k, v in res.timings})
