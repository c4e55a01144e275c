"""Hyper-LifelongGAN (Zhai, Chen, Mori): the method of the paper."""

from hyper_lifelong_gan.config import METHOD_DESCRIPTIONS
from hyper_lifelong_gan.methods.base import ContinualMethod


class HyperLifelongGAN(ContinualMethod):
    """Hyper-factorized filters; per task a filter generator H_i, coefficients C_i and
    instance-norm parameters (~0.19M at paper size); the shared weight matrix W and
    all earlier tasks' parts keep training, held in place by distilling the frozen
    previous model's outputs for every earlier task (eq. 10)."""

    name = "hyper_lifelong_gan"
    description = METHOD_DESCRIPTIONS[name]
    conv_kind = "hyper"
    distills = True
