"""SO(3) against the rotation libraries users pick: RoMa and pypose (speed and float32 accuracy).

Speed: 1e5 rotations, float64 (two rows in float32, which liegeom computes in float64
internally for accuracy), one thread; each operation of liegeom and of each peer on the
same inputs, interleaved round by round, best of several rounds; the table prints the ratio
peer time / liegeom time (> 1: liegeom is faster). Operations compared, in each library's own
public API: exponential (rotation vector -> matrix: ``SO(3).exp_coords``, and in a second row the
matrix route ``exp(hat(v))``), logarithm (matrix -> rotation vector: ``SO(3).log_coords``, and
``vee(log(R))``), Haar sampling (pypose has no Haar sampler: its ``randn_SO3`` is a Gaussian
in the algebra), quaternion -> matrix and nearest rotation (special Procrustes; RoMa only;
``SO(3).projection``: Jacobi sweeps on Horn's symmetric 4x4 matrix).

Accuracy in float32, max and RMS over 20000 rotation vectors of angle up to π - 1e-3, against
float64 references (scipy's exp; RoMa's float64 log, equal to liegeom's to 1e-15):
* exp: the largest entry error of each matrix;
* log: |Δv| on the float32 roundings of the rotations;
* log∘exp round trip: |log(exp(v)) - v| against the float32 input v itself (not the float64
  vector it was rounded from, whose rounding error would be counted for every library);
* the Jacobian of log at angle π - 1e-6: max entry error of the float32 Jacobian (by autograd)
  against liegeom's float64 Jacobian, checked against central finite differences of RoMa's
  float64 log (an independent route) before it is used.

Unit quaternion -> matrix: RoMa's ``unitquat_to_rotmat`` and pypose's ``SO3`` take unit
quaternions as given; liegeom's equivalent call is ``quaternion_to_matrix(q, unit=True)`` (the
default divides by ``|q|^2``; that variant is timed in its own row).

Memory allocator: pinned once for every library (``benchmarks/_malloc.py``: without it the best
of 7 of one function varied 3x between runs, from page faults); ``--no-pin-malloc`` skips it.

liegeom runs with membership validation off (``liegeom.set_validation(False)``: the peers do
not validate, pypose is called with ``check=False``); the row "log, validated" shows the cost
of liegeom's default checks.

Peers are benchmark-only extras: ``pip install -e '.[bench]'`` (PyPI ``roma``, ``pypose``).
Run: ``python benchmarks/so3_vs_peers.py [--n 100000] [--rounds 7]``; the table is also
written to ``benchmarks/results/so3_vs_peers.md``.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from pathlib import Path

import torch
from _malloc import pin_malloc
from scipy.spatial.transform import Rotation

from liegeom import set_validation
from liegeom.groups import SO
from liegeom.sampling import quaternion_to_matrix

warnings.filterwarnings("ignore")
import pypose as pp  # noqa: E402
import roma  # noqa: E402

G = SO(3)


ours_exp = G.exp_coords  # rotation vectors -> matrices, one pass


def ours_log(R):
    return G.log_coords(R)  # matrices -> rotation vectors, one pass


def ours_log_validated(R):
    with set_validation(True):
        return G.log_coords(R)


def ours_exp_matrix(v):
    return G.exp(G.hat(v))


def ours_log_matrix(R):
    return G.vee(G.log(R))


def _wxyz_to_xyzw(q):
    return torch.cat([q[..., 1:], q[..., :1]], -1)


PEER_EXP = {"roma": roma.rotvec_to_rotmat, "pypose": lambda v: pp.so3(v).Exp().matrix()}
PEER_LOG = {"roma": roma.rotmat_to_rotvec,
            "pypose": lambda R: pp.mat2SO3(R, check=False).Log().tensor()}

OPS = {
    "exp": {"liegeom": ours_exp, **PEER_EXP},
    "log": {"liegeom": ours_log, **PEER_LOG},
    "exp, as exp(hat(v))": {"liegeom": ours_exp_matrix, **PEER_EXP},
    "log, as vee(log(R))": {"liegeom": ours_log_matrix, **PEER_LOG},
    "log, validated": {
        "liegeom": ours_log_validated,
        "roma": roma.rotmat_to_rotvec,
        "pypose": lambda R: pp.mat2SO3(R, check=True).Log().tensor(),
    },
    "exp, float32": {"liegeom": ours_exp, **PEER_EXP},
    "log, float32": {"liegeom": ours_log, **PEER_LOG},
    "haar sampling": {
        "liegeom": lambda n: G.random_point((n,)),
        "roma": lambda n: roma.random_rotmat(n, dtype=torch.float64),
    },
    "quaternion -> matrix": {
        "liegeom": lambda q: quaternion_to_matrix(q, unit=True),
        "roma": lambda q: roma.unitquat_to_rotmat(_wxyz_to_xyzw(q)),
        "pypose": lambda q: pp.SO3(_wxyz_to_xyzw(q)).matrix(),
    },
    "quaternion -> matrix, normalizing": {
        "liegeom": quaternion_to_matrix,
        "roma": lambda q: roma.unitquat_to_rotmat(roma.quat_normalize(_wxyz_to_xyzw(q))),
    },
    "nearest rotation": {
        "liegeom": G.projection,
        "roma": roma.special_procrustes,
    },
}


def _inputs(n):
    gen = torch.Generator().manual_seed(0)
    v = torch.randn(n, 3, generator=gen, dtype=torch.float64)
    q = torch.randn(n, 4, generator=gen, dtype=torch.float64)
    q = q / q.norm(dim=-1, keepdim=True)
    R = roma.rotvec_to_rotmat(v)
    M = torch.randn(n, 3, 3, generator=gen, dtype=torch.float64)
    return {"exp": v, "log": R, "exp, as exp(hat(v))": v, "log, as vee(log(R))": R,
            "log, validated": R, "exp, float32": v.float(),
            "log, float32": R.float(), "haar sampling": n, "quaternion -> matrix": q,
            "quaternion -> matrix, normalizing": 1.5 * q, "nearest rotation": M}


def speed(n, rounds):
    inputs = _inputs(n)
    best = {op: {lib: math.inf for lib in libs} for op, libs in OPS.items()}
    for _ in range(rounds):
        for op, libs in OPS.items():
            for lib, fn in libs.items():
                t0 = time.perf_counter()
                fn(inputs[op])
                best[op][lib] = min(best[op][lib], time.perf_counter() - t0)
    return best


def _log_jac(fn, w, dtype):
    R = roma.rotvec_to_rotmat(w.double()).to(dtype)
    return torch.autograd.functional.jacobian(fn, R).double()


def accuracy():
    out = {}
    gen = torch.Generator().manual_seed(1)
    v = torch.randn(20000, 3, generator=gen, dtype=torch.float64)
    v = v / v.norm(dim=-1, keepdim=True) * torch.rand(20000, 1, generator=gen,
                                                     dtype=torch.float64) * (math.pi - 1e-3)
    v32 = v.float()
    logs = {"liegeom": ours_log, **PEER_LOG}
    exps = {"liegeom": ours_exp, **PEER_EXP}
    v32d = v32.double()
    # float64 references: scipy's exp of the float32 inputs, RoMa's float64 log of the
    # float32-rounded rotations (scipy's from_matrix would project them onto SO(3) first)
    R64 = torch.from_numpy(Rotation.from_rotvec(v32d.numpy()).as_matrix())
    R32 = R64.float()
    l64 = roma.rotmat_to_rotvec(R32.double())

    def max_rms(err):  # err: [N] per-sample errors
        return float(err.max()), float(err.square().mean().sqrt())

    for lib in logs:
        out.setdefault("exp: max |ΔR| entry", {})[lib] = max_rms(
            (exps[lib](v32).double() - R64).abs().flatten(-2).amax(-1))
        out.setdefault("log: |Δv| on float32 rotations", {})[lib] = max_rms(
            (logs[lib](R32).double() - l64).norm(dim=-1))
        out.setdefault("log∘exp round trip: |Δv|", {})[lib] = max_rms(
            (logs[lib](exps[lib](v32)).double() - v32d).norm(dim=-1))
    # Jacobian of the log at angle π - 1e-6 (axis generic)
    axis = torch.tensor([0.48, -0.6, 0.64], dtype=torch.float64)
    w = (math.pi - 1e-6) * axis / axis.norm()
    ref = _log_jac(ours_log, w, torch.float64)
    R0 = roma.rotvec_to_rotmat(w)
    h = 1e-7
    fd = torch.zeros(3, 3, 3, dtype=torch.float64)
    for i in range(3):
        for j in range(3):
            E = torch.zeros(3, 3, dtype=torch.float64)
            E[i, j] = h
            fd[:, i, j] = (roma.rotmat_to_rotvec(R0 + E) - roma.rotmat_to_rotvec(R0 - E)) / (2 * h)
    check = float((fd - ref).abs().max())
    for lib, fn in logs.items():
        try:
            err = float((_log_jac(fn, w, torch.float32) - ref).abs().max())
        except Exception as exc:  # pragma: no cover - report, don't hide
            err = f"fails: {type(exc).__name__}"
        out.setdefault("Jacobian of log at π - 1e-6: max entry error", {})[lib] = err
    return out, check


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--no-pin-malloc", action="store_true",
                    help="leave glibc's allocator thresholds as they are")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    pinned = not args.no_pin_malloc and pin_malloc()
    with set_validation(False):
        best = speed(args.n, args.rounds)
    lines = [f"SO(3), {args.n} rotations, float64 unless the row says float32, 1 thread; "
             f"times in ms (best of {args.rounds}); ratio = peer / liegeom (> 1: liegeom faster); "
             f"allocator "
             f"{'pinned' if pinned else 'not pinned'}", "",
             "| operation | liegeom | RoMa | pypose | RoMa/liegeom | pypose/liegeom |",
             "|---|---|---|---|---|---|"]
    for op, t in best.items():
        ours = t["liegeom"]
        cells = [f"{1e3 * t[lib]:.1f}" if lib in t else "–" for lib in ("roma", "pypose")]
        ratios = [f"{t[lib] / ours:.2f}" if lib in t else "–" for lib in ("roma", "pypose")]
        lines.append(f"| {op} | {1e3 * ours:.1f} | {' | '.join(cells)} | {' | '.join(ratios)} |")
    acc, check = accuracy()
    lines += ["", "float32 accuracy, max / RMS (smaller is better)", "",
              "| quantity | liegeom | RoMa | pypose |", "|---|---|---|---|"]
    for q, d in acc.items():
        cells = [f"{d[lib][0]:.2e} / {d[lib][1]:.2e}" if isinstance(d[lib], tuple)
                 else f"{d[lib]:.2e}" if isinstance(d[lib], float) else d[lib]
                 for lib in ("liegeom", "roma", "pypose")]
        lines.append(f"| {q} | {' | '.join(cells)} |")
    lines += ["", f"reference Jacobian (liegeom, float64) vs finite differences of RoMa's "
              f"float64 log: {check:.1e}"]
    text = "\n".join(lines)
    print(text)
    out = Path(__file__).parent / "results" / "so3_vs_peers.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text + "\n")


if __name__ == "__main__":
    main()
