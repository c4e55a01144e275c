"""Losses as plain functions of tensors. Each returns per-example values [batch],
so a distributed step can average them over the global batch."""

import tensorflow as tf

from hyper_lifelong_gan.layers.task_selection import TaskRuns, group_members


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


def distillation_loss(teacher, student, inputs, tasks, z, batched=False):
    """sum_{i in tasks} || G_{t-1}^i(x, z) - G_t^i(x, z) ||_1 per example (eq. 7/10).

    `teacher` and `student` are callables `(inputs, task, z)`; teacher and student
    see the same input and the same z. The teacher's outputs carry no gradient.
    `tasks` is a list of ints or a 1-D integer tensor of known length. With
    `batched`, each network runs all `tasks` as one group (a grouped computation
    with a leading task axis, see `ResnetGenerator.call`) instead of one pass per task.
    """
    if batched:
        target = tf.stop_gradient(teacher(inputs, task=tasks, z=z))
        output = student(inputs, task=tasks, z=z, training=True)
        per_task = tf.reduce_mean(tf.abs(tf.cast(output, tf.float32) - tf.cast(target, tf.float32)), axis=(2, 3, 4))
        return tf.reduce_sum(per_task, axis=0)
    total = tf.zeros(tf.shape(inputs)[:1], tf.float32)
    for task in group_members(tasks):
        target = tf.stop_gradient(teacher(inputs, task=task, z=z))
        total += l1_per_example(student(inputs, task=task, z=z, training=True), target)
    return total


# Folded into a step's seed before the draw of the distilled tasks.
DRAW_SALT = 1


def draw_distillation_tasks(num_earlier, per_step, seed):
    """The earlier tasks a step distils, and the weight of their sum.

    `per_step` 0 (or at least `num_earlier`): every earlier task, `[0, ...,
    num_earlier - 1]`, weight 1: eq. 10 exactly. Otherwise `per_step` distinct
    tasks, as an int32 tensor of that length, so the draw happens inside a compiled
    step, and the weight num_earlier / per_step.

    The tasks are drawn in cycles: the steps of a task are cut into cycles of
    ceil(num_earlier / per_step) steps, each cycle takes a fresh random order of the
    earlier tasks, and its steps take the next `per_step` of that order (the last
    one wrapping round to its start). So every earlier task is distilled at least
    once per cycle, never left out for long by chance, while each task is in any
    given step with probability per_step / num_earlier, which makes the weighted sum
    an unbiased estimate of the sum over every earlier task.

    `seed` is the step's stateless seed, (stream, step index within the task); the
    cycle's order is drawn from (stream, cycle) folded with a constant, so it is
    independent of the noise drawn from the step's seed. The draw is the same
    eagerly and in a graph, and on every replica, so a resumed run draws what it
    would have drawn; a step compiled with XLA draws other (equally random) orders,
    because XLA's stateless generator is not TensorFlow's, so a run resumed with a
    different `--jit_compile` draws differently from there on.
    """
    if per_step == 0 or per_step >= num_earlier:
        return list(range(num_earlier)), 1.0
    return cycled_tasks(num_earlier, per_step, seed), num_earlier / per_step


def cycled_tasks(num_earlier, per_step, seed):
    """`per_step` (at most `num_earlier`) distinct earlier tasks, as an int32 tensor,
    drawn in the cycles `draw_distillation_tasks` describes; with `per_step` equal to
    `num_earlier`, a fresh random order of them all in every step."""
    seed = tf.cast(seed, tf.int64)
    stream, step = seed[0], seed[1]
    steps_per_cycle = -(-num_earlier // per_step)
    cycle_seed = tf.random.experimental.stateless_fold_in(tf.stack([stream, step // steps_per_cycle]), DRAW_SALT)
    scores = tf.random.stateless_uniform((num_earlier,), seed=cycle_seed, alg="philox")
    order = tf.math.top_k(scores, k=num_earlier).indices  # a random permutation
    positions = ((step % steps_per_cycle) * per_step + tf.range(per_step, dtype=tf.int64)) % num_earlier
    return tf.gather(order, positions)


def spread_plan(num_earlier, passes, global_batch, runs_per_pass, replica=0, replicas=1):
    """Which images of a replica distil which drawn task when `passes` passes of
    distillation are spread over the earlier tasks in runs (`--distill_spread`).

    The global batch's `passes` x `global_batch` (pass, image) slots, pass-major, are cut
    into `runs = min(num_earlier, passes * min(runs_per_pass, global_batch))` runs of
    consecutive slots, as equal as they can be; run r distils the r-th drawn task
    (`cycled_tasks` with `runs` tasks per step). So a step distils `runs` distinct
    earlier tasks at the cost of `passes` passes over the batch (plus a little per
    run). Every image is in exactly `passes` slots, in distinct runs (a run is at most
    a batch long), so of distinct tasks. With `runs_per_pass` 1 each of `passes`
    tasks sees the whole batch. Replica `replica` of `replicas` holds global images
    [replica * b, (replica + 1) * b) with b = global_batch / replicas; the plan
    depends only on the global slots, so every split of the batch over replicas
    distils the same (image, task) pairs.

    Returns (runs, [(run, local image indices), ...]) for the runs that touch this
    replica's images; all static, known while tracing.
    """
    local = global_batch // replicas
    first = replica * local
    slots = passes * global_batch
    runs = min(num_earlier, passes * min(runs_per_pass, global_batch))
    bounds = [r * slots // runs for r in range(runs + 1)]
    plan = []
    for run in range(runs):
        images = [s % global_batch - first for s in range(bounds[run], bounds[run + 1])
                  if first <= s % global_batch < first + local]
        if images:
            plan.append((run, images))
    return runs, plan


def spread_distillation_loss(teacher, student, images, tasks, plan, z):
    """The distillation L1 per example when runs of images distil their own tasks
    (`spread_plan`): run r's images are distilled with task `tasks[r]`, and an
    image's value sums over its runs.

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
        raise ValueError("A spread plan must give each image its slots pass by pass, in order.")
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
