"""Membership validation by default, one switch to turn it off; vmap and torch.compile."""

from __future__ import annotations

import pytest
import torch

from liegeom import (
    AffineGaussian,
    GroupMembershipError,
    IwasawaChart,
    IwasawaGaussian,
    KAKChart,
    PolarExpChart,
    PolarGaussian,
    RotationScaling,
    RotationScalingChart,
    RotationScalingGaussian,
    set_validation,
    validation_enabled,
)
from liegeom.decompositions import iwasawa, kak, polar
from liegeom.groups import SL, SO, SPD, Affine, GLPlus

I2 = torch.eye(2, dtype=torch.float64)
I3 = torch.eye(3, dtype=torch.float64)
BAD_AFFINE = torch.tensor([[1.0, 0, 0], [0, 1, 0], [1, 0, 1]], dtype=torch.float64)

# issue 32, defect 4: each of these returned a number (often the identity's) without a word
SILENT = {
    "PolarGaussian(SL2).log_prob(2I)": lambda: PolarGaussian(SL(2), 0.7).log_prob(2 * I2),
    "IwasawaChart(SL3).to_coords(2I)": lambda: IwasawaChart(SL(3)).to_coords(2 * I3),
    "SL2.log(2I)": lambda: SL(2).log(2 * I2),
    "SO3.log(2I)": lambda: SO(3).log(2 * I3),
    "SPD2.log(indefinite)": lambda: SPD(2).log(torch.tensor([[1.0, 2], [2, 1]],
                                                            dtype=torch.float64)),
    "Affine.log(last row)": lambda: Affine(GLPlus(2)).log(BAD_AFFINE),
    "Affine.act(last row)": lambda: Affine(GLPlus(2)).act(BAD_AFFINE, torch.ones(2,
                                                                                dtype=torch.float64)),
    "Affine.inverse(last row)": lambda: Affine(SO(2)).inverse(BAD_AFFINE),
    "SO2.inverse(2I)": lambda: SO(2).inverse(2 * I2),
    "RotationScaling.log(diag(1, 2))": lambda: RotationScaling(2).log(torch.diag(torch.tensor(
        [1.0, 2.0], dtype=torch.float64))),
    "AffineGaussian.log_prob(last row)": lambda: AffineGaussian(PolarGaussian(GLPlus(2))).log_prob(
        BAD_AFFINE),
}


@pytest.mark.parametrize("case", list(SILENT))
def test_non_members_raise_by_default_and_pass_with_validation_off(case):
    with pytest.raises(GroupMembershipError, match="expected .* got .* at batch index"):
        SILENT[case]()
    with set_validation(False):
        SILENT[case]()  # the hot-loop switch: no check, no error
    assert validation_enabled()


def test_switch_as_function_and_context_manager():
    assert validation_enabled()
    with set_validation(False):
        assert not validation_enabled()
        with set_validation(True):
            assert validation_enabled()
        assert not validation_enabled()
    assert validation_enabled()
    try:
        set_validation(False)
        assert not validation_enabled()
    finally:
        set_validation(True)
    with pytest.raises(TypeError, match="True or False"):
        set_validation(0)


def test_decompositions_follow_the_switch():
    bad = torch.diag(torch.tensor([1.0, -1.0], dtype=torch.float64))
    for f in (polar, iwasawa, kak):
        with pytest.raises(GroupMembershipError, match="det > 0"):
            f(bad)


VMAP = {
    "polar(GL+(3))": (lambda g: polar(g)[1], GLPlus(3)),
    "iwasawa(GL+(3))": (lambda g: torch.cat([m.flatten(-2) for m in iwasawa(g)], -1),
                        GLPlus(3)),
    "SO(3).log": (SO(3).log, SO(3)),
    "GL+(2).log": (GLPlus(2).log, GLPlus(2)),
    "SL(2).log": (SL(2).log, SL(2)),
    "RotationScaling(2).log": (RotationScaling(2).log, RotationScaling(2)),
    "SPD(3).log": (SPD(3).log, SPD(3)),
    "Affine(GL+(2)).log": (Affine(GLPlus(2)).log, Affine(GLPlus(2))),
    "Affine(SO(3)).log": (Affine(SO(3)).log, Affine(SO(3))),
    "KAKChart(GL+(3)).to_coords": (KAKChart(GLPlus(3)).to_coords, GLPlus(3)),
    "PolarGaussian.log_prob": (PolarGaussian(SL(2), 0.7).log_prob, SL(2)),
    "IwasawaGaussian.log_prob": (IwasawaGaussian(GLPlus(3), 0.7).log_prob, GLPlus(3)),
    "RotationScalingGaussian.log_prob": (RotationScalingGaussian(RotationScaling(2), 0.5)
                                         .log_prob, RotationScaling(2)),
    "AffineGaussian.log_prob": (AffineGaussian(PolarGaussian(GLPlus(2), 0.5)).log_prob,
                                Affine(GLPlus(2))),
    "IwasawaChart.to_coords": (IwasawaChart(SL(2)).to_coords, SL(2)),
    "PolarExpChart.to_coords": (PolarExpChart(GLPlus(2)).to_coords, GLPlus(2)),
    "RotationScalingChart.to_coords": (RotationScalingChart(RotationScaling(2)).to_coords,
                                       RotationScaling(2)),
}


