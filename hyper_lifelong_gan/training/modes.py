"""What one task of a sequence trains, by the kind of sequence: a small mode object
(`PairedMode`, `UnpairedMode`, siblings on `TaskMode`) builds a task's networks,
optimizers, step and checkpoint contents, restores the generators saved after a
task, and scores the tasks learned so far. The trainer's loop is the same for both.
"""

import dataclasses
import os

import keras
import tensorflow as tf

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.evaluation import classifier as domain_classifier
from hyper_lifelong_gan.evaluation import scores
from hyper_lifelong_gan.methods import CycleGenerators
from hyper_lifelong_gan.methods.base import weights_trackable
from hyper_lifelong_gan.metrics.facts import PAIRED_METRICS, UNPAIRED_METRICS
from hyper_lifelong_gan.models import build_patch_discriminator
from hyper_lifelong_gan.training.image_pool import POOL_SIZE, ImagePool
from hyper_lifelong_gan.training.row_sparse_adam import RowSparseAdam
from hyper_lifelong_gan.training.steps import LOSS_NAMES, PairedTaskStep
from hyper_lifelong_gan.training.unpaired_steps import UnpairedTaskStep
from hyper_lifelong_gan.workdir import restore_cycle_generators, restore_task_generators


def make_optimizer(config, variables, policy):
    optimizer = RowSparseAdam(config.learning_rate, beta_1=config.adam_beta1)
    if policy == "mixed_float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    optimizer.build(variables)
    return optimizer


@dataclasses.dataclass
class TaskSetup:
    """What one task trains.

    Attributes:
        generators: the student (`TaskGenerators`, or `CycleGenerators` for unpaired
            tasks); after the task it serves every task learned so far.
        step: the step function `step(inputs, targets, z, noise_seed) -> {loss: value}`.
        generator_optimizer: whose learning rate is logged.
        checkpoint_items: everything the task's resumable checkpoint holds.
    """

    generators: object
    step: object
    generator_optimizer: object
    checkpoint_items: dict


class TaskMode:
    """What a mode of the sequence is given; `PairedMode` and `UnpairedMode` each add
    what one task of their kind trains and how it is scored:

    - `name`, `loss_names` (what the step returns), `metric_names` (what results.json
      records);
    - `restore_generators(task)`: the generators saved after learning `task`;
    - `start_task(previous, task_index) -> TaskSetup`, inside `strategy.scope()`;
    - `evaluate(generators, upto, indices=None) -> {metric: [value of task j for j <= upto]}`,
      None for a task j not in `indices` (default: every task j <= upto);
    - `recall(results)`: what the run's results.json spares the evaluation from computing
      again (nothing, unless a mode says otherwise).
    """

    def __init__(self, config, tasks, method, strategy, policy, jit_compile):
        self.config = config
        self.tasks = tasks
        self.method = method
        self.strategy = strategy
        self.policy = policy
        self.jit_compile = jit_compile
        self.generator_config = config_lib.generator_config(config)

    def recall(self, results):
        pass


class PairedMode(TaskMode):
    """Paired tasks: pix2pix with a conditional PatchGAN on (input, output) pairs;
    scored by L1, PSNR and SSIM against the ground truth."""

    name = "paired"
    loss_names = LOSS_NAMES
    metric_names = PAIRED_METRICS

    def restore_generators(self, task):
        return restore_task_generators(self.config.workdir, task, self.method, self.generator_config)

    def start_task(self, previous, task_index):
        """Networks, optimizers and step of task `task_index`; call inside `strategy.scope()`."""
        config, method = self.config, self.method
        student = method.start_task(previous, task_index, self.generator_config, config.task_init)
        discriminator = build_patch_discriminator(input_channels=6, ndf=config.ndf)
        generator_optimizer = make_optimizer(config, method.trainable_variables(student, task_index), self.policy)
        discriminator_optimizer = make_optimizer(config, discriminator.trainable_variables, self.policy)
        step = PairedTaskStep(
            student, previous, discriminator, method, task_index, config, self.strategy,
            generator_optimizer, discriminator_optimizer, jit_compile=self.jit_compile,
        )
        items = dict(
            discriminator=discriminator, generator_optimizer=generator_optimizer,
            discriminator_optimizer=discriminator_optimizer, **student.checkpoint_items(),
        )
        return TaskSetup(student, step, generator_optimizer, items)

    def evaluate(self, generators, upto, indices=None):
        return scores.evaluate_paired(generators, self.tasks, self.config, upto, indices)

    def recall(self, results):
        """The tasks' mean-colour baselines, computed once per run, not once per process."""
        scores.recall_mean_colour_scores(self.tasks, self.config, results.get("baselines", {}))


