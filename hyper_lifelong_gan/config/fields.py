"""TrainConfig: every field of a training run, its default and help, and how
sizes and defaults are filled in (`resolve`)."""

import dataclasses
import math
from dataclasses import dataclass, field


class InvalidConfig(ValueError):
    """A flag value the run cannot use; the message says what to do instead."""


def _field(default, help_text):
    return field(default=default, metadata={"help": help_text})


# Every --method: one line for --help and reports, in the order --help lists them (here,
# apart from the method classes, so that --help needs no TensorFlow).
METHOD_DESCRIPTIONS = {
    "hyper_lifelong_gan": "ours: hyper-factorized filters, per-task filter generators, distillation",
    "sft": "sequential fine-tuning of one hyper model (no new parameters, no distillation)",
    "full": "a separate conventional generator per task",
    "hyper_full": "a separate hyper-factorized generator per task",
    "lifelong_gan_pp": "conventional filters shared by all tasks, task-conditional norm, distillation",
    "piggyback": "PiggybackGAN: new filters plus combinations of frozen ones (lambda=0.5)",
}


@dataclass
class TrainConfig:
    tasks: str = _field("", "Comma-separated task sequence, in training order; empty means the built-in toy sequence.")
    mode: str = _field("auto", (
        "Kind of tasks: auto (what --tasks are), paired (pix2pix) or unpaired (CycleGAN); with no --tasks, unpaired "
        "picks the built-in unpaired sequence (toy_photo2monet,toy_photo2ukiyoe) and auto the built-in paired one."
    ))
    method: str = _field("hyper_lifelong_gan", "Continual-learning method. One of: " + "; ".join(
        f"{name} ({line})" for name, line in METHOD_DESCRIPTIONS.items()) + ".")
    workdir: str = _field("", (
        "Where checkpoints, TensorBoard logs and results.json go; empty means runs/<method>. Running the same command"
        " again resumes from it."
    ))
    steps_per_task: str = _field(None, (
        "Training steps per task: one value for every task, or one per task, comma-separated (toy sequence: 400; real"
        " datasets: 20000, this project's choice: the paper does not state its schedule). Give this or "
        "--epochs_per_task."
    ))
    # --- Training schedule: per-task length, learning-rate decay, discriminator.
    epochs_per_task: str = _field(None, (
        "Train each task this many passes over its training set instead of --steps_per_task: one value for every "
        "task, or one per task, comma-separated (pix2pix: 200 epochs, facades; CycleGAN: 200). An epoch is "
        "ceil(examples / batch_size) steps; an unpaired task's examples are its larger domain, as in CycleGAN."
    ))
    lr_schedule: str = _field(None, (
        "Learning rate over a task: constant, or linear_decay (pix2pix/CycleGAN: constant, then linearly towards zero"
        " over the last --decay_fraction of the task's steps); restarts with every task and resumes mid-decay. "
        "Default: linear_decay for the toy sequence (this project's choice: a task's last steps settle instead of "
        "leaving a noisy snapshot, which keeps the toy runs' forgetting small), constant for real datasets (this "
        "project's choice; the paper does not state its schedule)."
    ))
    decay_fraction: float = _field(0.5, (
        "With --lr_schedule=linear_decay, the share of each task's steps over which the rate decays "
        "(pix2pix/CycleGAN: 0.5, 100 of 200 epochs)."
    ))
    discriminator: str = _field("per_task", (
        "per_task: a fresh PatchGAN (and its optimizer) for every task (this project's default; the paper does not "
        "say); shared: one discriminator carried from task to task (its weights; its optimizer starts fresh per "
        "task)."
    ))
    batch_size: int = _field(None, (
        "Global batch size, split over the replicas (toy: 8; real: 16, this project's choice: the paper does not "
        "state it; pix2pix used 1, and 4 for edges2handbags; CycleGAN 1)."
    ))
    image_size: int = _field(None, (
        "Images are resized to image_size x image_size (toy: 32; real: 128, the paper's size); a multiple of 4, at "
        "least 24."
    ))
    ngf: int = _field(None, (
        "Filters of the generator's first layer (toy: 16; real: 64, CycleGAN's ResNet generator; the paper's Table 5 "
        "parameter counts imply it)."
    ))
    n_blocks: int = _field(None, "Residual blocks of the generator (toy: 2; real: 6, the paper's).")
    padding: str = _field("same", (
        "How the generator's stride-2 convolutions align on even sizes: same (TensorFlow's padding='same': a "
        "stride-2 convolution pads only the bottom/right, a transposed one keeps the first 2n rows of its output) "
        "or reference (CycleGAN/pix2pix's PyTorch ResnetGenerator: padding 1 on every side, transposed "
        "convolutions with padding=1, output_padding=1; for weights ported to or from it, or outputs compared "
        "with it). Same parameters either way, outputs shifted by a pixel at each stride. Default same: the "
        "paper used TensorFlow, and runs made before this option were trained so."
    ))
    ndf: int = _field(None, (
        "Filters of the PatchGAN discriminator's first layer (toy: 16; real: 64, pix2pix/CycleGAN's 70x70 PatchGAN; "
        "the paper does not describe its discriminator)."
    ))
    K: int = _field(7, "Number of base filters per layer (paper Table 1: 3, 5, 7; 7 is best).")
    z_dim: int = _field(64, "Length of the noise vector z the filter generators take (paper: 64).")
    hidden_units: int = _field(64, "Hidden size of each filter generator MLP (paper: 64).")
    beta: float = _field(100.0, "Weight of the distillation loss (paper: 100).")
    task_init: str = _field("auto", (
        "How a new task's own weights start (methods that grow one shared model: hyper_lifelong_gan, "
        "lifelong_gan_pp): fresh = from their initialisers (H_i random, C_i = I); previous = a copy of the last "
        "task's, so the new task starts from a model that already translates; auto = previous with "
        "--distillation=sampled, fresh with exact (the paper does not say; previous is this project's choice for "
        "long sequences: docs/many_tasks.md)."
    ))
    l1_weight: float = _field(100.0, (
        "Weight of the pix2pix L1 term (pix2pix: 100; the paper uses 'the exact loss used in Pix2Pix' without its "
        "weight)."
    ))
    distillation: str = _field("exact", (
        "How earlier tasks are distilled: exact = every earlier task in every step, eq. 10 (the paper's; a step's "
        "cost grows with the number of tasks learned); sampled = constant cost, the recommended setting for long "
        "sequences (this project's): --distill_passes passes a step, each cut into up to --distill_runs runs of "
        "images distilling a drawn earlier task each, in random cycles that cover every earlier task, the sum scaled "
        "to an unbiased estimate of eq. 10; with it --task_init and --distill_input default to previous and unswap "
        "(docs/many_tasks.md)."
    ))
    distill_passes: int = _field(2, (
        "With --distillation=sampled: teacher and student passes over the batch a step spends on earlier tasks (the "
        "step's extra cost, whatever the number of tasks learned)."
    ))
    distill_runs: int = _field(6, (
        "With --distillation=sampled: runs of images each pass's batch is cut into, each run distilling its own drawn"
        " earlier task, so a step reaches up to passes x runs earlier tasks (at most t-1) for the work of the passes "
        "plus a small cost per run; 1 = each drawn task sees the whole batch. More runs forget less and cost a little"
        " more (6, the default, kept every one of 100 toy tasks above half of what it had learned at about the step"
        " cost of 4, the default before; a run recorded with 4 resumes with 4: docs/many_tasks.md)."
    ))
    distill_scale: float = _field(1.0, (
        "Side of the distillation images relative to the training images, 1/n for a whole n (1 = the paper's; 0.5 "
        "distils on 2x2 averages, about a quarter of the cost; this project's option). image_size * distill_scale "
        "must be a multiple of 4."
    ))
    distill_input: str = _field("auto", (
        "Input of the distillation term (paper Table 2): swap = real target B_t (the paper's), unswap = conditional "
        "image A_t, noise = uniform noise; auto = swap with --distillation=exact, unswap with sampled (where tasks "
        "share input domains, earlier tasks are then held on images they read: docs/many_tasks.md)."
    ))
    learning_rate: float = _field(2e-4, (
        "Adam learning rate of generator and discriminator (pix2pix/CycleGAN: 2e-4; the paper names Adam, not its "
        "rate)."
    ))
    adam_beta1: float = _field(0.5, "Adam beta_1 (pix2pix/CycleGAN: 0.5; not stated by the paper).")
    dynamic_base_filters: bool = _field(True, (
        "Table 3 ablation: generate base filters with hypernetworks (True) or learn them directly (False). Table 3's "
        "row 1 (all three off) is --method=lifelong_gan_pp; the three flags off build a static factorisation, an "
        "extra row of ours."
    ))
    task_specific_base_filters: bool = _field(True, (
        "Table 3 ablation: one filter generator per task (True) or one shared by all tasks (False)."
    ))
    task_coefficients: bool = _field(True, "Table 3 ablation: per-task coefficients C_i (True) or none (False).")
    mixed_precision: bool = _field(False, (
        "Compute in mixed precision: float16 with loss scaling on GPU, bfloat16 on CPU."
    ))
    jit_compile: str = _field("auto", (
        "Compile the training step with XLA: auto (on GPU; on CPU only for the toy sizes, where it makes distillation"
        " steps ~2x faster, while at 128 px it is slower: benchmarks/train_step.py), true or false."
    ))
    jitter: str = _field("auto", (
        "pix2pix random jitter (resize up 1.12x, random crop, flip; pix2pix's, not stated by the paper): auto (on for"
        " real datasets, off for the toy sequence), true or false."
    ))
    seed: int = _field(0, "Random seed of initialisation, data order and noise.")
    log_every: int = _field(25, "Log losses, throughput and ETA every this many steps.")
    sample_every: int = _field(None, (
        "Write input | output | target grids of the current task and the earlier ones --eval_schedule scores after "
        "it to TensorBoard every this many steps (fixed inputs and noise; also at the end of each task); 0 writes "
        "them only at the end of each task "
        "(toy: 100; real: 1000)."
    ))
    checkpoint_every: int = _field(200, (
        "Save a resumable checkpoint every this many steps (and at the end of every task)."
    ))
    eval_examples: int = _field(0, (
        "Evaluate each task on at most this many test examples after each task; 0 means all."
    ))
    eval_schedule: str = _field(
        "auto",
        "Which tasks are evaluated after each task: full (every task learned so far, after every task), N:S "
        "(every task at every N-th stage and after the last task; in between the task just learned and the S "
        "earlier tasks evaluated least recently) or auto (full for up to 10 tasks; longer sequences N:2 with "
        "N = ceil(tasks / 10)). Cells not evaluated are null in results.json and '-' in the tables; the final "
        "row and each task's value just after learning it are always evaluated.",
    )
    keep_stages: str = _field(
        "auto",
        "Which stages keep their generators in <workdir>/tasks (what evaluate.py, translate.py and export.py "
        "read): all, N (every N-th stage and the last; earlier tasks' resumable checkpoints are dropped too) "
        "or auto (all for up to 10 tasks; longer sequences stages 1, 2, 4, 8, 16, ... and the last, so the "
        "run folder grows about linearly though the generator grows with every task). The latest stage and "
        "checkpoint, which resuming needs, are always kept.",
    )
    data_dir: str = _field("", "TFDS data directory; empty means TFDS' default (~/tensorflow_datasets).")
    strategy: str = _field("auto", (
        "How training is distributed: one_device, mirrored (MirroredStrategy over this machine's GPUs), multi_worker "
        "(MultiWorkerMirroredStrategy over the cluster in TF_CONFIG; run the same command on every worker, README "
        "'Training on several machines') or auto (multi_worker when TF_CONFIG names a cluster, mirrored with several "
        "GPUs, else one_device). --batch_size stays the global batch."
    ))
    cluster_timeout: int = _field(300, (
        "With --strategy=multi_worker, seconds to wait for every worker of TF_CONFIG to come up before giving up with"
        " an error naming their addresses."
    ))


