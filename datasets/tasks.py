"""The task registry: what `--tasks` accepts and what each name means.

A task is one image-to-image translation of the lifelong sequence. Its definition
fixes where the images come from (`source`, `dataset`), whether they are paired,
and which side is the input (`direction`), so that `--tasks` takes plain names:

    python train.py --tasks=cityscapes,maps,facades,edges2handbags
    python train.py --tasks=facades,mydata=/path/to/folder:BtoA

Sides A and B are named as the data stores them, never as input/output:
- paired (pix2pix layout): every file is one pair side by side, A on the left and
  B on the right; `AtoB` means input = left half, target = right half.
- unpaired (CycleGAN layout): domain A is trainA/ testA/, domain B is trainB/
  testB/; `AtoB` means input = A images, target = B images (CycleGAN's own
  `--direction` convention).

This module imports nothing heavy: `--help` and flag parsing stay instant. The
builders behind the names live in `pix2pix.py`, `user_folders.py` and the
`builtin` package; `pipeline.py` turns a `Task` into a `tf.data.Dataset`.

Every data problem raises a subclass of `errors.DatasetError` whose message is one
sentence saying what is wrong and what to do, so a CLI can print `str(err)` and
exit without a traceback; `layout.py` tells a folder's layout from its subfolders.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re

from datasets.builtin import catalogue as builtin_catalogue
from datasets.builtin.drawing import NATIVE_SIZE as BUILTIN_SIZE
from datasets.errors import DatasetError, UnknownTaskError
from datasets.layout import AB_LAYOUT, PAIRED_LAYOUTS, PIX2PIX_LAYOUT, detect_layout

PAIRED, UNPAIRED = "paired", "unpaired"
A_TO_B, B_TO_A = "AtoB", "BtoA"
# Where a task's images come from: the pix2pix authors' archives (pix2pix.py),
# TFDS' own cycle_gan builder, the locally generated toy tasks (the builtin package),
# or a folder of the user's (user_folders.py).
SOURCES = ("pix2pix", "cycle_gan", "builtin", "folder")


@dataclasses.dataclass(frozen=True)
class Task:
    """One image-to-image task of a lifelong sequence.

    Attributes:
        name: the name used in `--tasks`, logs and checkpoints.
        mode: `"paired"` (pix2pix loss) or `"unpaired"` (CycleGAN loss).
        source: one of `SOURCES`, which says how `dataset` is read.
        dataset: the TFDS `name/config` (`pix2pix/facades`, `cycle_gan/monet2photo`,
            `builtin_tasks/toy_edges2bags`) or, for a user's folder, its absolute path.
        direction: `"AtoB"` or `"BtoA"`: which stored side is the input (see the
            module docstring for what A and B are in each layout).
        description: one line for `--help`, logs and reports.
        splits: the split names `pipeline.make_dataset` accepts for this task.
        native_size: side length of the stored images (None where it varies).
        layout: for a user's folder, `"pix2pix"`, `"cyclegan"` or `"ab"`; None otherwise.
    """

    name: str
    mode: str
    source: str
    dataset: str
    direction: str
    description: str
    splits: tuple[str, ...] = ("train", "test")
    native_size: int | None = None
    layout: str | None = None

    def __post_init__(self):
        if self.mode not in (PAIRED, UNPAIRED):
            raise ValueError(f"mode must be {PAIRED!r} or {UNPAIRED!r}, not {self.mode!r}")
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {self.source!r}")
        if self.direction not in (A_TO_B, B_TO_A):
            raise ValueError(f"direction must be {A_TO_B!r} or {B_TO_A!r}, not {self.direction!r}")

    @property
    def paired(self) -> bool:
        return self.mode == PAIRED

    @property
    def input_side(self) -> str:
        """`"A"` or `"B"`: the stored side that is the generator's input."""
        return "A" if self.direction == A_TO_B else "B"

    @property
    def target_side(self) -> str:
        return "B" if self.direction == A_TO_B else "A"


def _pix2pix_task(name, direction, description, splits=("train", "test", "val")):
    return Task(
        name=name, mode=PAIRED, source="pix2pix", dataset=f"pix2pix/{name}",
        direction=direction, description=description, splits=splits, native_size=256,
    )


def _cycle_gan_task(name, config, description):
    # TFDS cycle_gan/*2photo: trainA/testA hold the art, trainB/testB the photos,
    # and the paper translates photo -> art: B -> A.
    return Task(
        name=name, mode=UNPAIRED, source="cycle_gan", dataset=f"cycle_gan/{config}",
        direction=B_TO_A, description=description, native_size=256,
    )


