"""The README's sample grids: every task of a finished run after its last task, four
test images each (input | output | target; unpaired tasks have no target), tasks side
by side in one PNG.

    python docs/readme_grids.py runs/hyper_lifelong_gan docs/default_paired_hyper_lifelong_gan.png
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from datasets import tasks as task_registry  # noqa: E402
from hyper_lifelong_gan import config as config_lib  # noqa: E402
from hyper_lifelong_gan import workdir as workdir_lib  # noqa: E402
from hyper_lifelong_gan.evaluation import generation  # noqa: E402
from hyper_lifelong_gan.methods import get_method  # noqa: E402
from hyper_lifelong_gan.reporting import images  # noqa: E402

workdir, out = sys.argv[1], sys.argv[2]
values = json.load(open(os.path.join(workdir, "run_config.json")))
config = config_lib.TrainConfig(**{k: v for k, v in values.items() if k in config_lib.TrainConfig.__dataclass_fields__})
tasks = task_registry.parse_tasks(config.tasks)
method = get_method(config.method)
last = len(tasks) - 1
generators = workdir_lib.restore_task_generators(workdir, last, method, config_lib.generator_config(config))
panels = []
for j, task in enumerate(tasks):
    rows = generation.sample_rows(generators, task, j, config, count=4)
    if not task.paired:
        rows = [(a, b, None) for a, b, _ in rows]
    panels.append(images.image_grid_array(rows))
height = max(p.shape[0] for p in panels)
gap = np.full((height, 6, 3), 255, np.uint8)
parts = []
for p in panels:
    parts += [p, gap]
Image.fromarray(np.concatenate(parts[:-1], 1)).save(out, optimize=True)
print(out, [t.name for t in tasks])
