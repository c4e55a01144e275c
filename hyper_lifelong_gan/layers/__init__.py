"""Keras layers of Hyper-LifelongGAN and its baselines; all take `task` (and `z`) at call time."""

from hyper_lifelong_gan.layers.hyper_conv import HyperConv2D, HyperConv2DTranspose
from hyper_lifelong_gan.layers.piggyback_conv import PiggybackConv2D, PiggybackConv2DTranspose
from hyper_lifelong_gan.layers.plain_conv import PlainConv2D, PlainConv2DTranspose
from hyper_lifelong_gan.layers.reflection_padding import ReflectionPadding2D
from hyper_lifelong_gan.layers.task_convolution import TaskConvolution
from hyper_lifelong_gan.layers.task_instance_norm import TaskInstanceNorm

__all__ = [
    "HyperConv2D",
    "HyperConv2DTranspose",
    "PiggybackConv2D",
    "PiggybackConv2DTranspose",
    "PlainConv2D",
    "PlainConv2DTranspose",
    "ReflectionPadding2D",
    "TaskConvolution",
    "TaskInstanceNorm",
]
