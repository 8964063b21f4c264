"""What frame averaging accepts: extra inputs by role (vectors are transformed, scalars are
not) that must share the cloud's batch and point axes, masks for padded batches (padding
changes neither the frame nor the average), frames built on liegeom's groups, and clear errors
for input that is wrong in shape or value."""

from __future__ import annotations

import copy
import pickle

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import liegeom
import nets.frames
from nets.frames import AffineFrame, FrameAveraging, OrthogonalFrame, PermutationFrame

OPTIONS = {"O": {"reflections": True}, "SO": {}, "E": {"reflections": True, "translations": True},
           "SE": {"translations": True}}


def _frame(name, d, **kw):
    if name == "Aff":
        return AffineFrame(liegeom.Affine(liegeom.GLPlus(d)), **kw)
    return OrthogonalFrame(liegeom.SO(d), **OPTIONS[name], **kw)


def _orthogonal(d, count, gen, *, special):
    q, r = torch.linalg.qr(torch.randn(count, d, d, generator=gen, dtype=torch.float64))
    q = q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1)).unsqueeze(-2)
    if special:
        q[..., 0] *= torch.linalg.det(q).unsqueeze(-1)
    return q


class MaskedDeepSet(torch.nn.Module):
    """Mean over the real points of a per-point MLP (of points, vectors and scalars), then a
    head; with ``per_point`` the per-point features themselves (``d`` of them)."""

    def __init__(self, d: int, out: int = 2, *, per_point: bool = False, extra: int = 0):
        super().__init__()
        torch.manual_seed(0)
        self.f = torch.nn.Sequential(torch.nn.Linear(d + extra, 24), torch.nn.Tanh(),
                                     torch.nn.Linear(24, 24), torch.nn.Tanh()).double()
        self.g = torch.nn.Linear(48 if per_point else 24, out).double()
        self.per_point = per_point

    def forward(self, x, mask=None, **extra):
        h = self.f(torch.cat([x, *[t.flatten(2) for t in extra.values()]], -1))
        m = torch.ones_like(h[..., :1]) if mask is None else mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(-2) / m.sum(-2)
        if self.per_point:
            return self.g(torch.cat([h, pooled.unsqueeze(-2).expand_as(h)], -1))
        return self.g(pooled)


# -- masks for padded batches ----------------------------------------------------------------

def _padded(clouds, n_total, gen, *, garbage):
    """Clouds of different sizes in one batch ``[B, n_total, d]``, real points at random
    positions; padding zero, or garbage (large values and a NaN) when ``garbage``."""
    b, d = len(clouds), clouds[0].shape[1]
    x = torch.zeros(b, n_total, d, dtype=torch.float64)
    if garbage:
        x = 1e3 * torch.randn(b, n_total, d, generator=gen, dtype=torch.float64)
    mask = torch.zeros(b, n_total, dtype=torch.bool)
    for i, c in enumerate(clouds):
        pos = torch.randperm(n_total, generator=gen)[: len(c)].sort().values
        x[i, pos] = c
        mask[i, pos] = True
        if garbage:
            x[i, (~mask[i]).nonzero()[0, 0], 0] = float("nan")
    return x, mask


@settings(max_examples=15, deadline=None)
@given(d=st.integers(2, 4), name=st.sampled_from(["O", "SO", "E", "SE", "Aff"]),
       seed=st.integers(0, 2**16), garbage=st.booleans())
def test_padding_changes_neither_frame_nor_average(d, name, seed, garbage):
    """Each padded cloud's average equals that of the cloud alone, and its frame elements are
    the same; the padded batch stays invariant when only the real points move."""
    gen = torch.Generator().manual_seed(seed)
    sizes = [d + 2, d + 4, d + 3]
    clouds = [torch.randn(k, d, generator=gen, dtype=torch.float64) for k in sizes]
    x, mask = _padded(clouds, d + 7, gen, garbage=garbage)
    fa = FrameAveraging(MaskedDeepSet(d), _frame(name, d))
    with torch.no_grad():
        padded = fa(x, mask=mask)
        frames = fa.last_frame
        for i, c in enumerate(clouds):
            alone = fa(c[None])
            torch.testing.assert_close(padded[i], alone[0], rtol=0, atol=1e-12)
            lin = fa.last_frame.data["linear"]
            torch.testing.assert_close(frames.data["linear"][frames.index == i], lin,
                                       rtol=0, atol=1e-12)
        q = _orthogonal(d, 3, gen, special=name in ("SO", "SE", "Aff"))
        if name == "Aff":
            q = q * torch.exp(torch.randn(3, 1, d, generator=gen, dtype=torch.float64))
        t = torch.randn(3, 1, d, generator=gen, dtype=torch.float64)
        t = t if name in ("E", "SE", "Aff") else torch.zeros_like(t)
        moved = torch.where(mask.unsqueeze(-1), x @ q.transpose(-1, -2) + t, x)
        torch.testing.assert_close(fa(moved, mask=mask), padded, rtol=0, atol=1e-10)


