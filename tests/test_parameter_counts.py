"""Paper Table 5 (and docs/design.md's worked check): generator sizes at paper size, per method."""

import numpy as np
import pytest

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.methods import get_method
from hyper_lifelong_gan.models import build_generator

PAPER_GENERATOR = config_lib.generator_config(config_lib.resolve(config_lib.TrainConfig(), toy=False))

# method: (after task 1, after task 2, added per task), millions, paper Table 5.
TABLE_5 = {
    "hyper_full": (6.27, 12.54, 6.27),
    "hyper_lifelong_gan": (6.27, 6.46, 0.19),
    "full": (7.84, 15.68, 7.84),
    "lifelong_gan_pp": (7.84, 7.85, 0.01),
    "piggyback": (7.84, 12.22, 4.38),
    "sft": (6.27, 6.27, 0.0),
}


def test_paper_size_is_resnet6_with_64_filters_and_k7():
    assert PAPER_GENERATOR["ngf"] == 64
    assert PAPER_GENERATOR["n_blocks"] == 6
    assert PAPER_GENERATOR["num_bases"] == 7
    assert PAPER_GENERATOR["z_dim"] == 64
    assert PAPER_GENERATOR["hidden_units"] == 64


# The output convolution's bias (3 values, as in CycleGAN's ResnetGenerator) is in
# every count: +3 per model with conventional filters (7,841,408 without it), +3 per
# task with hyper filters (6,274,448 and 193,296 per task without it).
OUTPUT_BIAS = 3


def test_exact_counts_of_the_worked_check():
    conventional = build_generator(conv_kind="plain", num_tasks=1, **PAPER_GENERATOR)
    hyper_one = build_generator(conv_kind="hyper", num_tasks=1, **PAPER_GENERATOR)
    hyper_two = build_generator(conv_kind="hyper", num_tasks=2, **PAPER_GENERATOR)
    assert conventional.count_params() == 7_841_408 + OUTPUT_BIAS
    assert hyper_one.count_params() == 6_274_448 + OUTPUT_BIAS
    assert hyper_two.count_params() - hyper_one.count_params() == 193_296 + OUTPUT_BIAS
    # One row of each stacked per-task weight: task 2's filter generators, C_i, norms
    # and output bias.
    assert sum(int(np.prod(v.shape[1:])) for v in hyper_two.stacked_task_weights) == 193_296 + OUTPUT_BIAS
    # The stride-2 alignment changes no parameter.
    reference = build_generator(conv_kind="hyper", num_tasks=1, **{**PAPER_GENERATOR, "padding": "reference"})
    assert reference.count_params() == hyper_one.count_params()


@pytest.mark.parametrize("method_name", sorted(TABLE_5))
def test_table_5(method_name):
    method = get_method(method_name)
    after_one = method.start_task(None, 0, PAPER_GENERATOR)
    after_two = method.start_task(after_one, 1, PAPER_GENERATOR)
    first, second, added = TABLE_5[method_name]
    assert after_one.count_params() / 1e6 == pytest.approx(first, abs=0.01)
    assert after_two.count_params() / 1e6 == pytest.approx(second, abs=0.01)
    assert (after_two.count_params() - after_one.count_params()) / 1e6 == pytest.approx(added, abs=0.01)
