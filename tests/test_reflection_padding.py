"""ReflectionPadding2D: the shared layer check, then numpy's reflect padding."""

import numpy as np
import pytest
from layer_test_case import _images, _np, run_layer_test

from hyper_lifelong_gan.layers import ReflectionPadding2D

LAYER_CASES = {
    "reflection_padding": dict(
        layer_cls=ReflectionPadding2D,
        init_kwargs=dict(padding=2),
        input_shape=(2, 5, 5, 3),
        expected_output_shape=(2, 9, 9, 3),
        expected_num_trainable_weights=0,
        expected_num_params=0,
    ),
}


@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_layer_basics(case):
    run_layer_test(**LAYER_CASES[case])


@pytest.mark.parametrize("padding", [0, 1, 3])
def test_reflection_padding_matches_numpy(padding):
    x = _images((2, 7, 6, 3))
    y = ReflectionPadding2D(padding)(x)
    expected = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)), mode="reflect")
    np.testing.assert_array_equal(_np(y), expected)
