"""One optimisation step of a continual task, at module level so tests can drive it."""

import keras
import tensorflow as tf

from hyper_lifelong_gan import losses

LOSS_NAMES = ("g_total", "g_adversarial", "g_l1", "distillation", "d_loss")


class PairedTaskStep:
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
        task: index of the task being learned.
        config: the run's `TrainConfig`.
        strategy: the `tf.distribute` strategy the models were built under.
        generator_optimizer, discriminator_optimizer: built Keras optimizers
            (wrapped in `LossScaleOptimizer` under float16).
    """

    def __init__(self, student, teacher, discriminator, method, task, config, strategy,
                 generator_optimizer, discriminator_optimizer, jit_compile=False):
        self.student = student
        self.teacher = teacher
        self.discriminator = discriminator
        self.task = task
        self.config = config
        self.strategy = strategy
        self.generator_optimizer = generator_optimizer
        self.discriminator_optimizer = discriminator_optimizer
        self.generator_variables = method.trainable_variables(student, task)
        self.distill_tasks = list(range(task)) if (method.distills and teacher is not None) else []
        self.global_batch_size = config.batch_size
        replica_step = self._replica_step
        if jit_compile:
            replica_step = tf.function(replica_step, jit_compile=True)
        self._replica_fn = replica_step
        self._step = tf.function(self._distributed_step)

    def __call__(self, inputs, targets, z, noise_seed):
        return self._step(inputs, targets, z, noise_seed)

    def _distributed_step(self, inputs, targets, z, noise_seed):
        per_replica = self.strategy.run(self._replica_fn, args=(inputs, targets, z, noise_seed))
        return {
            name: self.strategy.reduce(tf.distribute.ReduceOp.SUM, value, axis=None)
            for name, value in per_replica.items()
        }

    def _average(self, per_example):
        return tf.nn.compute_average_loss(per_example, global_batch_size=self.global_batch_size)

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
                distillation = losses.distillation_loss(
                    self.teacher, self.student, distill_inputs, self.distill_tasks, z
                )
                generator_total += config.beta * distillation
            real_logits = discriminator(tf.concat([inputs, targets], -1), training=True)
            detached = tf.cast(tf.stop_gradient(fake), inputs.dtype)
            detached_logits = discriminator(tf.concat([inputs, detached], -1), training=True)
            discriminator_total = losses.pix2pix_discriminator_loss(real_logits, detached_logits)
            generator_loss = self._average(generator_total)
            discriminator_loss = self._average(discriminator_total)
            scaled_generator_loss = _scale(self.generator_optimizer, generator_loss)
            scaled_discriminator_loss = _scale(self.discriminator_optimizer, discriminator_loss)
        _apply(self.generator_optimizer, generator_tape, scaled_generator_loss, self.generator_variables)
        _apply(
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


def _scale(optimizer, loss):
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer.scale_loss(loss)
    return loss


def _apply(optimizer, tape, loss, variables):
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))
