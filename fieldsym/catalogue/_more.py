"""More catalogue entries: further cases of published classifications, higher-order
evolution equations, linear ODEs with known solutions, and variational (Noether) symmetries.

Sources as in the other modules; in addition
  SK74      K. Sawada, T. Kotera, A method for finding N-soliton solutions of the KdV equation
            and KdV-like equation, Prog. Theor. Phys. 51 (1974) 1355-1367 (and CRC1 ch. 10)
  CH93      R. Camassa, D. D. Holm, An integrable shallow water equation with peaked solitons,
            Phys. Rev. Lett. 71 (1993) 1661 (point symmetries: CRC1 ch. 10 style analysis)
  Nie72     U. Niederer, The maximal kinematical invariance group of the harmonic oscillator,
            Helv. Phys. Acta 46 (1973) 191-200 (oscillator <-> free particle)
  OST94     P. J. Olver, G. Sapiro, A. Tannenbaum, Differential invariant signatures and
            flows in computer vision: a symmetry group approach (1994)
  Olver93 ch. 4 / Hydon00 ch. 11: variational symmetries and Noether's theorem
"""

from . import Entry, transported
from ._odes import _linearizable, _ode
from ._pdes import _HEAT, _ames, _gkdv, _nlheat, _nlwave, _pde, _porous, _potential
from ._systems import _PROJ, _sys


def _var(name, source, vars, fields, lagrangian, gens, families=0, members=(), params=""):
    return Entry(name, source, vars, fields, (), tuple(gens), params=params,
                 families=families, members=tuple(members), lagrangian=lagrangian,
                 tags=("variational",))


def _fpower(n):
    return _pde(f"u_t = F(u_xx), F = u_xx^{n}", "CRC1 ch. 10 (u_t = F(u_xx), power F)",
                f"u_t = u_xx**({n})",
                ["d_x", "d_t", "d_u", "x*d_u", f"x*d_x + 2*({n})*t*d_t",
                 f"u*d_u + (1 - ({n}))*t*d_t"])


def _film(n):
    return _pde(f"thin film n = {n}", "PZ04; CRC1 ch. 10: u_t + (u^n u_xxx)_x = 0",
                f"u_t + diff(u**({n})*u_xxx, x) = 0",
                ["d_x", "d_t", "x*d_x + 4*t*d_t", f"u*d_u - ({n})*t*d_t"])


