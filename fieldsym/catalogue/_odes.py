"""Ordinary differential equations (scalar) with their published point-symmetry algebras.

Sources (abbreviated in the entries):
  Olver93   P. J. Olver, Applications of Lie Groups to Differential Equations, 2nd ed. (1993)
  Hydon00   P. E. Hydon, Symmetry Methods for Differential Equations (2000)
  BA02      G. W. Bluman, S. C. Anco, Symmetry and Integration Methods for Differential
            Equations (2002)
  Ibr99     N. H. Ibragimov, Elementary Lie Group Analysis and Ordinary Differential
            Equations (1999)
  Steph89   H. Stephani, Differential Equations: Their Solution Using Symmetries (1989)
  CO96      P. A. Clarkson, P. J. Olver, Symmetry and the Chazy equation, J. Differential
            Equations 124 (1996) 225-246
  ML85      F. M. Mahomed, P. G. L. Leach, The linear symmetries of a nonlinear differential
            equation, Quaest. Math. 8 (1985) 241-274
"""

import sympy as sp

from . import Entry

_SL3 = ("d_x", "d_y", "x*d_x", "y*d_x", "x*d_y", "y*d_y", "x**2*d_x + x*y*d_y",
        "x*y*d_x + y**2*d_y")


def _linearizable(name, source, eq, X, Y, params=""):
    """An equation mapped to ``Y''(X) = 0`` by the published point transformation
    ``X(x, y), Y(x, y)``: its algebra is the image of sl(3), written back in ``x, y``."""
    x, y = sp.symbols("x y")
    loc = {"x": x, "y": y} | {p: sp.Symbol(p) for p in params.split()}
    Xe, Ye = sp.sympify(X, locals=loc), sp.sympify(Y, locals=loc)
    J = sp.Matrix([[Xe.diff(x), Xe.diff(y)], [Ye.diff(x), Ye.diff(y)]])
    Jinv = J.inv()
    P, Q = sp.symbols("P Q")
    gens = []
    for a, b in [(1, 0), (0, 1), (P, 0), (Q, 0), (0, P), (0, Q), (P**2, P*Q), (P*Q, Q**2)]:
        ab = sp.Matrix([a, b]).subs({P: Xe, Q: Ye})
        xi, eta = (Jinv * ab).applyfunc(sp.simplify)
        gens.append(f"({sp.sstr(xi)})*d_x + ({sp.sstr(eta)})*d_y")
    return _ode(name, source, eq, gens, params=params)


def _ode(name, source, eq, gens, params="", fields="y"):
    return Entry(name, source, "x", fields, (eq,), tuple(gens), params=params, tags=("ode",))


