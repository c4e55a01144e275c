"""What a built-in toy task is: a name, a seed and a function that draws one example.

Every image is drawn in NumPy from a fixed seed per (task, split, index), so a task's
data is the same on every machine and any one example can be drawn alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from datasets.builtin.domains import make_photo

PAIRED_SPLIT_SIZES = {"train": 400, "test": 100}
UNPAIRED_SPLIT_SIZES = {"trainA": 300, "trainB": 300, "testA": 60, "testB": 60}
# Distinct ids keep the splits disjoint; the A and B sides of an unpaired task use
# different ids, so an art image is never a rendering of a photo in B.
SPLIT_IDS = {"train": 0, "test": 1, "trainA": 2, "trainB": 3, "testA": 4, "testB": 5}


@dataclasses.dataclass(frozen=True)
class ToyTask:
    """One built-in toy task.

    Attributes:
        name: the name `--tasks` accepts (starts with `toy_`).
        seed: the task's own seed; changing it changes the task's data, so seeds are
            part of the dataset version.
        description: one line for `--help`, logs and reports.
        input_domain: which generator draws the inputs (paired) or the photo side B
            (unpaired); tasks with the same domain see the same distribution.
        pair: paired tasks: rng -> {"input", "target"}, uint8 [64, 64, 3] each.
        art: unpaired tasks: (photo, rng) -> the art side A of a photo of its own.
    """

    name: str
    seed: int
    description: str
    input_domain: str
    pair: Callable[[np.random.Generator], dict] | None = None
    art: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None

    @property
    def paired(self) -> bool:
        return self.pair is not None

    def split_sizes(self) -> dict[str, int]:
        return dict(PAIRED_SPLIT_SIZES if self.paired else UNPAIRED_SPLIT_SIZES)

    def rng(self, split: str, index: int) -> np.random.Generator:
        """The generator that draws example `index` of `split`."""
        return np.random.default_rng([self.seed, SPLIT_IDS[split], index])

    def example(self, split: str, index: int) -> dict:
        """Example `index` of `split`: {'input', 'target'} (paired) or {'image', 'label'}
        with label 0 for A (art) and 1 for B (photo), as the TFDS builder stores it."""
        sizes = self.split_sizes()
        if split not in sizes:
            raise ValueError(f"{self.name!r} has splits {sorted(sizes)}, not {split!r}")
        if not 0 <= index < sizes[split]:
            raise IndexError(f"index {index} out of range for {self.name!r}/{split}")
        rng = self.rng(split, index)
        if self.paired:
            return self.pair(rng)
        photo = make_photo(rng)
        if split.endswith("B"):
            return {"image": photo, "label": 1}
        return {"image": self.art(photo, rng), "label": 0}
