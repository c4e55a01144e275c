"""Run as a script (a fresh process, so the CPU can be split into 2 logical devices):
a few training steps on one device and under MirroredStrategy over 2 logical CPUs,
printing the losses of both as JSON."""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import tensorflow as tf  # noqa: E402

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

from hyper_lifelong_gan import config as config_lib  # noqa: E402
from hyper_lifelong_gan.methods import get_method, set_task_seed  # noqa: E402
from hyper_lifelong_gan.models import build_patch_discriminator  # noqa: E402
from hyper_lifelong_gan.training.steps import PairedTaskStep  # noqa: E402
from hyper_lifelong_gan.training.trainer import make_optimizer  # noqa: E402

CONFIG = config_lib.TrainConfig(batch_size=4, image_size=32, ngf=4, n_blocks=1, ndf=8)
STEPS = 3


def run(strategy):
    method = get_method("hyper_lifelong_gan")
    generator_config = config_lib.generator_config(CONFIG)
    with strategy.scope():
        set_task_seed(0, 0)
        teacher = method.rebuild(1, generator_config)
        set_task_seed(0, 1)
        student = method.start_task(teacher, 1, generator_config)
        discriminator = build_patch_discriminator(ndf=CONFIG.ndf)
        step = PairedTaskStep(
            student, teacher, discriminator, method, 1, CONFIG, strategy,
            make_optimizer(CONFIG, method.trainable_variables(student, 1), "float32"),
            make_optimizer(CONFIG, discriminator.trainable_variables, "float32"),
        )
    shape = (CONFIG.batch_size, CONFIG.image_size, CONFIG.image_size, 3)
    data = tf.data.Dataset.from_tensor_slices((
        tf.random.stateless_uniform((STEPS, *shape), (1, 2), -1, 1),
        tf.random.stateless_uniform((STEPS, *shape), (3, 4), -1, 1),
    )).unbatch().batch(CONFIG.batch_size)
    history = []
    for index, (inputs, targets) in enumerate(strategy.experimental_distribute_dataset(data)):
        z = student.models[0].sample_z((5, index))
        values = step(inputs, targets, z, tf.constant((6, index)))
        history.append({name: float(value) for name, value in values.items()})
    return history


if __name__ == "__main__":
    # One device eagerly, two replicas in graph mode (the training path): the same
    # numbers from both also show that the traced step computes what the eager one does.
    tf.config.run_functions_eagerly(True)
    single = run(tf.distribute.get_strategy())
    tf.config.run_functions_eagerly(False)
    mirrored_strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    mirrored = run(mirrored_strategy)
    print(json.dumps({"replicas": mirrored_strategy.num_replicas_in_sync, "single": single, "mirrored": mirrored}))
