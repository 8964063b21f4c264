"""Laws of the equivariance error: zero for equivariant maps, positive and scale-free otherwise."""

import math

import pytest
import torch

from liegeom.testing import EquivarianceError, assert_equivariant, equivariance_error


def _rotations(angles: torch.Tensor) -> torch.Tensor:
    c, s = torch.cos(angles), torch.sin(angles)
    return torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)


def rot(g, x):
    return (g @ x.unsqueeze(-1)).squeeze(-1)


def ident(g, y):
    return y


@pytest.fixture
def samples(generator, dtype):
    x = torch.randn(64, 2, generator=generator, dtype=dtype)
    g = _rotations(2 * math.pi * torch.rand(64, generator=generator, dtype=dtype))
    return x, g


def test_equivariant_map_has_zero_error(samples, dtype):
    x, g = samples
    f = lambda v: v * torch.linalg.vector_norm(v, dim=-1, keepdim=True)  # radial: equivariant
    err = assert_equivariant(f, rot, rot, x, g)
    assert err.dtype == torch.float64
    assert err.shape == (64,)
    assert float(err.max()) < (1e-12 if dtype == torch.float64 else 1e-6)


def test_invariant_map(samples):
    x, g = samples
    f = lambda v: torch.linalg.vector_norm(v, dim=-1, keepdim=True)
    assert_equivariant(f, rot, ident, x, g)


def test_non_equivariant_map_is_caught_with_report(samples):
    x, g = samples
    f = lambda v: v * torch.tensor([1.0, 2.0], dtype=v.dtype)  # anisotropic scaling
    err = equivariance_error(f, rot, rot, x, g)
    assert float(err.max()) > 0.05
    with pytest.raises(EquivarianceError) as info:
        assert_equivariant(f, rot, rot, x, g)
    report = str(info.value)
    assert "max error" in report and "batch index" in report and "failing samples" in report


def test_error_is_scale_free_and_bounded(samples, tol):
    x, g = samples
    f = lambda v: v + 1.0  # translation breaks rotation equivariance
    e1 = equivariance_error(f, rot, rot, x, g)
    e2 = equivariance_error(lambda v: 1e6 * f(v), rot, rot, x, g)
    torch.testing.assert_close(e1, e2, **tol)  # per-dtype table: float32 rounds 1e6·f(x)
    assert float(e1.min()) >= 0.0 and float(e1.max()) <= 1.0


def test_matches_the_formula(samples):
    x, g = samples
    f = lambda v: v**2
    lhs, rhs = f(rot(g, x)).double(), rot(g, f(x)).double()
    expected = (lhs - rhs).norm(dim=-1) / (lhs.norm(dim=-1) + rhs.norm(dim=-1))
    torch.testing.assert_close(equivariance_error(f, rot, rot, x, g), expected)


def test_zero_outputs_give_zero_error(samples):
    x, g = samples
    err = equivariance_error(lambda v: 0 * v, rot, rot, x, g)
    assert torch.equal(err, torch.zeros_like(err))


def test_bad_input_is_refused(samples):
    x, g = samples
    with pytest.raises(ValueError, match="same shape"):
        equivariance_error(lambda v: v, rot, lambda g, y: y[..., :1], x, g)
    with pytest.raises(ValueError, match="batch_ndim"):
        equivariance_error(lambda v: v, rot, rot, x, g, batch_ndim=-1)
    with pytest.raises(EquivarianceError, match="not finite"):
        assert_equivariant(lambda v: v / 0 * 0, rot, rot, x, g)
