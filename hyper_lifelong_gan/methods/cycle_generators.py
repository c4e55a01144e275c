"""The generator pair of an unpaired (CycleGAN) task sequence."""


class CycleGenerators:
    """The two generators of an unpaired task sequence, each a `TaskGenerators`.

    `forward` (G) maps the input domain to the target domain, the task's direction
    (photo -> painting); `inverse` (F) maps back. The method grows both alike per
    task (hyper layers, task slots, separate models...). Towards the rest of the
    code the pair stands for G: calling it, `models`, `num_tasks`,
    `gathers_task_rows` and `count_params` are G's, so evaluation and parameter
    counts (paper Table 5 counts one generator) see the generator that performs the
    tasks; F exists for training and is checkpointed beside it.
    """

    def __init__(self, forward, inverse):
        self.forward = forward
        self.inverse = inverse

    @classmethod
    def start_task(cls, method, previous, task, generator_config, task_init="fresh"):
        """Both generators grown from `previous` (a `CycleGenerators` or None) for `task`."""
        return cls(
            method.start_task(previous.forward if previous else None, task, generator_config, task_init),
            method.start_task(previous.inverse if previous else None, task, generator_config, task_init),
        )

    @classmethod
    def rebuild(cls, method, num_tasks, generator_config):
        """Empty generators with the structure after `num_tasks` tasks (to restore into),
        built at that size at once (`ContinualMethod.rebuild`)."""
        return cls(method.rebuild(num_tasks, generator_config), method.rebuild(num_tasks, generator_config))

    @property
    def models(self):
        return self.forward.models

    @property
    def num_tasks(self):
        return self.forward.num_tasks

    @property
    def gathers_task_rows(self):
        return self.forward.gathers_task_rows

    def __call__(self, inputs, task, z, training=False):
        return self.forward(inputs, task=task, z=z, training=training)

    def count_params(self):
        """Parameters of the input -> target generator(s) serving all tasks (Table 5)."""
        return self.forward.count_params()

    def trainable_variables(self, method, task):
        return method.trainable_variables(self.forward, task) + method.trainable_variables(self.inverse, task)

    def checkpoint_items(self):
        """G's items under the names a paired run uses (so whatever restores a run's
        generator reads G), F's prefixed with `inverse_`."""
        items = dict(self.forward.checkpoint_items())
        items.update({f"inverse_{name}": model for name, model in self.inverse.checkpoint_items().items()})
        return items
