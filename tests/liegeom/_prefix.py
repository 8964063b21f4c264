"""liegeom's behaviour before the fixes of issue 32, defects 1 and 2, for substitution in
tests/liegeom/test_laws_catch_defects.py (the kernels as they were in commits 1cc0862^ and
e0b76b8^, trimmed to what the substitution needs). Not used by any other test."""

from __future__ import annotations

import math

import torch

import liegeom._linalg as la


def sqrtm_db(X: torch.Tensor, max_iter: int = 60) -> torch.Tensor:
    """Unscaled Denman--Beavers whose stopping test assumed an attainable residual of about
    ``eps n kappa(Y)``; near a rotation by π it is about ``eps / delta`` and the test never
    passed (defect 1)."""
    eps = torch.finfo(X.dtype).eps
    Y, Z = X, torch.eye(X.shape[-1], dtype=X.dtype).expand_as(X)
    tol = 10 * eps * X.shape[-1]
    prev = torch.full(X.shape[:-2], math.inf, dtype=X.dtype)
    for _ in range(max_iter):
        try:
            Y, Z = 0.5 * (Y + torch.linalg.inv(Z)), 0.5 * (Z + torch.linalg.inv(Y))
        except torch.linalg.LinAlgError as err:
            raise ArithmeticError("matrix square root did not converge (singular iterate)") from err
        kappa = Y.detach().flatten(-2).norm(dim=-1) * Z.detach().flatten(-2).norm(dim=-1)
        res = (Y @ Y - X).detach().flatten(-2).norm(dim=-1) / X.detach().flatten(-2).norm(dim=-1)
        bound = tol * 10 * torch.clamp(kappa / X.shape[-1], min=1.0)
        stalled = res > 0.5 * prev
        if bool(((res <= tol * 10) | (stalled & (res <= bound))).all()):
            return Y
        prev = res
    raise ArithmeticError("matrix square root did not converge")


def logm2(g: torch.Tensor) -> torch.Tensor:
    """2x2 logarithms took the general route (inverse scaling and squaring through
    ``la._sqrtm_db``) before the closed form of defect 1's fix: here that route runs on
    ``diag(g, 1)``, whose logarithm is ``diag(log g, 0)``."""
    G = torch.zeros(*g.shape[:-2], 3, 3, dtype=g.dtype)
    G[..., :2, :2] = g
    G[..., 2, 2] = 1.0
    return la.logm(G)[..., :2, :2]


def pair_divided_difference(f, df, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Divided differences that lumped two eigenvalues closer than ``eps^(1/3)`` in absolute
    terms (about 6e-6 in float64, 5e-3 in float32) into ``f'`` at the midpoint (defect 2)."""
    h = a - b
    one = torch.ones_like(h)
    scale = torch.maximum(torch.maximum(a.abs(), b.abs()), one)
    close = h.abs() <= torch.finfo(h.dtype).eps ** (1 / 3) * scale
    return torch.where(close, df(0.5 * (a + b)), (f(a) - f(b)) / torch.where(close, one, h))
