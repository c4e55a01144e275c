"""LifelongGAN++: LifelongGAN with task-conditional instance normalisation."""

from hyper_lifelong_gan.config import METHOD_DESCRIPTIONS
from hyper_lifelong_gan.methods.base import ContinualMethod


class LifelongGANPlusPlus(ContinualMethod):
    """Conventional filters shared by all tasks; per task only instance-norm gamma/beta
    (~0.01M); distillation as in Hyper-LifelongGAN (the paper's improved LifelongGAN)."""

    name = "lifelong_gan_pp"
    description = METHOD_DESCRIPTIONS[name]
    conv_kind = "plain"
    distills = True
    generator_overrides = {"task_conditional_norm": True}
