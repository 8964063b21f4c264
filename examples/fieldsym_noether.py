"""Symmetries and Noether currents in a few lines: the free particle, the heat equation, and
the energy-momentum tensor of the 1+1 wave equation.

Run: ``python examples/fieldsym_noether.py``
"""

import sympy as sp

from fieldsym import (
    JetSpace,
    PDESystem,
    is_conserved,
    lie_point_symmetries,
    noether_current,
    parse_expression,
    variational_symmetries,
)

# 1. Free particle: the solver finds the Schroedinger algebra (with the Galilean boost as a
#    divergence symmetry, B = m q) and Noether gives one current per generator.
t, m = sp.symbols("t m")
particle = JetSpace([t], ["q"])
L = parse_expression("m*q_t**2/2", particle, parameters=[m])
algebra = variational_symmetries(L, particle)
print(algebra)
for v, B in zip(algebra.basis, algebra.B):
    print(noether_current(v, L, B))

# 2. Heat equation u_t = u_xx: six point symmetries plus beta(x, t) d_u with beta_t = beta_xx.
x = sp.Symbol("x")
jet = JetSpace([x, t], ["u"])
heat = PDESystem(jet, [parse_expression("u_t - u_xx", jet)])
heat_algebra = lie_point_symmetries(heat)
print(heat_algebra)
print(heat_algebra.latex())

# 3. 1+1 wave equation: translations come from the conformal family; their currents are the
#    energy and momentum densities, conserved on solutions.
L_wave = parse_expression("u_t**2/2 - u_x**2/2", jet)
wave = PDESystem(jet, [parse_expression("u_tt - u_xx", jet)])
wave_algebra = variational_symmetries(L_wave, jet)
k = next(k for k, fam in enumerate(wave_algebra.families) if len(fam[2]) == 2)
f1, f2 = wave_algebra.families[k][2]
for name, values in [("energy", {f1: 0, f2: 1}), ("momentum", {f1: 1, f2: 0})]:
    v, B = wave_algebra.specialize(k, values)
    current = noether_current(v, L_wave, B)
    print(name, current, "conserved:", is_conserved(current[t], current[x], wave, t))
