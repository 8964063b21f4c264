r"""Haar sampling on SO(n) against exact laws, with Kolmogorov--Smirnov tests at fixed seeds.

Exact laws used (derived, not looked up):

- SO(2): the angle is uniform on [-π, π).
- SO(3): Weyl's integration formula gives the rotation-angle density
  :math:`(1 - \cos θ)/π` on [0, π], whose CDF is :math:`(θ - \sin θ)/π`; the trace
  :math:`t = 1 + 2\cos θ` then has density :math:`\sqrt{(3 - t)/(t + 1)}/(2π)` on [-1, 3]
  (checked against the angle law below by a change of variables).
- SO(n): the first column of a Haar rotation is uniform on :math:`S^{n-1}`, so
  :math:`R_{00}^2 \sim \mathrm{Beta}(1/2, (n-1)/2)`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.integrate
import scipy.stats
import torch

from liegeom.groups import SO
from liegeom.sampling import haar_so

N_SAMPLES = 20000
P_MIN = 1e-3  # fixed seeds: a correct sampler passes; a wrong law gives p ~ 1e-100


def so3_angle(R):
    c = ((torch.diagonal(R, dim1=-2, dim2=-1).sum(-1) - 1) / 2).clamp(-1, 1)
    return torch.arccos(c)


@pytest.mark.parametrize("method", ["angle", "qr"])
def test_so2_angle_is_uniform(method):
    R = haar_so(2, (N_SAMPLES,), method=method, generator=torch.Generator().manual_seed(0))
    theta = torch.atan2(R[..., 1, 0], R[..., 0, 0]).numpy()
    assert scipy.stats.kstest(theta, scipy.stats.uniform(-math.pi, 2 * math.pi).cdf).pvalue > P_MIN


@pytest.mark.parametrize("method", ["quaternion", "qr"])
def test_so3_angle_and_trace_laws(method):
    R = haar_so(3, (N_SAMPLES,), method=method, generator=torch.Generator().manual_seed(1))
    theta = so3_angle(R).numpy()
    angle_cdf = lambda t: (t - np.sin(t)) / math.pi
    assert scipy.stats.kstest(theta, angle_cdf).pvalue > P_MIN
    # trace law: density sqrt((3 - t)/(t + 1)) / (2 pi); its CDF by quadrature agrees with the
    # change of variables from the angle law, which then serves as the exact CDF
    trace = torch.diagonal(R, dim1=-2, dim2=-1).sum(-1).numpy()
    dens = lambda t: math.sqrt((3 - t) / (t + 1)) / (2 * math.pi)
    assert abs(scipy.integrate.quad(dens, -1, 3)[0] - 1) < 1e-8
    trace_cdf = np.vectorize(lambda t: scipy.integrate.quad(dens, -1, min(max(t, -1), 3))[0])
    grid = np.linspace(-1, 3, 401)
    cdf_grid = trace_cdf(grid)
    # change of variables: the trace CDF equals 1 - angle CDF at arccos((t - 1)/2)
    np.testing.assert_allclose(cdf_grid, 1 - angle_cdf(np.arccos((grid - 1) / 2)), atol=1e-7)
    exact_trace_cdf = lambda t: 1 - angle_cdf(np.arccos(np.clip((t - 1) / 2, -1, 1)))
    assert scipy.stats.kstest(trace, exact_trace_cdf).pvalue > P_MIN


@pytest.mark.parametrize("n", [2, 3, 4, 6])
def test_first_entry_square_is_beta(n):
    R = haar_so(n, (N_SAMPLES,), method="qr", generator=torch.Generator().manual_seed(n))
    assert SO(n).belongs(R).all()
    x = (R[..., 0, 0] ** 2).numpy()
    assert scipy.stats.kstest(x, scipy.stats.beta(0.5, (n - 1) / 2).cdf).pvalue > P_MIN


def test_left_invariance_of_the_trace_law():
    # Haar is invariant: Q R has the same law as R for a fixed rotation Q
    gen = torch.Generator().manual_seed(7)
    Q = haar_so(3, generator=gen)
    a = haar_so(3, (N_SAMPLES,), generator=gen)
    b = Q @ haar_so(3, (N_SAMPLES,), generator=gen)
    ta = torch.diagonal(a, dim1=-2, dim2=-1).sum(-1).numpy()
    tb = torch.diagonal(b, dim1=-2, dim2=-1).sum(-1).numpy()
    assert scipy.stats.ks_2samp(ta, tb).pvalue > P_MIN


def test_a_wrong_sampler_is_rejected():
    # the test has power: exp of a uniform cube in the algebra is not Haar
    gen = torch.Generator().manual_seed(3)
    v = (torch.rand(N_SAMPLES, 3, generator=gen, dtype=torch.float64) * 2 - 1) * 1.8
    theta = so3_angle(SO(3).exp(SO(3).hat(v))).numpy()
    assert scipy.stats.kstest(theta, lambda t: (t - np.sin(t)) / math.pi).pvalue < 1e-10


def test_shapes_dtypes_and_errors():
    gen = torch.Generator().manual_seed(0)
    for n in (2, 3, 5):
        for shape in ((), (1,), (2, 3)):
            R = haar_so(n, shape, generator=gen, dtype=torch.float32)
            assert R.shape == (*shape, n, n) and R.dtype == torch.float32
            assert SO(n).belongs(R).all()
    with pytest.raises(ValueError, match="integer n >= 1"):
        haar_so(0)
    with pytest.raises(ValueError, match="expected method"):
        haar_so(4, method="quaternion")
