"""The one source of truth for a training run; `train.py` makes a flag of every field.

Size fields left at None are filled by `resolve`: the built-in toy sequence gets a
small model that learns on a 2-core CPU in minutes, real datasets the paper's
sizes (128x128 images, ResNet-6 generator with 64 filters).
"""

import dataclasses
from dataclasses import dataclass, field


class InvalidConfig(ValueError):
    """A flag value the run cannot use; the message says what to do instead."""


def _field(default, help_text):
    return field(default=default, metadata={"help": help_text})


@dataclass
class TrainConfig:
    tasks: str = _field("", "Comma-separated task sequence, in training order; empty means the built-in toy sequence.")
    mode: str = _field("auto", "Kind of tasks: auto (what --tasks are), paired (pix2pix) or unpaired (CycleGAN); with no --tasks, unpaired picks the built-in unpaired sequence (toy_photo2monet,toy_photo2ukiyoe) and auto the built-in paired one.")
    method: str = _field("hyper_lifelong_gan", "Continual-learning method.")
    workdir: str = _field("", "Where checkpoints, TensorBoard logs and results.json go; empty means runs/<method>. Running the same command again resumes from it.")
    steps_per_task: int = _field(None, "Training steps per task (toy sequence: 400; real datasets: 20000).")
    batch_size: int = _field(None, "Global batch size, split over the replicas (toy: 8; real: 16).")
    image_size: int = _field(None, "Images are resized to image_size x image_size (toy: 32; real: 128, the paper's size).")
    ngf: int = _field(None, "Filters of the generator's first layer (toy: 16; paper: 64).")
    n_blocks: int = _field(None, "Residual blocks of the generator (toy: 2; paper: 6).")
    ndf: int = _field(None, "Filters of the PatchGAN discriminator's first layer (toy: 16; paper: 64).")
    K: int = _field(7, "Number of base filters per layer (paper Table 1: 3, 5, 7; 7 is best).")
    z_dim: int = _field(64, "Length of the noise vector z the filter generators take (paper: 64).")
    hidden_units: int = _field(64, "Hidden size of each filter generator MLP (paper: 64).")
    beta: float = _field(100.0, "Weight of the distillation loss (paper: 100).")
    l1_weight: float = _field(100.0, "Weight of the pix2pix L1 term (pix2pix: 100).")
    distill_input: str = _field("swap", "Input of the distillation term (paper Table 2): swap = real target B_t, unswap = conditional image A_t, noise = uniform noise.")
    learning_rate: float = _field(2e-4, "Adam learning rate of generator and discriminator (paper: 2e-4).")
    adam_beta1: float = _field(0.5, "Adam beta_1 (pix2pix/CycleGAN: 0.5).")
    dynamic_base_filters: bool = _field(True, "Table 3 ablation: generate base filters with hypernetworks (True) or learn them directly (False).")
    task_specific_base_filters: bool = _field(True, "Table 3 ablation: one filter generator per task (True) or one shared by all tasks (False).")
    task_coefficients: bool = _field(True, "Table 3 ablation: per-task coefficients C_i (True) or none (False).")
    mixed_precision: bool = _field(False, "Compute in mixed precision: float16 with loss scaling on GPU, bfloat16 on CPU.")
    jit_compile: str = _field("auto", "Compile the training step with XLA: auto (on GPU; on CPU only for the toy sizes, where it makes distillation steps ~2x faster, while at 128 px it is slower: benchmarks/train_step.py), true or false.")
    jitter: str = _field("auto", "pix2pix random jitter (resize up 1.12x, random crop, flip): auto (on for real datasets, off for the toy sequence), true or false.")
    seed: int = _field(0, "Random seed of initialisation, data order and noise.")
    log_every: int = _field(25, "Log losses, throughput and ETA every this many steps.")
    sample_every: int = _field(None, "Write input | output | target grids of the current and every earlier task to TensorBoard every this many steps (fixed inputs and noise; also at the end of each task); 0 writes them only at the end of each task (toy: 100; real: 1000).")
    checkpoint_every: int = _field(200, "Save a resumable checkpoint every this many steps (and at the end of every task).")
    eval_examples: int = _field(0, "Evaluate each task on at most this many test examples after each task; 0 means all.")
    data_dir: str = _field("", "TFDS data directory; empty means TFDS' default (~/tensorflow_datasets).")


TOY_SIZES = dict(steps_per_task=400, batch_size=8, image_size=32, ngf=16, n_blocks=2, ndf=16)
PAPER_SIZES = dict(steps_per_task=20000, batch_size=16, image_size=128, ngf=64, n_blocks=6, ndf=64)
# How often the sample grids are written, by the same split (not a size, but the same "small or real run" decision).
SAMPLE_EVERY = dict(toy=100, real=1000)

# Where runs go when --workdir is not given (runs/<method>), and where evaluate.py
# looks for them when it is not given either.
RUNS_ROOT = "runs"

# Fields that only say where or how often to write: a run may resume with them changed.
RESUMABLE_CHANGES = ("workdir", "log_every", "sample_every", "checkpoint_every", "data_dir")


def field_help():
    return {f.name: f.metadata["help"] for f in dataclasses.fields(TrainConfig)}


def resolve(config, toy):
    """A copy of `config` with every None size filled from the toy or paper sizes."""
    sizes = TOY_SIZES if toy else PAPER_SIZES
    filled = {name: value for name, value in sizes.items() if getattr(config, name) is None}
    if config.sample_every is None:
        filled["sample_every"] = SAMPLE_EVERY["toy" if toy else "real"]
    resolved = dataclasses.replace(config, **filled)
    if not resolved.workdir:
        resolved = dataclasses.replace(resolved, workdir=f"{RUNS_ROOT}/{resolved.method}")
    if resolved.jitter == "auto":
        resolved = dataclasses.replace(resolved, jitter="false" if toy else "true")
    if resolved.jit_compile == "auto" and toy:
        resolved = dataclasses.replace(resolved, jit_compile="true")
    return resolved


def generator_config(config):
    """The `ResnetGenerator` arguments a run's config implies."""
    return dict(
        ngf=config.ngf,
        n_blocks=config.n_blocks,
        num_bases=config.K,
        z_dim=config.z_dim,
        hidden_units=config.hidden_units,
        dynamic_base_filters=config.dynamic_base_filters,
        task_specific_base_filters=config.task_specific_base_filters,
        task_coefficients=config.task_coefficients,
    )
