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
from hyper_lifelong_gan.training.row_sparse_adam import all_gather_row_gradients  # noqa: E402

CONFIG = config_lib.TrainConfig(batch_size=4, image_size=32, ngf=4, n_blocks=1, ndf=8)
STEPS = 3
# Sampled distillation: task 4 distils one pass' worth of its 3 earlier tasks per
# step, drawn in the step: in runs (--distill_runs=4: 3 tasks on runs of the 4
# images, images 0 | 1 | 2 and 3, so the first replica holds two runs and the second
# one), or 1 task on the whole batch.
SAMPLED = dataclasses.replace(CONFIG, distillation="sampled", distill_passes=1, distill_runs=4)
WHOLE = dataclasses.replace(SAMPLED, distill_runs=1)
SAMPLED_TASK = 3


def row_gradients(strategy):
    """Three row-sparse gradients per replica, of two row shapes, with rows counts that
    differ between replicas and between gradients (replica 0 holds no row of the last),
    summed by `all_gather_row_gradients` and by TensorFlow's all-reduce: for each
    gradient, [(values, indices) of ours, of TensorFlow's] on each replica."""

    def replica_step():
        context = tf.distribute.get_replica_context()
        replica = context.replica_id_in_sync_group
        counts = (replica + 1, 2 - replica, 2 * replica)
        shapes = ((2, 3), (2, 3), (4,))
        gradients = [
            tf.IndexedSlices(
                tf.random.stateless_uniform((count, *shape), (replica, index)),
                tf.range(count) * 7 + replica + index,
                tf.constant((50, *shape)),
            )
            for index, (count, shape) in enumerate(zip(counts, shapes))
        ]
        ours = all_gather_row_gradients(context, gradients)
        theirs = context.all_reduce(tf.distribute.ReduceOp.SUM, gradients)
        return [(a.values, a.indices, b.values, b.indices) for a, b in zip(ours, theirs)]

    results = strategy.run(tf.function(replica_step))
    return [
        [[tensor.numpy().tolist() for tensor in replica] for replica in strategy.experimental_local_results(gradient)]
        for gradient in results
    ]


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
        "row_gradients": row_gradients(mirrored_strategy),
    }))
