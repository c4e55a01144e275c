"""The training step compiled with XLA (the toy preset's default on a CPU, and the
GPU default) computes what the step computes eagerly."""

import numpy as np
import pytest
import tensorflow as tf

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.methods import get_method, set_task_seed
from hyper_lifelong_gan.models import build_patch_discriminator
from hyper_lifelong_gan.training.steps import PairedTaskStep
from hyper_lifelong_gan.training.trainer import make_optimizer

from graph_mode import eagerly

CONFIG = config_lib.TrainConfig(batch_size=2, image_size=32, ngf=4, n_blocks=1, ndf=8)
STEPS = 3


def losses_of_a_distilling_task(jit_compile):
    """The losses of STEPS steps of task 2 (distilling task 1), from a fixed start."""
    method = get_method("hyper_lifelong_gan")
    generator_config = config_lib.generator_config(CONFIG)
    set_task_seed(0, 0)
    teacher = method.rebuild(1, generator_config)
    set_task_seed(0, 1)
    student = method.start_task(teacher, 1, generator_config)
    discriminator = build_patch_discriminator(ndf=CONFIG.ndf)
    step = PairedTaskStep(
        student, teacher, discriminator, method, 1, CONFIG, tf.distribute.get_strategy(),
        make_optimizer(CONFIG, method.trainable_variables(student, 1), "float32"),
        make_optimizer(CONFIG, discriminator.trainable_variables, "float32"),
        jit_compile=jit_compile,
    )
    shape = (STEPS, CONFIG.batch_size, CONFIG.image_size, CONFIG.image_size, 3)
    inputs = tf.random.stateless_uniform(shape, (1, 2), -1, 1)
    targets = tf.random.stateless_uniform(shape, (3, 4), -1, 1)
    history = []
    for index in range(STEPS):
        z = student.models[0].sample_z((5, index))
        values = step(inputs[index], targets[index], z, tf.constant((6, index)))
        history.append({name: float(value) for name, value in values.items()})
    return history


def test_xla_step_matches_the_eager_step():
    compiled = losses_of_a_distilling_task(jit_compile=True)
    with eagerly():
        eager = losses_of_a_distilling_task(jit_compile=False)
    assert eager[0]["distillation"] == 0 and all(step["distillation"] > 0 for step in eager[1:])
    for xla_step, eager_step in zip(compiled, eager):
        assert set(xla_step) == set(eager_step)
        for name, value in eager_step.items():
            assert np.isfinite(xla_step[name])
            # XLA fuses and reorders float32 arithmetic: equal up to rounding.
            assert xla_step[name] == pytest.approx(value, rel=1e-4, abs=1e-6), name
