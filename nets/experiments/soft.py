r"""Soft equivariance under mixed symmetries (``nets train soft --task ...``) on the shared
:class:`~nets.experiments.harness.Trainer`.

Tasks (:mod:`nets.data.synthetic`) and their candidate symmetry types:

============  ==============================================  ===========================
task          candidates (the data's exact one in bold)       regularizer form
============  ==============================================  ===========================
``inertia``   O(3), **O(2)_z**, O(2)_x, O(2)_y                projection (proximal)
``motion``    O(3), **O(2)_z**, O(2)_x, O(2)_y                projection (proximal)
``cosine``    SO(3)×Scaling, **SO(3)**, Scaling               projection (proximal)
``se3``       SE(3), **SO(3)**, T(3)                          sampling (affine action)
============  ==============================================  ===========================

Our method's model is always the free :class:`~nets.soft.GatedTensorNet`.

Methods (:data:`METHODS`): ``mlp`` (plain MLP), ``exact`` (exactly equivariant under the full
candidate group: the projected GatedTensorNet, or an MLP on complete invariants), ``rpp``
(residual-pathway prior: exact path + free path under the stronger prior), ``aug`` (MLP with
data augmentation by the full group), ``ours-reference`` and ``ours-eb`` (the free model with
one regularizer per candidate type, strengths by :class:`~nets.soft.ReferenceRule` or
:class:`~nets.soft.EmpiricalBayesRule`), and two references that are not baselines: ``free``
(our model without regularizers) and ``oracle`` (exactly equivariant under the type the data
actually respects, which a user would not know).

:func:`train_one` trains one (method, seed) and returns its metrics; :func:`run_soft` is the
whole command: every method and seed, the data's true per-type errors, ``metrics.json``,
``table.md`` and ``strengths.png`` under ``OUT/nets/soft/<task>/``.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn

from ..data import synthetic as syn
from ..soft import (
    MLP,
    EmpiricalBayesRule,
    EquivarianceRegularizer,
    GatedTensorNet,
    MixedSymmetryRegularizer,
    ReferenceRule,
    Rep,
    RepLinear,
    ResidualPathway,
    augment,
    axis_orthogonal,
    euclidean,
    invariant_action,
    invariant_mlp,
    orthogonal,
    points_action,
    prior_penalty,
    product,
    project_bias,
    project_linear,
    relative_equivariance_error,
    rotations_about_origin,
    scaling,
    special_orthogonal,
    translations,
)
from .harness import Trainer, seed_everything, unwrap, write_json

__all__ = ["TASKS", "METHODS", "METHOD_LABELS", "PUBLISHED_MSE", "SoftConfig", "TaskSpec",
           "task_spec", "build_model", "build_regularizer", "train_one", "true_errors",
           "run_soft", "summarize", "results_table", "strengths_figure"]

TASKS = ("inertia", "cosine", "se3", "motion")
METHODS = ("mlp", "exact", "rpp", "aug", "ours-reference", "ours-eb", "free", "oracle")
METHOD_LABELS = {"mlp": "MLP", "exact": "exact (full group)", "rpp": "residual pathway (RPP)",
                 "aug": "MLP + augmentation", "ours-reference": "ours, reference rule",
                 "ours-eb": "ours, empirical Bayes", "free": "free net, no regularizer",
                 "oracle": "oracle (exact under the true type)"}
#: Modified inertia, test MSE, as published (Finzi et al. 2021, residual pathway priors).
PUBLISHED_MSE = {"MLP": 4.78, "EMLP (exact O(3))": 2.39, "RPP": 0.15}

#: Per-task defaults (a config value of None takes these).
_DEFAULTS = {
    "inertia": dict(epochs=750, lr=1e-2, hidden=(16, 8, 8), blocks=1, gate="bilinear"),
    "motion": dict(epochs=750, lr=1e-2, hidden=(16, 8, 8), blocks=2, gate="sigmoid"),
    "cosine": dict(epochs=750, lr=1e-2, hidden=(16, 8, 8), blocks=1, gate="bilinear"),
    "se3": dict(epochs=750, lr=1e-2, hidden=(16, 8, 8), blocks=1, gate="bilinear"),
}


@dataclass
class SoftConfig:
    """Everything that defines a run of :func:`run_soft` (``None``: the task's default)."""

    task: str = "inertia"
    methods: tuple = METHODS
    seeds: int = 3
    epochs: int | None = None
    batch_size: int = 250
    lr: float | None = None
    strength: tuple = (1e-3, 1e-2, 1e-1)
    warmup_fraction: float = 1 / 3
    power: float = 2.0
    window: int = 100
    eb_alpha: float = 1.0
    eb_floor: float = 1e-8
    eb_max: float | None = None
    hidden: tuple | None = None
    blocks: int | None = None
    gate: str | None = None
    init: str = "random"
    width: int = 128
    depth: int = 3
    mlp_lr: float = 3e-3
    rpp_free_decay: tuple = (1e-1, 1e-3, 1e-5)
    rpp_equivariant_decay: float = 1e-5
    sizes: tuple = (1000, 1000, 1000)
    eps: float | None = None
    data_seed: int = 0
    error_samples: int = 8
    eval_every: int = 25
    record_every: int = 10
    out: str = "out"
    subdir: str = ""
    progress: bool = True
    device: str = "cpu"
    time_limit_s: float = math.inf

    def resolved(self, key):
        value = getattr(self, key)
        return _DEFAULTS[self.task][key] if value is None else value


@dataclass
class TaskSpec:
    """A task with its candidate types, actions and models' ingredients."""

    name: str
    data: syn.SyntheticTask
    candidates: list  # [(label, SymmetryGroup)]
    act_in: object
    act_out: object
    kind: str  # exact models: "rep" (projected GatedTensorNet) or "features" (invariant MLP)
    form: str  # regularizer form of our method: "projection" or "sample"
    backbone: str  # model of our method and of "free": "rep" (GatedTensorNet) or "mlp"
    full: str  # label of the full candidate group (exact, rpp, aug)
    exact_type: str  # label of the type the data respects exactly (oracle)
    metric: str  # "mse" or "ade"
    rep_in: Rep | None = None
    rep_out: Rep | None = None
    features: dict = field(default_factory=dict)  # label -> (fn, n_features)
    truth: tuple | None = None  # (f, act_in, inputs) for the data's true per-type errors

    def group(self, label):
        return dict(self.candidates)[label]


def _cosine_invariants(x):
    u, v = x[..., :3], x[..., 3:]
    nu, nv = u.norm(dim=-1, keepdim=True), v.norm(dim=-1, keepdim=True)
    return torch.cat([(u * v).sum(-1, keepdim=True) / (nu * nv), torch.log(nu / nv)], -1)


def _cosine_rotation_invariants(x):
    u, v = x[..., :3], x[..., 3:]
    nu, nv = u.norm(dim=-1, keepdim=True), v.norm(dim=-1, keepdim=True)
    return torch.cat([nu, nv, (u * v).sum(-1, keepdim=True) / (nu * nv)], -1)


def _distances(x):
    p = x.reshape(*x.shape[:-1], 3, 3)
    return (p - torch.roll(p, -1, dims=-2)).square().sum(-1)


def _gram(x):
    p = x.reshape(*x.shape[:-1], 3, 3)
    G = p @ p.mT
    i, j = torch.triu_indices(3, 3)
    return G[..., i, j]


def task_spec(cfg: SoftConfig) -> TaskSpec:
    """Data and candidate types of ``cfg.task``."""
    name = cfg.task
    if name not in TASKS:
        raise ValueError(f"expected a task in {TASKS}, got {name!r}")
    kw = {} if cfg.eps is None else ({"field": cfg.eps} if name == "motion" else {"eps": cfg.eps})
    if name in ("inertia", "motion"):
        cands = [("O(3)", orthogonal(3)), ("O(2)_z", axis_orthogonal(2)),
                 ("O(2)_x", axis_orthogonal(0)), ("O(2)_y", axis_orthogonal(1))]
        if name == "inertia":
            data = syn.modified_inertia(cfg.sizes, seed=cfg.data_seed, **kw)
            rin, rout = Rep(5, 5), Rep(0, 0, 1)
            p = data.params
            truth = (lambda x: syn.inertia_target(x, eps=p["eps"], axis=p["axis"], k=p["k"]),
                     rin, data.test.x)
            metric = "mse"
        else:
            data = syn.motion(cfg.sizes, seed=cfg.data_seed, **kw)
            p = data.params
            rin, rout = Rep(0, p["past"]), Rep(0, p["future"])
            states = p["states"][-cfg.sizes[2]:]
            dyn = dict(frame_dt=p["frame_dt"], field=p["field"], c=p["c"])
            truth = (lambda s: syn.motion_future(s, future=p["future"], **dyn), Rep(0, 2), states)
            metric = "ade"
        return TaskSpec(name, data, cands, rin, rout, "rep", "projection", "rep", "O(3)",
                        "O(2)_z", metric, rin, rout, truth=truth)
    if name == "cosine":
        data = syn.cosine_similarity(cfg.sizes, seed=cfg.data_seed, **kw)
        cands = [("SO(3)×Scaling", product(special_orthogonal(3), scaling(3),
                                           name="SO(3)×Scaling")),
                 ("SO(3)", special_orthogonal(3)), ("Scaling", scaling(3))]
        eps = data.params["eps"]
        return TaskSpec(name, data, cands, Rep(0, 2), invariant_action, "features", "sample",
                        "mlp", "SO(3)×Scaling", "SO(3)", "mse", Rep(0, 2), Rep(1),
                        features={"SO(3)×Scaling": (_cosine_invariants, 2),
                                  "SO(3)": (_cosine_rotation_invariants, 3)},
                        truth=(lambda x: syn.cosine_target(x, eps=eps), Rep(0, 2), data.test.x))
    data = syn.se3_distance(cfg.sizes, seed=cfg.data_seed, **kw)
    cands = [("SE(3)", euclidean(3)), ("SO(3)", rotations_about_origin(3)),
             ("T(3)", translations(3))]
    eps, k = data.params["eps"], data.params["k"]
    act = points_action(k)
    return TaskSpec(name, data, cands, act, invariant_action, "features", "sample", "rep",
                    "SE(3)", "SO(3)", "mse", Rep(0, k), Rep(1),
                    features={"SE(3)": (_distances, 3), "SO(3)": (_gram, 6)},
                    truth=(lambda x: syn.se3_target(x, eps=eps, k=k), act, data.test.x))


def build_model(spec: TaskSpec, method: str, cfg: SoftConfig, seed: int) -> nn.Module:
    """The network of ``method`` (float32), initialised from ``seed``."""
    if method not in METHODS:
        raise ValueError(f"expected a method in {METHODS}, got {method!r}")
    gen = torch.Generator().manual_seed(10_000 + seed)
    d_in, d_out = spec.data.train.x.shape[1], spec.data.train.y.shape[1]
    mlp = lambda n_in: MLP(n_in, d_out, cfg.width, cfg.depth, generator=gen)
    if method in ("mlp", "aug"):
        return mlp(d_in)
    kw = dict(hidden=cfg.resolved("hidden"), blocks=cfg.resolved("blocks"),
              gate=cfg.resolved("gate"), generator=gen)
    backbone = (lambda: GatedTensorNet(spec.rep_in, spec.rep_out, **kw)) if (
        spec.backbone == "rep") else (lambda: mlp(d_in))
    if method in ("free", "ours-reference", "ours-eb"):
        net = backbone()
        if cfg.init == "symmetric" and method != "free":
            _symmetric_init(net, spec)
        return net
    if spec.kind == "rep":
        if method == "exact":
            return GatedTensorNet(spec.rep_in, spec.rep_out, group=spec.group(spec.full), **kw)
        if method == "oracle":
            return GatedTensorNet(spec.rep_in, spec.rep_out, group=spec.group(spec.exact_type),
                                  **kw)
        return GatedTensorNet(spec.rep_in, spec.rep_out, group=spec.group(spec.full),
                              residual=True, **kw)
    label = spec.exact_type if method == "oracle" else spec.full
    fn, n = spec.features[label]
    inv = invariant_mlp(fn, n, d_out, width=cfg.width, depth=cfg.depth, generator=gen)
    if method == "rpp":
        return ResidualPathway(inv, backbone())
    return inv


@torch.no_grad()
def _symmetric_init(net: nn.Module, spec: TaskSpec) -> None:
    """Start from the projection of the random weights onto the maps equivariant under the
    full candidate group (all candidates at once), so that training breaks symmetry only where
    the data asks (linear actions only: projection-form tasks)."""
    if spec.form != "projection":
        raise ValueError(f"init='symmetric' needs linear actions (projection form); task "
                         f"{spec.name} has the sampling form")
    G = spec.group(spec.full)
    for m in net.modules():
        if isinstance(m, RepLinear):
            m.weight.copy_(project_linear(G, m.weight, m.rep_in, m.rep_out))
            if m.bias is not None:
                m.bias.copy_(project_bias(G, m.bias, m.rep_out))


def build_regularizer(spec: TaskSpec, method: str, cfg: SoftConfig, total_steps: int,
                      strength: float | None = None) -> MixedSymmetryRegularizer | None:
    """One regularizer per candidate type with the method's strength schedule (or None);
    ``strength`` is the initial λ of every type (default: the first of ``cfg.strength``)."""
    if method not in ("ours-reference", "ours-eb"):
        return None
    form = spec.form
    regs = [EquivarianceRegularizer(G, spec.act_in, spec.act_out, method=form, name=label)
            for label, G in spec.candidates]
    warmup = max(1, int(round(cfg.warmup_fraction * total_steps)))
    n_train = len(spec.data.train)
    if method == "ours-reference":
        sched = ReferenceRule(warmup, cfg.power, min(cfg.window, warmup))
    else:
        # sampling form: the residual and the MSE share units, so λ = 1 already weighs the
        # residual like the fit error; larger strengths scale up the sampling noise of the
        # regularizer's gradient, which then drowns the data gradient in Adam's normalised
        # steps. The projection form is applied proximally, stable for any strength.
        cap = cfg.eb_max if cfg.eb_max is not None else (1e6 if form == "projection" else 1.0)
        sched = EmpiricalBayesRule(n_train * spec.data.train.y.shape[1], warmup=warmup,
                                   alpha=cfg.eb_alpha, var_floor=cfg.eb_floor, max_strength=cap)
    strength = float(cfg.strength[0]) if strength is None else float(strength)
    return MixedSymmetryRegularizer(regs, strength, sched,
                                    proximal=form == "projection")


class SoftModel(nn.Module):
    """The network with its mixed regularizer attached, so that the strengths and the
    schedule's state travel in the state dict (checkpoints, best-state restore)."""

    def __init__(self, net: nn.Module, mixed: MixedSymmetryRegularizer | None):
        super().__init__()
        self.net, self.mixed = net, mixed

    def forward(self, x):
        return self.net(x)


def _metric(spec, pred, y):
    if spec.metric == "ade":
        return syn.average_displacement_error(pred, y)
    return (pred - y).square().mean()


def make_step(spec: TaskSpec, method: str, cfg: SoftConfig, generator: torch.Generator,
              free_decay: float = 0.0):
    """``step(model, batch) -> {"loss", "mse"}``: MSE + priors + regularizers."""
    full = spec.group(spec.full)

    def step(model, batch):
        model = unwrap(model)
        x, y = batch
        if method == "aug":
            x, y = augment(full, spec.act_in, spec.act_out, x, y, generator=generator)
        pred = model(x)
        mse = (pred - y).square().mean()
        loss = mse + prior_penalty(model.net, equivariant_decay=cfg.rpp_equivariant_decay,
                                   free_decay=free_decay)
        if model.mixed is not None:
            loss = loss + model.mixed(model.net, x, y=pred, data_loss=mse, generator=generator)
        return {"loss": loss, "mse": mse.detach()}

    return step


def _evaluate(spec: TaskSpec):
    val, test = spec.data.val.to(torch.float32), spec.data.test.to(torch.float32)

    @torch.no_grad()
    def evaluate(model):
        model.eval()
        out = {}
        for name, split in (("val", val), ("test", test)):
            pred = model(split.x)
            out[f"{name}_mse"] = float((pred - split.y).square().mean())
            if spec.metric == "ade":
                out[f"{name}_ade"] = float(syn.average_displacement_error(pred, split.y))
        if model.mixed is not None:
            out["strengths"] = model.mixed.strengths.tolist()
        return out

    return evaluate


def model_errors(spec: TaskSpec, model: nn.Module, samples: int, seed: int = 0) -> dict:
    """Per-type relative equivariance error of ``model`` on the test inputs."""
    x = spec.data.test.x.to(torch.float32)
    return {label: relative_equivariance_error(model, G, spec.act_in, spec.act_out, x,
                                               samples=samples,
                                               generator=torch.Generator().manual_seed(seed))
            for label, G in spec.candidates}


def true_errors(spec: TaskSpec, samples: int = 32, seed: int = 0) -> dict:
    """The data's true per-type relative error (float64, test inputs or states)."""
    f, act, inputs = spec.truth
    return {label: relative_equivariance_error(f, G, act, spec.act_out, inputs, samples=samples,
                                               generator=torch.Generator().manual_seed(seed))
            for label, G in spec.candidates}


def train_one(spec: TaskSpec, method: str, seed: int, cfg: SoftConfig, *,
              free_decay: float | None = None, strength: float | None = None,
              checkpoint: str | Path | None = None, resume: str | Path | None = None) -> dict:
    """Train one (method, seed); return the harness metrics plus ``test`` (the metric at the
    best validation epoch), ``errors`` (per type) and the strengths ``history``. ``free_decay``
    is the residual pathway's free-path prior (default: the first of ``cfg.rpp_free_decay``),
    ``strength`` our methods' initial λ (default: the first of ``cfg.strength``)."""
    if free_decay is None:
        free_decay = float(cfg.rpp_free_decay[0])
    if strength is None:
        strength = float(cfg.strength[0])
    gen = seed_everything(seed)
    net = build_model(spec, method, cfg, seed)
    epochs = cfg.resolved("epochs")
    train = spec.data.train.to(torch.float32)
    n = len(train)
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    mixed = build_regularizer(spec, method, cfg, epochs * steps_per_epoch, strength)
    model = SoftModel(net, mixed)
    mlp_only = method in ("mlp", "aug") or (spec.kind == "features" and method in (
        "exact", "oracle")) or (spec.backbone == "mlp" and method in ("free", "ours-reference",
                                                                       "ours-eb", "rpp"))
    lr = cfg.mlp_lr if mlp_only else cfg.resolved("lr")
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    warm = max(1, epochs // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda e: min(1.0, (e + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(e, epochs)
                                                                         / epochs)))
    if mixed is not None:
        mixed.attach(opt, net, record_every=cfg.record_every)

    def batches(epoch):
        order = torch.randperm(n, generator=gen)
        return [(train.x[order[i:i + cfg.batch_size]], train.y[order[i:i + cfg.batch_size]])
                for i in range(0, n, cfg.batch_size)]

    key = "val_ade" if spec.metric == "ade" else "val_mse"
    trainer = Trainer(model, opt, step=make_step(spec, method, cfg, gen, free_decay),
                      batches=batches,
                      epochs=epochs, evaluate=_evaluate(spec), select=(key, "min"),
                      eval_every=cfg.eval_every, scheduler=sched, generator=gen,
                      config={"task": spec.name, "method": method, "seed": seed,
                              "free_decay": free_decay, "strength": strength,
                              **{k: v for k, v in asdict(cfg).items()
                                 if k not in ("methods", "seeds", "out", "progress", "subdir",
                                              "time_limit_s", "device")}},
                      name=f"soft {spec.name} {method} s{seed}", checkpoint=checkpoint,
                      resume=resume,
                      time_limit_s=cfg.time_limit_s, progress=cfg.progress, device=cfg.device)
    metrics = trainer.fit()
    model.eval()
    best = metrics["best"]
    metrics["test"] = best["test_ade" if spec.metric == "ade" else "test_mse"]
    metrics["test_mse"] = best["test_mse"]
    metrics["val"] = best[key]
    metrics["free_decay"] = free_decay
    metrics["strength"] = strength
    metrics["errors"] = model_errors(spec, net, cfg.error_samples, seed)
    if mixed is not None:
        # the whole run, past the best-validation state that fit() restored (a figure that
        # stopped there would hide what the schedule did afterwards)
        metrics["strength_history"] = mixed.full_history
        metrics["strength_history_selected_step"] = (
            mixed.history[-1]["step"] if mixed.history else 0)
        metrics["final_strengths"] = dict(zip(mixed.names, mixed.strengths.tolist()))
    return metrics


