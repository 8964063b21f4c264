"""Scalar partial differential equations with their published point-symmetry algebras.

Sources (abbreviated in the entries):
  Olver93   P. J. Olver, Applications of Lie Groups to Differential Equations, 2nd ed. (1993)
  CRC1      N. H. Ibragimov (ed.), CRC Handbook of Lie Group Analysis of Differential
            Equations, vol. 1 (1994): ch. 10 (evolution equations), ch. 12 (wave equations)
  BA02      G. W. Bluman, S. C. Anco, Symmetry and Integration Methods for Differential
            Equations (2002)
  BK89      G. W. Bluman, S. Kumei, Symmetries and Differential Equations (1989)
  Ovs82     L. V. Ovsiannikov, Group Analysis of Differential Equations (1982)
  Dor82     V. A. Dorodnitsyn, On invariant solutions of the nonlinear heat equation with a
            source, USSR Comput. Math. Math. Phys. 22 (1982) 115-122
  ALA81     W. F. Ames, R. J. Lohner, E. Adams, Group properties of u_tt = [f(u) u_x]_x,
            Int. J. Non-Linear Mech. 16 (1981) 439-447
  GI98      R. K. Gazizov, N. H. Ibragimov, Lie symmetry analysis of differential equations
            in finance, Nonlinear Dynamics 17 (1998) 387-407
  PZ04      A. D. Polyanin, V. F. Zaitsev, Handbook of Nonlinear Partial Differential
            Equations (2004)
  Arr15     D. J. Arrigo, Symmetry Analysis of Differential Equations (2015)
"""

from . import Entry, transported

_HEAT = ("d_x", "d_t", "u*d_u", "x*d_x + 2*t*d_t", "2*t*d_x - x*u*d_u",
         "4*t*x*d_x + 4*t**2*d_t - (x**2 + 2*t)*u*d_u")


def _pde(name, source, eqs, gens, *, vars="x t", fields="u", params="", families=0,
         members=(), solve_for=()):
    eqs = (eqs,) if isinstance(eqs, str) else tuple(eqs)
    return Entry(name, source, vars, fields, eqs, tuple(gens), params=params,
                 families=families, members=tuple(members), solve_for=tuple(solve_for),
                 tags=("pde",))


def _porous(n, gens=None, source="Ovs82; CRC1 ch. 10: u_t = (u^n u_x)_x"):
    base = ["d_x", "d_t", f"x*d_x + 2*u/({n})*d_u", f"({n})*t*d_t - u*d_u"]
    return _pde(f"porous medium n = {n}", source,
                f"u_t = u**({n})*u_xx + ({n})*u**({n} - 1)*u_x**2", gens or base)


def _nlheat(n):
    return _pde(f"heat with source u^{n}", "Dor82; CRC1 ch. 10: u_t = u_xx + u^n",
                f"u_t = u_xx + u**({n})", ["d_x", "d_t", f"x*d_x + 2*t*d_t - 2*u/({n} - 1)*d_u"])


def _nlwave(n):
    return _pde(f"nonlinear Klein-Gordon u^{n}", "CRC1 ch. 12: u_tt = u_xx + u^n",
                f"u_tt = u_xx + u**({n})",
                ["d_x", "d_t", "t*d_x + x*d_t", f"x*d_x + t*d_t - 2*u/({n} - 1)*d_u"])


def _ames(n, extra=()):
    return _pde(f"nonlinear wave u_tt = (u^{n} u_x)_x", "ALA81; CRC1 ch. 12",
                f"u_tt = u**({n})*u_xx + ({n})*u**({n} - 1)*u_x**2",
                ["d_x", "d_t", "x*d_x + t*d_t", f"({n})*x*d_x + 2*u*d_u", *extra])


def _potential(name, rhs, gens, params=""):
    return _pde(name, "CRC1 ch. 10 (u_t = F(u_x) u_xx, u_t = F(u_xx))", f"u_t = {rhs}",
                gens, params=params)


def _gkdv(n):
    return _pde(f"generalized KdV u^{n} u_x", "CRC1 ch. 10: u_t + u^n u_x + u_xxx = 0",
                f"u_t + u**({n})*u_x + u_xxx = 0",
                ["d_x", "d_t", f"x*d_x + 3*t*d_t - 2*u/({n})*d_u"])


