"""Systems (several dependent variables) with their published point-symmetry algebras.

Sources: see the ODE and PDE modules; in addition
  Pra88     G. E. Prince, C. J. Eliezer, On the Lie symmetries of the classical Kepler
            problem, J. Phys. A 14 (1981) 587-596
  NLS       CRC1 ch. 10 (nonlinear Schroedinger equation, written for real and imaginary parts)
"""

from . import Entry


def _sys(name, source, vars, fields, eqs, gens, params="", families=0, members=()):
    return Entry(name, source, vars, fields, tuple(eqs), tuple(gens), params=params,
                 families=families, members=tuple(members), tags=("system",))


_PROJ = ["d_t", "d_x", "d_y", "t*d_t", "t*d_x", "t*d_y", "x*d_t", "x*d_x", "x*d_y",
         "y*d_t", "y*d_x", "y*d_y", "t*(t*d_t + x*d_x + y*d_y)", "x*(t*d_t + x*d_x + y*d_y)",
         "y*(t*d_t + x*d_x + y*d_y)"]

ENTRIES = [
    _sys("Kepler problem in the plane", "Pra88: time translation, rotation, scaling",
         "t", "x y", ["x_tt = -x/(x**2 + y**2)**(3/2)", "y_tt = -y/(x**2 + y**2)**(3/2)"],
         ["d_t", "y*d_x - x*d_y", "3*t*d_t + 2*x*d_x + 2*y*d_y"]),
    _sys("Kepler problem in space", "Pra88: d_t, so(3), scaling", "t", "x y z",
         ["x_tt = -x/(x**2 + y**2 + z**2)**(3/2)", "y_tt = -y/(x**2 + y**2 + z**2)**(3/2)",
          "z_tt = -z/(x**2 + y**2 + z**2)**(3/2)"],
         ["d_t", "y*d_x - x*d_y", "z*d_x - x*d_z", "z*d_y - y*d_z",
          "3*t*d_t + 2*x*d_x + 2*y*d_y + 2*z*d_z"]),
    _sys("free particle in the plane", "Olver93; Ibr99: sl(4)", "t", "x y",
         ["x_tt = 0", "y_tt = 0"], _PROJ),
    _sys("nonlinear Schroedinger (real form)", "NLS: translations, phase, Galilean, scaling",
         "x t", "u v", ["u_t + v_xx + (u**2 + v**2)*v = 0", "v_t - u_xx - (u**2 + v**2)*u = 0"],
         ["d_x", "d_t", "v*d_u - u*d_v", "2*t*d_x + x*(u*d_v - v*d_u)",
          "x*d_x + 2*t*d_t - u*d_u - v*d_v"]),
    _sys("linear Schroedinger (real form)", "Olver93: Schroedinger algebra and superposition",
         "x t", "u v", ["u_t + v_xx = 0", "v_t - u_xx = 0"],
         ["d_x", "d_t", "v*d_u - u*d_v", "u*d_u + v*d_v", "2*t*d_x + x*(u*d_v - v*d_u)",
          "x*d_x + 2*t*d_t",
          "4*t*x*d_x + 4*t**2*d_t - 2*t*(u*d_u + v*d_v) + x**2*(u*d_v - v*d_u)"],
         families=1),
]
