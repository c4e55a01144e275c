"""Images per second of one training step, measured in one run, printed as ratios.

    python benchmarks/train_step.py                       # toy sizes (32 px, ngf 16)
    python benchmarks/train_step.py --image_size=128 --ngf=64 --n_blocks=6 --batch_size=4

Compares XLA against plain graph execution, the hyper-factorized generator
against conventional filters, and a step with distillation of earlier tasks
against one without, all on the same machine in the same process.
"""

import os
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

flags.DEFINE_integer("image_size", 32, "Image size.")
flags.DEFINE_integer("ngf", 16, "Generator width.")
flags.DEFINE_integer("n_blocks", 2, "Residual blocks.")
flags.DEFINE_integer("ndf", 16, "Discriminator width.")
flags.DEFINE_integer("batch_size", 8, "Batch size.")
flags.DEFINE_integer("steps", 20, "Timed steps per case (after 3 warm-up steps).")
flags.DEFINE_integer("task", 3, "Task index of the distillation case (task t distils t earlier tasks).")
FLAGS = flags.FLAGS


def images_per_second(method_name, task, jit_compile, steps, **sizes):
    config = config_lib.TrainConfig(method=method_name, **sizes)
    method = get_method(method_name)
    strategy = tf.distribute.get_strategy()
    generator_config = config_lib.generator_config(config)
    set_task_seed(0, 0)
    teacher = method.rebuild(task, generator_config) if task else None
    student = method.start_task(teacher, task, generator_config)
    discriminator = build_patch_discriminator(ndf=config.ndf)
    variables = method.trainable_variables(student, task)
    step = PairedTaskStep(
        student, teacher, discriminator, method, task, config, strategy,
        make_optimizer(config, variables, "float32"),
        make_optimizer(config, discriminator.trainable_variables, "float32"), jit_compile=jit_compile,
    )
    shape = (config.batch_size, config.image_size, config.image_size, 3)
    inputs = tf.random.uniform(shape, -1, 1, seed=1)
    targets = tf.random.uniform(shape, -1, 1, seed=2)
    z = tf.random.normal((config.z_dim,))
    seed = tf.constant((1, 2))
    for _ in range(3):
        step(inputs, targets, z, seed)["g_total"].numpy()
    start = time.perf_counter()
    for _ in range(steps):
        values = step(inputs, targets, z, seed)
    values["g_total"].numpy()
    return steps * config.batch_size / (time.perf_counter() - start)


def main(argv):
    del argv
    sizes = dict(image_size=FLAGS.image_size, ngf=FLAGS.ngf, n_blocks=FLAGS.n_blocks, ndf=FLAGS.ndf,
                 batch_size=FLAGS.batch_size)
    device = "GPU" if tf.config.list_logical_devices("GPU") else "CPU"
    print(f"device {device}; sizes {sizes}")
    cases = {
        "hyper, task 1": ("hyper_lifelong_gan", 0, False),
        "hyper, task 1, XLA": ("hyper_lifelong_gan", 0, True),
        "conventional, task 1": ("full", 0, False),
        f"hyper, task {FLAGS.task + 1} (distils {FLAGS.task})": ("hyper_lifelong_gan", FLAGS.task, False),
        f"hyper, task {FLAGS.task + 1}, XLA": ("hyper_lifelong_gan", FLAGS.task, True),
    }
    rates = {}
    for label, (method, task, jit) in cases.items():
        rates[label] = images_per_second(method, task, jit, FLAGS.steps, **sizes)
        print(f"{label:40s} {rates[label]:8.1f} img/s", flush=True)
    base = rates["hyper, task 1"]
    print("ratios against 'hyper, task 1':")
    for label, rate in rates.items():
        print(f"  {label:38s} x{rate / base:.2f}")


if __name__ == "__main__":
    app.run(main)
