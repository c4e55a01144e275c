"""Sequential fine-tuning: the contrast that shows what forgetting looks like."""

from hyper_lifelong_gan.config import METHOD_DESCRIPTIONS
from hyper_lifelong_gan.methods.base import ContinualMethod


class SequentialFineTuning(ContinualMethod):
    """The hyper model of task 1 keeps training on each new task: no new task
    parameters, no distillation, so every task is served by the latest weights."""

    name = "sft"
    description = METHOD_DESCRIPTIONS[name]
    conv_kind = "hyper"
    grows_task_slots = False
