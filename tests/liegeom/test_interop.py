"""Cross-checks against geomstats and scipy on hypothesis-drawn inputs, and the conversions."""

from __future__ import annotations

import math
import os

os.environ.setdefault("GEOMSTATS_BACKEND", "numpy")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.linalg  # noqa: E402
import scipy.stats  # noqa: E402
import torch  # noqa: E402
from geomstats.geometry.spd_matrices import expmh, logmh  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from liegeom import linalg as la  # noqa: E402
from liegeom.decompositions import polar  # noqa: E402
from liegeom.groups import SL, SO, SPD, GLPlus  # noqa: E402
from liegeom.interop import from_numpy, to_geomstats, to_numpy  # noqa: E402
from liegeom.testing.strategies import algebra_elements, group_elements  # noqa: E402

FEW = settings(max_examples=5, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
T = dict(rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("G", [GLPlus(2), GLPlus(3), SPD(3), SO(2), SO(3)], ids=repr)
def test_spaces_accept_our_points(G):
    space = to_geomstats(G)
    g = G.random_point((5,), generator=torch.Generator().manual_seed(0))
    assert space.belongs(to_numpy(g)).all()
    back = from_numpy(space.random_point(4))
    assert back.dtype == torch.float64 and G.belongs(back).all()


def test_conversion_errors():
    with pytest.raises(TypeError, match="SL"):
        to_geomstats(SL(2))
    with pytest.raises(TypeError, match="torch.Tensor"):
        to_numpy(np.eye(2))
    with pytest.raises(TypeError, match="floating"):
        from_numpy(np.eye(2, dtype=int))
    x = torch.randn(2, 3, 3, dtype=torch.float32, generator=torch.Generator().manual_seed(0))
    assert torch.equal(from_numpy(to_numpy(x), dtype=torch.float32), x)


@pytest.mark.parametrize("n", [2, 3])
@FEW
@given(data=st.data())
def test_exp_log_match_geomstats_and_scipy(n, data):
    G, space = GLPlus(n), to_geomstats(GLPlus(n))
    X = data.draw(algebra_elements(G, batch_shape=(3,), max_norm=1.5))
    ours = G.exp(X)
    torch.testing.assert_close(ours, from_numpy(space.exp(to_numpy(X))), **T)
    torch.testing.assert_close(ours[0], from_numpy(scipy.linalg.expm(to_numpy(X[0]))), **T)
    g = data.draw(group_elements(G, batch_shape=(3,), max_norm=1.5))
    torch.testing.assert_close(G.log(g), from_numpy(space.log(to_numpy(g))), **T)
    torch.testing.assert_close(G.log(g)[0], from_numpy(scipy.linalg.logm(to_numpy(g[0])).real),
                               **T)
    R = data.draw(group_elements(SO(n), batch_shape=(3,), max_norm=3.0))
    gs_so = to_geomstats(SO(n))
    torch.testing.assert_close(SO(n).log(R), from_numpy(gs_so.log(to_numpy(R))), **T)


@pytest.mark.parametrize("n", [2, 3, 4])
@FEW
@given(data=st.data())
def test_polar_matches_scipy(n, data):
    g = data.draw(group_elements(GLPlus(n), batch_shape=(2,), max_norm=2.5))
    P, R = polar(g)
    for i in range(2):
        u, p = scipy.linalg.polar(to_numpy(g[i]), side="left")  # g = p u
        torch.testing.assert_close(P[i], from_numpy(p), **T)
        torch.testing.assert_close(R[i], from_numpy(u), **T)


@pytest.mark.parametrize("n", [2, 3, 4])
@FEW
@given(data=st.data())
def test_spd_exp_log_match_geomstats(n, data):
    S = data.draw(group_elements(SPD(n), batch_shape=(3,), ill_conditioned=True))
    torch.testing.assert_close(la.spd_log(S), from_numpy(logmh(to_numpy(S))), **T)
    X = la.spd_log(S)
    torch.testing.assert_close(la.spd_exp(X) / S.norm(dim=(-2, -1), keepdim=True),
                               from_numpy(expmh(to_numpy(X))) / S.norm(dim=(-2, -1),
                                                                        keepdim=True), **T)


def test_geomstats_random_uniform_is_not_haar_but_ours_is():
    """Documented contrast: geomstats' SO(2) 'random_uniform' (QR of a Gaussian without the
    sign correction) puts every angle in |θ| > π/2; the KS test rejects it, ours passes."""
    np.random.seed(0)
    R = to_geomstats(SO(2)).random_uniform(5000)
    theta = np.arctan2(R[:, 1, 0], R[:, 0, 0])
    assert (np.abs(theta) > math.pi / 2).all()
    uniform = scipy.stats.uniform(-math.pi, 2 * math.pi).cdf
    assert scipy.stats.kstest(theta, uniform).pvalue < 1e-10
    ours = SO(2).random_point((5000,), generator=torch.Generator().manual_seed(0))
    ours_theta = torch.atan2(ours[:, 1, 0], ours[:, 0, 0]).numpy()
    assert scipy.stats.kstest(ours_theta, uniform).pvalue > 1e-3
