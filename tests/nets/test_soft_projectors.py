"""Laws of the candidate groups, representations and equivariant projectors (nets.soft)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from liegeom import SL, SO, SPD, Affine, GLPlus, RotationScaling
from liegeom.testing.strategies import rotations
from nets.soft import (
    Rep,
    axis_orthogonal,
    axis_rotations,
    equivariant_basis,
    equivariant_projector,
    euclidean,
    lie_group,
    nonequivariant_dim,
    orthogonal,
    product,
    project_bias,
    project_linear,
    rotations_about_origin,
    scaling,
    special_orthogonal,
    translations,
)

COMPACT = {"O(3)": orthogonal(3), "SO(3)": special_orthogonal(3), "O(2)_z": axis_orthogonal(2),
           "O(2)_x": axis_orthogonal(0), "SO(2)_z": axis_rotations(2)}
V, T2, S = Rep(0, 1), Rep(0, 0, 1), Rep(1)


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("name", list(COMPACT))
def test_samples_are_group_elements(name):
    G = COMPACT[name]
    g = G.sample((500,), generator=_gen())
    eye = torch.eye(3, dtype=g.dtype)
    assert torch.allclose(g.mT @ g, eye.expand_as(g), atol=1e-12)
    det = torch.linalg.det(g)
    if name.startswith("O"):  # reflections present: about half of the samples have det -1
        assert 150 < int((det < 0).sum()) < 350
    else:
        assert torch.allclose(det, torch.ones_like(det))
    if name.endswith("_z"):  # the axis is fixed
        assert torch.allclose(g[:, :, 2], eye[2].expand(500, 3), atol=1e-12)


def test_axis_group_generators():
    G = axis_orthogonal(2)
    L = G.algebra[0]
    assert torch.equal(L, torch.tensor([[0.0, -1, 0], [1, 0, 0], [0, 0, 0]], dtype=L.dtype))
    h = G.discrete[0]
    assert float(torch.linalg.det(h)) == -1.0 and float(h[2, 2]) == 1.0


@pytest.mark.parametrize("group, expected", [(orthogonal(3), 1), (axis_orthogonal(2), 2),
                                             (axis_rotations(2), 3), (special_orthogonal(3), 1)])
def test_projector_trace_symmetric_idempotent(group, expected):
    """The issue's law: linear maps R³ → R³ with the standard action."""
    P = equivariant_projector(group, V, V)
    assert torch.allclose(P, P.mT, atol=1e-12)
    assert torch.allclose(P @ P, P, atol=1e-12)
    assert round(float(P.trace())) == expected
    assert abs(float(P.trace()) - expected) < 1e-10


@pytest.mark.parametrize("group, rin, rout, dim", [
    (orthogonal(3), T2, T2, 3),          # identity, transpose, trace: the three pairings
    (orthogonal(3), V, T2, 0),           # parity: -I acts by -1 on V and +1 on V⊗V
    (special_orthogonal(3), V, T2, 1),   # the Levi-Civita map v ↦ [v]_×
    (orthogonal(3), T2, S, 1),           # the trace
    (scaling(3), V, V, 9),               # every linear map commutes with s I
    (scaling(3), T2, S, 0),              # no degree-0 linear invariant of a degree-2 tensor
    (product(special_orthogonal(3), scaling(3)), T2, T2, 3),
    (euclidean(3), Rep(0, 1, size=4), Rep(0, 1, size=4), 1),
    (euclidean(3), Rep(0, 1, size=4), Rep(1, size=4), 1),  # the homogeneous coordinate
    (translations(3), Rep(0, 1, size=4), Rep(1, size=4), 1),
    (rotations_about_origin(3), Rep(0, 1, size=4), Rep(0, 1, size=4), 2),
])
def test_dimensions_of_equivariant_spaces(group, rin, rout, dim):
    P = equivariant_projector(group, rin, rout)
    assert abs(float(P.trace()) - dim) < 1e-9
    assert torch.allclose(P @ P, P, atol=1e-10)


