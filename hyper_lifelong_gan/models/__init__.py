"""Networks: the multi-task ResNet generator and the PatchGAN discriminator."""

from hyper_lifelong_gan.models.discriminator import build_patch_discriminator
from hyper_lifelong_gan.models.generator import (
    CONV_KINDS,
    ResnetGenerator,
    build_generator,
    copy_weights,
    grow_generator,
)

__all__ = [
    "CONV_KINDS",
    "ResnetGenerator",
    "build_generator",
    "build_patch_discriminator",
    "copy_weights",
    "grow_generator",
]
