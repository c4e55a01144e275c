"""One optimisation step of a continual task, at module level so tests can drive it.

`TaskStep` holds what every step shares (replicas, loss averaging, loss scaling,
the distillation term of eq. 10); `PairedTaskStep` (pix2pix) is here, and
`UnpairedTaskStep` (CycleGAN) in `unpaired_steps`.
"""

import functools

import keras
import tensorflow as tf

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan import losses
from hyper_lifelong_gan.training import distillation_schedule

LOSS_NAMES = ("g_total", "g_adversarial", "g_l1", "distillation", "d_loss")

def own_function(method, **options):
    """`tf.function(method)` counted apart: TensorFlow counts the traces of every function
    with the same code together (a bound method over every instance of its class), so
    each task's new step, which must trace, would be reported as frequent retracing. A
    `functools.partial` has no code of its own and is counted by itself."""
    return tf.function(functools.partial(method), autograph=False, **options)


class TaskStep:
    """The scaffolding of a training step of task `task`.

    Subclasses build `self._step` (a `tf.function` of `(inputs, targets, z,
    noise_seed)` returning the losses summed over replicas) from their replica
    functions; `compile` wraps a replica function in XLA when asked.

    Distillation (eq. 10): with `config.distillation` "exact" every earlier task is
    distilled in every step, exactly as the paper does. With "sampled", the step
    spends `config.distill_passes` passes on distillation: the batch's passes x
    batch (pass, image) slots are cut into runs (`config.distill_runs` per pass,
    1 = a run is the whole batch; `distillation_schedule.runs_plan`), each run
    distils a distinct earlier task drawn inside the compiled step, in random
    cycles that cover every earlier task (`distillation_schedule.cycled_tasks`;
    from the step's noise seed, so a resumed run draws the same), and the sum is
    scaled by (t - 1) / passes, an unbiased estimate of the full sum. The drawn
    tasks reach the layers as an index tensor, so a draw never retraces.
    `config.distill_scale` < 1 distils on images resized to that share of their side.

    Args:
        method: the `ContinualMethod` (decides whether to distil).
        task: index of the task being learned.
        teacher: the frozen generators after task `task - 1`, or None.
        config: the run's `TrainConfig`.
        strategy: the `tf.distribute` strategy the models were built under.
        generator_optimizer, discriminator_optimizer: built Keras optimizers
            (wrapped in `LossScaleOptimizer` under float16).
        jit_compile: compile each replica function with XLA.
    """

    loss_names = LOSS_NAMES

    def __init__(self, method, task, teacher, config, strategy, generator_optimizer, discriminator_optimizer,
                 jit_compile=False):
        if config.batch_size % strategy.num_replicas_in_sync:
            raise ValueError(
                f"The batch size {config.batch_size} does not split evenly over "
                f"{strategy.num_replicas_in_sync} replicas; choose a multiple."
            )
        self.task = task
        self.teacher = teacher
        # A config made by hand (benchmarks, tests) may still say --distill_input=auto.
        self.config = config_lib.resolve_distillation(config)
        self.strategy = strategy
        self.generator_optimizer = generator_optimizer
        self.discriminator_optimizer = discriminator_optimizer
        self.jit_compile = jit_compile
        self.distill_tasks = list(range(task)) if (method.distills and teacher is not None) else []
        self.global_batch_size = config.batch_size

    def __call__(self, inputs, targets, z, noise_seed):
        return self._step(inputs, targets, z, noise_seed)

    def compile(self, replica_function):
        return own_function(replica_function, jit_compile=True) if self.jit_compile else replica_function

    def _reduce(self, per_replica):
        return {
            name: self.strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica[name], axis=None)
            for name in self.loss_names
        }

    def _average(self, per_example):
        return tf.nn.compute_average_loss(per_example, global_batch_size=self.global_batch_size)

    def distillation(self, teacher, student, images, z, seed):
        """The distillation term per example for the earlier tasks this step
        distils, on `images` (x_d): the outputs' L1, summed over every earlier task
        (exact) or over drawn ones and scaled (sampled); see the class docstring."""
        config = self.config
        earlier = len(self.distill_tasks)
        passes = config.distill_passes if config.distillation == "sampled" else 0
        images = losses.resize_for_distillation(images, config.distill_scale)
        if 0 < passes < earlier:
            # Runs of whole batches are alike on every replica; shorter ones need to know
            # which part of the global batch this replica holds.
            replica = self._replica_id() if config.distill_runs > 1 else 0
            count, plan = distillation_schedule.runs_plan(earlier, passes, self.global_batch_size,
                                                          config.distill_runs, replica,
                                                          self.strategy.num_replicas_in_sync)
            tasks = distillation_schedule.cycled_tasks(earlier, count, seed)
            term = losses.runs_distillation_loss(teacher, student, images, tasks, plan, z)
            return (earlier / passes) * term
        return losses.distillation_loss(teacher, student, images, list(range(earlier)), z)

    @staticmethod
    def _replica_id():
        """This replica's index among all replicas, known while tracing."""
        replica = tf.get_static_value(tf.distribute.get_replica_context().replica_id_in_sync_group)
        if replica is None:
            raise ValueError("--distill_runs above 1 needs a strategy whose replica index is known while tracing; "
                             "pass --distill_runs=1.")
        return int(replica)

    @staticmethod
    def _apply(optimizer, tape, loss, variables):
        """Gradients of `loss` (scaled under float16) applied to `variables`."""
        gradients = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(gradients, variables))

    @staticmethod
    def _scale(optimizer, loss):
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            return optimizer.scale_loss(loss)
        return loss


