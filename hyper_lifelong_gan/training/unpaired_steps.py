"""Unpaired (CycleGAN) tasks: one optimisation step (the generator pair is
`methods.CycleGenerators`)."""

import tensorflow as tf

from hyper_lifelong_gan import losses
from hyper_lifelong_gan.training import distributed
from hyper_lifelong_gan.training.steps import TaskStep, own_function

LOSS_NAMES = ("g_total", "g_adversarial", "cycle", "identity", "distillation", "d_loss")
# CycleGAN's weights (Zhu et al. 2017): lambda = 10 on cycle consistency, and the
# identity term at 0.5 * lambda.
CYCLE_WEIGHT = 10.0
IDENTITY_WEIGHT = 0.5


class UnpairedTaskStep(TaskStep):
    """The CycleGAN step of task `task` with the distillation term of eq. 10 for both
    generators.

    With real input-domain images a (photo) and target-domain images b (painting),
    G and F minimise

        LSGAN(D_b(G(a))) + LSGAN(D_a(F(b)))                      adversarial
        + 10 |F(G(a)) - a|_1 + 10 |G(F(b)) - b|_1                 cycle
        + 5 |G(b) - b|_1 + 5 |F(a) - a|_1                         identity
        + beta * sum_{i<t} (|G_{t-1}^i(x_G) - G_t^i(x_G)|_1 + |F_{t-1}^i(x_F) - F_t^i(x_F)|_1)

    where, as in the paper's swap, each generator distils on real images of its own
    output domain: x_G = b and x_F = a (`--distill_input=unswap` gives each its own
    input domain, `noise` uniform noise). Then D_a and D_b minimise the LSGAN
    discriminator loss on real images and on their pool's mix of generated ones.

    One step is two `strategy.run` calls: the generator update, which returns G(a)
    and F(b), and the discriminator update. Between them, in cross-replica context,
    the replicas' outputs are joined into the global batch and go through the image
    pools, whose result each replica slices its part from. So one pool serves all
    replicas, and on any number of replicas the step computes what it computes on
    one device. Every loss is averaged over the global batch.

    Args:
        generators: `CycleGenerators` learning task `task`.
        teacher: frozen `CycleGenerators` after task `task - 1`, or None.
        input_discriminator: PatchGAN D_a on input-domain images (judges F).
        target_discriminator: PatchGAN D_b on target-domain images (judges G).
        input_pool, target_pool: `ImagePool`s of F's and G's outputs.
        method: the `ContinualMethod` (decides what trains and whether to distil).
        generator_optimizer: updates G and F together.
        discriminator_optimizer: updates D_a and D_b together.
        task, config, strategy, jit_compile: see `TaskStep`.
    """

    loss_names = LOSS_NAMES

    def __init__(self, generators, teacher, input_discriminator, target_discriminator, input_pool, target_pool,
                 method, task, config, strategy, generator_optimizer, discriminator_optimizer, jit_compile=False):
        super().__init__(method, task, teacher, config, strategy, generator_optimizer, discriminator_optimizer,
                         jit_compile)
        self.generators = generators
        self.input_discriminator = input_discriminator
        self.target_discriminator = target_discriminator
        self.input_pool = input_pool
        self.target_pool = target_pool
        self.generator_variables = generators.trainable_variables(method, task)
        self.discriminator_variables = (
            input_discriminator.trainable_variables + target_discriminator.trainable_variables
        )
        self._generator_fn = self.compile(self._generator_step)
        self._discriminator_fn = self.compile(self._discriminator_step)
        self._step = own_function(self._distributed_step)

    def _distributed_step(self, inputs, targets, z, noise_seed):
        strategy = self.strategy
        generator_values, fake_inputs, fake_targets = strategy.run(
            self._generator_fn, args=(inputs, targets, z, noise_seed)
        )
        pooled_inputs = self.input_pool.query(self._global_batch(fake_inputs))
        pooled_targets = self.target_pool.query(self._global_batch(fake_targets))
        discriminator_values = strategy.run(
            self._discriminator_replica_step, args=(inputs, targets, pooled_inputs, pooled_targets)
        )
        return self._reduce(dict(generator_values, **discriminator_values))

    def _global_batch(self, per_replica):
        """The replicas' parts of a batch joined in replica order (the dataset's order)."""
        return distributed.global_batch(self.strategy, per_replica)

    def _generator_step(self, inputs, targets, z, noise_seed):
        generators, task = self.generators, self.task
        forward, inverse = generators.forward, generators.inverse
        with tf.GradientTape() as tape:
            fake_targets = forward(inputs, task=task, z=z, training=True)
            fake_inputs = inverse(targets, task=task, z=z, training=True)
            adversarial = losses.lsgan_generator_loss(
                self.target_discriminator(fake_targets, training=True)
            ) + losses.lsgan_generator_loss(self.input_discriminator(fake_inputs, training=True))
            cycle = losses.cycle_consistency_loss(
                inputs, inverse(fake_targets, task=task, z=z, training=True), CYCLE_WEIGHT
            ) + losses.cycle_consistency_loss(
                targets, forward(fake_inputs, task=task, z=z, training=True), CYCLE_WEIGHT
            )
            identity_weight = IDENTITY_WEIGHT * CYCLE_WEIGHT
            identity = losses.identity_loss(
                targets, forward(targets, task=task, z=z, training=True), identity_weight
            ) + losses.identity_loss(inputs, inverse(inputs, task=task, z=z, training=True), identity_weight)
            total = adversarial + cycle + identity
            distillation = tf.zeros_like(adversarial)
            if self.distill_tasks:
                forward_seed, inverse_seed = tf.unstack(tf.random.experimental.stateless_split(noise_seed, num=2))
                mode = self.config.distill_input
                # The paper's swap: each generator distils on real images of its output domain.
                distillation = self.distillation(
                    self.teacher.forward, forward, losses.distillation_inputs(mode, inputs, targets, forward_seed),
                    z, forward_seed,
                ) + self.distillation(
                    self.teacher.inverse, inverse, losses.distillation_inputs(mode, targets, inputs, inverse_seed),
                    z, inverse_seed,
                )
                total += self.config.beta * distillation
            loss = self._average(total)
            scaled_loss = self._scale(self.generator_optimizer, loss)
        self._apply(self.generator_optimizer, tape, scaled_loss, self.generator_variables)
        values = {
            "g_total": loss,
            "g_adversarial": self._average(adversarial),
            "cycle": self._average(cycle),
            "identity": self._average(identity),
            "distillation": self._average(distillation),
        }
        return values, tf.stop_gradient(fake_inputs), tf.stop_gradient(fake_targets)

    def _discriminator_replica_step(self, inputs, targets, pooled_inputs, pooled_targets):
        # This replica's rows of the pooled global batch (replicas hold equal parts).
        replica = tf.distribute.get_replica_context().replica_id_in_sync_group
        size = tf.shape(inputs)[0]
        start = tf.cast(replica, tf.int32) * size
        return self._discriminator_fn(
            inputs, targets, pooled_inputs[start:start + size], pooled_targets[start:start + size]
        )

    def _discriminator_step(self, inputs, targets, pooled_inputs, pooled_targets):
        with tf.GradientTape() as tape:
            input_loss = losses.lsgan_discriminator_loss(
                self.input_discriminator(inputs, training=True),
                self.input_discriminator(tf.cast(pooled_inputs, inputs.dtype), training=True),
            )
            target_loss = losses.lsgan_discriminator_loss(
                self.target_discriminator(targets, training=True),
                self.target_discriminator(tf.cast(pooled_targets, targets.dtype), training=True),
            )
            loss = self._average(input_loss + target_loss)
            scaled_loss = self._scale(self.discriminator_optimizer, loss)
        self._apply(self.discriminator_optimizer, tape, scaled_loss, self.discriminator_variables)
        return {"d_loss": loss}