def _ms(values):
    values = [v for v in values if v is not None and v == v]
    if not values:
        return None
    return (statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0)


def summarize(spec: TaskSpec, runs: dict, truth: dict) -> list[dict]:
    """One row per method: metric and per-type errors as (mean, std) over seeds."""
    rows = []
    for method, rs in runs.items():
        row = {"method": method, "label": METHOD_LABELS[method], "seeds": len(rs),
               "test": _ms([r["test"] for r in rs]),
               "test_mse": _ms([r["test_mse"] for r in rs]),
               "train_s": _ms([r["train_time_s"] for r in rs]),
               "parameters": rs[0]["parameters"],
               "errors": {label: _ms([r["errors"][label] for r in rs])
                          for label, _ in spec.candidates}}
        if "final_strengths" in rs[0]:
            row["strengths"] = {label: _ms([r["final_strengths"][label] for r in rs])
                                for label, _ in spec.candidates}
        rows.append(row)
    return rows


def _fmt(ms, digits=3, sci=False):
    if ms is None:
        return "—"
    m, s = ms
    if sci:
        return f"{m:.3g} ± {s:.2g}"
    return f"{m:.{digits}f} ± {s:.{digits}f}"


def results_table(spec: TaskSpec, rows: list[dict], truth: dict) -> str:
    """Markdown: test metric, per-type errors of the trained models, the data's true errors."""
    metric = "test ADE" if spec.metric == "ade" else "test MSE"
    labels = [label for label, _ in spec.candidates]
    head = ["method", metric] + [f"err {lab}" for lab in labels] + ["train s", "params"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["label"], _fmt(r["test"], sci=True)]
        cells += [_fmt(r["errors"][lab]) for lab in labels]
        cells += [f"{r['train_s'][0]:.0f}", str(r["parameters"])]
        lines.append("| " + " | ".join(cells) + " |")
    cells = ["**data (true error)**", "—"] + [f"**{truth[lab]:.3f}**" for lab in labels]
    lines.append("| " + " | ".join(cells + ["—", "—"]) + " |")
    return "\n".join(lines)