class UnpairedMode(TaskMode):
    """Unpaired tasks: CycleGAN (generators G and F grown alike by the method, two
    PatchGANs on single images, an image pool of 50 per discriminator); scored by
    Acc, the share of each task's outputs the sequence's domain classifier assigns
    to that task."""

    name = "unpaired"
    loss_names = UnpairedTaskStep.loss_names

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._classifier = None  # the sequence's domain classifier, loaded or trained on first use

    @property
    def metric_names(self):
        # Acc needs a classifier of at least two domains; a lone task has no score.
        return UNPAIRED_METRICS if len(self.tasks) > 1 else ()

    def restore_generators(self, task):
        return restore_cycle_generators(self.config.workdir, task, self.method, self.generator_config)

    def start_task(self, previous, task_index):
        """Networks, optimizers, image pools and step of task `task_index`; call inside `strategy.scope()`."""
        config, method = self.config, self.method
        generators = CycleGenerators.start_task(method, previous, task_index, self.generator_config,
                                                config.task_init)
        input_discriminator = build_patch_discriminator(input_channels=3, ndf=config.ndf, name="input_discriminator")
        target_discriminator = build_patch_discriminator(input_channels=3, ndf=config.ndf, name="target_discriminator")
        generator_optimizer = make_optimizer(config, generators.trainable_variables(method, task_index), self.policy)
        discriminator_optimizer = make_optimizer(
            config, input_discriminator.trainable_variables + target_discriminator.trainable_variables, self.policy
        )
        image_shape = (config.image_size, config.image_size, 3)
        pool_seed = config.seed * 1000 + task_index
        input_pool = ImagePool(image_shape, POOL_SIZE, seed=2 * pool_seed, name="input_pool")
        target_pool = ImagePool(image_shape, POOL_SIZE, seed=2 * pool_seed + 1, name="target_pool")
        step = UnpairedTaskStep(
            generators, previous, input_discriminator, target_discriminator, input_pool, target_pool,
            method, task_index, config, self.strategy, generator_optimizer, discriminator_optimizer,
            jit_compile=self.jit_compile,
        )
        items = dict(
            input_discriminator=input_discriminator, target_discriminator=target_discriminator,
            input_pool=input_pool, target_pool=target_pool, generator_optimizer=generator_optimizer,
            discriminator_optimizer=discriminator_optimizer, **generators.checkpoint_items(),
        )
        return TaskSetup(generators, step, generator_optimizer, items)

    def evaluate(self, generators, upto, indices=None):
        if not self.metric_names:
            return {}
        if self._classifier is None:
            self._classifier = domain_classifier.run_classifier(self.tasks, self.config)
        return scores.evaluate_unpaired(generators, self.tasks, self.config, upto, self._classifier, indices)


MODES = {mode.name: mode for mode in (PairedMode, UnpairedMode)}


def carry_shared_discriminators(config, task_index, setup):
    """With --discriminator=shared, loads the discriminator(s) as they were at the end of
    the previous task (from its last checkpoint), so one discriminator goes on through
    the sequence, also across a resume; their optimizers start fresh per task."""
    if config.discriminator != "shared" or task_index == 0:
        return
    names = [name for name in setup.checkpoint_items if name.endswith("discriminator")]
    previous = tf.train.latest_checkpoint(os.path.join(config.workdir, "checkpoints", f"task_{task_index - 1}"))
    if previous is None:
        raise config_lib.InvalidConfig(
            f"--discriminator=shared needs the checkpoint of task {task_index} in {config.workdir}/checkpoints, "
            "which is missing; train the run from its start in a new --workdir."
        )
    carried = tf.train.Checkpoint(**{name: trackable(setup.checkpoint_items[name]) for name in names})
    carried.read(previous).expect_partial().assert_existing_objects_matched()


def trackable(item):
    """`item` as TF's checkpointing sees it: Keras 3 models keep layers in lists that
    TF's object tracking does not see."""
    return weights_trackable(item) if isinstance(item, keras.layers.Layer) else item


def use_learning_rate(checkpoint_items, learning_rate):
    """After a restore: the checkpoint holds the optimizers' learning rate, and a run
    may resume with a lower --learning_rate (after a NaN); use the flag's value."""
    for item in checkpoint_items.values():
        if isinstance(item, keras.optimizers.Optimizer):
            inner = getattr(item, "inner_optimizer", item)
            variable = getattr(inner, "_learning_rate", None)
            if isinstance(variable, keras.Variable):
                variable.assign(learning_rate)
