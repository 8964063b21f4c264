"""Laws of the affine lifting and group convolutions (nets.affine)."""

import math

import pytest
import torch
import torch.nn.functional as F

from liegeom import SL, SO, GLPlus, RotationScaling, act_image, integrate
from nets.affine import (
    AffineEquivariantCNN,
    GroupConv2d,
    GroupPool,
    GroupSampler,
    GroupSamples,
    LiftingConv2d,
    PlainCNN,
    default_proposal,
    relative_features,
)
from nets.affine._kernels import bump

GROUPS = [SL(2), GLPlus(2), SO(2), RotationScaling(2)]
#: Rotation by +90° in the (x right, y down) frame of act_image: torch.rot90(x, -1, (-2, -1)).
R90 = torch.tensor([[0.0, -1.0], [1.0, 0.0]], dtype=torch.float64)
TOL = {torch.float64: 1e-12, torch.float32: 1e-5}


def _image(batch, size, dtype, seed=0):
    """Random content inside a zero border, so shifts and rotations keep it in the frame."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.zeros(batch, 1, size, size, dtype=dtype)
    q = size // 4
    x[..., q:size - q, q:size - q] = torch.rand(batch, 1, size - 2 * q, size - 2 * q,
                                                generator=gen, dtype=dtype)
    return x


def _moved(samples, A):
    """The samples left-multiplied by A⁻¹, weights unchanged."""
    return GroupSamples(A.T.to(samples.h) @ samples.h, samples.log_weight)


def _run(model, x, samples):
    y = F.relu(model.norms[0](model.lift(x, samples)))
    for conv, norm in zip(model.convs, model.norms[1:]):
        y = F.relu(norm(conv(F.avg_pool3d(y, (1, 2, 2)), samples)))
    return model.head(model.pool(y))


@pytest.mark.parametrize("group", GROUPS, ids=str)
def test_rotation_by_90_degrees_is_exact(group, dtype):
    """model(R·x, {h_s}) == model(x, {R⁻¹ h_s}): exact on the pixel grid (no interpolation)."""
    torch.manual_seed(0)
    model = AffineEquivariantCNN(group, channels=(4, 4, 4), kernel_sizes=(5, 3, 3),
                                 n_samples=5).to(dtype).eval()
    x = _image(2, 24, dtype)
    s = model.sampler()
    with torch.no_grad():
        lhs = _run(model, torch.rot90(x, -1, (-2, -1)), s)
        rhs = _run(model, x, _moved(s, R90))
        lift = model.lift(torch.rot90(x, -1, (-2, -1)), s)
        lift_r = torch.rot90(model.lift(x, _moved(s, R90)), -1, (-2, -1))
    scale = lhs.abs().max()
    assert float((lhs - rhs).abs().max()) <= TOL[dtype] * float(scale) * 10
    assert float((lift - lift_r).abs().max()) <= TOL[dtype] * float(lift.abs().max()) * 10
    torch.testing.assert_close(act_image(R90.to(dtype), x), torch.rot90(x, -1, (-2, -1)))


@pytest.mark.parametrize("group", GROUPS, ids=str)
def test_integer_translations_commute(group):
    conv = GroupConv2d(3, 2, 5, group).double()
    s = GroupSampler(group, 4).eval()()
    s = GroupSamples(s.h.double(), s.log_weight.double())
    x = torch.zeros(1, 3, 4, 20, 20, dtype=torch.float64)
    x[..., 6:12, 5:11] = torch.rand(1, 3, 4, 6, 6, dtype=torch.float64)
    shifted = torch.roll(x, (2, -3), (-2, -1))
    torch.testing.assert_close(conv(shifted, s), torch.roll(conv(x, s), (2, -3), (-2, -1)))


def test_lifting_determinant_factor_makes_constant_inputs_sample_independent():
    """On a constant image, |det h|⁻¹ Σ_z k(h⁻¹z) ≈ ∫ k(u) du for every h: the factor of the
    left Haar measure (dropping it lets the output follow det h, which spreads by ~2x here)."""
    torch.manual_seed(1)
    lift = LiftingConv2d(1, 3, 15, GLPlus(2), radius=5.0, kernel="mlp").double()  # smooth k;
    # 1.35 * 5 < 7: no kernel cut by the grid
    h = torch.tensor([[[1.3, 0.2], [0.0, 1.1]], [[0.8, 0.0], [0.1, 0.7]], [[1.0, 0], [0, 1.0]]],
                     dtype=torch.float64)
    s = GroupSamples(h, torch.zeros(3, dtype=torch.float64))
    y = lift(torch.ones(1, 1, 31, 31, dtype=torch.float64), s)[0, :, :, 15, 15]  # [O, S]
    y = y - lift.bias[:, None]
    spread = (y.amax(1) - y.amin(1)) / y.abs().mean(1)
    dets = torch.linalg.det(h)
    assert float(spread.detach().max()) < 0.05
    assert float(dets.max() / dets.min()) > 1.9


@pytest.mark.parametrize("group", [SL(2), GLPlus(2), RotationScaling(2)], ids=str)
def test_group_integral_of_a_constant_kernel_is_the_haar_integral(group):
    """With k ≡ 1 the weight sums to ∫_H m(h_o⁻¹h) |det h|⁻¹ dμ_H(h) · Σ_z m(h_o⁻¹z/R), which
    left invariance makes |det h_o|⁻¹ ∫ m |det|⁻¹ dμ_H × (the spatial sum): checked against
    liegeom.integrate with another proposal, for several h_o."""
    conv = GroupConv2d(1, 1, 9, group, radius=3.0, group_radius=0.8, kernel="mlp").double()
    with torch.no_grad():
        for p in conv.kernel.parameters():
            p.zero_()
        conv.kernel.out.bias.fill_(1.0)
    q = default_proposal(group, spread=0.35, law="normal", truncate=4.0)  # covers the mask
    h_in = q.sample_quasi(4096, seed=2)
    s_in = GroupSamples(h_in, -q.log_prob(h_in) - math.log(4096))
    h_out = default_proposal(group, spread=0.15, law="normal").sample_fixed(4, seed=3)
    s_out = GroupSamples(h_out, torch.zeros(4, dtype=torch.float64))
    w = conv.weight(s_in, s_out).reshape(4, 4096, 9, 9) / conv.scale
    inv = torch.linalg.inv(h_out)
    u = torch.einsum("sab,ijb->sija", inv, conv.grid.double()) / conv.radius
    spatial = bump(u.square().sum(-1)).sum((-2, -1))  # [So]
    group_part = w.sum((1, 2, 3)) / spatial * torch.linalg.det(h_out).abs()
    f = lambda g: bump(relative_features(g)[1] / 0.8**2) / torch.linalg.det(g).abs()
    exact, se = integrate(f, group, 40000, generator=torch.Generator().manual_seed(4))
    torch.testing.assert_close(group_part, torch.full_like(group_part, exact),
                               rtol=0.03 + 4 * se / exact, atol=0)


def test_evaluation_is_deterministic_and_training_resamples():
    torch.manual_seed(0)
    model = AffineEquivariantCNN(SL(2), channels=(3, 3), kernel_sizes=(5, 3), n_samples=4)
    x = torch.rand(2, 1, 16, 16)
    model.eval()
    assert torch.equal(model(x), model(x))
    model.train()
    assert not torch.equal(model.sampler().h, model.sampler().h)


@pytest.mark.parametrize("kernel", ["rbf", "mlp"])
def test_shapes_dtype_and_gradients(dtype, kernel):
    model = AffineEquivariantCNN(GLPlus(2), channels=(3, 3), kernel_sizes=(5, 3),
                                 n_samples=3, kernel=kernel).to(dtype)
    x = torch.rand(2, 1, 12, 12, dtype=dtype)
    logits = model(x)
    assert logits.shape == (2, 10) and logits.dtype == dtype
    logits.square().sum().backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and bool(torch.isfinite(g).all()) for g in grads)
    assert "group=GL+(2)" in repr(model.lift) and "GL+(2), n_samples=3" in repr(model.sampler)
    before = [p.clone() for p in model.lift.kernel.parameters()]
    model.lift.reset_parameters()
    assert not all(torch.equal(a, b) for a, b in zip(before, model.lift.kernel.parameters()))


def test_group_pool_is_invariant_to_sample_order_and_space():
    x = torch.rand(2, 3, 5, 6, 6)
    pool = GroupPool("max")
    torch.testing.assert_close(pool(x), pool(x[:, :, torch.randperm(5)].flip(-1)))
    assert pool(x).shape == (2, 3)


def test_plain_cnn_has_a_similar_parameter_count():
    count = lambda m: sum(p.numel() for p in m.parameters())
    ours = count(AffineEquivariantCNN(SL(2), channels=(12, 12, 12)))  # the experiment's sizes
    plain = count(PlainCNN(channels=(24, 24, 24)))
    assert 0.5 < plain / ours < 2


def test_bad_inputs_name_the_layer_and_what_came():
    lift = LiftingConv2d(2, 3, 5, SL(2))
    s = GroupSampler(SL(2), 4).eval()()
    with pytest.raises(ValueError, match=r"LiftingConv2d: expected 2 input channels"):
        lift(torch.rand(1, 3, 8, 8), s)
    with pytest.raises(ValueError, match=r"LiftingConv2d: expected input of shape \[B, C, H, W\]"):
        lift(torch.rand(3, 8, 8), s)
    with pytest.raises(TypeError, match="dtype torch.float32"):
        lift(torch.rand(1, 2, 8, 8, dtype=torch.float64), s)
    with pytest.raises(ValueError, match="NaN or infinite"):
        lift(torch.full((1, 2, 8, 8), math.nan), s)
    with pytest.raises(ValueError, match="odd kernel_size"):
        LiftingConv2d(1, 1, 4, SL(2))
    with pytest.raises(ValueError, match="positive int"):
        GroupConv2d(0, 1, 3, SL(2))
    with pytest.raises(ValueError, match="radius"):
        LiftingConv2d(1, 1, 5, SL(2), radius=3.0)
    with pytest.raises(ValueError, match="supports H in"):
        LiftingConv2d(1, 1, 5, SO(3))
    conv = GroupConv2d(2, 2, 3, SL(2))
    with pytest.raises(ValueError, match="4 group samples .* holds 3"):
        conv(torch.rand(1, 2, 4, 6, 6), GroupSampler(SL(2), 3).eval()())
    with pytest.raises(TypeError, match="GroupSamples"):
        conv(torch.rand(1, 2, 4, 6, 6), torch.eye(2))
    with pytest.raises(ValueError, match="n_samples"):
        GroupSampler(SL(2), 0)
    with pytest.raises(ValueError, match="kernel='rbf' or 'mlp'"):
        LiftingConv2d(1, 1, 5, SL(2), kernel="spline")


def test_compiles():
    model = AffineEquivariantCNN(SO(2), channels=(3, 3), kernel_sizes=(5, 3), n_samples=3).eval()
    x = torch.rand(2, 1, 12, 12)
    compiled = torch.compile(model)
    torch.testing.assert_close(compiled(x), model(x), rtol=1e-4, atol=1e-5)


def test_recalibrated_statistics_are_those_of_the_evaluation_samples():
    """After recalibrating on a batch, evaluation mode normalizes that batch as training mode
    would with the same (evaluation) samples: running statistics = the batch's statistics."""
    from nets.affine import recalibrate_batchnorm

    torch.manual_seed(0)
    model = AffineEquivariantCNN(SL(2), channels=(3, 3), kernel_sizes=(5, 3), n_samples=3).double()
    x = torch.rand(8, 1, 12, 12, dtype=torch.float64)
    with torch.no_grad():
        model.train()(x)  # running statistics of fresh samples, momentum 0.1
    recalibrate_batchnorm(model, [x])
    assert not model.training and all(n.momentum == 0.1 for n in model.norms)
    with torch.no_grad():
        ours = model(x)
        model.train()
        model.sampler.eval()  # the evaluation samples, the batch's own statistics
        batch = model(x)
    # running_var is unbiased, training mode divides by the biased one: a relative difference
    # 1/(2n) in each scale, n = 8·3·6·6 = 864 values per channel in the second layer
    torch.testing.assert_close(ours, batch, rtol=4 / 864, atol=4 / 864 * float(batch.abs().max()))
    first = model.norms[0]
    with torch.no_grad():
        z = model.lift(x, model.sampler())
    torch.testing.assert_close(first.running_mean, z.mean((0, 2, 3, 4)))
    torch.testing.assert_close(first.running_var, z.var((0, 2, 3, 4)))
    with pytest.raises(ValueError, match="no batches"):
        recalibrate_batchnorm(model, [])
