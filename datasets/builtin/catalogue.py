"""Every built-in toy task by name, the sequences `--tasks` accepts, and one example of any.

To add a toy task, add a `ToyTask` to the `TASKS` of the module of its kind (street.py,
bags.py, photo_styles.py, maps.py, facades.py, art.py; a new kind is a new module
listed in `_KINDS`); its name then works in `--tasks` and in the TFDS builder.
"""

from __future__ import annotations

import numpy as np

from datasets.builtin import art, bags, facades, maps, photo_styles, street, toyn
from datasets.builtin.toy_task import ToyTask
from datasets.errors import UnknownTaskError

_KINDS = (street, bags, photo_styles, maps, facades, art, toyn)

# The default paired sequence (`python train.py`), in training order.
PAIRED_TASKS = ("toy_labels2street", "toy_edges2bags", "toy_photo2warm", "toy_photo2cool")
UNPAIRED_TASKS = tuple(task.name for task in art.TASKS)
# Six more paired tasks: with the four above, the long sequence `--tasks=toy10`.
EXTRA_PAIRED_TASKS = (
    "toy_maps2aerial",
    "toy_labels2night",
    "toy_photo2sketch",
    "toy_labels2facade",
    "toy_edges2canvas",
    "toy_photo2nightvision",
)
TOY10_TASKS = PAIRED_TASKS + EXTRA_PAIRED_TASKS
FAMILY_TASKS = toyn.FAMILY_TASKS
# Names of whole built-in sequences that `--tasks` accepts as one entry; `toyN` for
# N = 1..len(FAMILY_TASKS) (but 10) too, through `sequence`.
SEQUENCES = {"toy10": TOY10_TASKS, "toy_conflict10": toyn.CONFLICT10_TASKS}

_BY_KIND = {task.name: task for kind in _KINDS for task in kind.TASKS}
# Every toy task by name: toy10's, the unpaired ones, then any other (the toyN family).
TOY_TASKS: dict[str, ToyTask] = {name: _BY_KIND[name] for name in TOY10_TASKS + UNPAIRED_TASKS} | _BY_KIND

DESCRIPTIONS = {name: task.description for name, task in TOY_TASKS.items()}
INPUT_DOMAINS = {name: task.input_domain for name, task in TOY_TASKS.items()}


def sequence(name: str) -> tuple[str, ...] | None:
    """The tasks a sequence name stands for (`toy10`, `toy_conflict10`, `toyN`), else None.

    Raises:
        UnknownTaskError: `toyN` with N beyond the family.
    """
    if name in SEQUENCES:
        return SEQUENCES[name]
    return toyn.family_sequence(name)


def toy_task(task_name: str) -> ToyTask:
    if task_name not in TOY_TASKS:
        raise UnknownTaskError(
            f"Unknown built-in task {task_name!r}; the built-in tasks are {', '.join(TOY10_TASKS + UNPAIRED_TASKS)} "
            f"and the {len(FAMILY_TASKS)} tasks of toyN, such as {FAMILY_TASKS[0]}."
        )
    return TOY_TASKS[task_name]


def example_rng(task_name: str, split: str, index: int) -> np.random.Generator:
    """The generator that draws example `index` of `split` of `task_name`."""
    return toy_task(task_name).rng(split, index)


def split_sizes(task_name: str) -> dict[str, int]:
    return toy_task(task_name).split_sizes()


def make_example(task_name: str, split: str, index: int) -> dict:
    """Example `index` of `split`, exactly as the TFDS builder stores it.

    Paired tasks: {'input', 'target'}, uint8 [64, 64, 3]. Unpaired tasks:
    {'image': uint8 [64, 64, 3], 'label': 0 for A (art) or 1 for B (photo)}.
    """
    return toy_task(task_name).example(split, index)
