"""The same laws on CUDA, and agreement with the CPU (skipped where CUDA is unavailable).

Seeded CPU generators initialise networks and noise, so a model built for CUDA has the CPU
model's parameters and the two must compute the same numbers up to float64 rounding.
"""

from __future__ import annotations

import copy
import math

import pytest
import torch

from liegeom import SO
from liegeom.decompositions import iwasawa, kak, polar
from liegeom.testing import assert_equivariant
from nets.data.nbody import NBodyParams, simulate
from nets.ep import (
    GeneralizedEP,
    MLPEPNetwork,
    SolverConfig,
    adjoint,
    exact_error_vector,
    free_state,
)
from nets.ep.homeostasis import homeostasis_loss
from nets.frames import FrameAveraging, OrthogonalFrame
from nets.gnn import fa_gnn

pytestmark = pytest.mark.gpu
CUDA = torch.device("cuda")
F64 = torch.float64


def test_decompositions_reconstruct_on_cuda():
    gen = torch.Generator().manual_seed(0)
    g = torch.randn(64, 3, 3, generator=gen, dtype=F64)
    g = g * torch.linalg.det(g).sign()[:, None, None]  # det > 0
    g = g.to(CUDA)
    p, r = polar(g)
    k, a, n = iwasawa(g)
    k1, s, k2 = kak(g)
    for rec in (p @ r, k @ a @ n, k1 @ s @ k2):
        assert rec.device.type == "cuda"
        torch.testing.assert_close(rec, g, rtol=1e-12, atol=1e-12)


def test_frame_averaging_is_exact_and_matches_the_cpu():
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(8, 7, 3, generator=gen, dtype=F64)
    q, r = torch.linalg.qr(torch.randn(8, 3, 3, generator=gen, dtype=F64))
    q = q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1)).unsqueeze(-2)
    q = q * torch.linalg.det(q).sign()[:, None, None]
    t = torch.randn(8, 3, generator=gen, dtype=F64)
    torch.manual_seed(0)
    backbone = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(21, 16), torch.nn.Tanh(),
                                   torch.nn.Linear(16, 2)).to(F64)
    fa_cpu = FrameAveraging(backbone, OrthogonalFrame(SO(3), translations=True))
    fa_gpu = FrameAveraging(copy.deepcopy(backbone).to(CUDA),
                            OrthogonalFrame(SO(3), translations=True))
    with torch.no_grad():
        torch.testing.assert_close(fa_gpu(x.to(CUDA)).cpu(), fa_cpu(x), rtol=1e-10, atol=1e-12)
        act = lambda g, y: y @ g[0].transpose(-1, -2) + g[1].unsqueeze(-2)
        assert_equivariant(fa_gpu, act, lambda g, y: y, x.to(CUDA), (q.to(CUDA), t.to(CUDA)),
                           tol=1e-10)


def test_fa_gnn_on_cuda_matches_the_cpu():
    gen = torch.Generator().manual_seed(2)
    x, v = torch.randn(2, 4, 5, 3, generator=gen, dtype=F64)
    charges = (torch.randint(0, 2, (4, 5), generator=gen) * 2 - 1).to(F64)
    torch.manual_seed(0)
    model = fa_gnn(15, 2).to(F64)
    with torch.no_grad():
        ref = model(x, v, charges=charges)
        out = model.to(CUDA)(x.to(CUDA), v.to(CUDA), charges=charges.to(CUDA))
    torch.testing.assert_close(out.cpu(), ref, rtol=1e-10, atol=1e-12)


def test_ep_laws_on_cuda():
    cfg = SolverConfig(dt=0.7, tol=1e-13, max_iter=20000)
    nets = {}
    for dev in ("cpu", "cuda"):
        gen = torch.Generator().manual_seed(3)
        nets[dev] = MLPEPNetwork((6, 8, 4), symmetric=True, activation="sigmoid", generator=gen,
                                 dtype=F64, device=dev)
    gen = torch.Generator().manual_seed(4)
    x = torch.randn(5, 6, generator=gen, dtype=F64)
    y = torch.randint(0, 4, (5,), generator=gen)
    net, xc, yc = nets["cuda"], x.to(CUDA), y.to(CUDA)
    u = free_state(net, xc, cfg)
    delta, lam = exact_error_vector(net, xc, yc, u, cfg), adjoint(net, xc, yc, u, cfg)
    torch.testing.assert_close(delta, lam, rtol=0, atol=1e-10)
    assert float(lam.abs().max()) > 1e-3
    # an asymmetric network: generalized EP and the homeostasis loss agree with the CPU
    for dev in ("cpu", "cuda"):
        gen = torch.Generator().manual_seed(5)
        nets[dev] = MLPEPNetwork((6, 8, 4), alpha=math.pi / 2, generator=gen, dtype=F64,
                                 device=dev)
    est = GeneralizedEP(0.05, config=cfg)
    cpu, gpu = est(nets["cpu"], x, y), est(nets["cuda"], xc, yc)
    for a, b in zip(cpu.grads, gpu.grads):
        torch.testing.assert_close(b.cpu(), a, rtol=1e-8, atol=1e-12)
    h = [homeostasis_loss(nets[d], x.to(d), r.u, 4, generator=torch.Generator().manual_seed(6))
         for d, r in (("cpu", cpu), ("cuda", gpu))]
    torch.testing.assert_close(h[1].cpu(), h[0], rtol=1e-8, atol=1e-12)


