"""Built-in toy tasks that need no download, generated in NumPy from fixed seeds.

`python train.py` with no flags trains on these, so a newcomer sees lifelong learning
(and forgetting) on a 2-core CPU within minutes. Every image is drawn from a fixed seed
per (task, split, index): the data is the same on every machine, any example can be
drawn alone, and a task's examples are made only when its TFDS config is prepared.

Sequences (`--tasks=NAME`):
  (default)       toy_labels2street, toy_edges2bags, toy_photo2warm, toy_photo2cool.
  toy10           those four, then toy_maps2aerial, toy_labels2night, toy_photo2sketch,
                  toy_labels2facade, toy_edges2canvas, toy_photo2nightvision: three input
                  domains are shared (label maps by 2 tasks, bag edge maps by 2, photos
                  by 4), so a method must keep several mappings of one input apart.
  toyN            the first N of 100 tasks of four input domains x 25 recolourings
                  (toyn.py), N = 1..100 except 10 (which is toy10 above).
  toy_conflict10  ten recolourings of one input domain (photos), from the toyN family.
  Unpaired (CycleGAN layout): toy_photo2monet and toy_photo2ukiyoe, photo <-> art.

Why they are designed this way:
- Learnable quickly by a small image-to-image CNN: every paired target is a
  deterministic, local function of its input (smooth per-pixel colour ramps of relative
  brightness, 3x3 outline tests, fills of small closed shapes) plus fixed textures
  (textures.py) that line up with the generator's stride-2 grid.
- Visible forgetting: tasks that share an input domain map it to far-apart outputs, so
  fine-tuning on one overwrites another.
- A domain classifier (the paper's Acc metric) can separate the tasks: each target
  domain has its own palette and texture.

Layout: drawing.py (primitives), textures.py (cached textures), domains.py (input
generators), one module per kind of task (street, bags, photo_styles, maps, facades,
art, toyn with recolourings.py), toy_task.py (what a task is), catalogue.py (every
task by name, the sequences) and builder.py (the TFDS builder; the only module that
imports TFDS). Nothing is computed at import.

Measured (dataset 1.1.0, `python train.py` defaults: 32 px, 16 filters, 2 residual
blocks, 400 steps of batch 8 per task): test L1 on the [-1, 1] scale just after
learning each default task is 0.09, 0.08, 0.09 and 0.13 for Hyper-LifelongGAN, against
0.37, 0.41, 0.24 and 0.28 for predicting the training targets' mean colour everywhere.
"""

from datasets.builtin.art import render_monet, render_ukiyoe
from datasets.builtin.catalogue import (
    DESCRIPTIONS,
    EXTRA_PAIRED_TASKS,
    FAMILY_TASKS,
    INPUT_DOMAINS,
    PAIRED_TASKS,
    SEQUENCES,
    TOY10_TASKS,
    TOY_TASKS,
    UNPAIRED_TASKS,
    example_rng,
    make_example,
    sequence,
    split_sizes,
)
from datasets.builtin.domains import (
    FACADE_LABEL_COLOURS,
    MAP_LABEL_COLOURS,
    STREET_LABEL_COLOURS,
    make_bag_shape,
    make_photo,
    make_street_layout,
)
from datasets.builtin.drawing import NATIVE_SIZE
from datasets.builtin.facades import render_facade
from datasets.builtin.maps import render_aerial
from datasets.builtin.photo_styles import (
    PHOTO_RENDERERS,
    render_cool,
    render_nightvision,
    render_sketch,
    render_warm,
)
from datasets.builtin.street import render_night, render_street
from datasets.builtin.toy_task import PAIRED_SPLIT_SIZES, UNPAIRED_SPLIT_SIZES, ToyTask

__all__ = [
    "DESCRIPTIONS",
    "EXTRA_PAIRED_TASKS",
    "FACADE_LABEL_COLOURS",
    "FAMILY_TASKS",
    "INPUT_DOMAINS",
    "MAP_LABEL_COLOURS",
    "NATIVE_SIZE",
    "PAIRED_SPLIT_SIZES",
    "PAIRED_TASKS",
    "PHOTO_RENDERERS",
    "SEQUENCES",
    "STREET_LABEL_COLOURS",
    "TOY10_TASKS",
    "TOY_TASKS",
    "ToyTask",
    "UNPAIRED_SPLIT_SIZES",
    "UNPAIRED_TASKS",
    "example_rng",
    "make_bag_shape",
    "make_example",
    "make_photo",
    "make_street_layout",
    "render_aerial",
    "render_cool",
    "render_facade",
    "render_monet",
    "render_night",
    "render_nightvision",
    "render_sketch",
    "render_street",
    "render_ukiyoe",
    "render_warm",
    "sequence",
    "split_sizes",
]
