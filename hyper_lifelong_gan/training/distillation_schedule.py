"""Which earlier tasks a step of sampled distillation distils (training policy, not
loss maths: the terms themselves are in `losses`).

Sampled distillation (`--distillation=sampled`) spends `--distill_passes` teacher and
student passes a step on the earlier tasks, each pass's batch cut into up to
`--distill_runs` runs of images with a drawn task each. The draws follow random
cycles that cover every earlier task (`cycled_tasks`), so no task is left out for
long by chance, and each is drawn with the same probability in every step, which
keeps the scaled sum an unbiased estimate of eq. 10's sum over every earlier task.
"""

import tensorflow as tf

# Folded into a step's seed before the draw of the distilled tasks.
DRAW_SALT = 1


def cycled_tasks(num_earlier, count, seed):
    """`count` (at most `num_earlier`) distinct earlier tasks, as an int32 tensor.

    The steps of a task are cut into cycles of ceil(num_earlier / count) steps, each
    cycle takes a fresh random order of the earlier tasks, and its steps take the
    next `count` of that order (the last one wrapping round to its start). So every
    earlier task is distilled at least once per cycle, while each task is in any
    given step with probability count / num_earlier. With `count` equal to
    `num_earlier`, a fresh random order of them all in every step.

    `seed` is the step's stateless seed, (stream, step index within the task); the
    cycle's order is drawn from (stream, cycle) folded with a constant, so it is
    independent of the noise drawn from the step's seed. The draw is the same
    eagerly and in a graph, and on every replica, so a resumed run draws what it
    would have drawn; a step compiled with XLA draws other (equally random) orders,
    because XLA's stateless generator is not TensorFlow's, so a run resumed with a
    different `--jit_compile` draws differently from there on.
    """
    seed = tf.cast(seed, tf.int64)
    stream, step = seed[0], seed[1]
    steps_per_cycle = -(-num_earlier // count)
    cycle_seed = tf.random.experimental.stateless_fold_in(tf.stack([stream, step // steps_per_cycle]), DRAW_SALT)
    scores = tf.random.stateless_uniform((num_earlier,), seed=cycle_seed, alg="philox")
    order = tf.math.top_k(scores, k=num_earlier).indices  # a random permutation
    positions = ((step % steps_per_cycle) * count + tf.range(count, dtype=tf.int64)) % num_earlier
    return tf.gather(order, positions)


def runs_plan(num_earlier, passes, global_batch, runs, replica=0, replicas=1):
    """Which images of a replica distil which drawn task when `passes` passes of
    distillation are cut into runs of images (`--distill_runs`).

    The global batch's `passes` x `global_batch` (pass, image) slots, pass-major, are
    cut into `count = min(num_earlier, passes * min(runs, global_batch))` runs of
    consecutive slots, as equal as they can be; run r distils the r-th drawn task
    (`cycled_tasks` with `count` tasks per step). So a step distils `count` distinct
    earlier tasks at the cost of `passes` passes over the batch (plus a little per
    run). Every image is in exactly `passes` slots, in distinct runs (a run is at
    most a batch long), so of distinct tasks. With `runs` 1 each of `passes` tasks
    sees the whole batch. Replica `replica` of `replicas` holds global images
    [replica * b, (replica + 1) * b) with b = global_batch / replicas; the plan
    depends only on the global slots, so every split of the batch over replicas
    distils the same (image, task) pairs.

    Returns (count, [(run, local image indices), ...]) for the runs that touch this
    replica's images; all static, known while tracing.
    """
    local = global_batch // replicas
    first = replica * local
    slots = passes * global_batch
    count = min(num_earlier, passes * min(runs, global_batch))
    bounds = [r * slots // count for r in range(count + 1)]
    plan = []
    for run in range(count):
        images = [s % global_batch - first for s in range(bounds[run], bounds[run + 1])
                  if first <= s % global_batch < first + local]
        if images:
            plan.append((run, images))
    return count, plan