TOY_SIZES = dict(steps_per_task=400, batch_size=8, image_size=32, ngf=16, n_blocks=2, ndf=16)
# The sizes of real datasets: image_size and n_blocks are the paper's, ngf=64 is what its
# Table 5 parameter counts imply, ndf pix2pix's; steps and batch size are this project's
# choice, the paper does not state them (README, "Settings and their sources").
PAPER_SIZES = dict(steps_per_task=20000, batch_size=16, image_size=128, ngf=64, n_blocks=6, ndf=64)
# How often the sample grids are written and the learning-rate schedule, by the same
# split (not sizes, but the same "small or real run" decision).
SAMPLE_EVERY = dict(toy=100, real=1000)
LR_SCHEDULE = dict(toy="linear_decay", real="constant")

# Where runs go when --workdir is not given (runs/<method>), and where evaluate.py
# looks for them when it is not given either.
RUNS_ROOT = "runs"

# Fields that only say where or how often to write: a run may resume with them changed.
# The strategy too: the global batch, hence the run, is the same on one device or many.
RESUMABLE_CHANGES = (
    "workdir", "log_every", "sample_every", "checkpoint_every", "data_dir", "strategy", "cluster_timeout",
)
# Fields added since runs were first recorded, with the value a run recorded before
# them used (a resume with another value is refused like any other change).
UNRECORDED_VALUES = {"padding": "same"}
# Fields whose default changed, with the default runs recorded before used: such a run
# resumes and is evaluated with its value while the flag is left at the new default.
FORMER_DEFAULTS = {"distill_runs": 4}
# Fields earlier versions recorded, with the value that means what a run of today does
# by default, and the flags that now say what another value said.
RETIRED_FIELDS = {
    "distill_tasks_per_step": (0, "--distillation=sampled --distill_passes"),
    "distill_spread": (1, "--distillation=sampled --distill_runs"),
    "filter_distill_weight": (100.0, "removed"),
}
# Values of today's fields that earlier versions accepted, with what became of them:
# filter-space distillation forgot more than output distillation on the 10 built-in
# tasks and its step grew with the number of tasks (docs/many_tasks.md).
RETIRED_CHOICES = {
    ("distillation", "filters"): "removed",
    ("distillation", "sampled_filters"): "removed",
}