def test_zero_padding_without_a_mask_is_not_invariant_and_with_one_is():
    """Issue 33: a batch of clouds zero-padded to one size broke E(3) invariance by 7e-2 (the
    zeros joined the frame and did not move with the points); with ``mask`` the same batch is
    exactly invariant, and equivariant per-point outputs of the real points equal those of the
    unpadded clouds."""
    gen = torch.Generator().manual_seed(0)
    clouds = [torch.randn(k, 3, generator=gen, dtype=torch.float64) for k in (5, 7, 6)]
    x, mask = _padded(clouds, 9, gen, garbage=False)
    q = _orthogonal(3, 3, gen, special=False)
    t = torch.randn(3, 1, 3, generator=gen, dtype=torch.float64)
    moved = torch.where(mask.unsqueeze(-1), x @ q.transpose(-1, -2) + t, x)
    fa = FrameAveraging(MaskedDeepSet(3), _frame("E", 3))
    with torch.no_grad():
        unmasked = (fa(moved) - fa(x)).abs().max()
        masked = (fa(moved, mask=mask) - fa(x, mask=mask)).abs().max()
    assert float(unmasked) > 1e-3 and float(masked) < 1e-12
    eq = FrameAveraging(MaskedDeepSet(3, 3, per_point=True), _frame("E", 3), "equivariant")
    with torch.no_grad():
        padded = eq(x, mask=mask)
        for i, c in enumerate(clouds):
            torch.testing.assert_close(padded[i][mask[i]], eq(c[None])[0], rtol=0, atol=1e-12)
        torch.testing.assert_close(eq(moved, mask=mask)[mask],
                                   (padded @ q.transpose(-1, -2) + t)[mask], rtol=0, atol=1e-12)


def test_padding_of_tied_clouds_and_graphs():
    """The slow path sees the real points only (a padded octahedron keeps its 48-element
    frame); a padded graph's permutation frame orders its real nodes only, so the average
    equals the unpadded graph's and ignores where the padding sits."""
    octa = torch.cat([torch.eye(3), -torch.eye(3)]).double()
    x = torch.cat([octa, torch.zeros(3, 3, dtype=torch.float64)])[None]
    mask = (torch.arange(9) < 6)[None]
    fa = FrameAveraging(MaskedDeepSet(3), _frame("O", 3))
    with torch.no_grad():
        torch.testing.assert_close(fa(x, mask=mask), fa(octa[None]), rtol=0, atol=1e-12)
    assert fa.last_frame.sizes.tolist() == [48]

    gen = torch.Generator().manual_seed(3)
    a = (torch.rand(2, 5, 5, generator=gen) < 0.5).double().triu(1)
    a = a + a.transpose(-1, -2)
    torch.manual_seed(0)
    net = torch.nn.Linear(25, 2, dtype=torch.float64)

    class Head(torch.nn.Module):
        def forward(self, adj, mask=None):
            return net(adj[:, :5, :5].flatten(1))  # real nodes come first in canonical order

    fa = FrameAveraging(Head(), PermutationFrame())
    pad = torch.zeros(2, 8, 8, dtype=torch.float64)
    where = torch.stack([torch.randperm(8, generator=gen)[:5].sort().values for _ in range(2)])
    mask = torch.zeros(2, 8, dtype=torch.bool)
    for i in range(2):
        pad[i][where[i][:, None], where[i][None, :]] = a[i]
        mask[i, where[i]] = True
    junk = torch.rand(2, 8, 8, generator=gen, dtype=torch.float64) * 5
    pad = pad + (junk + junk.transpose(-1, -2)) * ~(mask.unsqueeze(-1) & mask.unsqueeze(-2))
    with torch.no_grad():
        torch.testing.assert_close(fa(pad, mask=mask), fa(a), rtol=0, atol=1e-12)


# -- roles of extra inputs -------------------------------------------------------------------

