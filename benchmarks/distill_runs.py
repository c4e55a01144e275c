"""What runs of images cost a distillation pass, and where it goes.

    python benchmarks/distill_runs.py                 # 64 px, ngf 32, 6 blocks, batch 8
    python benchmarks/distill_runs.py --jit_compile   # the same under XLA

With `--distill_runs=R` a pass of sampled distillation cuts its batch into R runs,
each distilling its own earlier task (`layers.task_selection.TaskRuns`). A run then
needs its own filters in every convolution, and each convolution runs once per run
on that run's share of the batch; everything else (instance norm with each image's
own task, padding, activations) runs once on the whole batch.

This times the student's side of such a pass, a forward and backward pass of a
10-task generator over the batch, for 1, 2, 4 and 8 runs, three ways:

- together: what training does, each layer making every run's filters at once
  (one gather of the runs' rows and one matmul with the shared weights);
- one by one: each run's filters made on their own, as a pass per run would;
- shared filter: every run given the same filter, so what is left is the cost
  of cutting the convolutions into runs alone.

Each case is a `tf.function` traced once; the cases are timed in turns over
--rounds rounds and a case's time is its median round, printed against one run.
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import tensorflow as tf  # noqa: E402

from hyper_lifelong_gan.layers import hyper_conv  # noqa: E402
from hyper_lifelong_gan.layers.task_selection import TaskRuns  # noqa: E402
from hyper_lifelong_gan.models import build_generator  # noqa: E402

NUM_TASKS = 10
RUNS = (1, 2, 4, 8)


def filters_one_by_one(layer, tasks, z):
    return [layer.kernel(task, z) for task in tasks]


def one_shared_filter(layer, tasks, z):
    kernel = layer.kernel(tasks[0], z)
    return [kernel] * len(tasks)


WAYS = {"together": hyper_conv._HyperKernel.run_kernels, "one by one": filters_one_by_one,
        "shared filter": one_shared_filter}


def make_pass(generator, runs, batch, way, jit_compile):
    """A traced forward and backward pass of `generator` over the batch in `runs` runs,
    each layer's run filters made `way`."""

    def student_pass(images, tasks, z):
        sizes = [batch * (r + 1) // runs - batch * r // runs for r in range(runs)]
        task = tasks[0] if runs == 1 else TaskRuns([tasks[r] for r in range(runs)], sizes)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.abs(generator(images, task=task, z=z, training=True)))
        return loss, tape.gradient(loss, generator.trainable_variables)

    function = tf.function(student_pass, jit_compile=jit_compile)
    original = hyper_conv._HyperKernel.run_kernels
    hyper_conv._HyperKernel.run_kernels = WAYS[way]  # only read while tracing
    try:
        return function.get_concrete_function(*example_arguments(generator, batch, 0))
    finally:
        hyper_conv._HyperKernel.run_kernels = original


def example_arguments(generator, batch, seed):
    images = tf.random.stateless_uniform((batch, FLAGS.image_size, FLAGS.image_size, 3), (seed, 0), -1, 1)
    tasks = tf.random.experimental.stateless_shuffle(tf.range(NUM_TASKS - 1), (seed, 1))
    return images, tasks, generator.sample_z(seed)


def main():
    generator = build_generator(num_tasks=NUM_TASKS, ngf=FLAGS.ngf, n_blocks=FLAGS.n_blocks)
    cases = {(1, "together"): make_pass(generator, 1, FLAGS.batch_size, "together", FLAGS.jit_compile)}
    for runs in RUNS[1:]:
        if runs > FLAGS.batch_size:
            continue
        for way in WAYS:
            cases[(runs, way)] = make_pass(generator, runs, FLAGS.batch_size, way, FLAGS.jit_compile)
    arguments = example_arguments(generator, FLAGS.batch_size, 1)
    for case in cases.values():
        for _ in range(2):
            case(*arguments)[0].numpy()
    times = {key: [] for key in cases}
    for _ in range(FLAGS.rounds):
        for key, case in cases.items():
            start = time.perf_counter()
            for _ in range(FLAGS.steps):
                case(*arguments)[0].numpy()
            times[key].append((time.perf_counter() - start) / FLAGS.steps)
    base = statistics.median(times[(1, "together")])
    print(f"student pass, forward and backward: {FLAGS.image_size} px, ngf {FLAGS.ngf}, {FLAGS.n_blocks} blocks, "
          f"batch {FLAGS.batch_size}, {NUM_TASKS} tasks, XLA {'on' if FLAGS.jit_compile else 'off'}; "
          f"median of {FLAGS.rounds} rounds of {FLAGS.steps}; one run {base * 1e3:.1f} ms")
    print(f"  {'runs':>4}  " + "  ".join(f"{way:>13}" for way in WAYS))
    for runs in RUNS[1:]:
        if (runs, "together") in cases:
            cells = [f"{statistics.median(times[(runs, way)]) / base:12.2f}x" for way in WAYS]
            print(f"  {runs:>4}  " + "  ".join(cells))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image_size", type=int, default=64)
    parser.add_argument("--ngf", type=int, default=32)
    parser.add_argument("--n_blocks", type=int, default=6)
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--jit_compile", action="store_true", help="Compile each case with XLA.")
    FLAGS = parser.parse_args()
    main()