def field_help():
    return {f.name: f.metadata["help"] for f in dataclasses.fields(TrainConfig)}


def resolve(config, toy, copies_previous_task=True):
    """A copy of `config` with every None size filled from the toy or paper sizes and
    every `auto` that does not wait for the hardware made concrete (`copies_previous_task`:
    whether the method can start a task from the last one's weights)."""
    sizes = TOY_SIZES if toy else PAPER_SIZES
    filled = {name: value for name, value in sizes.items() if getattr(config, name) is None}
    if config.sample_every is None:
        filled["sample_every"] = SAMPLE_EVERY["toy" if toy else "real"]
    if config.lr_schedule is None:
        filled["lr_schedule"] = LR_SCHEDULE["toy" if toy else "real"]
    if config.epochs_per_task is not None:  # the length comes from the epochs instead
        filled.pop("steps_per_task", None)
    resolved = dataclasses.replace(config, **filled)
    if not resolved.workdir:
        resolved = dataclasses.replace(resolved, workdir=f"{RUNS_ROOT}/{resolved.method}")
    if resolved.jitter == "auto":
        resolved = dataclasses.replace(resolved, jitter="false" if toy else "true")
    if resolved.jit_compile == "auto" and toy:
        resolved = dataclasses.replace(resolved, jit_compile="true")
    return resolve_distillation(resolved, copies_previous_task)