ENTRIES = [
    # ------------------------------------------------------------ linear evolution
    _pde("heat", "Olver93 Example 2.41", "u_t = u_xx", _HEAT, families=1,
         members=["exp(x + t)*d_u", "x*d_u"]),
    _pde("heat with diffusivity k", "Olver93 Example 2.41 (rescaled)", "u_t = k*u_xx",
         ["d_x", "d_t", "u*d_u", "x*d_x + 2*t*d_t", "2*k*t*d_x - x*u*d_u",
          "4*k*t*x*d_x + 4*k*t**2*d_t - (x**2 + 2*k*t)*u*d_u"], params="k", families=1),
    _pde("heat with a sink u_t = u_xx - 1", "u -> u + t maps it to the heat equation "
         "(Olver93 Example 2.41)", "u_t = u_xx - 1",
         transported(_HEAT, ["x", "t", "u"], ["x", "t", "u + t"], ["x", "t", "u"]),
         families=1),
    _pde("heat with a source u_t = u_xx + 1", "u -> u - t maps it to the heat equation",
         "u_t = u_xx + 1",
         transported(_HEAT, ["x", "t", "u"], ["x", "t", "u - t"], ["x", "t", "u"]),
         families=1),
    _pde("heat with absorption u_t = u_xx - u", "u = exp(-t) w; Olver93 Example 2.41",
         "u_t = u_xx - u",
         transported(_HEAT, ["x", "t", "u"], ["x", "t", "u*exp(t)"], ["x", "t", "u"]),
         families=1),
    _pde("Black-Scholes type u_t = x**2 u_xx", "GI98 (equivalent to the heat equation)",
         "u_t = x**2*u_xx",
         transported(_HEAT, ["x", "t", "u"], ["log(x)", "t", "u*exp(t/4)/sqrt(x)"],
                     ["x", "t", "u"]), families=1),
    _pde("heat with drift u_t = u_xx + u_x", "Galilean image of the heat equation "
         "(Olver93 Example 2.41)", "u_t = u_xx + u_x",
         transported(_HEAT, ["x", "t", "u"], ["x + t", "t", "u"], ["x", "t", "u"]),
         families=1),
    _pde("potential Burgers u_t = u_xx + u_x**2", "Olver93 sec. 2.4 (Hopf-Cole)",
         "u_t = u_xx + u_x**2",
         ["d_x", "d_t", "d_u", "x*d_x + 2*t*d_t", "2*t*d_x - x*d_u",
          "4*t*x*d_x + 4*t**2*d_t - (x**2 + 2*t)*d_u"], families=1),
    _pde("hodograph of the heat equation u_t = u_xx/u_x**2",
         "CRC1 ch. 10 (u_t = u_x^k u_xx, k = -2, linearizable by x <-> u)",
         "u_t = u_xx/u_x**2",
         ["d_u", "d_t", "x*d_x", "u*d_u + 2*t*d_t", "2*t*d_u - u*x*d_x",
          "4*t*u*d_u + 4*t**2*d_t - (u**2 + 2*t)*x*d_x"], families=1),
    # ------------------------------------------------------------ nonlinear evolution
    _pde("Burgers", "Olver93 sec. 2.4; CRC1 ch. 10", "u_t + u*u_x = u_xx",
         ["d_x", "d_t", "t*d_x + d_u", "x*d_x + 2*t*d_t - u*d_u",
          "t*x*d_x + t**2*d_t + (x - t*u)*d_u"]),
    _pde("Burgers with viscosity", "CRC1 ch. 10", "u_t + u*u_x = nu*u_xx",
         ["d_x", "d_t", "t*d_x + d_u", "x*d_x + 2*t*d_t - u*d_u",
          "t*x*d_x + t**2*d_t + (x - t*u)*d_u"], params="nu"),
    _pde("KdV", "Olver93 Example 2.44", "u_t + u*u_x + u_xxx = 0",
         ["d_x", "d_t", "t*d_x + d_u", "x*d_x + 3*t*d_t - 2*u*d_u"]),
    _pde("KdV (6 u u_x)", "Olver93 Example 2.44 (rescaled)", "u_t + 6*u*u_x + u_xxx = 0",
         ["d_x", "d_t", "6*t*d_x + d_u", "x*d_x + 3*t*d_t - 2*u*d_u"]),
    _pde("KdV with parameters", "CRC1 ch. 10", "u_t + a*u*u_x + b*u_xxx = 0",
         ["d_x", "d_t", "a*t*d_x + d_u", "x*d_x + 3*t*d_t - 2*u*d_u"], params="a b"),
    _pde("modified KdV", "CRC1 ch. 10", "u_t + u**2*u_x + u_xxx = 0",
         ["d_x", "d_t", "x*d_x + 3*t*d_t - u*d_u"]),
    _pde("modified KdV (6 u^2)", "CRC1 ch. 10", "u_t - 6*u**2*u_x + u_xxx = 0",
         ["d_x", "d_t", "x*d_x + 3*t*d_t - u*d_u"]),
    _gkdv(3), _gkdv(4), _gkdv("1/2"),
    _pde("cylindrical KdV", "CRC1 ch. 10; issue 37 (t f'' + f'/2 = 0)",
         "u_t + u*u_x + u_xxx + u/(2*t) = 0",
         ["d_x", "2*sqrt(t)*d_x + d_u/sqrt(t)", "x*d_x + 3*t*d_t - 2*u*d_u",
          "2*sqrt(t)*x*d_x + 4*t**(3/2)*d_t + (x/sqrt(t) - 4*sqrt(t)*u)*d_u"]),
    _pde("KdV-Burgers", "CRC1 ch. 10", "u_t + u*u_x - u_xx + u_xxx = 0",
         ["d_x", "d_t", "t*d_x + d_u"]),
    _pde("Kuramoto-Sivashinsky", "CRC1 ch. 10; PZ04", "u_t + u*u_x + u_xx + u_xxxx = 0",
         ["d_x", "d_t", "t*d_x + d_u"]),
    _pde("generalized Burgers u^2 u_x", "CRC1 ch. 10", "u_t + u**2*u_x = u_xx",
         ["d_x", "d_t", "2*x*d_x + 4*t*d_t - u*d_u"]),
    _pde("Fisher-KPP", "CRC1 ch. 10; Arr15", "u_t = u_xx + u*(1 - u)", ["d_x", "d_t"]),
    _pde("Fisher with rates", "CRC1 ch. 10", "u_t = D*u_xx + r*u*(1 - u/K)", ["d_x", "d_t"],
         params="D r K"),
    _pde("Newell-Whitehead", "PZ04; Arr15", "u_t = u_xx + u - u**3", ["d_x", "d_t"]),
    _pde("Zeldovich / Huxley", "PZ04", "u_t = u_xx + u**2*(1 - u)", ["d_x", "d_t"]),
    _nlheat(2), _nlheat(3), _nlheat(5), _nlheat(-1),
    _pde("heat with source u^n (symbolic n)", "Dor82; CRC1 ch. 10", "u_t = u_xx + u**n",
         ["d_x", "d_t", "x*d_x + 2*t*d_t - 2*u/(n - 1)*d_u"], params="n"),
    _pde("heat with exponential source", "Dor82; CRC1 ch. 10", "u_t = u_xx + exp(u)",
         ["d_x", "d_t", "x*d_x + 2*t*d_t - 2*d_u"]),
    _pde("heat with source u log u", "Dor82; CRC1 ch. 10", "u_t = u_xx + u*log(u)",
         ["d_x", "d_t", "exp(t)*u*d_u", "2*exp(t)*d_x - exp(t)*x*u*d_u"]),
    _porous(1), _porous(2), _porous(3), _porous(-1), _porous("1/2"), _porous("-1/2"),
    _porous(-2), _porous(4),
    _porous("-4/3", ["d_x", "d_t", "x*d_x - 3*u/2*d_u", "-4*t*d_t - 3*u*d_u",
                     "x**2*d_x - 3*x*u*d_u"], source="Ovs82; CRC1 ch. 10: n = -4/3"),
    _pde("porous medium with symbolic n", "Ovs82; CRC1 ch. 10",
         "u_t = u**n*u_xx + n*u**(n - 1)*u_x**2",
         ["d_x", "d_t", "x*d_x + 2*u/n*d_u", "n*t*d_t - u*d_u"], params="n"),
    _pde("exponential diffusion u_t = (e^u u_x)_x", "Ovs82; CRC1 ch. 10",
         "u_t = exp(u)*(u_xx + u_x**2)", ["d_x", "d_t", "x*d_x + 2*d_u", "t*d_t - d_u"]),
    _pde("thin film u_t + (u u_xxx)_x = 0", "PZ04; CRC1 ch. 10",
         "u_t + u*u_xxxx + u_x*u_xxx = 0", ["d_x", "d_t", "x*d_x + 4*u*d_u", "t*d_t - u*d_u"]),
    _pde("Harry Dym", "CRC1 ch. 10", "u_t = u**3*u_xxx",
         ["d_x", "d_t", "x*d_x + u*d_u", "3*t*d_t - u*d_u", "x**2*d_x + 2*x*u*d_u"]),
    _potential("u_t = u_x**2 u_xx", "u_x**2*u_xx",
               ["d_x", "d_t", "d_u", "x*d_x + 4*t*d_t", "2*t*d_t - u*d_u"]),
    _potential("u_t = u_x u_xx", "u_x*u_xx",
               ["d_x", "d_t", "d_u", "x*d_x + 3*t*d_t", "t*d_t - u*d_u"]),
    _potential("u_t = u_x**k u_xx", "u_x**k*u_xx",
               ["d_x", "d_t", "d_u", "x*d_x + (k + 2)*t*d_t", "k*t*d_t - u*d_u"], params="k"),
    _potential("u_t = exp(u_x) u_xx", "exp(u_x)*u_xx",
               ["d_x", "d_t", "d_u", "x*d_x + 2*t*d_t + u*d_u", "t*d_t - x*d_u"]),
    _potential("u_t = log(u_xx)", "log(u_xx)",
               ["d_x", "d_t", "d_u", "x*d_u", "x*d_x - 2*t*d_u", "t*d_t + (t + u)*d_u"]),
    _potential("u_t = atan(u_xx)", "atan(u_xx)",
               ["d_x", "d_t", "d_u", "x*d_u", "x*d_x + 2*t*d_t + 2*u*d_u"]),
    _potential("curve shortening u_t = k u_xx/(1 + u_x**2)", "k*u_xx/(1 + u_x**2)",
               ["d_x", "d_t", "d_u", "u*d_x - x*d_u", "x*d_x + 2*t*d_t + u*d_u"],
               params="k"),
    _pde("implicit u_t**3 = u_xx", "issue 35 (implicit in u_t)", "u_t**3 = u_xx",
         ["d_x", "d_t", "d_u", "x*d_u", "u*d_x", "3*x*d_x + 2*t*d_t", "2*t*d_t + 3*u*d_u"]),
    _pde("sine of the slope u_t = sin(u_x)", "CRC1 ch. 10 (u_t = F(u_x))",
         "u_t = sin(u_x)", ["d_x", "d_t", "d_u", "x*d_x + t*d_t + u*d_u"], solve_for=["u_t"]),
    # ------------------------------------------------------------ wave type, 1+1
    _pde("sine-Gordon (light cone)", "CRC1 ch. 12; Olver93", "u_xt = sin(u)",
         ["d_x", "d_t", "x*d_x - t*d_t"]),
    _pde("sinh-Gordon (light cone)", "CRC1 ch. 12", "u_xt = sinh(u)",
         ["d_x", "d_t", "x*d_x - t*d_t"]),
    _pde("Tzitzeica", "CRC1 ch. 12", "u_xt = exp(u) - exp(-2*u)",
         ["d_x", "d_t", "x*d_x - t*d_t"]),
    _pde("sine-Gordon (laboratory frame)", "CRC1 ch. 12", "u_tt = u_xx - sin(u)",
         ["d_x", "d_t", "t*d_x + x*d_t"]),
    _pde("phi^4 Klein-Gordon", "CRC1 ch. 12", "u_tt = u_xx + u - u**3",
         ["d_x", "d_t", "t*d_x + x*d_t"]),
    _nlwave(2), _nlwave(3), _nlwave(5),
    _pde("nonlinear Klein-Gordon with exponent n", "CRC1 ch. 12", "u_tt = u_xx + u**n",
         ["d_x", "d_t", "t*d_x + x*d_t", "x*d_x + t*d_t - 2*u/(n - 1)*d_u"], params="n"),
    _pde("Klein-Gordon (linear)", "CRC1 ch. 12", "u_tt = u_xx - u",
         ["d_x", "d_t", "t*d_x + x*d_t", "u*d_u"], families=1),
    _pde("telegraph-type u_xt = u", "CRC1 ch. 12", "u_xt = u",
         ["d_x", "d_t", "x*d_x - t*d_t", "u*d_u"], families=1),
    _pde("Liouville (light cone)", "CRC1 ch. 12", "u_xt = exp(u)", [], families=2,
         members=["d_x", "d_t", "x*d_x - d_u", "x**2*d_x - 2*x*d_u", "exp(t)*(d_t - d_u)"]),
    _ames(1), _ames(2), _ames(-1),
    _ames("-4/3", ["x**2*d_x - 3*x*u*d_u"]),
    _ames(-4, ["t**2*d_t + t*u*d_u"]),
    _pde("nonlinear wave u_tt = (e^u u_x)_x", "ALA81; CRC1 ch. 12",
         "u_tt = exp(u)*(u_xx + u_x**2)", ["d_x", "d_t", "x*d_x + t*d_t", "x*d_x + 2*d_u"]),
    _pde("Boussinesq", "CRC1 ch. 10; PZ04", "u_tt = u_xx + diff(u**2, x, 2) + u_xxxx",
         ["d_x", "d_t", "x*d_x + 2*t*d_t - (2*u + 1)*d_u"]),
    _pde("Boussinesq (no linear term)", "CRC1 ch. 10", "u_tt = diff(u**2, x, 2) + u_xxxx",
         ["d_x", "d_t", "x*d_x + 2*t*d_t - 2*u*d_u"]),
    _pde("Euler-Bernoulli beam", "CRC1 ch. 12; Arr15", "u_tt + u_xxxx = 0",
         ["d_x", "d_t", "x*d_x + 2*t*d_t", "u*d_u"], families=1),
    _pde("minimal surface", "Olver93; issue 37", "(1 + u_y**2)*u_xx - 2*u_x*u_y*u_xy + "
         "(1 + u_x**2)*u_yy = 0",
         ["d_x", "d_y", "d_u", "y*d_x - x*d_y", "u*d_x - x*d_u", "u*d_y - y*d_u",
          "x*d_x + y*d_y + u*d_u"], vars="x y"),
    _pde("Born-Infeld", "CRC1 ch. 12", "(1 - u_t**2)*u_xx + 2*u_x*u_t*u_xt - "
         "(1 + u_x**2)*u_tt = 0",
         ["d_x", "d_t", "d_u", "t*d_x + x*d_t", "u*d_x - x*d_u", "u*d_t + t*d_u",
          "x*d_x + t*d_t + u*d_u"]),
    _pde("elliptic u_xx + u_yy = u**3", "CRC1 ch. 12 (nonlinear Poisson)",
         "u_xx + u_yy = u**3", ["d_x", "d_y", "y*d_x - x*d_y", "x*d_x + y*d_y - u*d_u"],
         vars="x y"),
    _pde("variable speed u_tt = A**2 exp(2Bx) u_xx", "CRC1 ch. 12, sec. 12.2; issue 37",
         "u_tt = A**2*exp(2*B*x)*u_xx",
         ["u*d_u", "4*d_x - 4*B*t*d_t + B*u*d_u", "d_t",
          "A*t*d_x - (A*B*t**2/2 + exp(-2*B*x)/(2*A*B))*d_t + A*B*t*u/2*d_u"],
         params="A B", families=1),
    _pde("variable speed c = 1 + x**2", "BA02 (4.64) type; issue 37",
         "u_tt = (1 + x**2)**2*u_xx",
         ["u*d_u", "d_t", "(1 + x**2)*d_x + x*u*d_u",
          "t*(1 + x**2)*d_x + atan(x)*d_t + t*x*u*d_u"], families=1),
    # ------------------------------------------------------------ more dimensions
    _pde("heat in the plane", "Olver93 (n-dimensional heat); CRC1 ch. 10",
         "u_t = u_xx + u_yy",
         ["d_x", "d_y", "d_t", "y*d_x - x*d_y", "u*d_u", "x*d_x + y*d_y + 2*t*d_t",
          "2*t*d_x - x*u*d_u", "2*t*d_y - y*u*d_u",
          "4*t*x*d_x + 4*t*y*d_y + 4*t**2*d_t - (x**2 + y**2 + 4*t)*u*d_u"],
         vars="x y t", families=1),
    _pde("nonlinear heat in the plane with u^3", "CRC1 ch. 10", "u_t = u_xx + u_yy + u**3",
         ["d_x", "d_y", "d_t", "y*d_x - x*d_y", "x*d_x + y*d_y + 2*t*d_t - u*d_u"],
         vars="x y t"),
    _pde("Zakharov-Kuznetsov", "PZ04; CRC1 ch. 10", "u_t + u*u_x + u_xxx + u_xyy = 0",
         ["d_x", "d_y", "d_t", "t*d_x + d_u", "x*d_x + y*d_y + 3*t*d_t - 2*u*d_u"],
         vars="x y t"),
    _pde("wave equation 2+1 with u^5 (conformal)", "CRC1 ch. 12 (conformally invariant "
         "nonlinear wave equation)", "u_tt = u_xx + u_yy + u**5",
         ["d_x", "d_y", "d_t", "y*d_x - x*d_y", "t*d_x + x*d_t", "t*d_y + y*d_t",
          "x*d_x + y*d_y + t*d_t - u/2*d_u",
          "(t**2 + x**2 + y**2)*d_t + 2*t*x*d_x + 2*t*y*d_y - t*u*d_u",
          "2*t*x*d_t + (t**2 + x**2 - y**2)*d_x + 2*x*y*d_y - x*u*d_u",
          "2*t*y*d_t + 2*x*y*d_x + (t**2 - x**2 + y**2)*d_y - y*u*d_u"], vars="x y t"),
    _pde("nonlinear Klein-Gordon 2+1 with u^3", "CRC1 ch. 12", "u_tt = u_xx + u_yy + u**3",
         ["d_x", "d_y", "d_t", "y*d_x - x*d_y", "t*d_x + x*d_t", "t*d_y + y*d_t",
          "x*d_x + y*d_y + t*d_t - u*d_u"], vars="x y t"),
    _pde("Laplace in space", "Olver93; BK89: conformal algebra and u d_u",
         "u_xx + u_yy + u_zz = 0",
         ["d_x", "d_y", "d_z", "y*d_x - x*d_y", "z*d_x - x*d_z", "z*d_y - y*d_z",
          "x*d_x + y*d_y + z*d_z", "u*d_u",
          "(x**2 - y**2 - z**2)*d_x + 2*x*y*d_y + 2*x*z*d_z - x*u*d_u",
          "2*x*y*d_x + (y**2 - x**2 - z**2)*d_y + 2*y*z*d_z - y*u*d_u",
          "2*x*z*d_x + 2*y*z*d_y + (z**2 - x**2 - y**2)*d_z - z*u*d_u"],
         vars="x y z", families=1),
    _pde("wave equation 2+1", "Olver93; BK89: conformal so(3,2) and u d_u",
         "u_tt = u_xx + u_yy",
         ["d_x", "d_y", "d_t", "y*d_x - x*d_y", "t*d_x + x*d_t", "t*d_y + y*d_t",
          "x*d_x + y*d_y + t*d_t", "u*d_u",
          "(t**2 + x**2 + y**2)*d_t + 2*t*x*d_x + 2*t*y*d_y - t*u*d_u",
          "2*t*x*d_t + (t**2 + x**2 - y**2)*d_x + 2*x*y*d_y - x*u*d_u",
          "2*t*y*d_t + 2*x*y*d_x + (t**2 - x**2 + y**2)*d_y - y*u*d_u"],
         vars="x y t", families=1),
]
