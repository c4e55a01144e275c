"""What every continual-learning method answers: what a task adds, what is frozen,
what the loss adds."""

import keras

from hyper_lifelong_gan.layers.task_selection import is_static_task
from hyper_lifelong_gan.models import build_generator, grow_generator


class TaskGenerators:
    """The generator(s) that serve every task learned so far.

    Shared-model methods hold one multi-task generator; separate-model baselines
    hold one generator per task. `routes[j] = (model index, task slot)` says which
    model and which of its task slots perform task j.
    """

    def __init__(self, models, routes):
        self.models = list(models)
        self.routes = list(routes)

    @property
    def num_tasks(self):
        return len(self.routes)

    def __call__(self, inputs, task, z, training=False):
        """Task `task`'s output: `task` is an int, or (for one shared model whose
        slot j performs task j) a scalar integer tensor or runs of the batch, which
        the model selects itself (see `ResnetGenerator.call`)."""
        if is_static_task(task):
            model_index, slot = self.routes[task]
            return self.models[model_index](inputs, task=slot, z=z, training=training)
        if not self.slot_per_task:
            raise ValueError(
                "Only one shared generator with a slot per task can take a task index tensor or "
                "runs of the batch; this method's tasks are spread over models or share a slot."
            )
        return self.models[0](inputs, task=task, z=z, training=training)

    @property
    def slot_per_task(self):
        """One model whose task slot j performs task j (the methods that distil)."""
        return len(self.models) == 1 and self.routes == [(0, j) for j in range(len(self.routes))]

    @property
    def gathers_task_rows(self):
        """One shared model whose slot j is task j, with layers that gather a task's rows
        (hyper, plain): a task given as a tensor then costs what a Python int does.
        PiggybackGAN's filters of a task given as a tensor are built for every task on
        each call."""
        return self.slot_per_task and self.models[0].conv_kind != "piggyback"

    def model_for(self, task):
        return self.models[self.routes[task][0]]

    def count_params(self):
        """Generator parameters needed to serve all tasks learned so far."""
        return sum(model.count_params() for model in self.models)

    def checkpoint_items(self):
        """Trackables for `tf.train.Checkpoint`, one per model (see `weights_trackable`)."""
        return {f"generator_{i}": weights_trackable(model) for i, model in enumerate(self.models)}


class ContinualMethod:
    """Base of the continual-learning methods; subclasses set the class attributes.

    Attributes:
        name: the `--method` value.
        description: one line for `--help` and reports.
        conv_kind: which convolutions the generator uses ("hyper", "plain", "piggyback").
        separate_models: a whole new generator per task (Full, Hyper-Full).
        grows_task_slots: a shared model gains task-specific parameters per task.
        distills: the loss adds beta * L1 distillation of earlier tasks (eq. 10).
        generator_overrides: generator arguments the method fixes.
    """

    name = ""
    description = ""
    conv_kind = "hyper"
    separate_models = False
    grows_task_slots = True
    distills = False
    generator_overrides = {}

    def generator_config(self, config):
        merged = dict(config, conv_kind=self.conv_kind)
        merged.update(self.generator_overrides)
        return merged

    @property
    def copies_previous_task(self):
        """Whether `--task_init=previous` applies: one shared model that gains a task's
        rows and distils (a separate model per task, fine-tuning and PiggybackGAN, whose
        new task parameters differ from the last task's, start fresh)."""
        return self.distills and self.grows_task_slots and not self.separate_models

    def start_task(self, previous, task, generator_config, task_init="fresh"):
        """The `TaskGenerators` that learns task `task`, grown from `previous`.

        `previous` (None for the first task) is left untouched, so it can serve as
        the frozen teacher. New parameters are initialised from Keras' global seed,
        or with `task_init="previous"` copied from task `task - 1`'s rows.
        """
        config = self.generator_config(generator_config)
        if previous is None:
            return TaskGenerators([build_generator(num_tasks=1, **config)], [(0, 0)])
        if self.separate_models:
            model = build_generator(num_tasks=1, **config)
            return TaskGenerators(previous.models + [model], previous.routes + [(len(previous.models), 0)])
        (model,) = previous.models
        if not self.grows_task_slots:
            # Sequential fine-tuning: the same parameters serve every task; train a copy
            # so that the model of the previous stage stays intact.
            return TaskGenerators([grow_generator(model, model.num_tasks)], previous.routes + [(0, 0)])
        copy_from = task - 1 if task_init == "previous" and self.copies_previous_task else None
        return TaskGenerators([grow_generator(model, task + 1, copy_from)], previous.routes + [(0, task)])

    def trainable_variables(self, generators, task):
        """What training task `task` updates; everything else is frozen."""
        return list(generators.model_for(task).trainable_variables)

    def rebuild(self, num_tasks, generator_config):
        """Empty `TaskGenerators` with the structure after `num_tasks` tasks (to restore
        into), each model built at its final size at once: growing them task by task, as
        `start_task` does, built num_tasks models, and TensorFlow kept most of their
        memory (3.2 GB to restore a toy model after 50 tasks, against 0.2 GB after 10)."""
        config = self.generator_config(generator_config)
        if self.separate_models:
            models = [build_generator(num_tasks=1, **config) for _ in range(num_tasks)]
            return TaskGenerators(models, [(index, 0) for index in range(num_tasks)])
        if not self.grows_task_slots:  # one slot serves every task
            return TaskGenerators([build_generator(num_tasks=1, **config)], [(0, 0)] * num_tasks)
        return TaskGenerators([build_generator(num_tasks=num_tasks, **config)], [(0, j) for j in range(num_tasks)])


def weights_trackable(model):
    """Every weight of a Keras model, keyed by its path, as one checkpointable object.

    `tf.train.Checkpoint(model=keras_model)` is not enough under Keras 3: layers and
    variables held in Python lists (per-task weights, residual blocks) are invisible
    to TensorFlow's object tracking and would silently not be saved. Keys are the
    paths below the model, so every layer must have a stable, explicit name.
    """
    import tensorflow as tf

    prefix = model.name + "/"
    return tf.train.Checkpoint(**{
        variable.path.removeprefix(prefix).replace("/", "."): variable for variable in model.weights
    })


def set_task_seed(seed, task):
    """Makes a task's fresh parameters depend only on (seed, task), so a resumed run
    rebuilds exactly the model an uninterrupted one would."""
    keras.utils.set_random_seed(seed * 1000 + task)