class PairedTaskStep(TaskStep):
    """The pix2pix step of task `task` with the distillation term of eq. 10.

    G minimises L_task(A_t, B_t, G_t^t(A_t, z)) + beta * sum_{i<t} |G_{t-1}^i(x_d, z) -
    G_t^i(x_d, z)|_1, where x_d is B_t ("swap"), A_t or noise; D minimises the
    pix2pix discriminator loss. Every loss is averaged over the global batch, so the
    step gives the same numbers on one device and on several replicas.

    Args:
        student: `TaskGenerators` learning task `task`.
        teacher: frozen `TaskGenerators` after task `task - 1`, or None.
        discriminator: the conditional PatchGAN.
        method: the `ContinualMethod` (decides what trains and whether to distil).
        task, config, strategy, generator_optimizer, discriminator_optimizer,
        jit_compile: see `TaskStep`.
    """

    def __init__(self, student, teacher, discriminator, method, task, config, strategy,
                 generator_optimizer, discriminator_optimizer, jit_compile=False):
        super().__init__(method, task, teacher, config, strategy, generator_optimizer, discriminator_optimizer,
                         jit_compile)
        self.student = student
        self.discriminator = discriminator
        self.generator_variables = method.trainable_variables(student, task)
        self._replica_fn = self.compile(self._replica_step)
        self._step = own_function(self._distributed_step)

    def _distributed_step(self, inputs, targets, z, noise_seed):
        return self._reduce(self.strategy.run(self._replica_fn, args=(inputs, targets, z, noise_seed)))

    def _replica_step(self, inputs, targets, z, noise_seed):
        config = self.config
        discriminator = self.discriminator
        with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
            fake = self.student(inputs, task=self.task, z=z, training=True)
            fake_logits = discriminator(tf.concat([inputs, tf.cast(fake, inputs.dtype)], -1), training=True)
            adversarial, l1 = losses.pix2pix_generator_loss(fake_logits, fake, targets, config.l1_weight)
            generator_total = adversarial + l1
            distillation = tf.zeros_like(adversarial)
            if self.distill_tasks:
                distill_inputs = losses.distillation_inputs(config.distill_input, inputs, targets, noise_seed)
                distillation = self.distillation(self.teacher, self.student, distill_inputs, z, noise_seed)
                generator_total += config.beta * distillation
            real_logits = discriminator(tf.concat([inputs, targets], -1), training=True)
            # D's loss reuses G's pass over the fake: D's tape differentiates only D's
            # variables, so no second pass on a detached copy is needed.
            discriminator_total = losses.pix2pix_discriminator_loss(real_logits, fake_logits)
            generator_loss = self._average(generator_total)
            discriminator_loss = self._average(discriminator_total)
            scaled_generator_loss = self._scale(self.generator_optimizer, generator_loss)
            scaled_discriminator_loss = self._scale(self.discriminator_optimizer, discriminator_loss)
        self._apply(self.generator_optimizer, generator_tape, scaled_generator_loss, self.generator_variables)
        self._apply(
            self.discriminator_optimizer, discriminator_tape, scaled_discriminator_loss,
            discriminator.trainable_variables,
        )
        return {
            "g_total": generator_loss,
            "g_adversarial": self._average(adversarial),
            "g_l1": self._average(l1),
            "distillation": self._average(distillation),
            "d_loss": discriminator_loss,
        }