ENTRIES = [
    # ------------------------------------------------------------ ODEs
    _ode("y'' = y**4", "Hydon00 ch. 5 (y'' = y^n)", "y_xx = y**4", ["d_x", "3*x*d_x - 2*y*d_y"]),
    _ode("y'' = y**5", "Hydon00 ch. 5 (y'' = y^n)", "y_xx = y**5", ["d_x", "2*x*d_x - y*d_y"]),
    _ode("y'' = sqrt(y)", "Hydon00 ch. 5 (y'' = y^n, n = 1/2)", "y_xx = sqrt(y)",
         ["d_x", "x*d_x + 4*y*d_y"]),
    _ode("y'' = y**(-1/2)", "Hydon00 ch. 5 (y'' = y^n, n = -1/2)", "y_xx = y**(-1/2)",
         ["d_x", "3*x*d_x + 4*y*d_y"]),
    _ode("Ermakov-Pinney with oscillator", "Ibr99: y'' + y = y^-3 has sl(2)",
         "y_xx + y = y**(-3)",
         ["d_x", "sin(2*x)*d_x + cos(2*x)*y*d_y", "cos(2*x)*d_x - sin(2*x)*y*d_y"]),
    _ode("Schwarzian equation {y, x} = 0", "Olver93; Ibr99: sl(2) x sl(2)",
         "y_x*y_xxx - 3*y_xx**2/2 = 0",
         ["d_x", "x*d_x", "x**2*d_x", "d_y", "y*d_y", "y**2*d_y"]),
    _linearizable("y'' + y'**2 = 0", "Ibr99: linearized by Y = exp(y), sl(3)",
                  "y_xx + y_x**2 = 0", "x", "exp(y)"),
    _linearizable("y'' + y'/x = 0", "Ibr99: linear, solutions 1, log x; sl(3)",
                  "y_xx + y_x/x = 0", "log(x)", "y"),
    _linearizable("y'' - y'/x = 0", "Ibr99: linear, solutions 1, x**2; sl(3)",
                  "y_xx - y_x/x = 0", "x**2", "y"),
    _linearizable("Euler x**2 y'' + x y' - y = 0", "Ibr99: linear, solutions x, 1/x; sl(3)",
                  "x**2*y_xx + x*y_x - y = 0", "x**(-2)", "y/x"),
    _linearizable("free fall y'' = -g", "Ibr99: linear, Y = y + g x**2/2; sl(3)",
                  "y_xx = -g", "x", "y + g*x**2/2", params="g"),
    # ------------------------------------------------------------ evolution equations
    _porous(5), _porous(-3), _porous("3/2"),
    _nlheat(4), _nlheat("1/2"), _nlwave(4), _nlwave(-1),
    _gkdv(2), _gkdv(5),
    _ames(3), _ames("1/2"),
    _potential("u_t = u_x**3 u_xx", "u_x**3*u_xx",
               ["d_x", "d_t", "d_u", "x*d_x + 5*t*d_t", "3*t*d_t - u*d_u"]),
    _potential("u_t = u_xx/u_x", "u_xx/u_x",
               ["d_x", "d_t", "d_u", "x*d_x + t*d_t", "t*d_t + u*d_u"]),
    _potential("u_t = sqrt(u_x) u_xx", "sqrt(u_x)*u_xx",
               ["d_x", "d_t", "d_u", "2*x*d_x + 5*t*d_t", "t*d_t - 2*u*d_u"]),
    _fpower(2), _fpower(3),
    _pde("affine heat equation u_t = u_xx^(1/3)", "OST94: equi-affine invariant flow; "
         "sl(2) of the plane, translations and scalings", "u_t = u_xx**(1/3)",
         ["d_x", "d_t", "d_u", "x*d_u", "u*d_x", "3*x*d_x + 2*t*d_t", "2*t*d_t + 3*u*d_u"]),
    _pde("u_t = exp(u_xx)", "CRC1 ch. 10 (u_t = F(u_xx), exponential F)", "u_t = exp(u_xx)",
         ["d_x", "d_t", "d_u", "x*d_u", "x*d_x + 2*t*d_t + 2*u*d_u", "x**2*d_u - 2*t*d_t"]),
    _film(2), _film(3),
    _pde("Sawada-Kotera", "SK74; CRC1 ch. 10",
         "u_t + 45*u**2*u_x + 15*u_x*u_xx + 15*u*u_xxx + u_xxxxx = 0",
         ["d_x", "d_t", "x*d_x + 5*t*d_t - 2*u*d_u"]),
    _pde("Kaup-Kupershmidt", "CRC1 ch. 10",
         "u_t + u_xxxxx + 10*u*u_xxx + 25*u_x*u_xx + 20*u**2*u_x = 0",
         ["d_x", "d_t", "x*d_x + 5*t*d_t - 2*u*d_u"]),
    _pde("Lax fifth-order KdV", "CRC1 ch. 10",
         "u_t + u_xxxxx + 10*u*u_xxx + 20*u_x*u_xx + 30*u**2*u_x = 0",
         ["d_x", "d_t", "x*d_x + 5*t*d_t - 2*u*d_u"]),
    _pde("Kawahara", "PZ04", "u_t + u*u_x + u_xxx - u_xxxxx = 0",
         ["d_x", "d_t", "t*d_x + d_u"]),
    _pde("Camassa-Holm", "CH93; PZ04", "u_t - u_xxt + 3*u*u_x - 2*u_x*u_xx - u*u_xxx = 0",
         ["d_x", "d_t", "t*d_t - u*d_u"]),
    _pde("Degasperis-Procesi", "PZ04", "u_t - u_xxt + 4*u*u_x - 3*u_x*u_xx - u*u_xxx = 0",
         ["d_x", "d_t", "t*d_t - u*d_u"]),
    _pde("Benjamin-Bona-Mahony", "PZ04; Arr15", "u_t + u_x + u*u_x - u_xxt = 0",
         ["d_x", "d_t", "t*d_t - (1 + u)*d_u"]),
    # ------------------------------------------------------------ infinite algebras
    _pde("wave equation 1+1", "Olver93; CRC1 ch. 12: conformal, scaling, superposition",
         "u_tt = u_xx", ["u*d_u"], families=2,
         members=["d_x", "d_t", "t*d_x + x*d_t", "x*d_x + t*d_t",
                  "(x**2 + t**2)*d_x + 2*x*t*d_t", "exp(x + t)*d_u"]),
    _pde("Laplace in the plane", "Olver93; BK89: conformal maps, scaling, superposition",
         "u_xx + u_yy = 0", ["u*d_u"], vars="x y", families=2,
         members=["d_x", "d_y", "y*d_x - x*d_y", "x*d_x + y*d_y",
                  "(x**2 - y**2)*d_x + 2*x*y*d_y", "x*y*d_u"]),
    _pde("Liouville (laboratory frame)", "CRC1 ch. 12", "u_tt = u_xx + exp(u)", [],
         families=1, members=["d_x", "d_t", "t*d_x + x*d_t", "x*d_x + t*d_t - 2*d_u"]),
    _pde("heat in space", "Olver93 (n-dimensional heat equation)",
         "u_t = u_xx + u_yy + u_zz",
         ["d_x", "d_y", "d_z", "d_t", "y*d_x - x*d_y", "z*d_x - x*d_z", "z*d_y - y*d_z",
          "u*d_u", "x*d_x + y*d_y + z*d_z + 2*t*d_t", "2*t*d_x - x*u*d_u",
          "2*t*d_y - y*u*d_u", "2*t*d_z - z*u*d_u",
          "4*t*(x*d_x + y*d_y + z*d_z) + 4*t**2*d_t - (x**2 + y**2 + z**2 + 6*t)*u*d_u"],
         vars="x y z t", families=1),
    _pde("heat with a linear potential (Airy type)", "Olver93 Example 2.41 transformed: "
         "u_t = u_xx + x u", "u_t = u_xx + x*u",
         transported(_HEAT, ["x", "t", "u"],
                     ["x + t**2", "t", "u*exp(-x*t - t**3/3)"], ["x", "t", "u"]),
         families=1),
    _pde("wave with speed x: u_tt = x**2 u_xx", "BK89 (wave speeds c(x) = (Ax + B)); "
         "s = log x and u = sqrt(x) w give w_tt = w_ss - w/4", "u_tt = x**2*u_xx",
         ["d_t", "u*d_u", "x*d_x + u/2*d_u", "t*x*d_x + log(x)*d_t + t*u/2*d_u"], families=1),
    _pde("wave with speed A x + B (issue 35)", "BK89 (wave speeds c(x) = (Ax + B)); "
         "s = log(A x + B)/A and u = sqrt(A x + B) w give w_tt = w_ss - A**2 w/4 (A != 0)",
         "u_tt = (A*x + B)**2*u_xx",
         ["d_t", "u*d_u", "(A*x + B)*d_x + A*u/2*d_u",
          "t*(A*x + B)*d_x + log(A*x + B)/A*d_t + A*t*u/2*d_u"], params="A B", families=1),
    # ------------------------------------------------------------ systems
    _sys("isotropic oscillator in the plane", "Nie72: image of sl(4) of the free particle",
         "t", "x y", ["x_tt = -x", "y_tt = -y"],
         transported(_PROJ, ["t", "x", "y"], ["tan(t)", "x/cos(t)", "y/cos(t)"],
                     ["t", "x", "y"])),
    # ------------------------------------------------------------ variational symmetries
    _var("free particle (Noether)", "Olver93 ch. 4; Hydon00 ch. 11: five-dimensional",
         "t", "q", "q_t**2/2",
         ["d_t", "d_q", "t*d_q", "2*t*d_t + q*d_q", "t**2*d_t + t*q*d_q"]),
    _var("harmonic oscillator (Noether)", "Hydon00 ch. 11: five Noether symmetries",
         "t", "q", "(q_t**2 - q**2)/2",
         ["d_t", "sin(t)*d_q", "cos(t)*d_q", "sin(2*t)*d_t + cos(2*t)*q*d_q",
          "cos(2*t)*d_t - sin(2*t)*q*d_q"]),
    _var("Kepler (Noether point symmetries)", "Hydon00 ch. 11: time translation, rotation",
         "t", "x y", "(x_t**2 + y_t**2)/2 + 1/sqrt(x**2 + y**2)",
         ["d_t", "y*d_x - x*d_y"]),
    _var("sine-Gordon (Noether)", "Olver93 ch. 4: Poincare", "x t", "u",
         "u_t**2/2 - u_x**2/2 + cos(u)", ["d_x", "d_t", "t*d_x + x*d_t"]),
    _var("phi^4 (Noether)", "Olver93 ch. 4: Poincare", "x t", "u",
         "u_t**2/2 - u_x**2/2 - u**4/4", ["d_x", "d_t", "t*d_x + x*d_t"]),
    _var("Klein-Gordon (Noether)", "Olver93 ch. 4: Poincare and solutions", "x t", "u",
         "u_t**2/2 - u_x**2/2 - u**2/2", ["d_x", "d_t", "t*d_x + x*d_t"], families=1),
    _var("Liouville (Noether)", "Olver93 ch. 4: conformal", "x t", "u",
         "u_t**2/2 - u_x**2/2 + exp(u)", [], families=1,
         members=["d_x", "d_t", "t*d_x + x*d_t", "x*d_x + t*d_t - 2*d_u"]),
    _var("wave equation 1+1 (Noether)", "Olver93 ch. 4: conformal and solutions", "x t", "u",
         "u_t**2/2 - u_x**2/2", [], families=2,
         members=["d_x", "d_t", "t*d_x + x*d_t", "x*d_x + t*d_t"]),
]
