"""The training step compiled with XLA (the toy preset's default on a CPU, and the
GPU default) computes what the step computes eagerly."""

import numpy as np
import pytest

from hyper_lifelong_gan import config as config_lib

import distilling_step
from graph_mode import eagerly

CONFIG = config_lib.TrainConfig(batch_size=2, image_size=32, ngf=4, n_blocks=1, ndf=8)
STEPS = 3


def test_xla_step_matches_the_eager_step():
    compiled = distilling_step.losses(CONFIG, STEPS, jit_compile=True)
    with eagerly():
        eager = distilling_step.losses(CONFIG, STEPS)
    assert eager[0]["distillation"] == 0 and all(step["distillation"] > 0 for step in eager[1:])
    for xla_step, eager_step in zip(compiled, eager):
        assert set(xla_step) == set(eager_step)
        for name, value in eager_step.items():
            assert np.isfinite(xla_step[name])
            # XLA fuses and reorders float32 arithmetic: equal up to rounding.
            assert xla_step[name] == pytest.approx(value, rel=1e-4, abs=1e-6), name