def strengths_figure(spec: TaskSpec, runs: dict, truth: dict, path: str | Path) -> None:
    """Learned strengths and regularizer values over training (both rules; mean and min–max
    over seeds), and the trained models' per-type errors against the data's."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    labels = [label for label, _ in spec.candidates]
    ours = [m for m in ("ours-reference", "ours-eb") if m in runs]
    fig, axes = plt.subplots(2, len(ours) + 1, figsize=(4.6 * (len(ours) + 1), 7.2),
                             squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for col, method in enumerate(ours):
        for row, key in enumerate(("strengths", "values")):
            ax = axes[row, col]
            for k, label in enumerate(labels):
                curves = [np.array([[h["step"], h[key][label]] for h in r["strength_history"]
                                    if h.get(key)]) for r in runs[method]
                          if r.get("strength_history")]
                curves = [c for c in curves if len(c)]
                if not curves:
                    continue
                n = min(len(c) for c in curves)
                steps = curves[0][:n, 0]
                vals = np.clip(np.stack([c[:n, 1] for c in curves]), 1e-30, None)
                color = colors[k % len(colors)]
                ax.plot(steps, vals.mean(0), color=color, label=label,
                        marker="o" if n < 5 else None)
                ax.fill_between(steps, vals.min(0), vals.max(0), color=color, alpha=0.2)
            for r in runs[method]:  # the state each run reports (best validation)
                if r.get("strength_history_selected_step") is not None:
                    ax.axvline(r["strength_history_selected_step"], color="0.5", lw=0.8,
                               ls=":")
            ax.set_yscale("log")
            ax.set(xlabel="optimizer step (dotted: selected state)",
                   ylabel="strength λ" if key == "strengths" else "regularizer R",
                   title=f"{METHOD_LABELS[method]}: {'λ' if key == 'strengths' else 'R'}")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
    ax = axes[0, -1]
    x = np.arange(len(labels))
    width = 0.8 / (len(ours) + 1)
    ax.bar(x, [truth[lab] for lab in labels], width, color="k", alpha=0.6, label="data (true)")
    for i, method in enumerate(ours):
        errs = np.array([[r["errors"][lab] for lab in labels] for r in runs[method]])
        ax.bar(x + (i + 1) * width, errs.mean(0), width, yerr=errs.std(0), label=method,
               color=colors[i % len(colors)], alpha=0.8)
    ax.set_xticks(x + width * len(ours) / 2, labels)
    ax.set(ylabel="relative equivariance error", title="discovered levels vs data")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    ax = axes[1, -1]
    names = list(runs)
    vals = [[r["test"] for r in runs[m]] for m in names]
    ax.bar(range(len(names)), [np.mean(v) for v in vals], yerr=[np.std(v) for v in vals],
           color=[colors[3] if m.startswith("ours") else "0.6" for m in names])
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
    ax.set_yscale("log")
    ax.set(ylabel=f"test {spec.metric.upper()}", title="test error (mean ± std over seeds)")
    ax.grid(alpha=0.3, axis="y")
    fig.suptitle(f"soft equivariance, task {spec.name}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _grid(method: str, cfg: SoftConfig) -> tuple[str, tuple]:
    """The hyperparameter a method selects on seed 0 and its grid."""
    if method in ("ours-reference", "ours-eb"):
        return "strength", tuple(cfg.strength)
    if method == "rpp":
        return "free_decay", tuple(cfg.rpp_free_decay)
    return "strength", (cfg.strength[0],)


def run_soft(cfg: SoftConfig) -> dict:
    """Train every method and seed of ``cfg``; write ``metrics.json``, ``table.md`` and
    ``strengths.png`` under ``OUT/nets/soft/<task>/<subdir>``; return the metrics."""
    spec = task_spec(cfg)
    out = Path(cfg.out) / "nets" / "soft" / cfg.task / cfg.subdir
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    truth = true_errors(spec)
    print(f"[soft {cfg.task}] data's true per-type errors: "
          + ", ".join(f"{k} {v:.4f}" for k, v in truth.items()), flush=True)
    runs: dict[str, list] = {}
    chosen: dict[str, dict] = {}
    for method in cfg.methods:
        runs[method] = []
        key, grid = _grid(method, cfg)
        for seed in range(cfg.seeds):
            if seed == 0 and len(grid) > 1:  # the hyperparameter, by validation on seed 0
                trials = [train_one(spec, method, seed, cfg, **{key: float(v)}) for v in grid]
                m = min(trials, key=lambda r: r["val"])
                m["grid"] = [{key: r[key], "val": r["val"], "test": r["test"]} for r in trials]
                chosen[method] = {key: m[key]}
            else:
                m = train_one(spec, method, seed, cfg, **chosen.get(method, {}))
            runs[method].append(m)
            errs = ", ".join(f"{k} {v:.4f}" for k, v in m["errors"].items())
            lam = ""
            if "final_strengths" in m:
                lam = "  λ " + ", ".join(f"{k} {v:.3g}" for k, v in m["final_strengths"].items())
            print(f"[soft {cfg.task}] {method:15s} seed {seed}: test {spec.metric} "
                  f"{m['test']:.4g}  errors {errs}{lam}  ({m['train_time_s']:.0f} s)",
                  flush=True)
    rows = summarize(spec, runs, truth)
    table = results_table(spec, rows, truth)
    settings = {k: v for k, v in asdict(cfg).items()}
    metrics = {"task": cfg.task, "settings": settings, "true_errors": truth, "summary": rows,
               "selected": chosen,
               "runs": runs, "wall_seconds": time.perf_counter() - t0}
    write_json(out / "metrics.json", metrics)
    (out / "table.md").write_text(table + "\n")
    if any(m in runs for m in ("ours-reference", "ours-eb")):
        strengths_figure(spec, runs, truth, out / "strengths.png")
    print(table)
    print(f"[soft {cfg.task}] wrote {out} in {metrics['wall_seconds']:.0f} s", flush=True)
    return metrics

