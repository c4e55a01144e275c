"""Full and Hyper-Full: a separate generator per task, the upper bounds."""

from hyper_lifelong_gan.config import METHOD_DESCRIPTIONS
from hyper_lifelong_gan.methods.base import ContinualMethod


class Full(ContinualMethod):
    """A separate conventional generator per task (upper bound for LifelongGAN++ and
    PiggybackGAN); costs a whole model (7.84M at paper size) per task."""

    name = "full"
    description = METHOD_DESCRIPTIONS[name]
    conv_kind = "plain"
    separate_models = True


class HyperFull(ContinualMethod):
    """A separate hyper-factorized generator per task (6.27M per task)."""

    name = "hyper_full"
    description = METHOD_DESCRIPTIONS[name]
    conv_kind = "hyper"
    separate_models = True
