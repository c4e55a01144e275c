"""PiggybackGAN (Zhai et al., ECCV 2020) with lambda = 0.5."""

from hyper_lifelong_gan.config import METHOD_DESCRIPTIONS
from hyper_lifelong_gan.methods.base import ContinualMethod


class PiggybackGAN(ContinualMethod):
    """Task 1 is a conventional model; each later task adds ceil(lambda c_out) new
    filters per layer plus combinations of the frozen filter bank, and its own norm
    parameters. Earlier tasks' parameters never change (only the new task's train),
    so their outputs are preserved exactly; no distillation is needed."""

    name = "piggyback"
    description = METHOD_DESCRIPTIONS[name]
    conv_kind = "piggyback"
    generator_overrides = {"task_conditional_norm": True}

    def trainable_variables(self, generators, task):
        model = generators.model_for(task)
        if task == 0:
            return list(model.trainable_variables)
        return model.task_variables(task)
