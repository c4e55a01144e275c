"""Losses as plain functions of tensors. Each returns per-example values [batch],
so a distributed step can average them over the global batch."""

import tensorflow as tf

from hyper_lifelong_gan.layers.task_selection import TaskRuns, task_list


def _per_example_mean(x):
    return tf.reduce_mean(tf.cast(x, tf.float32), axis=tf.range(1, tf.rank(x)))


def l1_per_example(a, b):
    """Mean absolute difference per image."""
    return _per_example_mean(tf.abs(tf.cast(a, tf.float32) - tf.cast(b, tf.float32)))


def bce_with_logits_per_example(logits, label):
    """Binary cross-entropy of PatchGAN logits against a constant label, per image."""
    logits = tf.cast(logits, tf.float32)
    labels = tf.fill(tf.shape(logits), tf.constant(label, tf.float32))
    return _per_example_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))


def pix2pix_generator_loss(fake_logits, fake, target, l1_weight=100.0):
    """L_cGAN(G, D) + lambda * L_L1(G) of pix2pix (Isola et al. 2017, eq. 4), the
    paired L_task of the paper; returns (adversarial, l1) per example."""
    return bce_with_logits_per_example(fake_logits, 1.0), l1_weight * l1_per_example(fake, target)


def pix2pix_discriminator_loss(real_logits, fake_logits):
    """Half the sum of real and fake cross-entropies, as pix2pix trains D."""
    return 0.5 * (bce_with_logits_per_example(real_logits, 1.0) + bce_with_logits_per_example(fake_logits, 0.0))


def distillation_loss(teacher, student, inputs, tasks, z):
    """sum_{i in tasks} || G_{t-1}^i(x, z) - G_t^i(x, z) ||_1 per example (eq. 7/10).

    `teacher` and `student` are callables `(inputs, task, z)`; teacher and student
    see the same input and the same z, one pass each per task. The teacher's outputs
    carry no gradient. `tasks` is a list of ints or a 1-D integer tensor of known length.
    """
    total = tf.zeros(tf.shape(inputs)[:1], tf.float32)
    for task in task_list(tasks):
        target = tf.stop_gradient(teacher(inputs, task=task, z=z))
        total += l1_per_example(student(inputs, task=task, z=z, training=True), target)
    return total


def runs_distillation_loss(teacher, student, images, tasks, plan, z):
    """The distillation L1 per example when runs of images distil their own tasks
    (`training.distillation_schedule.runs_plan`): run r's images are distilled with
    task `tasks[r]`, and an image's value sums over its runs.

    When every run is a whole batch (one task per pass), each pass is a teacher and
    a student pass on the batch with a single task. Otherwise the passes' slots,
    pass-major, form one batch of passes x batch images, cut into the plan's runs
    (`TaskRuns`): one teacher and one student pass in all, in which only the
    convolutions run once per run.
    """
    batch = 1 + max(image for _, indices in plan for image in indices)  # every image has a slot
    if all(indices == list(range(batch)) for _, indices in plan):
        return distillation_loss(teacher, student, images, [tasks[run] for run, _ in plan], z)
    slots = [image for _, indices in plan for image in indices]
    passes = len(slots) // batch
    if slots != list(range(batch)) * passes:
        raise ValueError("A runs plan must give each image its slots pass by pass, in order.")
    runs = TaskRuns([tasks[run] for run, _ in plan], [len(indices) for _, indices in plan])
    inputs = tf.tile(images, [passes, 1, 1, 1]) if passes > 1 else images
    target = tf.stop_gradient(teacher(inputs, task=runs, z=z))
    per_slot = l1_per_example(student(inputs, task=runs, z=z, training=True), target)
    return tf.reduce_sum(tf.reshape(per_slot, (passes, batch)), axis=0)


def resize_for_distillation(images, scale):
    """`images` shrunk to `scale` of their side by averaging blocks of 1/scale x
    1/scale pixels (scale 0.5 averages 2x2 blocks); scale 1 returns them unchanged.
    1/scale must be an integer (`config.validate` checks it): average pooling is
    exact area averaging then, and compiles under XLA, which has no ResizeArea.
    The generator is fully convolutional, so it runs at any size that is a
    multiple of 4."""
    if scale == 1:
        return images
    factor = round(1 / scale)
    return tf.nn.avg_pool2d(images, factor, factor, "VALID")


def distillation_inputs(mode, inputs, targets, seed):
    """The image the distillation term is computed on (paper Table 2).

    swap: the real target image B_t (the paper's choice); unswap: the conditional
    image A_t; noise: uniform noise in [-1, 1] of the same shape.
    """
    if mode == "swap":
        return targets
    if mode == "unswap":
        return inputs
    if mode == "noise":
        return tf.random.stateless_uniform(tf.shape(inputs), seed=seed, minval=-1.0, maxval=1.0)
    raise ValueError(f"Unknown distillation input {mode!r}; valid inputs are swap, unswap, noise.")


# ----------------------------------------------------------------------------- CycleGAN
# The unpaired L_task (Zhu et al. 2017, "Unpaired image-to-image translation using
# cycle-consistent adversarial networks"): least-squares GAN losses, cycle
# consistency (their eq. 2, weight lambda = 10) and the identity term of their
# section 5.2 (weight 0.5 * lambda).


def _squared_distance_per_example(logits, label):
    logits = tf.cast(logits, tf.float32)
    return _per_example_mean(tf.square(logits - label))


def lsgan_generator_loss(fake_logits):
    """Least-squares GAN loss of a generator (Mao et al. 2017): mean (D(G(x)) - 1)^2."""
    return _squared_distance_per_example(fake_logits, 1.0)


def lsgan_discriminator_loss(real_logits, fake_logits):
    """Half the sum of mean (D(y) - 1)^2 and mean D(G(x))^2, as CycleGAN trains each D."""
    return 0.5 * (_squared_distance_per_example(real_logits, 1.0) + _squared_distance_per_example(fake_logits, 0.0))


def cycle_consistency_loss(real, reconstructed, weight=10.0):
    """lambda * || F(G(x)) - x ||_1 per example (CycleGAN eq. 2, one direction)."""
    return weight * l1_per_example(reconstructed, real)


def identity_loss(real, mapped, weight=5.0):
    """weight * || G(y) - y ||_1 per example, where y is already in G's output domain
    (CycleGAN section 5.2; weight 0.5 * lambda = 5)."""
    return weight * l1_per_example(mapped, real)
