"""Run as a script (a fresh process, so the CPU can be split into 2 logical devices):
a few training steps on one device and under MirroredStrategy over 2 logical CPUs,
printing the losses of both as JSON."""

import dataclasses
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

CONFIG = config_lib.TrainConfig(batch_size=4, image_size=32, ngf=4, n_blocks=1, ndf=8)
STEPS = 3
# Sampled distillation: task 4 distils one pass' worth of its 3 earlier tasks per
# step, drawn in the step: in runs (--distill_runs=4: 3 tasks on runs of the 4
# images, images 0 | 1 | 2 and 3, so the first replica holds two runs and the second
# one), or 1 task on the whole batch.
SAMPLED = dataclasses.replace(CONFIG, distillation="sampled", distill_passes=1, distill_runs=4)
WHOLE = dataclasses.replace(SAMPLED, distill_runs=1)
SAMPLED_TASK = 3


if __name__ == "__main__":
    # One device eagerly, two replicas in graph mode (the training path): the same
    # numbers from both also show that the traced step computes what the eager one does.
    tf.config.run_functions_eagerly(True)
    single = distilling_step.losses(CONFIG, STEPS)
    sampled_single = distilling_step.losses(SAMPLED, STEPS, task=SAMPLED_TASK)
    whole_single = distilling_step.losses(WHOLE, STEPS, task=SAMPLED_TASK)
    tf.config.run_functions_eagerly(False)
    mirrored_strategy = distilling_step.two_cpu_mirrored_strategy()
    mirrored = distilling_step.losses(CONFIG, STEPS, mirrored_strategy)
    sampled_mirrored = distilling_step.losses(SAMPLED, STEPS, mirrored_strategy, task=SAMPLED_TASK)
    whole_mirrored = distilling_step.losses(WHOLE, STEPS, mirrored_strategy, task=SAMPLED_TASK)
    print(json.dumps({
        "replicas": mirrored_strategy.num_replicas_in_sync, "single": single, "mirrored": mirrored,
        "sampled_single": sampled_single, "sampled_mirrored": sampled_mirrored,
        "whole_single": whole_single, "whole_mirrored": whole_mirrored,
    }))
