"""--mixed_precision: float16 with loss scaling (the GPU path) and bfloat16 (CPU)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.methods import get_method, set_task_seed
from hyper_lifelong_gan.models import build_patch_discriminator
from hyper_lifelong_gan.training.steps import PairedTaskStep
from hyper_lifelong_gan.training.trainer import make_optimizer, precision_policy

CONFIG = config_lib.TrainConfig(batch_size=2, image_size=32, ngf=4, n_blocks=1, ndf=8)


def test_cpu_policy_is_bfloat16_and_off_means_float32():
    assert precision_policy(CONFIG) == "float32"
    on = config_lib.TrainConfig(mixed_precision=True)
    assert precision_policy(on) == ("mixed_float16" if tf.config.list_logical_devices("GPU") else "mixed_bfloat16")


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_a_distilling_step_trains_in_mixed_precision(policy, request):
    if policy == "mixed_bfloat16":  # eagerly, in seconds; float16 (the GPU path) is traced
        request.getfixturevalue("run_eagerly")
    keras.mixed_precision.set_global_policy(policy)
    try:
        method = get_method("hyper_lifelong_gan")
        generator_config = config_lib.generator_config(CONFIG)
        set_task_seed(0, 0)
        teacher = method.rebuild(1, generator_config)
        student = method.start_task(teacher, 1, generator_config)
        discriminator = build_patch_discriminator(ndf=CONFIG.ndf)
        variables = method.trainable_variables(student, 1)
        generator_optimizer = make_optimizer(CONFIG, variables, policy)
        if policy == "mixed_float16":  # float16 needs loss scaling; bfloat16 does not
            assert isinstance(generator_optimizer, keras.optimizers.LossScaleOptimizer)
        step = PairedTaskStep(
            student, teacher, discriminator, method, 1, CONFIG, tf.distribute.get_strategy(),
            generator_optimizer, make_optimizer(CONFIG, discriminator.trainable_variables, policy),
        )
        before = [v.numpy().copy() for v in variables]
        inputs = tf.random.uniform((2, 32, 32, 3), -1, 1, seed=1)
        targets = tf.random.uniform((2, 32, 32, 3), -1, 1, seed=2)
        # Dynamic loss scaling starts at 2**15 and halves on every overflow (skipping
        # that update), so the float16 path may need a few steps before it applies one.
        for index in range(12):
            values = step(inputs, targets, student.models[0].sample_z(index), tf.constant((0, index)))
            assert all(np.isfinite(float(value)) for value in values.values())
            if any(not np.array_equal(b, v.numpy()) for b, v in zip(before, variables)):
                break
        else:
            pytest.fail("no generator update was applied in 12 steps")
        assert {v.dtype for v in variables} == {"float32"}  # variables stay float32
    finally:
        keras.mixed_precision.set_global_policy("float32")