# The paper's tasks and cheap extras, in the order `--help` lists them. The
# directions follow the pix2pix archives' layouts (docs/design.md, "Tasks, data
# and directions"); every archive keeps a `val` split and `test` is test/ or val/.
_REGISTERED_TASKS = {
    task.name: task
    for task in (
        _pix2pix_task(
            "cityscapes", B_TO_A, "label map -> street photo (pix2pix cityscapes, B->A)"
        ),
        _pix2pix_task("maps", B_TO_A, "map -> aerial photo (pix2pix maps, B->A)"),
        _pix2pix_task("facades", B_TO_A, "label map -> facade photo (pix2pix facades, B->A)"),
        _pix2pix_task(
            "edges2handbags", A_TO_B, "edges -> handbag photo (pix2pix edges2handbags, A->B)"
        ),
        _pix2pix_task("edges2shoes", A_TO_B, "edges -> shoe photo (pix2pix edges2shoes, A->B)"),
        _pix2pix_task("night2day", A_TO_B, "night -> day photo (pix2pix night2day, A->B)"),
        _cycle_gan_task(
            "monet", "monet2photo", "photo -> Monet painting (unpaired, TFDS cycle_gan/monet2photo)"
        ),
        _cycle_gan_task(
            "ukiyoe",
            "ukiyoe2photo",
            "photo -> Ukiyo-e print (unpaired, TFDS cycle_gan/ukiyoe2photo)",
        ),
    )
}

# Kept literal so that `--help` needs no import of TFDS; a test checks that it
# names every task of `task_names()`.
TASKS_HELP = """\
Each entry is one of:
  cityscapes      label map -> street photo (pix2pix archive, B->A)
  maps            map -> aerial photo (pix2pix archive, B->A)
  facades         label map -> facade photo (pix2pix archive, B->A)
  edges2handbags  edges -> handbag photo (pix2pix archive, A->B)
  edges2shoes     edges -> shoe photo (pix2pix archive, A->B)
  night2day       night -> day photo (pix2pix archive, A->B)
  monet           photo -> Monet (unpaired, TFDS cycle_gan/monet2photo)
  ukiyoe          photo -> Ukiyo-e (unpaired, TFDS cycle_gan/ukiyoe2photo)
  toy_labels2street, toy_edges2bags, toy_photo2warm, toy_photo2cool:
      built-in paired toy tasks, generated locally at 64x64, no download
  toy_photo2monet, toy_photo2ukiyoe: built-in unpaired toy tasks, likewise
  toy_maps2aerial, toy_labels2night, toy_photo2sketch, toy_labels2facade,
  toy_edges2canvas, toy_photo2nightvision: six more paired toy tasks
  toy10           the long built-in sequence, one entry for all ten: the
      four paired toy tasks above, then these six (several share an input)
  toyN            the first N (1..100) of one fixed list of paired toy
      tasks: four input domains x 25 recolourings, each task named
      toy_<domain>2<recolouring>; toy10 is the sequence above, not toyN
  toy_conflict10  ten recolourings of one input (toyN's photo tasks)
  NAME=/path/to/folder[:AtoB|:BtoA]  your own images (AtoB by default):
      pix2pix layout: train/ and test/ (or val/), each image one pair side
      by side, A left and B right; AtoB = left half -> right half.
      A/B layout: A/ and B/ with train/ and test/ (or val/) below them, or
      train/ and test/ (or val/) with A/ and B/ below them; paired by file
      name (A/train/0001.jpg with B/train/0001.png); AtoB = A -> B.
      CycleGAN layout: trainA/ trainB/ testA/ testB/, unpaired; AtoB = A->B.
The pix2pix archives download from the authors' server on first use (or
are read from <data_dir>/downloads/manual/<name>.tar.gz, placed by hand).
Examples: --tasks=cityscapes,maps,facades,edges2handbags
          --tasks=facades,mydata=/data/mydata:BtoA"""

_FOLDER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_DIRECTION_SUFFIX = re.compile(r"^(?P<path>.*):(?P<direction>[A-Za-z]to[A-Za-z])$")


def _builtin_tasks() -> dict[str, Task]:
    # Paired toy tasks have features `input` / `target`, and the pipeline reads
    # `input` as side A; unpaired ones are laid out like cycle_gan/*2photo:
    # A = art (target), B = photo (input).
    return {
        name: Task(
            name=name,
            mode=PAIRED if toy.paired else UNPAIRED,
            source="builtin",
            dataset=f"builtin_tasks/{name}",
            direction=A_TO_B if toy.paired else B_TO_A,
            description=f"{toy.description} (built-in toy task)",
            native_size=BUILTIN_SIZE,
        )
        for name, toy in builtin_catalogue.TOY_TASKS.items()
    }


