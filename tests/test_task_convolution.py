"""TaskConvolution, the base of every conv kind: a transposed convolution with "same"
padding multiplies the spatial size by exactly the stride."""

import pytest
from layer_test_case import TINY_HYPER, _images, _z

from hyper_lifelong_gan.layers import HyperConv2DTranspose, PiggybackConv2DTranspose, PlainConv2DTranspose
from hyper_lifelong_gan.models import CONV_KINDS


def _transposed(kind, kernel_size):
    if kind == "hyper":
        return HyperConv2DTranspose(5, kernel_size, 2, "same", num_tasks=2, **TINY_HYPER)
    if kind == "plain":
        return PlainConv2DTranspose(5, kernel_size, 2, "same")
    return PiggybackConv2DTranspose(5, kernel_size, 2, "same", num_tasks=2)


@pytest.mark.parametrize("kind", CONV_KINDS)
@pytest.mark.parametrize(
    "kernel_size", [1, 2, 3, 4, 5]
)
def test_transposed_same_stride_2_doubles_size(kind, kernel_size):
    layer = _transposed(kind, kernel_size)
    for size in (4, 5):
        y = layer(_images((1, size, size, 4)), task=1, z=_z())
        assert tuple(y.shape) == (1, 2 * size, 2 * size, 5)
        assert tuple(layer.compute_output_shape((1, size, size, 4))) == tuple(y.shape)