def test_vectors_are_transformed_and_scalars_are_not():
    """Per-point scalars passed as ``scalars`` reach the backbone unchanged (repeated over the
    frame); ``vectors`` are mapped by g^{-1}; with both, the average is E(3) invariant.
    Positional extra inputs, which used to be rotated as vectors whatever they were, are a
    TypeError that names the roles."""
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(2, 5, 3, generator=gen, dtype=torch.float64)
    v = torch.randn(2, 5, 3, generator=gen, dtype=torch.float64)
    q = torch.randn(2, 5, 3, generator=gen, dtype=torch.float64)  # 3 scalars per point
    seen = {}

    class Spy(torch.nn.Module):
        def forward(self, x, v, q):
            seen["v"], seen["q"] = v, q
            return torch.cat([x, v, q], -1).flatten(1)

    fa = FrameAveraging(Spy(), _frame("E", 3))
    with torch.no_grad():
        fa(x, vectors={"v": v}, scalars={"q": q})
    frames = fa.last_frame
    torch.testing.assert_close(seen["q"], q.index_select(0, frames.index), rtol=0, atol=0)
    expect_v = v.index_select(0, frames.index) @ frames.data["linear"]
    torch.testing.assert_close(seen["v"], expect_v, rtol=0, atol=1e-14)
    g = _orthogonal(3, 2, gen, special=False)
    net = FrameAveraging(MaskedDeepSet(3, extra=6), _frame("E", 3))
    with torch.no_grad():
        y = net(x, vectors={"v": v}, scalars={"q": q})
        y_moved = net(x @ g.transpose(-1, -2) + 1.0, vectors={"v": v @ g.transpose(-1, -2)},
                      scalars={"q": q})
    torch.testing.assert_close(y_moved, y, rtol=0, atol=1e-12)
    with pytest.raises(TypeError, match=r"only positional input.*vectors=.*scalars="):
        fa(x, q)


def test_permutation_frames_permute_scalars_and_refuse_vectors():
    """Node features are ``scalars`` for a permutation frame (permuted with the nodes, and
    refining the keys); vectors have no meaning there."""
    adj = torch.ones(1, 4, 4, dtype=torch.float64) - torch.eye(4, dtype=torch.float64)
    feats = torch.arange(4, dtype=torch.float64).reshape(1, 4, 1)

    class Head(torch.nn.Module):
        def forward(self, adj, h):
            return h.flatten(1)

    fa = FrameAveraging(Head(), PermutationFrame())
    with torch.no_grad():
        out = fa(adj, scalars={"h": feats})
    assert fa.last_frame.sizes.tolist() == [1]  # distinct features: one order
    torch.testing.assert_close(out, torch.tensor([[0.0, 1.0, 2.0, 3.0]], dtype=torch.float64))
    with pytest.raises(ValueError, match="scalars=.*got vectors"):
        fa(adj, vectors={"v": torch.zeros(1, 4, 3, dtype=torch.float64)})
    bad = adj.clone()
    bad[0, 1, 2] = bad[0, 2, 1] = float("nan")
    with pytest.raises(ValueError, match="finite adjacency.*batch index 0"):
        fa(bad, scalars={"h": feats})
    with pytest.raises(ValueError, match=r"adjacency matrices \[\*batch, n, n\]"):
        fa(torch.ones(1, 4, 3, dtype=torch.float64))


# -- shapes and values ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["vectors", "scalars", "mask", "context"])
def test_extra_inputs_must_share_batch_and_point_axes(kind):
    """Issue 33, defect 2: x of batch 2 with v of batch 5 ran and used v[:2]. Every extra input
    now has to share the cloud's batch axes (and, per point, the point axis) or it is a
    ValueError that states both shapes."""
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    fa = FrameAveraging(lambda *a, **k: a[0].flatten(1), _frame("E", 3))
    bad_batch = {"vectors": {"vectors": {"v": torch.randn(5, 5, 3, dtype=torch.float64)}},
                 "scalars": {"scalars": {"q": torch.randn(5, 5, dtype=torch.float64)}},
                 "mask": {"mask": torch.ones(5, 5, dtype=torch.bool)},
                 "context": {"charge": torch.randn(5, dtype=torch.float64)}}[kind]
    with pytest.raises(ValueError, match=r"\[2"):
        fa(x, **bad_batch)
    bad_points = {"vectors": {"vectors": {"v": torch.randn(2, 4, 3, dtype=torch.float64)}},
                  "scalars": {"scalars": {"q": torch.randn(2, 6, dtype=torch.float64)}},
                  "mask": {"mask": torch.ones(2, 4, dtype=torch.bool)},
                  "context": {"charge": torch.randn(3, 5, dtype=torch.float64)}}[kind]
    with pytest.raises(ValueError, match=r"got \[(2, [46]|4|3, 5)"):
        fa(x, **bad_points)


