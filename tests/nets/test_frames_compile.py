"""torch.compile on frame averaging: the whole forward pass of point frames traces as one graph
(``fullgraph=True``), symmetric inputs (tied spectra, the slow path) included, without
recompiling when their number or frame sizes change; compiled outputs and gradients match the
eager ones (in float64, so that the comparison is sharp). The default suite traces with the
``eager`` backend (dynamo only, seconds); the ``aot_eager`` (autograd) and ``inductor``
(generated code, minutes on CPU) runs are slow tests."""

from __future__ import annotations

import pytest
import torch
import torch._dynamo
from torch._dynamo.utils import counters

import liegeom
from nets.frames import AffineFrame, FrameAveraging, OrthogonalFrame
from nets.gnn import fa_gnn

F64 = torch.float64
OCTAHEDRON = torch.cat([torch.eye(3, dtype=F64), -torch.eye(3, dtype=F64)])
SIMPLEX = torch.tensor([[1.0, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1], [0, 0, 0],
                        [0, 0, 0]], dtype=F64)


def _batches(count, seed=0):
    """Batches of 4 clouds of 6 points: generic ones mixed with 0-4 octahedra / simplices (the
    slow path, frames of 48 and 24 elements), in changing numbers and places."""
    gen = torch.Generator().manual_seed(seed)
    out = []
    for k in range(count):
        x = torch.randn(4, 6, 3, generator=gen, dtype=F64)
        kinds = torch.randint(0, 3, (4,), generator=gen).tolist() if k else [0, 0, 0, 0]
        for j, kind in enumerate(kinds):
            if kind:
                q = torch.linalg.qr(torch.randn(3, 3, generator=gen, dtype=F64))[0]
                x[j] = (OCTAHEDRON if kind == 1 else SIMPLEX) @ q.T
        out.append(x)
    return out


def _model(frame):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(18, 16), torch.nn.Tanh(),
                              torch.nn.Linear(16, 2)).to(F64)
    return FrameAveraging(net, frame)


def _e3(**kw):
    return OrthogonalFrame(liegeom.SO(3), reflections=True, translations=True,
                           on_degenerate="ignore", **kw)


def _compiled_matches_eager(model, backend, batches, *, grad):
    """One graph, no recompilation over all batches, outputs (and input gradients) equal to the
    eager ones."""
    torch._dynamo.reset()
    counters.clear()
    compiled = torch.compile(model, fullgraph=True, backend=backend)
    tol = {"rtol": 1e-9, "atol": 1e-10}  # float64: compiled code reorders rounding only
    for i, x in enumerate(batches):
        xc, xe = x.clone().requires_grad_(grad), x.clone().requires_grad_(grad)
        with torch._dynamo.config.patch(error_on_recompile=i > 0):
            yc = compiled(xc)
        ye = model(xe)
        torch.testing.assert_close(yc, ye, **tol)
        if grad:
            yc.square().sum().backward()
            ye.square().sum().backward()
            assert torch.isfinite(xc.grad).all()
            torch.testing.assert_close(xc.grad, xe.grad, **tol)
    assert counters["stats"]["unique_graphs"] == 1
    assert sum(counters["graph_break"].values()) == 0


def test_fullgraph_traces_generic_and_symmetric_inputs():
    """Issue 33: the frame's slow path (a Python loop over the tied inputs, ``.tolist()``) made
    ``torch.compile(fullgraph=True)`` fail (GuardOnDataDependentSymNode) and, without
    fullgraph, cost 27 graph breaks and the recompile limit within 12 batches. Now one graph
    serves generic and symmetric batches alike."""
    _compiled_matches_eager(_model(_e3()), "eager", _batches(6), grad=False)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["aot_eager", "inductor"])
def test_compiled_forward_and_backward_match_eager(backend):
    """Forward and backward through the compiled graph (autograd with a dynamic number of
    frame elements), E(3) and affine frames, and the layerwise FA-GNN (frames in every
    layer)."""
    batches = _batches(6)
    _compiled_matches_eager(_model(_e3()), backend, batches, grad=True)
    aff = _model(AffineFrame(liegeom.Affine(liegeom.GLPlus(3)), on_degenerate="ignore"))
    _compiled_matches_eager(aff, backend, [x + 0.1 * x.square() for x in batches], grad=True)
    torch.manual_seed(0)
    gnn = fa_gnn(12, 2, on_degenerate="ignore").to(F64)
    q = torch.ones(4, 6, dtype=F64)

    class Wrap(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.gnn = gnn

        def forward(self, x):
            return self.gnn(x, torch.zeros_like(x), q)

    _compiled_matches_eager(Wrap(), backend, batches[:3], grad=True)
