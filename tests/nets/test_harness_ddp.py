"""Two CPU processes (gloo) under the harness end with the weights of one process on the same
global batches: DistributedDataParallel for steps that back-propagate, the harness's own
gradient averaging for steps that set ``.grad`` themselves, and shards of a short last batch
weighted by their share."""

from __future__ import annotations

import os
import socket

import pytest
import torch
import torch.multiprocessing as mp
from torch import nn

from nets.experiments.harness import Trainer, unwrap, write_json

WORLD = 2
#: Global batches of 8, 8 and 5 examples: the last one splits 3 + 2 across the two processes.
N, BATCH = 21, 8


def _data():
    gen = torch.Generator().manual_seed(11)
    x = torch.randn(N, 3, generator=gen, dtype=torch.float64)
    y = torch.tanh(x @ torch.tensor([0.7, -1.2, 0.4], dtype=torch.float64))
    return x, y


def _train(kind: str, checkpoint=None) -> tuple[nn.Module, dict]:
    """Three epochs of a small network with Adam and clipping; the batch order comes from a
    seeded generator, so every process draws the same global batches."""
    x, y = _data()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1)).double()
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    gen = torch.Generator().manual_seed(5)

    def batches(epoch):
        order = torch.randperm(N, generator=gen)
        for i in range(0, N, BATCH):
            yield x[order[i:i + BATCH]], y[order[i:i + BATCH]]

    def loss_of(m, b):
        return nn.functional.mse_loss(m(b[0]).squeeze(-1), b[1])

    def manual(m, b):  # as equilibrium propagation does: gradients set, loss detached
        bare = unwrap(m)
        loss = loss_of(bare, b)
        for p, g in zip(bare.parameters(), torch.autograd.grad(loss, list(bare.parameters()))):
            p.grad = g
        return loss.detach()

    def evaluate(m):
        with torch.no_grad():
            return {"val_loss": float(loss_of(m, (x, y)))}

    trainer = Trainer(model, opt, step=loss_of if kind == "backprop" else manual,
                      batches=batches, epochs=3, evaluate=evaluate, select=None, clip=0.5,
                      generator=gen, progress=False, checkpoint=checkpoint, name=kind)
    return model, trainer.fit()


def _worker(rank: int, port: int, folder: str) -> None:
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(WORLD),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    import torch.distributed as dist

    try:
        for kind in ("backprop", "manual"):
            model, metrics = _train(kind, checkpoint=os.path.join(folder, f"{kind}.ckpt"))
            assert isinstance(model, nn.Module) and metrics["world_size"] == WORLD
            torch.save({"weights": model.state_dict(), "history": metrics["history"],
                        "device": metrics["segments"][-1]["device"]},
                       os.path.join(folder, f"{kind}-rank{rank}.pt"))
        write_json(os.path.join(folder, f"written-by-rank{rank}.json"), {"rank": rank})
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def two_process_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ddp")
    ctx = mp.start_processes(_worker, args=(_free_port(), str(folder)), nprocs=WORLD,
                             join=False, start_method="spawn")
    for _ in range(240):  # a hung collective fails the test instead of the suite
        if ctx.join(timeout=0.5):
            break
    else:
        for p in ctx.processes:
            p.kill()
        pytest.fail("the two gloo processes did not finish within 120 s")
    return folder


@pytest.mark.parametrize("kind", ["backprop", "manual"])
def test_two_gloo_processes_match_one_process(two_process_run, kind):
    """Same global batches, same start: the two processes end with the same weights as each
    other and as one process (float64, to rounding), report the one-process training loss (an
    average over all 21 examples, not over one shard) and the same evaluations; only rank 0
    writes files."""
    single_model, single = _train(kind)
    ranks = [torch.load(two_process_run / f"{kind}-rank{r}.pt", weights_only=True)
             for r in range(WORLD)]
    for name, want in single_model.state_dict().items():
        for r in ranks:
            torch.testing.assert_close(r["weights"][name], want, rtol=1e-12, atol=1e-13)
    got = ranks[0]["history"]
    assert [h["epoch"] for h in got] == [1, 2, 3]
    for a, b in zip(got, single["history"]):
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-12)
        assert a["val_loss"] == pytest.approx(b["val_loss"], rel=1e-12)
    assert ranks[0]["device"].startswith("2 × CPU")
    ck = torch.load(two_process_run / f"{kind}.ckpt", weights_only=True)
    assert ck["world_size"] == WORLD and ck["epoch"] == 3
    assert [p.name for p in two_process_run.glob("written-by-*")] == ["written-by-rank0.json"]
