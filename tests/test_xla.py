"""The training step compiled with XLA (the toy preset's default on a CPU, and the
GPU default) computes what the step computes eagerly.

Tolerances, from the arithmetic rather than from one machine's numbers:

- Step 1 (no update yet) is a forward and backward pass of the same function. XLA
  and oneDNN sum the convolutions' products in different orders (and fuse
  differently), so each loss differs by float32 rounding: unit roundoff
  u = 2**-24 ~ 6e-8 times accumulation chains of ~10**2 terms, a relative error
  of at most ~1e-5 (measured ~1e-7). `FORWARD_REL` = 1e-5.
- From step 2 on, the weights have had Adam updates. Adam normalises every
  coordinate, w -= lr * m / (sqrt(v) + eps), so its first steps move a weight by
  ~lr = 2e-4 whatever the size of its gradient, and a coordinate whose gradient
  is at rounding level (products that nearly cancel) can get opposite signs in
  the two builds: that weight then differs by 2 * lr, not by a rounding error.
  The distillation term, mean |teacher - student|, is made of exactly these
  updates (the student equals the teacher before the first one), so a fraction
  f of flipped coordinates changes it by ~2f relative; `DISTILL_REL` = 2e-2
  allows f up to 1% (measured on an AMD EPYC: 8.7e-4, i.e. f ~ 4e-4, a few
  dozen coordinates). The other terms are O(1) values of the whole network; a
  flip touches only weights whose gradient is ~0, so to first order it leaves
  them alone: `TRAINED_REL` = 1e-3 (measured <= 7e-5).

A wrong compilation (a missing term, another task's filters, a dropped update)
changes the losses by far more than any of these (tens of percent).

On a GPU, TensorFloat-32 (a 10-bit mantissa, u = 2**-11) would replace float32 in
convolutions and matrix products; the test turns it off, so that the same
float32 arithmetic, and the reasoning above, hold there too.
"""

import distilling_step
import numpy as np
import pytest
import tensorflow as tf
from graph_mode import eagerly

from hyper_lifelong_gan import config as config_lib

CONFIG = config_lib.TrainConfig(batch_size=2, image_size=32, ngf=4, n_blocks=1, ndf=8)
STEPS = 3
FORWARD_REL = 1e-5
DISTILL_REL = 2e-2
TRAINED_REL = 1e-3


@pytest.fixture
def float32_arithmetic():
    tf32 = tf.config.experimental.tensor_float_32_execution_enabled()
    tf.config.experimental.enable_tensor_float_32_execution(False)
    yield
    tf.config.experimental.enable_tensor_float_32_execution(tf32)


def test_xla_step_matches_the_eager_step(float32_arithmetic):
    compiled = distilling_step.losses(CONFIG, STEPS, jit_compile=True)
    with eagerly():
        eager = distilling_step.losses(CONFIG, STEPS)
    assert eager[0]["distillation"] == 0 and all(step["distillation"] > 0 for step in eager[1:])
    for index, (xla_step, eager_step) in enumerate(zip(compiled, eager)):
        assert set(xla_step) == set(eager_step)
        for name, value in eager_step.items():
            assert np.isfinite(xla_step[name])
            if index == 0:
                rel = FORWARD_REL
            else:
                rel = DISTILL_REL if name == "distillation" else TRAINED_REL
            assert xla_step[name] == pytest.approx(value, rel=rel, abs=1e-7), (index, name)
