"""What a task's new training step costs before it trains: its traced ops, the trace,
and the first call (TensorFlow's graph optimisation), printed beside one step.

    python benchmarks/trace_cost.py                        # toy sizes, sampled, tasks 1, 2, 10
    python benchmarks/trace_cost.py --tasks=1,10,50 --distillation=exact

Every task builds a new model (one more row in each stacked weight) and traces its
step again, so at toy size, where a step takes about a tenth of a second on a CPU,
the trace and first call are worth tens of steps: "as steps" is their time divided
by the median step of the same case, measured in this run.
"""

import collections
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import tensorflow as tf  # noqa: E402
from absl import app, flags  # noqa: E402

from hyper_lifelong_gan import config as config_lib  # noqa: E402
from hyper_lifelong_gan.methods import get_method, set_task_seed  # noqa: E402
from hyper_lifelong_gan.models import build_patch_discriminator  # noqa: E402
from hyper_lifelong_gan.training.steps import PairedTaskStep  # noqa: E402
from hyper_lifelong_gan.training.trainer import make_optimizer  # noqa: E402

flags.DEFINE_list("tasks", ["1", "2", "10"], "Task numbers (1-based) whose step is built.")
flags.DEFINE_enum("distillation", "sampled", ["exact", "sampled"], "--distillation of the steps.")
flags.DEFINE_integer("image_size", 32, "Image size.")
flags.DEFINE_integer("ngf", 16, "Generator width.")
flags.DEFINE_integer("n_blocks", 2, "Residual blocks.")
flags.DEFINE_integer("ndf", 16, "Discriminator width.")
flags.DEFINE_integer("batch_size", 8, "Batch size.")
flags.DEFINE_integer("steps", 20, "Timed steps after the first call; a case's step is their median.")
FLAGS = flags.FLAGS


def count_ops(graph):
    """Ops of `graph` and of the functions it calls (XLA-compiled replica steps)."""
    total = len(graph.get_operations())
    for function in graph._functions.values():
        if hasattr(function, "graph"):
            total += count_ops(function.graph)
    return total


def measure(task):
    config = config_lib.TrainConfig(
        image_size=FLAGS.image_size, ngf=FLAGS.ngf, n_blocks=FLAGS.n_blocks, ndf=FLAGS.ndf,
        batch_size=FLAGS.batch_size, distillation=FLAGS.distillation,
    )
    method = get_method(config.method)
    generator_config = config_lib.generator_config(config)
    set_task_seed(0, 0)
    teacher = method.rebuild(task, generator_config) if task else None
    student = method.start_task(teacher, task, generator_config)
    discriminator = build_patch_discriminator(ndf=config.ndf)
    step = PairedTaskStep(
        student, teacher, discriminator, method, task, config, tf.distribute.get_strategy(),
        make_optimizer(config, method.trainable_variables(student, task), "float32"),
        make_optimizer(config, discriminator.trainable_variables, "float32"),
    )
    shape = (config.batch_size, config.image_size, config.image_size, 3)
    images = tf.random.stateless_uniform(shape, (1, 2), -1, 1)
    z = student.models[0].sample_z(0)
    started = time.perf_counter()
    concrete = step._step.get_concrete_function(images, images, z, tf.constant((0, 0)))
    trace_s = time.perf_counter() - started
    started = time.perf_counter()
    step(images, images, z, tf.constant((0, 1)))["g_total"].numpy()
    first_s = time.perf_counter() - started
    times = []
    for index in range(FLAGS.steps):
        started = time.perf_counter()
        step(images, images, z, tf.constant((0, 2 + index)))["g_total"].numpy()
        times.append(time.perf_counter() - started)
    return count_ops(concrete.graph), trace_s, first_s, statistics.median(times)


def main(argv):
    del argv
    rows = collections.OrderedDict()
    for number in sorted({int(task) for task in FLAGS.tasks}):
        rows[number] = measure(number - 1)
    print(f"{FLAGS.distillation} distillation, {FLAGS.image_size} px, ngf {FLAGS.ngf}, {FLAGS.n_blocks} blocks, "
          f"ndf {FLAGS.ndf}, batch {FLAGS.batch_size}, XLA off\n")
    print("| task | ops | trace | first call | step | trace + first call, as steps |")
    print("|---|---|---|---|---|---|")
    for number, (ops, trace_s, first_s, step_s) in rows.items():
        print(f"| {number} | {ops:,} | {trace_s:.2f} s | {first_s:.2f} s | {step_s * 1000:.0f} ms | "
              f"{(trace_s + first_s) / step_s:.0f} |")


if __name__ == "__main__":
    app.run(main)
