"""Run as a script (a fresh process, so the CPU can be split into 2 logical devices):
a few unpaired (CycleGAN) training steps of a second task, with distillation, on one
device and under MirroredStrategy over 2 logical CPUs, printing the losses of both
and a fingerprint of each image pool as JSON.

The networks, optimizers, pools and step are built by the trainer's own
`UnpairedMode`, with the pools shrunk to POOL_CAPACITY images so that they fill
during the second step and mix stored images into the third.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import tensorflow as tf  # noqa: E402

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import distilling_step  # noqa: E402  (beside this script)

from hyper_lifelong_gan import config as config_lib  # noqa: E402
from hyper_lifelong_gan.methods import get_method, set_task_seed  # noqa: E402
from hyper_lifelong_gan.training import modes, trainer  # noqa: E402

CONFIG = config_lib.TrainConfig(mode="unpaired", batch_size=4, image_size=32, ngf=4, n_blocks=1, ndf=8)
STEPS = 3
POOL_CAPACITY = 6
modes.POOL_SIZE = POOL_CAPACITY


def run(strategy):
    mode = trainer.UnpairedMode(CONFIG, [], get_method("hyper_lifelong_gan"), strategy, "float32", False)
    with strategy.scope():
        set_task_seed(0, 0)
        teacher = mode.start_task(None, 0).generators
        set_task_seed(0, 1)
        setup = mode.start_task(teacher, 1)
    history = distilling_step.run_steps(setup.step, setup.generators, CONFIG, STEPS, strategy)
    pools = {}
    for name in ("input_pool", "target_pool"):
        pool = setup.checkpoint_items[name]
        pools[name] = {"count": int(pool.count.numpy()), "sum": float(tf.reduce_sum(pool.images).numpy())}
    return {"losses": history, "pools": pools}


if __name__ == "__main__":
    # One device eagerly, two replicas in graph mode (the training path): the same
    # numbers from both also show that the traced step computes what the eager one does.
    tf.config.run_functions_eagerly(True)
    single = run(tf.distribute.get_strategy())
    tf.config.run_functions_eagerly(False)
    mirrored_strategy = distilling_step.two_cpu_mirrored_strategy()
    mirrored = run(mirrored_strategy)
    print(json.dumps({
        "replicas": mirrored_strategy.num_replicas_in_sync, "pool_capacity": POOL_CAPACITY,
        "single": single, "mirrored": mirrored,
    }))
