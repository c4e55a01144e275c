"""The paper's protocol: Table 3's rows, the training schedule (per-task lengths, the
learning-rate decay, the shared discriminator), and evaluate.py's outputs for the
standard FID tools and Acc of a single-task run (Table 1)."""

import json
import os

import keras
import numpy as np
import pytest

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.config import InvalidConfig, TrainConfig
from hyper_lifelong_gan.layers import HyperConv2D, PlainConv2D, PlainConv2DTranspose, TaskInstanceNorm
from hyper_lifelong_gan.methods import get_method

TINY_GENERATOR = dict(ngf=4, n_blocks=1, num_bases=7, z_dim=64, hidden_units=64)


# ------------------------------------------------------------------------ Table 3


def test_table3_row1_is_conventional_filters_with_per_task_norms():
    # Row 1 (no dynamic base filters, no task-specific base filters, no coefficients)
    # has LifelongGAN++'s numbers of Table 4: the README runs it as that method.
    method = get_method("lifelong_gan_pp")
    keras.utils.set_random_seed(0)
    first = method.start_task(None, 0, TINY_GENERATOR)
    second = method.start_task(first, 1, TINY_GENERATOR)
    (model,) = second.models
    assert all(isinstance(layer, (PlainConv2D, PlainConv2DTranspose)) for layer in model.conv_layers())
    assert all(isinstance(layer, TaskInstanceNorm) and layer.num_tasks == 2 for layer in model.norm_layers())
    # What task 2 adds is its norms' gamma and beta, nothing else.
    added = model.task_variables(1)
    assert added and all(v.name in ("task_1_gamma", "task_1_beta") for v in added)
    norm_sizes = sum(2 * layer.gammas[0].shape[0] for layer in model.norm_layers())
    assert second.count_params() - first.count_params() == norm_sizes
    assert method.distills


def _filter_variance_ratio(seed, in_channels=64, filters=64, kernel=3):
    """Var(F) / (2 / fan_in) of the all-off (static, shared, no coefficients) factorisation."""
    keras.utils.set_random_seed(seed)
    layer = HyperConv2D(
        filters, kernel, num_tasks=1, num_bases=7, dynamic_base_filters=False,
        task_specific_base_filters=False, task_coefficients=False,
    )
    layer(keras.ops.zeros((1, 8, 8, in_channels)), task=0, z=keras.ops.zeros((64,)))
    flat = keras.ops.convert_to_numpy(layer.flat_kernel(0, keras.ops.zeros((64,))))
    return float(np.var(flat)) / (2.0 / (kernel * kernel * in_channels))


def test_static_base_filters_give_the_filters_the_he_variance():
    # The extra, literal all-off row: learned base filters of unit variance, so
    # F = B @ W starts with a conventional kernel's He variance (Keras' default
    # random_normal, std 0.05, made it ~400x too small).
    ratios = [_filter_variance_ratio(seed) for seed in range(4)]
    assert 0.7 < np.mean(ratios) < 1.4, ratios