def resolve_distillation(config, copies_previous_task=True):
    """`config` with --task_init and --distill_input at auto made concrete.

    Exact distillation keeps the paper's setting: fresh task weights, earlier tasks
    distilled on the current task's targets (swap). Sampled distillation, the
    setting for long sequences, starts each task from the last one's weights and
    distils on the current task's inputs (unswap): on 100 toy tasks that share input
    domains, fresh weights left late tasks unlearned, and copied weights distilled
    on targets lost earlier tasks (docs/many_tasks.md).
    """
    sampled = config.distillation == "sampled"
    updates = {}
    if config.task_init == "auto":
        updates["task_init"] = "previous" if sampled and copies_previous_task else "fresh"
    if config.distill_input == "auto":
        updates["distill_input"] = "unswap" if sampled else "swap"
    return dataclasses.replace(config, **updates)


# --eval_schedule and --keep_stages: sequences up to this long are evaluated and kept in full by `auto`.
FULL_UP_TO_TASKS = 10
# Earlier tasks sampled per stage between full stages with --eval_schedule=auto.
AUTO_EVAL_SAMPLE = 2


def _auto_period(num_tasks):
    return 1 if num_tasks <= FULL_UP_TO_TASKS else math.ceil(num_tasks / FULL_UP_TO_TASKS)


def eval_schedule_plan(spec, num_tasks):
    """(every, sample) of an --eval_schedule value: the whole matrix every `every`-th
    stage (and after the last task), in between `sample` earlier tasks in rotation."""
    if spec == "full":
        return 1, 0
    if spec == "auto":
        return _auto_period(num_tasks), AUTO_EVAL_SAMPLE
    every, sample = (int(part) for part in spec.split(":"))
    return every, sample


def keep_period(spec, num_tasks):
    """The N of --keep_stages=N (stages that are multiples of N keep their generators),
    0 for auto past ten tasks (stages whose number is a power of two), or None for all."""
    if spec == "all" or (spec == "auto" and num_tasks <= FULL_UP_TO_TASKS):
        return None
    return 0 if spec == "auto" else int(spec)


def keeps_stage(spec, num_tasks, stage):
    """Whether --keep_stages keeps the generators after `stage` (0-based) for good (the
    last task's and the latest learned stage are kept besides): every stage, every N-th,
    or with auto past ten tasks stages 1, 2, 4, 8, 16, ... (1-based). The generator grows
    with every task, so keeping every N-th stage would make the folder grow with the
    square of the task count; stages that double keep it about linear, and which
    stages they are does not depend on how long the sequence is."""
    period = keep_period(spec, num_tasks)
    if period is None:
        return True
    if period == 0:
        return (stage + 1) & stage == 0
    return (stage + 1) % period == 0


def generator_config(config):
    """The `ResnetGenerator` arguments a run's config implies."""
    return dict(
        padding=config.padding,
        ngf=config.ngf,
        n_blocks=config.n_blocks,
        num_bases=config.K,
        z_dim=config.z_dim,
        hidden_units=config.hidden_units,
        dynamic_base_filters=config.dynamic_base_filters,
        task_specific_base_filters=config.task_specific_base_filters,
        task_coefficients=config.task_coefficients,
    )
