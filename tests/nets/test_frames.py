"""Laws of frame averaging: exact invariance / equivariance, frames that are groups' elements,
documented behaviour at degenerate spectra, affine and permutation frames."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import liegeom
from liegeom.decompositions import polar
from liegeom.testing import assert_equivariant, equivariance_error
from liegeom.testing.strategies import rotations
from nets.frames import (
    AffineFrame,
    FrameAveraging,
    FrameDegeneracyError,
    FrameDegeneracyWarning,
    OrthogonalFrame,
    PermutationFrame,
)

FIXTURE_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=10)
_OPTIONS = {"O": {"reflections": True}, "SO": {}, "E": {"reflections": True, "translations": True},
            "SE": {"translations": True}}


def _frame(name):
    """The orthogonal frame of a group named like O, SO, E, SE, built on liegeom.SO(d)."""
    return lambda d, **kw: OrthogonalFrame(liegeom.SO(d), **_OPTIONS[name], **kw)


GROUPS = {name: _frame(name) for name in _OPTIONS}
O, SO, E, SE = (GROUPS[k] for k in ("O", "SO", "E", "SE"))


def AffineGLPlus(d):  # noqa: N802 - the group's name
    return AffineFrame(liegeom.Affine(liegeom.GLPlus(d)))


def GLPlus(d):  # noqa: N802
    return AffineFrame(liegeom.GLPlus(d))
TOL = {torch.float64: 1e-10, torch.float32: 2e-4}


def haar(batch: int, d: int, gen: torch.Generator, dtype, *, special: bool = False):
    q, r = torch.linalg.qr(torch.randn(batch, d, d, generator=gen, dtype=torch.float64))
    q = q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1)).unsqueeze(-2)
    if special:
        q[..., 0] *= torch.linalg.det(q).unsqueeze(-1)
    return q.to(dtype)


def mlp(n_in: int, n_out: int, dtype, seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(n_in, 32), torch.nn.Tanh(),
                               torch.nn.Linear(32, n_out)).to(dtype)


class PointMLP(torch.nn.Module):
    """Permutation-equivariant but not rotation-equivariant: per-point MLP plus mean pooling."""

    def __init__(self, d: int, dtype, out: int):
        super().__init__()
        torch.manual_seed(1)
        self.f = torch.nn.Sequential(torch.nn.Linear(d, 16), torch.nn.Tanh()).to(dtype)
        self.g = torch.nn.Linear(32, out).to(dtype)

    def forward(self, x):
        h = self.f(x)
        return self.g(torch.cat([h, h.mean(-2, keepdim=True).expand_as(h)], -1))


def euclidean_action(translate: bool):
    def act(g, x):
        q, t = g
        return x @ q.transpose(-1, -2) + (t.unsqueeze(-2) if translate else 0)
    return act


def _act_group(g_and_perm, x):
    (q, t), perm = g_and_perm
    return torch.gather(x, -2, perm.unsqueeze(-1).expand_as(x)) @ q.transpose(-1, -2) + t


def _draw_orthogonal(data, d, batch, dtype, special):
    """Rotations from liegeom's strategies, times a drawn reflection unless ``special``."""
    q = data.draw(rotations(d, batch_shape=(batch,), dtype=dtype))
    if not special:
        flips = data.draw(st.lists(st.sampled_from([1.0, -1.0]), min_size=batch, max_size=batch))
        q = q.clone()
        q[..., 0] *= torch.tensor(flips, dtype=dtype).unsqueeze(-1)
    return q


@FIXTURE_OK
@given(d=st.integers(2, 4), name=st.sampled_from(sorted(GROUPS)), seed=st.integers(0, 2**16),
       data=st.data())
def test_invariance_generic_inputs(dtype, d, name, seed, data):
    """f(gX) = f(X) for g in the group and any backbone (a flattening MLP)."""
    gen = torch.Generator().manual_seed(seed)
    group = GROUPS[name](d)
    n, batch = d + 3, 4
    x = torch.randn(batch, n, d, generator=gen, dtype=torch.float64).to(dtype)
    q = _draw_orthogonal(data, d, batch, dtype, group.special)
    t = torch.randn(batch, d, generator=gen, dtype=torch.float64).to(dtype) * group.translations
    fa = FrameAveraging(mlp(n * d, 3, dtype), group)
    with torch.no_grad():
        assert_equivariant(fa, euclidean_action(True), lambda g, y: y, x, (q, t), tol=TOL[dtype])


