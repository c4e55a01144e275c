"""PlainConv2D and PlainConv2DTranspose through the shared layer check."""

import pytest
from layer_test_case import _z, run_layer_test

from hyper_lifelong_gan.layers import PlainConv2D, PlainConv2DTranspose

LAYER_CASES = {
    "plain_conv": dict(
        layer_cls=PlainConv2D,
        init_kwargs=dict(filters=5, kernel_size=3, padding="same"),
        input_shape=(2, 6, 6, 4),
        call_kwargs=dict(task=1, z=_z()),
        expected_output_shape=(2, 6, 6, 5),
        expected_num_trainable_weights=1,
        expected_num_params=9 * 4 * 5,
    ),
    "plain_conv_transpose": dict(
        layer_cls=PlainConv2DTranspose,
        init_kwargs=dict(filters=5, kernel_size=3, strides=2, padding="same"),
        input_shape=(2, 4, 4, 4),
        expected_output_shape=(2, 8, 8, 5),
        expected_num_trainable_weights=1,
        expected_num_params=9 * 4 * 5,
    ),
}


@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_layer_basics(case):
    run_layer_test(**LAYER_CASES[case])
