"""Every learned task's generated and real test images as PNG files, for the standard
FID tools (`fid` here is a Keras-Inception FID, not comparable with published FID)."""

import dataclasses
import os
import shutil

import numpy as np

from hyper_lifelong_gan.evaluation.generation import eval_z, real_test_targets, test_outputs
from hyper_lifelong_gan.reporting.images import save_png

OUTPUTS_DIR = "outputs"


def save_outputs_of_run(run, eval_examples=0, log=None):
    """Writes every learned task's test outputs and real test images as PNG files, for
    the standard FID tools (e.g. `python -m pytorch_fid REAL GENERATED`).

    The generators are those after the last learned task (the stage the paper's tables
    report), with the evaluation's fixed noise; images at the run's --image_size.
    Layout: <workdir>/outputs/<task>/generated/00000.png ... and
    <workdir>/outputs/<task>/real/00000.png ... (a paired task's real images are the
    targets of the same test examples; an unpaired task's, its target-domain test
    images). Folders are replaced on every call.

    Returns:
        {task name: (generated folder, real folder)}.
    """
    log = log or (lambda line: None)
    config = dataclasses.replace(run.config, eval_examples=eval_examples)
    generators = run.restore_generators(run.completed - 1)
    z = eval_z(generators)
    folders = {}
    for task_index, task in enumerate(run.tasks[: run.completed]):
        task_dir = os.path.join(run.workdir, OUTPUTS_DIR, task.name)
        generated_dir, real_dir = os.path.join(task_dir, "generated"), os.path.join(task_dir, "real")
        for folder in (generated_dir, real_dir):
            shutil.rmtree(folder, ignore_errors=True)
            os.makedirs(folder)
        counts = {generated_dir: 0, real_dir: 0}

        def write(folder, batch):
            for image in np.asarray(batch):
                save_png(os.path.join(folder, f"{counts[folder]:05d}.png"), image)
                counts[folder] += 1

        for _, generated, target in test_outputs(generators, task, task_index, config, z):
            write(generated_dir, generated)
            if task.paired:
                write(real_dir, target)
        if not task.paired:
            for batch in real_test_targets(task, config):
                write(real_dir, batch)
        log(f"{run.workdir}: {task.name}: {counts[generated_dir]} generated and {counts[real_dir]} "
            f"real test images in {os.path.dirname(generated_dir)}.")
        folders[task.name] = (generated_dir, real_dir)
    return folders