def task_names() -> list[str]:
    """Every name `--tasks` accepts without a folder, in the order `--help` lists them;
    the tasks of the toyN family are accepted too, but listed only as `toyN`."""
    family = set(builtin_catalogue.FAMILY_TASKS)
    return list(_REGISTERED_TASKS) + [name for name in _builtin_tasks() if name not in family]


def get_task(name: str) -> Task:
    """The registered or built-in task called `name`; `UnknownTaskError` otherwise."""
    if name in _REGISTERED_TASKS:
        return _REGISTERED_TASKS[name]
    builtin = _builtin_tasks()
    if name in builtin:
        return builtin[name]
    valid = task_names()
    close = difflib.get_close_matches(name, valid, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise UnknownTaskError(
        f"Unknown task {name!r}{hint}; valid tasks are {', '.join(valid)}, the sequences "
        f"{', '.join(builtin_catalogue.SEQUENCES)} and toyN (N = 1..{len(builtin_catalogue.FAMILY_TASKS)}), or "
        "NAME=/path/to/folder[:AtoB|:BtoA] for a folder of your own images."
    )


def _folder_task(entry: str, registered: set[str]) -> Task:
    """A `NAME=/path/to/folder[:AtoB|:BtoA]` entry, with its layout detected."""
    name, _, location = entry.partition("=")
    name, location = name.strip(), location.strip()
    if not _FOLDER_NAME.fullmatch(name):
        raise DatasetError(
            f"Task entry {entry!r} needs a name made of letters, digits, '_', '-' or '.' "
            "before '=', as in mydata=/path/to/folder:BtoA."
        )
    if name in registered:
        raise DatasetError(
            f"Task name {name!r} in {entry!r} is taken by a predefined task; give your "
            f"folder another name, as in my_{name}=/path/to/folder."
        )
    direction = A_TO_B
    match = _DIRECTION_SUFFIX.match(location)
    if match:
        suffix = match["direction"].lower()
        if suffix not in ("atob", "btoa"):
            raise DatasetError(
                f"Unknown direction {match['direction']!r} in {entry!r}; use :AtoB or :BtoA."
            )
        direction = A_TO_B if suffix == "atob" else B_TO_A
        location = match["path"]
    if not location:
        raise DatasetError(f"Task entry {entry!r} names no folder after '='.")
    folder = os.path.abspath(os.path.expanduser(location))
    layout = detect_layout(folder)
    paired = layout in PAIRED_LAYOUTS
    input_side, target_side = ("A", "B") if direction == A_TO_B else ("B", "A")
    if layout == PIX2PIX_LAYOUT:
        sides = "left half -> right half" if direction == A_TO_B else "right half -> left half"
    elif layout == AB_LAYOUT:
        sides = f"{input_side}/ -> {target_side}/, paired by file name"
    else:
        sides = f"{input_side} -> {target_side}, unpaired"
    return Task(
        name=name,
        mode=PAIRED if paired else UNPAIRED,
        source="folder",
        dataset=folder,
        direction=direction,
        description=f"your folder {folder} ({layout} layout, {sides})",
        layout=layout,
    )


def parse_tasks(spec: str) -> list[Task]:
    """The tasks of a `--tasks` value, in order. See `TASKS_HELP` for the syntax.

    Raises:
        UnknownTaskError: an entry names no known task.
        DatasetError: an empty list, a repeated name, or a folder entry whose folder
            is missing or in neither layout.
    """
    entries = [entry.strip() for entry in spec.split(",")]
    entries = [entry for entry in entries if entry]
    if not entries:
        raise DatasetError(
            "--tasks is empty; name at least one task, e.g. --tasks=facades (see --help)."
        )
    # A built-in sequence's name (toy10, toyN) stands for its tasks, in order.
    entries = [name for entry in entries for name in builtin_catalogue.sequence(entry) or (entry,)]
    registered = set(_REGISTERED_TASKS) | set(builtin_catalogue.TOY_TASKS)
    tasks = []
    for entry in entries:
        task = _folder_task(entry, registered) if "=" in entry else get_task(entry)
        if any(task.name == earlier.name for earlier in tasks):
            raise DatasetError(
                f"Task {task.name!r} appears twice in --tasks; each task is learned once."
            )
        tasks.append(task)
    return tasks
