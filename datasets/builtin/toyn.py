"""The `toyN` family: a fixed list of paired toy tasks, input domains x recolourings.

`--tasks=toyN` is the first N tasks of `FAMILY_TASKS`, so any prefix is a sequence.
Four input domains (`FAMILY_DOMAINS`: synthetic photos, street label maps, colour
waves and colour rings) meet 25 recolourings (`recolourings.MAPPINGS`: channel
permutations, inversions, palettes of brightness), 100 tasks in all, each named
`toy_<domain>2<recolouring>`. The list walks the domains in turn, each through the
recolourings from its own offset, so every prefix mixes domains and a domain comes
back with a different output every fourth task: toyN's first eight tasks ask two
outputs of each domain. A mosaic of flat coloured rectangles was tried as a fifth
domain and dropped: its channel permutation reached only 0.61x its mean-colour L1
in 150 steps, as the per-image stretch of few flat regions is a whole-image statistic. `toy_conflict10` asks
ten different outputs of one domain (photos), the hardest case for forgetting.

Nothing is drawn until a task's examples are asked for (TFDS prepares one task at a
time), and each example is drawn from its own seed as every toy task's is.
"""

from __future__ import annotations

import numpy as np

from datasets.builtin.domains import (
    STREET_LABEL_COLOURS,
    make_photo,
    make_street_layout,
)
from datasets.builtin.drawing import NATIVE_SIZE, pixel_grid, to_float, to_uint8
from datasets.builtin.recolourings import MAPPINGS
from datasets.builtin.toy_task import ToyTask
from datasets.errors import UnknownTaskError


def make_waves(rng: np.random.Generator) -> np.ndarray:
    """A smooth colour field, uint8: each channel a plane wave of its own direction."""
    rows, cols = pixel_grid()
    channels = []
    for _ in range(3):
        angle, phase = rng.uniform(0, 2 * np.pi, size=2)
        cycles, level = rng.uniform(0.5, 2.0), rng.uniform(0.3, 0.7)
        along = (cols * np.cos(angle) + rows * np.sin(angle)) / NATIVE_SIZE
        channels.append(level + 0.25 * np.sin(2 * np.pi * cycles * along + phase))
    return to_uint8(np.stack(channels, axis=-1))


def make_rings(rng: np.random.Generator) -> np.ndarray:
    """A smooth colour field, uint8: each channel a radial wave about a centre of its own."""
    rows, cols = pixel_grid()
    channels = []
    for _ in range(3):
        centre_row, centre_col = rng.uniform(0, NATIVE_SIZE, size=2)
        cycles, phase, level = rng.uniform(1.0, 3.0), rng.uniform(0, 2 * np.pi), rng.uniform(0.3, 0.7)
        radius = np.hypot(rows - centre_row, cols - centre_col) / NATIVE_SIZE
        channels.append(level + 0.25 * np.sin(2 * np.pi * cycles * radius + phase))
    return to_uint8(np.stack(channels, axis=-1))


# name -> (what it draws, a uint8 image; words for descriptions; the input domain's
# name, shared with the hand-drawn tasks whose inputs come from the same generator).
FAMILY_DOMAINS = {
    "photo": (make_photo, "synthetic photo", "photo"),
    "street": (lambda rng: STREET_LABEL_COLOURS[make_street_layout(rng)], "street label map", "label_map"),
    "waves": (make_waves, "smooth colour waves", "waves"),
    "rings": (make_rings, "smooth colour rings", "rings"),
}
_OFFSET = 5  # how far apart the domains start in the list of recolourings
_SEED_BASE = 20000


def _pair(draw, mapping):
    def pair(rng: np.random.Generator) -> dict[str, np.ndarray]:
        image = draw(rng)
        return {"input": image, "target": to_uint8(mapping(to_float(image)))}

    return pair


def _family() -> tuple[ToyTask, ...]:
    domains, mappings = list(FAMILY_DOMAINS), list(MAPPINGS)
    tasks = []
    for position in range(len(domains) * len(mappings)):
        domain_index, round_index = position % len(domains), position // len(domains)
        mapping_index = (round_index + _OFFSET * domain_index) % len(mappings)
        domain, mapping = domains[domain_index], mappings[mapping_index]
        draw, words, input_domain = FAMILY_DOMAINS[domain]
        tasks.append(
            ToyTask(
                f"toy_{domain}2{mapping}",
                _SEED_BASE + 100 * domain_index + mapping_index,
                f"{words} -> its {mapping} recolouring (toyN family)",
                input_domain,
                pair=_pair(draw, MAPPINGS[mapping]),
            )
        )
    return tuple(tasks)


TASKS = _family()
FAMILY_TASKS = tuple(task.name for task in TASKS)
FAMILY_PREFIX = "toy"
CONFLICT10_TASKS = tuple(
    f"toy_photo2{mapping}"
    for mapping in ("gbr", "invert", "fire", "ice", "invert_rb", "bgr", "sunset", "invert_b", "forest", "grey")
)


def family_sequence(name: str) -> tuple[str, ...] | None:
    """The tasks of `toyN` (N from 1 to len(FAMILY_TASKS)), or None if `name` is not one.

    `toy10` is not of this family: it is the ten hand-drawn tasks (`catalogue.SEQUENCES`).
    """
    digits = name[len(FAMILY_PREFIX) :]
    if not name.startswith(FAMILY_PREFIX) or not digits.isdigit() or digits.startswith("0") or name == "toy10":
        return None
    if not 1 <= int(digits) <= len(FAMILY_TASKS):
        raise UnknownTaskError(
            f"--tasks={name} asks for {int(digits)} tasks, but toyN takes N from 1 to {len(FAMILY_TASKS)}; "
            f"use --tasks=toy{len(FAMILY_TASKS)} for them all."
        )
    return FAMILY_TASKS[: int(digits)]