ENTRIES = [
    _ode("free particle y'' = 0", "Olver93 sec. 2.5; Hydon00 ch. 5: sl(3)", "y_xx = 0", _SL3),
    _ode("harmonic oscillator y'' + y = 0", "Hydon00 ch. 5; Ibr99: linear, sl(3)",
         "y_xx + y = 0",
         ["d_x", "y*d_y", "sin(x)*d_y", "cos(x)*d_y",
          "sin(2*x)*d_x + cos(2*x)*y*d_y", "cos(2*x)*d_x - sin(2*x)*y*d_y",
          "y*sin(x)*d_x + y**2*cos(x)*d_y", "y*cos(x)*d_x - y**2*sin(x)*d_y"]),
    _ode("repulsive oscillator y'' = y", "Ibr99: linear, sl(3)", "y_xx = y",
         ["d_x", "y*d_y", "exp(x)*d_y", "exp(-x)*d_y",
          "exp(2*x)*(d_x + y*d_y)", "exp(-2*x)*(d_x - y*d_y)",
          "exp(x)*(y*d_x + y**2*d_y)", "exp(-x)*(y*d_x - y**2*d_y)"]),
    _ode("oscillator with frequency w", "Ibr99: linear, sl(3)", "y_xx + w**2*y = 0",
         ["d_x", "y*d_y", "sin(w*x)*d_y", "cos(w*x)*d_y",
          "sin(2*w*x)*d_x + w*cos(2*w*x)*y*d_y", "cos(2*w*x)*d_x - w*sin(2*w*x)*y*d_y",
          "y*sin(w*x)*d_x + w*y**2*cos(w*x)*d_y", "y*cos(w*x)*d_x - w*y**2*sin(w*x)*d_y"],
         params="w"),
    _ode("Ermakov-Pinney y'' = y**-3", "Ibr99; Hydon00 ch. 5: sl(2)", "y_xx = y**(-3)",
         ["d_x", "2*x*d_x + y*d_y", "x**2*d_x + x*y*d_y"]),
    _ode("Ermakov-Pinney with k", "Ibr99: sl(2) for every k != 0", "y_xx = k/y**3",
         ["d_x", "2*x*d_x + y*d_y", "x**2*d_x + x*y*d_y"], params="k"),
    _ode("y'' = y**2", "Hydon00 ch. 5 (y'' = y^n): translation and scaling", "y_xx = y**2",
         ["d_x", "x*d_x - 2*y*d_y"]),
    _ode("y'' = y**3", "Hydon00 ch. 5 (y'' = y^n)", "y_xx = y**3", ["d_x", "x*d_x - y*d_y"]),
    _ode("y'' = y**-2", "Hydon00 ch. 5 (y'' = y^n)", "y_xx = y**(-2)",
         ["d_x", "3*x*d_x + 2*y*d_y"]),
    _ode("y'' = y**n", "Hydon00 ch. 5; Ibr99: n != 0, 1, -3", "y_xx = y**n",
         ["d_x", "(1 - n)*x*d_x + 2*y*d_y"], params="n"),
    _ode("y'' = exp(y)", "Ibr99; BA02 sec. 3: translation and scaling", "y_xx = exp(y)",
         ["d_x", "x*d_x - 2*d_y"]),
    _ode("y'' = exp(-y)", "Ibr99", "y_xx = exp(-y)", ["d_x", "x*d_x + 2*d_y"]),
    _ode("Duffing without damping y'' + y**3 = 0", "Steph89", "y_xx + y**3 = 0",
         ["d_x", "x*d_x - y*d_y"]),
    _ode("Painleve I", "Ibr99; Steph89: no point symmetries", "y_xx = 6*y**2 + x", []),
    _ode("Painleve II", "Ibr99; Steph89: no point symmetries", "y_xx = 2*y**3 + x*y + a", [],
         params="a"),
    _ode("Blasius y''' + y y''/2 = 0", "Hydon00; BA02: translation and scaling",
         "y_xxx + y*y_xx/2 = 0", ["d_x", "x*d_x - y*d_y"]),
    _ode("Blasius (y''' + y y'' = 0)", "BA02 sec. 4", "y_xxx + y*y_xx = 0",
         ["d_x", "x*d_x - y*d_y"]),
    _ode("Chazy", "CO96: sl(2)", "y_xxx = 2*y*y_xx - 3*y_x**2",
         ["d_x", "x*d_x - y*d_y", "x**2*d_x - (2*x*y + 6)*d_y"]),
    _ode("y''' = 0", "Ibr99; ML85: n + 4 = 7 for linear order 3",
         "y_xxx = 0",
         ["d_x", "d_y", "x*d_y", "x**2*d_y", "x*d_x", "y*d_y", "x**2*d_x + 2*x*y*d_y"]),
    _ode("y'''' = 0", "ML85: n + 4 = 8 for linear order 4", "y_xxxx = 0",
         ["d_x", "d_y", "x*d_y", "x**2*d_y", "x**3*d_y", "x*d_x", "y*d_y",
          "x**2*d_x + 3*x*y*d_y"]),
    _ode("Lane-Emden n = 5", "BA02 sec. 4 (Lane-Emden): scaling only; for n = 5 it is a "
         "variational symmetry, which integrates the equation",
         "y_xx + 2*y_x/x + y**5 = 0", ["2*x*d_x - y*d_y"]),
    _ode("Lane-Emden n = 3", "BA02; Steph89: scaling only", "y_xx + 2*y_x/x + y**3 = 0",
         ["x*d_x - y*d_y"]),
    _ode("Lane-Emden n = 2", "BA02; Steph89: scaling only", "y_xx + 2*y_x/x + y**2 = 0",
         ["x*d_x - 2*y*d_y"]),
    _ode("Thomas-Fermi", "Steph89; BA02: scaling only", "y_xx = y**(3/2)/sqrt(x)",
         ["x*d_x - 3*y*d_y"]),
    _linearizable("y y'' = y'**2", "Ibr99: linearized by Y = log(y), sl(3)",
                  "y*y_xx - y_x**2 = 0", "x", "log(y)"),
    _linearizable("y'' = y'**3", "Ibr99: the hodograph x(y) solves x'' = -1, sl(3)",
                  "y_xx = y_x**3", "y", "x + y**2/2"),
    _linearizable("Euler y'' = 2y/x**2", "Ibr99: linear with solutions x**2, 1/x; sl(3)",
                  "y_xx = 2*y/x**2", "x**(-3)", "y/x**2"),
    _ode("quadratic in y'': y y''**2 + y' = 0", "this package's issue 37 (implicit)",
         "y*y_xx**2 + y_x = 0", ["d_x", "2*x*d_x + 3*y*d_y"]),
    _linearizable("y'' = x", "Ibr99: linear, Y = y - x**3/6 solves Y'' = 0; sl(3)",
                  "y_xx = x", "x", "y - x**3/6"),
    _linearizable("Airy-free y'' = exp(x)", "Ibr99: linear, Y = y - exp(x); sl(3)",
                  "y_xx = exp(x)", "x", "y - exp(x)"),
]