@pytest.mark.parametrize("name", list(COMPACT))
def test_projector_is_the_haar_average(name):
    """Independent route: for a compact group acting orthogonally the projector from the
    generators' constraints equals the Monte Carlo Haar average of ρ_out(g) ⊗ ρ_in(g)."""
    G = COMPACT[name]
    rin, rout = Rep(1, 1), Rep(0, 1, 1)
    P = equivariant_projector(G, rin, rout)
    n = 40_000
    g = G.sample((n,), generator=_gen(1))
    Ri, Ro = rin.rho(g), rout.rho(g)
    avg = torch.einsum("nab,ncd->acbd", Ro, Ri).reshape(P.shape) / n
    # each entry of the average is a mean of bounded terms (|entry| <= 1): 5 standard errors
    assert (avg - P).abs().max() < 5 / n ** 0.5


@pytest.mark.parametrize("name", ["O(3)", "O(2)_z", "SO(2)_z"])
def test_basis_maps_are_equivariant(name):
    G = COMPACT[name]
    rin, rout = Rep(1, 2, 1), Rep(1, 1, 1)
    Q = equivariant_basis(G, rin, rout)
    assert torch.allclose(Q.mT @ Q, torch.eye(Q.shape[1], dtype=Q.dtype), atol=1e-10)
    g = G.sample((7,), generator=_gen(2))
    for q in Q.mT:
        M = q.reshape(rout.dim, rin.dim)
        assert torch.allclose(rout.rho(g) @ M, M @ rin.rho(g), atol=1e-10)


@settings(max_examples=25)
@given(st.integers(0, 2), st.integers(0, 2), st.integers(0, 2), st.integers(0, 2),
       st.integers(0, 10_000))
def test_block_projection_matches_dense_projector(a, b, c, d, seed):
    """The per-block projector (I ⊗ P_kinds) equals the dense projector of the whole map."""
    rin = Rep(a, b, 1)
    rout = Rep(c, d, 1)
    G = axis_orthogonal(2)
    W = torch.randn(rout.dim, rin.dim, generator=_gen(seed), dtype=torch.float64)
    dense = (equivariant_projector(G, rin, rout) @ W.reshape(-1)).reshape(W.shape)
    assert torch.allclose(project_linear(G, W, rin, rout), dense, atol=1e-10)
    bias = torch.randn(rout.dim, generator=_gen(seed + 1), dtype=torch.float64)
    dense_b = equivariant_projector(G, Rep(1), rout) @ bias
    assert torch.allclose(project_bias(G, bias, rout), dense_b, atol=1e-10)
    n_eq = float(equivariant_projector(G, rin, rout).trace() + equivariant_projector(
        G, Rep(1), rout).trace())
    assert nonequivariant_dim(G, rin, rout) == round(rout.dim * rin.dim + rout.dim - n_eq)


@settings(max_examples=20, deadline=None)
@given(rotations(3, batch_shape=(4,)))
def test_projected_weights_commute_with_o3(R):
    rin, rout = Rep(2, 2, 1), Rep(1, 1, 2)
    W = torch.randn(rout.dim, rin.dim, generator=_gen(3), dtype=torch.float64)
    Wp = project_linear(orthogonal(3), W, rin, rout)
    refl = torch.diag(torch.tensor([1.0, 1.0, -1.0], dtype=R.dtype))
    for g in (R, R @ refl):
        assert torch.allclose(rout.rho(g) @ Wp, Wp @ rin.rho(g), atol=1e-10)


def test_project_linear_dtype_and_grad(dtype, tol):
    rin, rout = Rep(1, 1, 1), Rep(2, 1, 0)
    W = torch.randn(rout.dim, rin.dim, generator=_gen(4), dtype=dtype, requires_grad=True)
    Wp = project_linear(orthogonal(3), W, rin, rout)
    assert Wp.dtype == dtype
    # idempotent at the dtype's tolerance
    torch.testing.assert_close(project_linear(orthogonal(3), Wp, rin, rout), Wp, **tol)
    # the gradient of ‖W − PW‖² is 2 (I − P) W (P an orthogonal projector)
    (W - Wp).square().sum().backward()
    torch.testing.assert_close(W.grad, 2 * (W - Wp).detach(), **tol)


def test_rep_act_matches_dense_rho(dtype):
    r = Rep(2, 3, 2)
    g = orthogonal(3).sample((5,), generator=_gen(5), dtype=dtype)
    x = torch.randn(5, r.dim, generator=_gen(6), dtype=dtype)
    dense = (r.rho(g) @ x[..., None])[..., 0]
    torch.testing.assert_close(r.act(g, x), dense)


