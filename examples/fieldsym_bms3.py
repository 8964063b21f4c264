"""BMS3 from a metric ansatz and falloffs, step by step with the general machinery.

python examples/fieldsym_bms3.py
"""

import sympy as sp

from fieldsym import (
    Falloffs,
    Metric,
    asymptotic_killing_vectors,
    conformal_completion,
    solution_space,
    transformation_laws,
)
from fieldsym.asymptotics import linearize
from fieldsym.charges import charge_density, integrate_charge

u, r, phi = sp.symbols("u r phi", real=True)
G = sp.Symbol("G", positive=True)
Theta, calN = sp.Function("Theta")(u, phi), sp.Function("calN")(u, phi)

# 1. the ansatz ds^2 = Theta du^2 - 2 du dr + 2 calN du dphi + r^2 dphi^2
ansatz = Metric(sp.Matrix([[Theta, -1, calN], [-1, 0, 0], [calN, 0, r**2]]), (u, r, phi))
print("induced metric on scri:", conformal_completion(ansatz, r).induced)

# 2. vacuum Einstein equations, order by order in r
sol, fields, _ = solution_space(ansatz, [Theta, calN], r, names={"calN": "N"})
print("solution space:", sol)
g = Metric(ansatz.g.subs(sol).doit(), (u, r, phi))

# 3. asymptotic Killing vectors for falloffs given as data (None: must vanish exactly)
falloffs = Falloffs(
    {(1, 1): None, (1, 2): None, (2, 2): None, (0, 1): None, (0, 0): 0, (0, 2): 0}, r
)
xi, params, _ = asymptotic_killing_vectors(
    g, falloffs, names={"xi^u": "T", "T": "alpha", "xi^phi": "Y"}
)
print("xi =", xi)

# 4. transformation laws and 5. Barnich-Brandt charges
Th, N = sp.Function("Theta")(phi), sp.Function("N")(phi)
dTh, dN = sp.Function("dTheta")(phi), sp.Function("dN")(phi)
print("delta:", transformation_laws(g, xi, [Th, N], [dTh, dN], r))
h = sp.Matrix(3, 3, lambda a, b: linearize(g.g[a, b], [Th, N], [dTh, dN]))
dens = charge_density(g, xi, h, 0, 1, r, G)
Q = integrate_charge(dens, [Th, N], [dTh, dN]).subs(u, 0)
print("Q[alpha, Y] density:", Q)

# charges of a flat-space cosmology Theta = 8 G M, N = 4 G J
M, J = sp.symbols("M J")
alpha, Y = sp.Function("alpha")(phi), sp.Function("Y")(phi)
for name, a_, y_ in (("energy", 1, 0), ("angular momentum", 0, 1)):
    dens_fsc = Q.subs({alpha: a_, Y: y_}).subs({Th: 8 * G * M, N: 4 * G * J}).doit()
    print(name, "=", sp.integrate(dens_fsc, (phi, 0, 2 * sp.pi)))