def test_wrong_types_and_clashing_names():
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    fa = FrameAveraging(lambda *a, **k: a[0].flatten(1), _frame("E", 3))
    with pytest.raises(TypeError, match=r"mapping.*vectors=\{'v': v\}, got tuple"):
        fa(x, vectors=(x,))
    with pytest.raises(TypeError, match="bool tensor, got torch.float64"):
        fa(x, mask=torch.ones(2, 5, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"vectors\['v'\] of shape \[\*batch, n, \.\.\., 3\]"):
        fa(x, vectors={"v": torch.randn(2, 5, 2, dtype=torch.float64)})
    with pytest.raises(TypeError, match="dtype torch.float64 like x, got torch.float32"):
        fa(x, vectors={"v": torch.randn(2, 5, 3)})
    with pytest.raises(ValueError, match=r"distinct backbone keywords.*\['v'\]"):
        fa(x, vectors={"v": x}, scalars={"v": x[..., 0]})
    with pytest.raises(TypeError, match="floating-point cloud"):
        fa(torch.ones(2, 5, 3, dtype=torch.long))


@pytest.mark.parametrize("name", ["O", "SO", "E", "SE", "Aff"])
def test_one_dimensional_and_non_finite_inputs_say_what_came(name):
    """Issue 33, defect 4: a 1-D input raised an IndexError, and NaN or Inf the eigen-solver's
    "ill-conditioned or repeated eigenvalues"; now each is a ValueError stating the expected
    shape or that coordinates must be finite, with the batch index. NaN in padding is fine."""
    fa = FrameAveraging(MaskedDeepSet(3), _frame(name, 3))
    with pytest.raises(ValueError, match=r"\[\*batch, n, d\].*got 1-D shape \[5\]"):
        fa(torch.randn(5, dtype=torch.float64))
    octa = torch.cat([torch.eye(3), -torch.eye(3)]).double()
    for bad, word in ((float("nan"), "nan"), (float("inf"), "inf"), (-float("inf"), "-inf")):
        for cloud in (torch.randn(6, 3, dtype=torch.float64), octa.clone()):  # fast, slow path
            x = torch.stack([torch.randn(6, 3, dtype=torch.float64), cloud])
            x[1, 2, 1] = bad
            with pytest.raises(ValueError, match=rf"finite coordinates, got 1 non-finite "
                                                 rf"\({word}\) at batch index 1"):
                fa(x)
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    x[0, 5] = float("nan")
    mask = torch.ones(2, 6, dtype=torch.bool)
    mask[0, 5] = False
    assert torch.isfinite(fa(x, mask=mask)).all()
    mask[1] = False
    with pytest.raises(ValueError, match="at least one real point.*batch index 1"):
        fa(x, mask=mask)


# -- frames take liegeom's groups ----------------------------------------------------------------

def test_frames_are_built_on_liegeom_groups():
    """One name, one thing: nets.frames no longer defines O, SO, E, SE, GLPlus, AffineGLPlus;
    frames take liegeom's groups and say which group their elements lie in."""
    for old in ("O", "SO", "E", "SE", "GLPlus", "AffineGLPlus"):
        assert not hasattr(nets.frames, old)
    so3 = liegeom.SO(3)
    cases = {
        OrthogonalFrame(so3): "SO(3)",
        OrthogonalFrame(so3, reflections=True): "O(3)",
        OrthogonalFrame(so3, translations=True): "SE(3)",
        OrthogonalFrame(liegeom.Affine(so3)): "SE(3)",
        OrthogonalFrame(liegeom.Affine(so3), reflections=True): "E(3)",
        AffineFrame(liegeom.GLPlus(3)): "GL+(3)",
        AffineFrame(liegeom.Affine(liegeom.GLPlus(3))): "R^3 ⋊ GL+(3)",
    }
    for frame, name in cases.items():
        assert frame.name == name
    assert repr(OrthogonalFrame(liegeom.Affine(so3))) == \
        "OrthogonalFrame(SO(3), reflections=False, translations=True)"
    with pytest.raises(ValueError, match="translations=True"):
        OrthogonalFrame(liegeom.Affine(so3), translations=False)
    for bad in (liegeom.GLPlus(3), liegeom.SL(3), liegeom.SPD(3), 3):
        with pytest.raises(TypeError, match=r"liegeom\.SO\(d\)"):
            OrthogonalFrame(bad)
    for bad in (liegeom.SO(3), liegeom.SL(3), liegeom.Affine(liegeom.SL(3))):
        with pytest.raises(TypeError, match=r"liegeom\.GLPlus\(d\)"):
            AffineFrame(bad)


def test_copied_and_pickled_frames_work_on_their_own():
    """A frame is found by the slow-path operator through a registry key: copies and unpickled
    frames get their own key and keep their options."""
    frame = _frame("O", 3, max_frame_size=10, on_degenerate="ignore",
                   generator=torch.Generator().manual_seed(0))
    octa = torch.cat([torch.eye(3), -torch.eye(3)]).double()[None]
    for other in (copy.deepcopy(frame), pickle.loads(pickle.dumps(frame))):
        assert other.key != frame.key
        assert other.frame(octa).sizes.tolist() == [10]
    assert frame.frame(octa).sizes.tolist() == [10]