@pytest.mark.parametrize("case", list(VMAP))
def test_vmap_equals_the_batched_call(case, generator):
    """Issue 32, defect 5: vmap failed on these because the membership checks branched on
    data; inside vmap validation is skipped (documented), the kernels are branch-free."""
    f, G = VMAP[case]
    g = G.random_point((6,), generator=generator)
    torch.testing.assert_close(torch.func.vmap(f)(g), f(g), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("G", [GLPlus(3), SL(3), SO(4), Affine(GLPlus(3))], ids=repr)
def test_vmap_of_a_data_dependent_log_says_so(G, generator):
    """The n >= 3 logarithm takes a data-dependent number of square roots: under vmap it raises
    a clear error (torch's own says only 'data-dependent control flow'); the batched call
    works."""
    g = G.random_point((3,), generator=generator)
    with pytest.raises(RuntimeError, match="does not run under torch.func.vmap.*batched already"):
        torch.func.vmap(G.log)(g)
    assert G.log(g).shape == g.shape


def test_vmap_of_grad_of_log_prob(generator):
    q = PolarGaussian(SL(2), 0.7)
    g = q.sample((4,), generator=generator)
    per = torch.func.vmap(torch.func.grad(q.log_prob))(g)
    gg = g.clone().requires_grad_(True)
    (ref,) = torch.autograd.grad(q.log_prob(gg).sum(), gg)
    torch.testing.assert_close(per, ref)


COMPILED = {
    "SO(3) exp and log": (lambda v: SO(3).vee(SO(3).log(SO(3).exp(SO(3).hat(v)))),
                          lambda gen: torch.randn(5, 3, generator=gen, dtype=torch.float64)),
    "GL+(2).log": (GLPlus(2).log, lambda gen: GLPlus(2).random_point((5,), generator=gen)),
    "PolarGaussian.log_prob": (PolarGaussian(SL(2), 0.7).log_prob,
                               lambda gen: SL(2).random_point((5,), generator=gen)),
    "IwasawaChart.to_coords": (IwasawaChart(SL(2)).to_coords,
                               lambda gen: SL(2).random_point((5,), generator=gen)),
    "RotationScalingChart.to_coords": (RotationScalingChart(RotationScaling(2)).to_coords,
                                       lambda gen: RotationScaling(2).random_point(
                                           (5,), generator=gen)),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(COMPILED))
def test_compile_without_graph_breaks(case, generator):
    f, make = COMPILED[case]
    x = make(generator)
    torch.testing.assert_close(torch.compile(f, fullgraph=True)(x), f(x), rtol=1e-12, atol=1e-12)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402

from liegeom.groups import PositiveDiagonal, UpperUnitriangular  # noqa: E402
from liegeom.testing.strategies import group_elements  # noqa: E402

LAW_GROUPS = [GLPlus(2), SL(2), SL(3), SO(3), SO(4), SPD(2), RotationScaling(2),
              PositiveDiagonal(2), UpperUnitriangular(3), Affine(GLPlus(2))]


@pytest.mark.parametrize("G", LAW_GROUPS, ids=repr)
@settings(max_examples=25)
@given(data=st.data())
def test_log_is_defined_exactly_on_members(G, data):
    """For any matrix M: G.log(M) raises GroupMembershipError unless M is a member (it returned
    the identity's logarithm for SL(2).log(2 I), SO(3).log(2 I), ...). Candidates: scaled or
    perturbed members and arbitrary matrices."""
    g = data.draw(group_elements(G, max_norm=1.5))
    kind = data.draw(st.sampled_from(["scaled", "perturbed", "arbitrary"]))
    if kind == "scaled":
        M = data.draw(st.sampled_from([2.0, 0.5, -1.0])) * g
    elif kind == "perturbed":
        M = g + 1e-3 * torch.from_numpy(data.draw(arrays("float64", g.shape, elements=st.floats(
            -1, 1))))
    else:
        M = torch.from_numpy(data.draw(arrays("float64", g.shape, elements=st.floats(-2, 2))))
    if isinstance(G, Affine):
        M[..., -1, :-1] = data.draw(st.sampled_from([0.0, 0.5]))
        M[..., -1, -1] = 1.0
    if bool(G.belongs(M)):
        return
    with pytest.raises(GroupMembershipError):
        G.log(M)
