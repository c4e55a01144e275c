"""Continual-learning methods, looked up by their `--method` name."""

from hyper_lifelong_gan.config import InvalidConfig
from hyper_lifelong_gan.methods.base import ContinualMethod, TaskGenerators, set_task_seed
from hyper_lifelong_gan.methods.cycle_generators import CycleGenerators
from hyper_lifelong_gan.methods.hyper_lifelong_gan import HyperLifelongGAN
from hyper_lifelong_gan.methods.lifelong_gan_pp import LifelongGANPlusPlus
from hyper_lifelong_gan.methods.piggyback import PiggybackGAN
from hyper_lifelong_gan.methods.separate_models import Full, HyperFull
from hyper_lifelong_gan.methods.sequential_fine_tuning import SequentialFineTuning

METHODS = {
    method.name: method
    for method in (HyperLifelongGAN, SequentialFineTuning, Full, HyperFull, LifelongGANPlusPlus, PiggybackGAN)
}


def get_method(name):
    """The method called `name`; a clear error listing the valid names otherwise."""
    if name not in METHODS:
        raise InvalidConfig(f"Unknown method {name!r}; valid methods are: {', '.join(METHODS)}.")
    return METHODS[name]()


__all__ = ["METHODS", "ContinualMethod", "CycleGenerators", "TaskGenerators", "get_method", "set_task_seed"]
