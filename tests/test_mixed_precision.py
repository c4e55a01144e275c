"""--mixed_precision: float16 with loss scaling (the GPU path) and bfloat16 (CPU)."""

import distilling_step
import keras
import numpy as np
import pytest
import tensorflow as tf

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.training.trainer import precision_policy

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
        student, step = distilling_step.build(CONFIG, policy=policy)
        variables = step.generator_variables
        if policy == "mixed_float16":  # float16 needs loss scaling; bfloat16 does not
            assert isinstance(step.generator_optimizer, keras.optimizers.LossScaleOptimizer)
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
