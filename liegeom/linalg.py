r"""Batched linear algebra for Lie-group code: the public kernels liegeom itself runs on.

Every function takes batches of square matrices ``shape=[..., n, n]`` (any number of batch
dimensions, never squeezed) and returns results with the input's dtype and device. The
spectral maps have exact, finite first derivatives everywhere, including at repeated
eigenvalues, in reverse mode, forward mode and ``torch.func`` (see the notes of
:func:`sym_funcm`); the closed forms for n = 2, 3 make them several times faster than the
LAPACK route on small matrices.

=====================  =======================================================================
function               result
=====================  =======================================================================
:func:`sym`            symmetric part ``(X + X^T) / 2``
:func:`skew`           skew-symmetric part ``(X - X^T) / 2``
:func:`sym_eigh`       eigen-decomposition of a symmetric matrix (closed forms for n = 2, 3)
:func:`sym_funcm`      ``f(S) = U f(Λ) U^T`` for symmetric ``S`` and a scalar function ``f``
:func:`spd_sqrt`       principal square root of an SPD matrix
:func:`spd_invsqrt`    inverse principal square root of an SPD matrix
:func:`spd_exp`        exponential of a symmetric matrix (an SPD matrix)
:func:`spd_log`        principal logarithm of an SPD matrix (a symmetric matrix)
:func:`svd`            SVD ``g = U diag(s) V^T`` with finite first derivatives (returns ``V``)
:func:`logm`           principal logarithm of a general real matrix (no eigenvalue <= 0)
:func:`det`            determinant (closed forms for n = 2, 3)
:func:`inv`            inverse (adjugate closed forms for n = 2, 3)
=====================  =======================================================================

Derivative orders. First derivatives are exact for every function here, in every autograd mode.
Second and higher derivatives are exact for :func:`sym`, :func:`skew`, :func:`det`,
:func:`inv` and :func:`logm` (plain torch operations, closed forms for n = 2). The spectral maps
:func:`sym_eigh`, :func:`sym_funcm`, :func:`spd_sqrt`, :func:`spd_invsqrt`, :func:`spd_exp`,
:func:`spd_log` and :func:`svd` have exact first derivatives only: differentiating them twice
(``create_graph=True`` then backward, ``torch.func.hessian``, ``jacrev(jacrev(...))``) raises
``NotImplementedError``; so do the liegeom functions built on them (``polar`` for n >= 3,
``kak``, ``SL(n).projection``, ``SPD`` and ``PolarExpChart``/``PolarGaussian`` maps).

Transforms. Every function here, and liegeom's group maps, decompositions, charts and
densities built on them, runs under ``torch.func.vmap`` (membership validation is skipped
there, see :class:`liegeom.set_validation`), with one exception: :func:`logm` of n >= 3
matrices takes a data-dependent number of square roots, so ``GLPlus(n).log``, ``SL(n).log``
(n >= 3), ``SO(n).log`` (n >= 4) and the affine groups over them raise ``RuntimeError`` saying
so under ``vmap``; they are batched already. ``torch.compile(fullgraph=True)`` (no graph
break) is tested on the ``SO(3)`` exp and log, the n = 2 logarithm, and the ``SL(2)`` polar
density and charts.

Examples
--------
>>> import torch
>>> from liegeom import linalg
>>> S = torch.tensor([[4.0, 0.0], [0.0, 9.0]], dtype=torch.float64)
>>> linalg.spd_sqrt(S)
tensor([[2., 0.],
        [0., 3.]], dtype=torch.float64)
>>> torch.allclose(linalg.spd_exp(linalg.spd_log(S)), S)
True
"""

from __future__ import annotations

from ._linalg import (
    det,
    inv,
    logm,
    skew,
    spd_exp,
    spd_invsqrt,
    spd_log,
    spd_sqrt,
    svd,
    sym,
    sym_eigh,
    sym_funcm,
)

__all__ = [
    "sym",
    "skew",
    "sym_eigh",
    "sym_funcm",
    "spd_sqrt",
    "spd_invsqrt",
    "spd_exp",
    "spd_log",
    "svd",
    "logm",
    "det",
    "inv",
]
