"""The TFDS builder `builtin_tasks`: one config per toy task, each generated when first prepared."""

from __future__ import annotations

import dataclasses

import tensorflow_datasets as tfds

from datasets.builtin.catalogue import TOY_TASKS, split_sizes, toy_task
from datasets.builtin.drawing import NATIVE_SIZE


@dataclasses.dataclass
class BuiltinTaskConfig(tfds.core.BuilderConfig):
    """One built-in task; `paired` selects the pix2pix or the cycle_gan layout."""

    paired: bool = True


class BuiltinTasks(tfds.core.GeneratorBasedBuilder):
    """Toy paired and unpaired image-to-image tasks, generated locally from seeds.

    Paired tasks have features `input` / `target`; unpaired ones are laid out exactly
    like TFDS `cycle_gan/monet2photo` (features `image` / `label`, splits trainA /
    trainB / testA / testB, A = art, B = photo), so one loader reads both. Preparing
    one config draws only that task's examples.
    """

    VERSION = tfds.core.Version("1.1.0")
    # Nothing is downloaded, so there is no checksums file to find. Saying so also
    # skips TFDS's search of this module's folder for one, which on TFDS 4.9.10 with
    # Python >= 3.9 imports `importlib_resources`, a package TFDS does not declare.
    _checksums_path = None
    RELEASE_NOTES = {
        "1.0.0": "Initial release.",
        "1.1.0": "toy_photo2warm and toy_photo2cool map brightness, stretched per image, "
        "through smooth colour ramps (were posterised levels), with soft outlines.",
    }
    BUILDER_CONFIGS = [
        BuiltinTaskConfig(name=name, description=task.description, paired=task.paired)
        for name, task in TOY_TASKS.items()
    ]

    def _info(self) -> tfds.core.DatasetInfo:
        image = tfds.features.Image(shape=(NATIVE_SIZE, NATIVE_SIZE, 3))
        if self.builder_config.paired:
            features = {"input": image, "target": image}
            supervised_keys = ("input", "target")
        else:
            features = {"image": image, "label": tfds.features.ClassLabel(names=["A", "B"])}
            supervised_keys = ("image", "label")
        return tfds.core.DatasetInfo(
            builder=self,
            description=self.__doc__,
            features=tfds.features.FeaturesDict(features),
            supervised_keys=supervised_keys,
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # Everything is generated from seeds; nothing to download.
        return {
            split: self._generate_examples(split, size)
            for split, size in split_sizes(self.builder_config.name).items()
        }

    def _generate_examples(self, split, size):
        task = toy_task(self.builder_config.name)
        for index in range(size):
            yield index, task.example(split, index)


def prepare(task_name: str, data_dir: str | None = None) -> tfds.core.DatasetBuilder:
    """Generate (once; later calls reuse TFDS's cache) and return one task's builder.

    Use `builder.as_dataset(split=...)` on the result.
    """
    toy_task(task_name)  # a clear error for an unknown name
    builder = BuiltinTasks(config=task_name, data_dir=data_dir)
    builder.download_and_prepare()
    return builder