@FIXTURE_OK
@given(d=st.integers(2, 4), name=st.sampled_from(["E", "SE"]), seed=st.integers(0, 2**16),
       data=st.data())
def test_equivariance_with_point_permutations(dtype, d, name, seed, data):
    """f(P g X) = P g f(X): E(d)/SE(d) point outputs and point permutations together."""
    gen = torch.Generator().manual_seed(seed)
    group = GROUPS[name](d)
    n, batch = 6, 4
    x = torch.randn(batch, n, d, generator=gen, dtype=torch.float64).to(dtype)
    q = _draw_orthogonal(data, d, batch, dtype, group.special)
    t = torch.randn(batch, 1, d, generator=gen, dtype=torch.float64).to(dtype)
    perm = torch.stack([torch.randperm(n, generator=gen) for _ in range(batch)])
    fa = FrameAveraging(PointMLP(d, dtype, d), group, output="equivariant")
    with torch.no_grad():
        assert_equivariant(fa, _act_group, _act_group, x, ((q, t), perm), tol=TOL[dtype])


@given(d=st.integers(2, 4), seed=st.integers(0, 2**16))
@settings(max_examples=10)
def test_vector_inputs_and_outputs(d, seed):
    """Extra vector inputs rotate without translating; vector outputs ignore translations."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(3, 5, d, generator=gen, dtype=torch.float64)
    v = torch.randn(3, 5, d, generator=gen, dtype=torch.float64)
    q = haar(3, d, gen, torch.float64)
    t = torch.randn(3, 1, d, generator=gen, dtype=torch.float64)

    class Net(torch.nn.Module):
        def forward(self, x, v, scale):
            return torch.tanh(x + 2 * v.flip(-2)) * scale[:, None, None]

    fa = FrameAveraging(Net(), E(d), output="equivariant", translate_output=False)
    s = torch.rand(3, generator=gen, dtype=torch.float64)
    lhs = fa(x @ q.transpose(-1, -2) + t, vectors={"v": v @ q.transpose(-1, -2)}, scale=s)
    rhs = fa(x, vectors={"v": v}, scale=s) @ q.transpose(-1, -2)
    torch.testing.assert_close(lhs, rhs, rtol=0, atol=1e-12)


def test_frame_elements_are_group_elements(generator):
    """Orthogonal; det +1 for SO(d)/SE(d); 2^d and 2^(d-1) elements on generic inputs."""
    for d in (2, 3, 5):
        x = torch.randn(7, 9, d, generator=generator, dtype=torch.float64)
        for name, group in GROUPS.items():
            frames = group(d).frame(x)
            rot = frames.data["linear"]
            eye = torch.eye(d, dtype=torch.float64).expand_as(rot)
            torch.testing.assert_close(rot.transpose(-1, -2) @ rot, eye, rtol=0, atol=1e-12)
            det = torch.linalg.det(rot)
            expected = 2 ** (d - 1) if name in ("SO", "SE") else 2**d
            assert frames.sizes.tolist() == [expected] * 7
            if name in ("SO", "SE"):
                torch.testing.assert_close(det, torch.ones_like(det), rtol=0, atol=1e-12)
            else:
                assert (det > 0).sum() == (det < 0).sum()
            torch.testing.assert_close(frames.weight.sum(), torch.tensor(7.0, dtype=torch.float64))


def test_so_frames_are_not_reflection_equivariant(generator):
    """An SO(3) frame average is rotation invariant but not reflection invariant; O(3) is both."""
    x = torch.randn(16, 6, 3, generator=generator, dtype=torch.float64)
    refl = haar(16, 3, generator, torch.float64, special=True)
    refl = refl * torch.tensor([1.0, 1.0, -1.0], dtype=torch.float64)  # det -1
    act = euclidean_action(False)
    backbone = mlp(18, 2, torch.float64)
    with torch.no_grad():
        err_so = equivariance_error(FrameAveraging(backbone, SO(3)), act, lambda g, y: y, x,
                                    (refl, None))
        assert_equivariant(FrameAveraging(backbone, O(3)), act, lambda g, y: y, x, (refl, None))
    assert float(err_so.min()) > 1e-4


def _rotate_all(x, q):
    return x.unsqueeze(0) @ q.transpose(-1, -2)


OCTAHEDRON = torch.cat([torch.eye(3), -torch.eye(3)]).double()
SIMPLEX = torch.tensor([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1.0]], dtype=torch.float64)
HEXAGON = torch.stack([torch.cos(torch.arange(6) * math.pi / 3),
                       torch.sin(torch.arange(6) * math.pi / 3)], -1).double()


@pytest.mark.parametrize(
    ("cloud", "sizes", "reference_fails"),
    [(OCTAHEDRON, {"O": 48, "SO": 24}, True), (SIMPLEX, {"O": 24, "SO": 12}, True),
     (HEXAGON, {"O": 12, "SO": 6}, False)],
    ids=["octahedron", "simplex", "hexagon"],
)
def test_tied_spectra_give_the_symmetry_group_and_stay_exact(cloud, sizes, reference_fails,
                                                             generator):
    """Isotropic covariance: the frame is the cloud's symmetry group (|O_h| = 48, |T_d| = 24,
    |D_6| = 12), exactly invariant; the reference frame (signs only) is not in 3D (in 2D
    LAPACK's eigenvectors of a rounded multiple of the identity happen to rotate along)."""
    n, d = cloud.shape
    q = haar(12, d, generator, torch.float64, special=True)
    backbone = mlp(n * d, 2, torch.float64)
    for name in ("O", "SO"):
        fa = FrameAveraging(backbone, GROUPS[name](d))
        with torch.no_grad():
            base = fa(cloud.unsqueeze(0))
            assert fa.last_frame.sizes.tolist() == [sizes[name]] and bool(fa.last_frame.exact)
            torch.testing.assert_close(fa(_rotate_all(cloud, q)), base.expand(12, -1),
                                       rtol=0, atol=1e-10)
    ref = FrameAveraging(backbone, O(d, robust=False, on_degenerate="ignore"))
    with torch.no_grad():
        ref(cloud.unsqueeze(0))
    assert not bool(ref.last_frame.exact[0])  # detected, though not repaired
    if reference_fails:
        with torch.no_grad():
            spread = ref(_rotate_all(cloud, q)) - ref(cloud.unsqueeze(0))
        assert float(spread.abs().max()) > 1e-4


def test_partially_tied_spectrum_mixes_sign_and_point_blocks(generator):
    """A regular pentagon plus two points on its axis: one simple eigenvalue (signs) and a tied
    pair (Gram-Schmidt on the pentagon); the frame is exact under rotations and reflections."""
    k = torch.arange(5, dtype=torch.float64) * 2 * math.pi / 5
    ring = torch.stack([torch.cos(k), torch.sin(k), torch.zeros(5, dtype=torch.float64)], -1)
    top = torch.cat([ring, torch.tensor([[0, 0, 2.0], [0, 0, -1.0]], dtype=torch.float64)])
    q = haar(12, 3, generator, torch.float64)
    backbone = mlp(21, 2, torch.float64)
    fa = FrameAveraging(backbone, O(3))
    with torch.no_grad():
        base = fa(top[None])
        assert fa.last_frame.sizes.tolist() == [2 * 5 * 2] and bool(fa.last_frame.exact[0])
        torch.testing.assert_close(fa(_rotate_all(top, q)), base.expand(12, -1), rtol=0,
                                   atol=1e-10)


def test_near_degenerate_spectrum_is_exact(generator):
    """An octahedron perturbed by 1e-11: eigenvectors are ill-conditioned (error ~ eps / gap),
    the frame treats the cluster as tied and stays exact to 1e-10; the reference does not."""
    x = OCTAHEDRON + 1e-11 * torch.randn(6, 3, generator=generator, dtype=torch.float64)
    q = haar(12, 3, generator, torch.float64, special=True)
    backbone = mlp(18, 1, torch.float64)
    with torch.no_grad():
        fa = FrameAveraging(backbone, SO(3))
        torch.testing.assert_close(fa(_rotate_all(x, q)), fa(x[None]).expand(12, -1),
                                   rtol=0, atol=1e-10)
        ref = FrameAveraging(backbone, SO(3, robust=False, on_degenerate="ignore"))
        assert float((ref(_rotate_all(x, q)) - ref(x[None])).abs().max()) > 1e-8


def test_collinear_points_warn_and_stay_invariant_for_point_only_backbones(generator):
    """Rank-1 clouds in 3D: a warning, the frame flagged inexact, invariant outputs still exact
    (the canonical points do not see the sampled directions); ``raise`` mode errors."""
    line = torch.linspace(-1.0, 2.0, 5, dtype=torch.float64)[:, None] * torch.tensor(
        [0.3, -1.0, 2.0], dtype=torch.float64)
    q = haar(8, 3, generator, torch.float64, special=True)
    backbone = mlp(15, 1, torch.float64)
    for group in (O(3, generator=generator), SE(3, generator=generator)):
        fa = FrameAveraging(backbone, group)
        with pytest.warns(FrameDegeneracyWarning, match="batch index 0"):
            base = fa(line[None])
        assert not bool(fa.last_frame.exact[0])
        with pytest.warns(FrameDegeneracyWarning), torch.no_grad():
            torch.testing.assert_close(fa(_rotate_all(line, q)), base.expand(8, -1).detach(),
                                       rtol=0, atol=1e-10)
    with pytest.raises(FrameDegeneracyError, match="not exact"):
        FrameAveraging(backbone, O(3, on_degenerate="raise"))(line[None])


def test_oversized_frames_are_subsampled_and_flagged(generator):
    """A frame larger than max_frame_size is sampled, flagged, and warned about."""
    fa = FrameAveraging(mlp(18, 1, torch.float64), O(3, max_frame_size=10, generator=generator))
    with pytest.warns(FrameDegeneracyWarning, match="truncated|subsampled"):
        fa(OCTAHEDRON[None])
    assert fa.last_frame.sizes.tolist() == [10] and not bool(fa.last_frame.exact[0])


def _random_affine(batch, d, gen, dtype):
    """det > 0, condition number at most ~e^2."""
    u = haar(batch, d, gen, torch.float64, special=True)
    w = haar(batch, d, gen, torch.float64, special=True)
    s = torch.exp(torch.rand(batch, d, generator=gen, dtype=torch.float64) * 2 - 1)
    a = (u * s.unsqueeze(-2)) @ w
    return a.to(dtype), torch.randn(batch, d, generator=gen, dtype=torch.float64).to(dtype)


@FIXTURE_OK
@given(d=st.integers(2, 4), seed=st.integers(0, 2**16))
def test_affine_invariance_and_equivariance(dtype, d, seed):
    """Frames for R^d x| GL+(d): f(AX + t) = f(X) and F(AX + t) = A F(X) + t."""
    gen = torch.Generator().manual_seed(seed)
    n, batch = d + 4, 4
    x = torch.randn(batch, n, d, generator=gen, dtype=torch.float64).to(dtype)
    a, t = _random_affine(batch, d, gen, dtype)
    act = euclidean_action(True)
    tol = TOL[dtype] * (10 if dtype == torch.float32 else 1)
    with torch.no_grad():
        assert_equivariant(FrameAveraging(mlp(n * d, 2, dtype), AffineGLPlus(d)), act,
                           lambda g, y: y, x, (a, t), tol=tol)
        assert_equivariant(FrameAveraging(PointMLP(d, dtype, d), AffineGLPlus(d),
                                          output="equivariant"), act, act, x, (a, t), tol=tol)
        assert_equivariant(FrameAveraging(mlp(n * d, 2, dtype), GLPlus(d)), act,
                           lambda g, y: y, x, (a, torch.zeros_like(t)), tol=tol)


def test_affine_frame_elements_and_degenerate_input(generator):
    """Affine frame elements g = C^{1/2} R: det > 0, liegeom's polar factors are the covariance
    square root and a rotation, g^{-1} maps the cloud to identity covariance; rank-deficient
    clouds are rejected with the batch index."""
    x = torch.randn(5, 7, 3, generator=generator, dtype=torch.float64)
    frames = AffineGLPlus(3).frame(x)
    lin = frames.data["linear"]
    assert (torch.linalg.det(lin) > 0).all()
    eye = torch.eye(3, dtype=torch.float64).expand_as(lin)
    torch.testing.assert_close(lin @ frames.data["linear_inv"], eye)
    p, r = polar(lin)
    centered = x - x.mean(-2, keepdim=True)
    cov = centered.transpose(-1, -2) @ centered / 7
    torch.testing.assert_close(p @ p, cov.index_select(0, frames.index))
    torch.testing.assert_close(torch.linalg.det(r), torch.ones(len(r), dtype=torch.float64))
    canon = AffineGLPlus(3).canonicalize(frames, x)[0]
    torch.testing.assert_close(canon.transpose(-1, -2) @ canon / 7, eye)
    flat = x.clone()
    flat[2, :, 2] = 0.0
    with pytest.raises(ValueError, match="batch index 2"):
        AffineGLPlus(3).frame(flat)


def _random_graphs(batch, n, gen, p=0.5):
    a = (torch.rand(batch, n, n, generator=gen) < p).double().triu(1)
    return a + a.transpose(-1, -2)


def _permute_graph(perm, inputs):
    adj, feats = inputs
    idx = perm.unsqueeze(-1)
    adj = torch.gather(adj, 1, idx.expand_as(adj))
    adj = torch.gather(adj, 2, perm.unsqueeze(1).expand_as(adj))
    return adj, torch.gather(feats, 1, idx.expand_as(feats))


@given(seed=st.integers(0, 2**16), n=st.integers(3, 7))
@settings(max_examples=15)
def test_permutation_frames_invariance_and_equivariance(seed, n):
    """A flattening MLP averaged over Laplacian frames is permutation invariant; node outputs
    are permutation equivariant."""
    gen = torch.Generator().manual_seed(seed)
    adj = _random_graphs(3, n, gen)
    feats = torch.randn(3, n, 2, generator=gen, dtype=torch.float64)
    perm = torch.stack([torch.randperm(n, generator=gen) for _ in range(3)])
    torch.manual_seed(0)
    net = torch.nn.Linear(n * n + 2 * n, n, dtype=torch.float64)

    class Wrap(torch.nn.Module):
        def forward(self, a, f):
            return net(torch.cat([a.flatten(1), f.flatten(1)], -1))

    inv = FrameAveraging(Wrap(), PermutationFrame(), output="invariant")
    eqv = FrameAveraging(Wrap(), PermutationFrame(), output="equivariant")
    padj, pfeats = _permute_graph(perm, (adj, feats))
    with torch.no_grad():
        y0, y1 = inv(adj, scalars={"f": feats}), inv(padj, scalars={"f": pfeats})
        torch.testing.assert_close(y1, y0, rtol=0, atol=1e-12)
        z0 = eqv(adj, scalars={"f": feats}).unsqueeze(-1)
        z1 = eqv(padj, scalars={"f": pfeats}).unsqueeze(-1)
        torch.testing.assert_close(z1, torch.gather(z0, 1, perm.unsqueeze(-1)), rtol=0, atol=1e-12)


def test_permutation_frames_of_symmetric_graphs():
    """A 5-cycle has all keys tied: the frame is all 5! orders (exact); a 7-cycle's 7! exceeds
    the cap and is sampled with a warning."""
    def cycle(n):
        a = torch.zeros(1, n, n, dtype=torch.float64)
        i = torch.arange(n)
        a[0, i, (i + 1) % n] = 1
        return a + a.transpose(-1, -2)

    frames = PermutationFrame().frame(cycle(5))
    assert frames.sizes.tolist() == [120] and bool(frames.exact[0])
    with pytest.warns(FrameDegeneracyWarning, match="subsampled"):
        frames = PermutationFrame(generator=torch.Generator().manual_seed(0)).frame(cycle(7))
    assert frames.sizes.tolist() == [720] and not bool(frames.exact[0])


def test_batch_shapes_and_bad_input():
    """Any number of batch dimensions, never squeezed; wrong shapes and options are errors."""
    x = torch.randn(2, 3, 5, 3, dtype=torch.float64)
    fa = FrameAveraging(mlp(15, 4, torch.float64), E(3))
    assert fa(x).shape == (2, 3, 4)
    assert fa(x[:1, :1]).shape == (1, 1, 4)
    with pytest.raises(ValueError, match=r"of shape \[\*batch, n, 2\], got \[2, 3, 5, 3\]"):
        FrameAveraging(mlp(15, 4, torch.float64), E(2))(x)
    with pytest.raises(ValueError, match="invariant"):
        FrameAveraging(mlp(15, 4, torch.float64), E(3), output="covariant")
    with pytest.raises(TypeError, match="frame object"):
        FrameAveraging(mlp(15, 4, torch.float64), "E(3)")
    with pytest.raises(TypeError, match="liegeom.SO"):
        OrthogonalFrame(liegeom.GLPlus(3))
    with pytest.raises(TypeError, match="liegeom.GLPlus"):
        AffineFrame(liegeom.SL(3))


def test_gradients_are_finite_at_degenerate_inputs():
    """Training through a tied-spectrum input gives finite parameter gradients."""
    net = mlp(18, 1, torch.float64)
    fa = FrameAveraging(net, SO(3))
    x = OCTAHEDRON[None].clone().requires_grad_(True)
    fa(x).sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in net.parameters())
    assert torch.isfinite(x.grad).all()