def test_nbody_simulation_on_cuda_matches_the_cpu():
    params = NBodyParams(n_train=6, n_val=1, n_test=1, n_steps=300, sample_every=100,
                         input_frame=1, target_frame=2)
    cpu = simulate(8, params)
    gpu = simulate(8, params, device="cuda", chunk_size=8)
    torch.testing.assert_close(gpu["positions"].cpu(), cpu["positions"], rtol=1e-9, atol=1e-9)
    assert int(gpu["clips"].sum()) == int(cpu["clips"].sum())


def test_training_checkpoint_moves_between_cpu_and_cuda(tmp_path):
    """A CPU run resumed on CUDA, and that run's checkpoint resumed on the CPU, continue with the
    uninterrupted CPU run's batches and agree with its history up to float32 rounding."""
    from nets.data.nbody import load_nbody
    from nets.experiments.nbody import train_nbody

    data = load_nbody(NBodyParams(n_train=12, n_val=6, n_test=6, seed=3), use_cache=False)
    kw = dict(epochs=3, batch_size=5, eval_every=1, hidden=9, layers=2, progress=False)
    full = train_nbody("fa-gnn", data, **kw)
    cpu_ck, gpu_ck = tmp_path / "cpu.ckpt", tmp_path / "gpu.ckpt"
    train_nbody("fa-gnn", data, time_limit_s=0.0, checkpoint=cpu_ck, **kw)
    on_gpu = train_nbody("fa-gnn", data, resume=cpu_ck, device="cuda", time_limit_s=0.0,
                         checkpoint=gpu_ck, **kw)
    assert on_gpu["epochs_run"] == 2 and on_gpu["device"] != "CPU"
    back = train_nbody("fa-gnn", data, resume=gpu_ck, **kw)
    assert back["epochs_run"] == 3 and back["resumed_from_epoch"] == 2
    gpu = torch.cuda.get_device_name()
    assert [(s["device"], s["first_epoch"], s["last_epoch"]) for s in back["segments"]] == [
        ("CPU (1 thread)", 1, 1), (gpu, 2, 2), ("CPU (1 thread)", 3, 3)]
    got = [h["val_mse"] for h in back["history"]]
    want = [h["val_mse"] for h in full["history"]]
    assert got[0] == want[0]  # epoch 1 ran on the CPU in both
    assert got == pytest.approx(want, rel=1e-4)


def test_weights_trained_on_cuda_are_saved_as_cpu_tensors(tmp_path):
    from nets.data.nbody import load_nbody
    from nets.experiments.nbody import train_nbody

    data = load_nbody(NBodyParams(n_train=10, n_val=5, n_test=5, seed=4), use_cache=False)
    run = train_nbody("egnn", data, epochs=1, batch_size=5, hidden=8, layers=1, progress=False,
                      device="cuda", save_to=tmp_path / "best.pt")
    assert run["best_epoch"] == 1  # the saved weights are the GPU model's
    weights = torch.load(tmp_path / "best.pt", weights_only=True)  # no map_location needed
    assert all(t.device.type == "cpu" for t in weights.values())


def test_affine_cnn_on_cuda_matches_the_cpu():
    """The affine-equivariant CNN's buffers, samples and kernels follow .to(device)."""
    from liegeom import GLPlus
    from nets.affine import AffineEquivariantCNN

    torch.manual_seed(0)
    cpu = AffineEquivariantCNN(GLPlus(2), channels=(3, 3), kernel_sizes=(5, 3),
                               n_samples=4).double().eval()
    gpu = copy.deepcopy(cpu).to(CUDA)
    x = torch.rand(2, 1, 16, 16, dtype=F64)
    with torch.no_grad():
        torch.testing.assert_close(gpu(x.to(CUDA)).cpu(), cpu(x), rtol=1e-9, atol=1e-10)
    gpu.train()
    loss = gpu(x.to(CUDA)).square().sum()
    loss.backward()
    assert all(p.grad is not None and p.grad.is_cuda for p in gpu.parameters())