def test_drho_is_the_derivative_of_rho():
    """Independent route for the constraint matrices: dρ(X) = d/dt ρ(exp tX) at t = 0."""
    r = Rep(1, 1, 1)
    X = special_orthogonal(3).algebra[1]
    t = 1e-6
    num = (r.rho(torch.linalg.matrix_exp(t * X)) - r.rho(torch.linalg.matrix_exp(-t * X))) / (2 * t)
    assert torch.allclose(num, r.drho(X), atol=1e-8)


@pytest.mark.parametrize("make, rin, rout, dim", [
    (lambda: SL(3), V, V, 1),            # Schur: V is irreducible (over C too) under SL(3)
    (lambda: SL(3), T2, T2, 2),          # V⊗V = Sym² ⊕ Λ², irreducible and inequivalent
    (lambda: SL(3), T2, S, 0),           # no SL(3)-invariant bilinear form
    (lambda: GLPlus(3), V, T2, 0),
    (lambda: RotationScaling(3), T2, T2, 3),  # identity, transpose, trace·I (both scale by s²)
    (lambda: RotationScaling(3), T2, S, 0),
])
def test_any_liegeom_group_samples_and_constraints_agree(make, rin, rout, dim):
    """lie_group: the constraint nullspace has the dimension representation theory gives, and
    its maps commute with the group's own samples (exponentials of Gaussian algebra elements,
    an independent route from the generators' constraints)."""
    G = lie_group(make())
    assert not G.compact and not G.affine and G.discrete.shape[0] == 0
    Q = equivariant_basis(G, rin, rout)
    assert Q.shape[1] == dim
    g = G.sample((6,), generator=_gen(7))
    for q in Q.mT:
        M = q.reshape(rout.dim, rin.dim)
        assert torch.allclose(rout.rho(g) @ M, M @ rin.rho(g), atol=1e-9)


def test_lie_group_matches_the_hand_built_groups():
    for hand, wrapped, rin, rout in [
            (special_orthogonal(3), lie_group(SO(3)), T2, T2),
            (special_orthogonal(3), lie_group(SO(3)), V, T2),
            (euclidean(3), lie_group(Affine(SO(3))), Rep(0, 2, size=4), Rep(0, 1, size=4))]:
        torch.testing.assert_close(equivariant_projector(wrapped, rin, rout),
                                   equivariant_projector(hand, rin, rout))
    assert lie_group(SO(3)).compact and not lie_group(SO(3), distribution="exp-normal").compact
    A = lie_group(Affine(SO(3)))
    assert A.affine and not A.compact and A.size == 4
    g = lie_group(SL(2)).sample((50,), generator=_gen(8))
    torch.testing.assert_close(torch.linalg.det(g), torch.ones(50, dtype=g.dtype))


def test_bad_input():
    with pytest.raises(ValueError, match="R\\^3"):
        equivariant_projector(euclidean(3), V, V)
    with pytest.raises(ValueError, match="weight of shape"):
        project_linear(orthogonal(3), torch.zeros(2, 2), V, V)
    with pytest.raises(ValueError, match="non-empty"):
        Rep(0, 0, 0)
    with pytest.raises(ValueError, match="non-negative"):
        Rep(-1, 1)
    with pytest.raises(TypeError, match="SymmetryGroup"):
        equivariant_projector("O(3)", V, V)
    with pytest.raises(ValueError, match="features of shape"):
        V.act(torch.eye(3)[None], torch.zeros(1, 4))
    with pytest.raises(ValueError, match="group elements of shape"):
        V.act(torch.eye(4)[None], torch.zeros(1, 3))
    with pytest.raises(ValueError, match="axis index"):
        axis_orthogonal(3)
    with pytest.raises(ValueError, match="scale > 0"):
        scaling(3, scale=-1.0)
    with pytest.raises(ValueError, match="at least one group"):
        product()
    with pytest.raises(TypeError, match="liegeom matrix group"):
        lie_group("SL(3)")
    with pytest.raises(ValueError, match="matrix product, got SPD"):
        lie_group(SPD(3))
    with pytest.raises(ValueError, match="unknown distribution"):
        lie_group(SL(3), distribution="haar")
    with pytest.raises(ValueError, match="scale > 0"):
        lie_group(SL(3), scale=0)
