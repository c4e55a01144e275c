"""Task 2 of a tiny hyper_lifelong_gan run (distilling task 1), built from fixed seeds,
and the losses of a training step on fixed random batches: for the tests that compare
the step across strategies (mirrored_check.py, mirrored_unpaired_check.py), XLA
(test_xla.py) and precisions."""

import json
import os
import subprocess
import sys

import tensorflow as tf

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.methods import get_method, set_task_seed
from hyper_lifelong_gan.models import build_patch_discriminator
from hyper_lifelong_gan.training.steps import PairedTaskStep
from hyper_lifelong_gan.training.trainer import make_optimizer


def build(config, strategy=None, policy="float32", jit_compile=False, task=1):
    """(student, step) of task `task` + 1 (default 2), built under `strategy` (default:
    the current one)."""
    strategy = strategy or tf.distribute.get_strategy()
    method = get_method("hyper_lifelong_gan")
    generator_config = config_lib.generator_config(config)
    with strategy.scope():
        set_task_seed(0, 0)
        teacher = method.rebuild(task, generator_config)
        set_task_seed(0, task)
        student = method.start_task(teacher, task, generator_config)
        discriminator = build_patch_discriminator(ndf=config.ndf)
        step = PairedTaskStep(
            student, teacher, discriminator, method, task, config, strategy,
            make_optimizer(config, method.trainable_variables(student, task), policy),
            make_optimizer(config, discriminator.trainable_variables, policy),
            jit_compile=jit_compile,
        )
    return student, step


def losses(config, steps, strategy=None, jit_compile=False, task=1):
    """[{loss name: value}] of `steps` steps of task `task` + 1 on fixed random batches."""
    strategy = strategy or tf.distribute.get_strategy()
    student, step = build(config, strategy, jit_compile=jit_compile, task=task)
    return run_steps(step, student, config, steps, strategy)


def run_steps(step, generators, config, steps, strategy):
    """[{loss name: value}] of `steps` calls of a paired or unpaired training step on
    fixed random (input, target) batches, distributed by `strategy`."""
    shape = (config.batch_size, config.image_size, config.image_size, 3)
    data = tf.data.Dataset.from_tensor_slices((
        tf.random.stateless_uniform((steps, *shape), (1, 2), -1, 1),
        tf.random.stateless_uniform((steps, *shape), (3, 4), -1, 1),
    )).unbatch().batch(config.batch_size)
    history = []
    for index, (inputs, targets) in enumerate(strategy.experimental_distribute_dataset(data)):
        z = generators.models[0].sample_z((5, index))
        values = step(inputs, targets, z, tf.constant((6, index)))
        history.append({name: float(value) for name, value in values.items()})
    return history


def two_cpu_mirrored_strategy():
    """MirroredStrategy over the 2 logical CPUs a check script made, whose replicas'
    sums meet on one device: what the checks test is the step's arithmetic over
    replicas, not TensorFlow's all-reduce (--strategy=mirrored uses NCCL on GPUs; on
    logical CPUs TensorFlow would pick collective ops, whose first run costs about three
    times as long here; test_multi_worker.py runs them end to end)."""
    return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"], cross_device_ops=tf.distribute.ReductionToOneDevice())


def report_of(script, timeout):
    """The JSON report (last line of output) of a check script beside this module, run
    in a fresh process so that it can split the CPU into 2 logical devices."""
    completed = subprocess.run(
        [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), script)],
        capture_output=True, text=True, timeout=timeout,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def perturb(model, seed, scale=0.1):
    """Moves every weight of `model` a little (seeded), so that tasks, and teacher and
    student, differ."""
    for index, variable in enumerate(model.weights):
        variable.assign(variable + scale * tf.random.stateless_normal(variable.shape, (seed, index)))
    return model


def teacher_and_student(config, earlier, student_scale=0.1):
    """(method, teacher, student, images, z): a perturbed hyper_lifelong_gan teacher of
    `earlier` tasks, its student for the next task moved by `student_scale`, a batch of
    two fixed images and one z."""
    method = get_method("hyper_lifelong_gan")
    generator_config = config_lib.generator_config(config)
    set_task_seed(0, 0)
    teacher = method.rebuild(earlier, generator_config)
    perturb(teacher.models[0], 1)
    set_task_seed(0, earlier)
    student = method.start_task(teacher, earlier, generator_config)
    perturb(student.models[0], 2, scale=student_scale)
    size = config.image_size
    images = tf.random.stateless_uniform((2, size, size, 3), (3, 4), -1, 1)
    return method, teacher, student, images, student.models[0].sample_z(5)
