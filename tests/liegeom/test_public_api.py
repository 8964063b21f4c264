"""Public API: the names other packages use exist, are documented, and their examples run."""

from __future__ import annotations

import doctest
import importlib

import pytest
import torch
from hypothesis import given, settings

import liegeom
from liegeom import linalg
from liegeom.testing.strategies import group_elements, spd_matrices

MODULES = ["liegeom.linalg", "liegeom._linalg", "liegeom.groups", "liegeom.charts",
           "liegeom.distributions", "liegeom.measures", "liegeom.sampling",
           "liegeom.decompositions", "liegeom._checks"]


def test_linalg_is_public_and_documented():
    assert "linalg" in liegeom.__all__ and liegeom.linalg is linalg
    for name in linalg.__all__:
        fn = getattr(linalg, name)
        assert fn.__doc__ and "shape=" in fn.__doc__, name
        assert ">>>" in fn.__doc__ or name == "sym_eigh" or "Examples" in fn.__doc__, name


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module):
    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0, (result.failed, result.attempted)


@settings(max_examples=15)
@given(spd_matrices(3, batch_shape=(4,), ill_conditioned=True))
def test_spd_roots_and_logs_compose_to_identities(S):
    """sqrt(S)^2 = S, invsqrt(S) sqrt(S) = I, exp(log S) = S, through the public names only."""
    R, Ri = linalg.spd_sqrt(S), linalg.spd_invsqrt(S)
    eye = torch.eye(3, dtype=S.dtype).expand_as(S)
    cond = torch.linalg.cond(S)[..., None, None]
    scale = S.abs().amax((-2, -1), keepdim=True)
    assert ((R @ R - S).abs() <= 1e-12 * cond * scale).all()
    assert ((Ri @ R - eye).abs() <= 1e-12 * cond).all()
    assert ((linalg.spd_exp(linalg.spd_log(S)) - S).abs() <= 1e-12 * cond * scale).all()
    torch.testing.assert_close(linalg.sym_funcm(S, torch.sqrt), R, rtol=1e-9, atol=0)


@settings(max_examples=15)
@given(group_elements(liegeom.GLPlus(3), batch_shape=(2,)),
       group_elements(liegeom.GLPlus(3), batch_shape=(2,)))
def test_det_inv_svd_logm_laws(g, h):
    torch.testing.assert_close(linalg.det(g @ h), linalg.det(g) * linalg.det(h))
    torch.testing.assert_close(linalg.inv(g) @ g, torch.eye(3, dtype=g.dtype).expand_as(g))
    U, s, V = linalg.svd(g)
    torch.testing.assert_close((U * s[..., None, :]) @ V.mT, g)
    assert (s[..., :-1] >= s[..., 1:]).all()
    X = linalg.logm(g)
    torch.testing.assert_close(torch.linalg.matrix_exp(X), g)
    torch.testing.assert_close(linalg.sym(X) + linalg.skew(X), X)


def test_descriptive_names_and_deprecated_aliases():
    """Issue 32: A and N shadowed sympy.N under a star import; one way to draw Haar rotations."""
    ns: dict = {}
    exec("from liegeom import *", ns)
    assert "A" not in ns and "N" not in ns and "haar_so" not in ns
    assert "PositiveDiagonal" in ns and "UpperUnitriangular" in ns
    with pytest.warns(DeprecationWarning, match="use liegeom.PositiveDiagonal"):
        assert liegeom.A is liegeom.PositiveDiagonal
    with pytest.warns(DeprecationWarning, match="use liegeom.UpperUnitriangular"):
        assert liegeom.N is liegeom.UpperUnitriangular
    with pytest.warns(DeprecationWarning, match="SO\\(n\\).random_point"):
        assert liegeom.haar_so is liegeom.sampling.haar_so
    from liegeom import groups

    with pytest.warns(DeprecationWarning, match="use PositiveDiagonal"):
        assert groups.A(2) == liegeom.PositiveDiagonal(2)
    with pytest.raises(AttributeError):
        liegeom.does_not_exist  # noqa: B018
    # the Haar distribution object draws through SO(n).random_point: same stream
    a = liegeom.HaarSO(3).sample((4,), generator=torch.Generator().manual_seed(0))
    b = liegeom.SO(3).random_point((4,), generator=torch.Generator().manual_seed(0))
    assert torch.equal(a, b)
