"""The one domain classifier of a task sequence: the judge behind Acc (and the
feature space of classifier-feature FID), for the end-of-task evaluation and
evaluate.py alike.

It is trained on the real target images (train split) of every task of the
sequence (class i = task i) and cached in `<workdir>/domain_classifier` under a key
of the sequence, the image size and the training settings, so the trainer and
evaluate.py load the same classifier.
"""

import os
import shutil

from datasets import pipeline
from hyper_lifelong_gan.evaluation.runs import EvaluationError
from hyper_lifelong_gan.metrics import domain_classifier

CLASSIFIER_DIR = "domain_classifier"
# The domain classifier's training: a few hundred balanced steps reach >= 95% on the
# real test images of the built-in sequence, in seconds on a CPU.
CLASSIFIER_STEPS = 300
CLASSIFIER_BATCH_SIZE = 32
CLASSIFIER_SEED = 0


def classifier_training_config(steps=None, batch_size=None):
    """The keyword arguments of `domain_classifier.train_domain_classifier` (and part of
    the cache key); None: this module's defaults."""
    return dict(
        steps=CLASSIFIER_STEPS if steps is None else steps,
        batch_size=CLASSIFIER_BATCH_SIZE if batch_size is None else batch_size,
        seed=CLASSIFIER_SEED,
    )


def classifier_cache_dir(workdir):
    return os.path.join(workdir, CLASSIFIER_DIR)


def sequence_domain_classifier(tasks, image_size, cache_dir, data_dir=None, steps=None, batch_size=None):
    """The domain classifier of a task sequence (T classes, class i = task i).

    Trained on the real target images of the train split of every task, or loaded
    from `cache_dir` where an earlier evaluation left it (`load_or_train`).
    """
    require_two_tasks(tasks)
    training_config = classifier_training_config(steps, batch_size)

    def real_targets():
        return [
            pipeline.target_images(task, "train", image_size, data_dir).batch(training_config["batch_size"])
            for task in tasks
        ]

    return domain_classifier.load_or_train(
        cache_dir, [task.name for task in tasks], image_size, real_targets, **training_config,
    )


def run_classifier(tasks, config):
    """The classifier of a run's own sequence, cached in its workdir (the trainer's)."""
    return sequence_domain_classifier(
        tasks, config.image_size, classifier_cache_dir(config.workdir), config.data_dir or None
    )


def require_two_tasks(tasks):
    if len(tasks) < 2:
        raise EvaluationError(
            "Acc and classifier-feature FID need a sequence of at least two tasks; "
            f"this run learns only {tasks[0].name}: pass --classifier_tasks with the sequence whose "
            "classifier should judge it (the paper's Table 1: cityscapes,maps,facades,edges2handbags)."
        )


class SharedClassifiers:
    """One domain classifier per (sequence, image size), shared by the runs evaluated
    together, so that their Acc columns are measured by the same judge.

    The first run of a sequence loads or trains it; later runs get a copy of its
    cache file in their own workdir.
    """

    def __init__(self, steps, batch_size, log):
        self.steps = steps
        self.batch_size = batch_size
        self.log = log
        self._by_sequence = {}

    def get(self, run, tasks=None):
        """The classifier of `tasks` (default: the run's own sequence)."""
        tasks = tasks or run.tasks
        require_two_tasks(tasks)  # before the log line promising a training
        names = [task.name for task in tasks]
        key = (tuple(names), run.config.image_size)
        training_config = classifier_training_config(self.steps, self.batch_size)
        path = domain_classifier.classifier_cache_path(
            classifier_cache_dir(run.workdir), names, run.config.image_size, **training_config
        )
        if key in self._by_sequence:
            model, source = self._by_sequence[key]
            if not os.path.isfile(path):
                os.makedirs(os.path.dirname(path), exist_ok=True)
                shutil.copyfile(source, path)
                shutil.copyfile(source[: -len(".keras")] + ".json", path[: -len(".keras")] + ".json")
            return model
        if os.path.isfile(path):
            self.log(f"Loading the domain classifier {path}.")
        else:
            self.log(
                f"Training the domain classifier on the real targets of {len(tasks)} tasks "
                f"({training_config['steps']} steps); it is cached in {os.path.dirname(path)}."
            )
        model = sequence_domain_classifier(
            tasks, run.config.image_size, classifier_cache_dir(run.workdir),
            run.config.data_dir or None, self.steps, self.batch_size,
        )
        self._by_sequence[key] = (model, path)
        return model
