"""Exporting a trained run as one artifact that serves every learned task.

    from hyper_lifelong_gan import inference, serving
    trained = inference.load_trained("runs/hyper_lifelong_gan")
    serving.export_saved_model(trained, "exported/hlgan")     # TensorFlow / TF Serving
    serving.export_keras(trained, "exported/hlgan.keras")     # Keras, needs this package
    serving.export_tflite(trained, "exported/hlgan.tflite")   # TF Lite, fixed image size

Every artifact bakes in the evaluation's fixed noise z and serves each learned task
with the weights of the chosen stage; images are float32 in [-1, 1], shape
[batch, height, width, 3].

* SavedModel: one signature per task, `translate_<task>(images) -> {"translated"}`,
  and `serving_default(images, task) -> {"translated"}` with `task` an int32 scalar,
  the 0-based index into the model's `task_names` variable. Height and width are
  dynamic: sides that do not divide by 4 are padded by mirroring and cropped back
  (at least 8 pixels). It needs only TensorFlow to load (`tf.saved_model.load`), not
  this package; `loaded.task_names` and `loaded.z` hold the tasks and the noise.
* .keras: a `TaskTranslator` Keras model (the run's generators, their routes from
  task to model, z as a non-trainable weight), called as `model(images, task=j)`
  with j 0-based; `keras.models.load_model` restores it with its trained weights
  when `hyper_lifelong_gan` is importable (its layers are custom).
* TF Lite: float32, one signature per task (`translate_<task>`), for images of the
  run's training size (the converter needs static spatial sizes for the
  generator's transposed convolutions); batch size 1.
"""

import os
import re

import keras
import tensorflow as tf

from hyper_lifelong_gan.evaluation.generation import generate
from hyper_lifelong_gan.inference import InferenceError, translate_any_size
from hyper_lifelong_gan.models.generator import ResnetGenerator, copy_weights

INPUT_NAME = "images"
TASK_INPUT_NAME = "task"
OUTPUT_NAME = "translated"


def signature_name(task_name):
    """`translate_<task>` with every character outside [A-Za-z0-9_] replaced by '_'."""
    return "translate_" + re.sub(r"[^A-Za-z0-9_]", "_", task_name)


def _model_variables(generators):
    """The TensorFlow variables behind every Keras weight of the generators."""
    return [getattr(variable, "value", variable) for model in generators.models for variable in model.weights]


# -------------------------------------------------------------------- SavedModel


class ServingModule(tf.Module):
    """The generators of one stage as a `tf.Module`: per-task functions and
    `serve(images, task)`; see the module docstring for the signatures.

    Args:
        trained: an `inference.TrainedRun`.
        image_size: None for dynamic height and width (SavedModel), or a fixed side
            (TF Lite, which then takes a batch of one).
    """

    def __init__(self, trained, image_size=None):
        super().__init__(name="hyper_lifelong_gan")
        self._generators = trained.generators
        # Tracked here, so that tf.saved_model saves the weights the functions read.
        self.generator_weights = _model_variables(trained.generators)
        self.z = tf.Variable(trained.z, trainable=False, name="z")
        names = list(trained.task_names)
        self.task_names = tf.Variable(names, trainable=False, dtype=tf.string, name="task_names")
        self.num_tasks = len(names)
        batch = None if image_size is None else 1
        self._images_spec = tf.TensorSpec([batch, image_size, image_size, 3], tf.float32, name=INPUT_NAME)
        self.serve = tf.function(
            self._serve, input_signature=[self._images_spec, tf.TensorSpec([], tf.int32, name=TASK_INPUT_NAME)]
        )
        # A model that gathers a task's rows from a task tensor needs one graph for every
        # task, which each task's signature only calls (a graph per task took minutes to
        # export at 100 tasks). TF Lite takes each task's own static graph.
        self._one_graph = image_size is None and trained.generators.gathers_task_rows
        self.task_functions = {}
        for index, name in enumerate(names):
            function = self._task_function(index, signature_name(name))
            self.task_functions[signature_name(name)] = function
            setattr(self, signature_name(name), function)

    def _generate(self, images, task_index):
        return translate_any_size(
            lambda batch: generate(self._generators, task_index, batch, self.z), images
        )

    def _task_function(self, task_index, name):
        def translate(images):
            if self._one_graph:
                return self.serve(images, tf.constant(task_index, tf.int32))
            return {OUTPUT_NAME: self._generate(images, task_index)}

        translate.__name__ = name  # TF Lite names a converted function's signature after it
        return tf.function(translate, input_signature=[self._images_spec])

    def _serve(self, images, task):
        tf.debugging.assert_greater_equal(task, 0, message="task must be a 0-based index into task_names")
        tf.debugging.assert_less(task, self.num_tasks, message="task must be a 0-based index into task_names")
        if self._one_graph:
            return {OUTPUT_NAME: self._generate(images, task)}
        # Each branch calls a task's function, so the graph holds every task once.
        branches = [
            lambda function=function: function(images)[OUTPUT_NAME] for function in self.task_functions.values()
        ]
        return {OUTPUT_NAME: tf.switch_case(task, branches)}

    def signatures(self):
        signatures = {name: function.get_concrete_function() for name, function in self.task_functions.items()}
        signatures["serving_default"] = self.serve.get_concrete_function()
        return signatures


def export_saved_model(trained, path):
    """Writes the SavedModel of `trained` (an `inference.TrainedRun`) to the folder `path`."""
    module = ServingModule(trained)
    tf.saved_model.save(module, path, signatures=module.signatures())
    return path


# -------------------------------------------------------------------------- Keras


@keras.saving.register_keras_serializable(package="hyper_lifelong_gan")
class TaskTranslator(keras.Model):
    """Every learned task of a run in one Keras model, with the noise baked in.

    Args:
        generator_configs: the `get_config()` of each generator of the run (one for
            shared-model methods, one per task for Full and Hyper-Full).
        routes: per task, [model index, task slot of that model].
        task_names: the tasks, in training order.
        z_dim: length of the noise vector.

    Call arguments:
        images: float32 [B, H, W, 3] in [-1, 1], H and W >= 8 (padded to a multiple
            of 4 by mirroring and cropped back).
        task: 0-based index of the task (a Python int).
    """

    def __init__(self, generator_configs, routes, task_names, z_dim=64, **kwargs):
        super().__init__(**kwargs)
        self.generator_configs = [_constructor_config(config) for config in generator_configs]
        self.routes = [list(route) for route in routes]
        self.task_names = list(task_names)
        self.z_dim = z_dim
        self.generators = [ResnetGenerator(**config) for config in self.generator_configs]
        self.z = self.add_weight(name="z", shape=(z_dim,), initializer="zeros", trainable=False)

    @classmethod
    def from_generators(cls, generators, task_names, z):
        """A translator holding copies of `generators`' (a `TaskGenerators`) weights and `z`."""
        translator = cls(
            [model.get_config() for model in generators.models], generators.routes, task_names,
            z_dim=int(z.shape[0]), name="task_translator",
        )
        translator.build_from_config({})
        for source, target in zip(generators.models, translator.generators):
            copy_weights(source, target)
        translator.z.assign(z)
        return translator

    def call(self, images, task=0):
        if not 0 <= task < len(self.routes):
            raise ValueError(f"task must be in 0..{len(self.routes) - 1} ({', '.join(self.task_names)}); got {task}.")
        model_index, slot = self.routes[task]
        generator = self.generators[model_index]
        return translate_any_size(lambda batch: generator(batch, task=slot, z=self.z), images)

    def get_build_config(self):
        return {"generators": len(self.generators)}

    def build_from_config(self, config):
        for generator in self.generators:
            generator.build_from_config(generator.get_build_config())
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update(
            generator_configs=self.generator_configs, routes=self.routes, task_names=self.task_names,
            z_dim=self.z_dim,
        )
        return config


def _constructor_config(config):
    """A generator config without the entries the constructor sets itself (as
    `grow_generator` does)."""
    return {key: value for key, value in config.items() if key not in ("trainable", "dtype")}


def export_keras(trained, path):
    """Writes `trained` as a `TaskTranslator` .keras file."""
    if not path.endswith(".keras"):
        raise InferenceError(f"A Keras model file must end in .keras; got {path}.")
    translator = TaskTranslator.from_generators(trained.generators, trained.task_names, trained.z)
    translator.save(path)
    return path


# ------------------------------------------------------------------------ TF Lite


# How far a TF Lite model's outputs may be from the TensorFlow generator's, on the
# [-1, 1] scale: float32 kernels of TF Lite (XNNPACK on CPU) sum in another order.
# Measured: at most 4.5e-5 on the 128 test images of the default run's 4 tasks.
TFLITE_TOLERANCE = 1e-4


class TFLiteUnavailable(InferenceError):
    """This TensorFlow cannot convert the generator to TF Lite; the message says why."""


def export_tflite(trained, path, tasks=None):
    """Writes a float32 TF Lite model of `trained` for `tasks` (0-based indices; all
    learned tasks by default), one signature each, at the run's image size.

    Raises:
        TFLiteUnavailable: the converter is missing or fails on the generator.
    """
    converter_class = getattr(getattr(tf, "lite", None), "TFLiteConverter", None)
    if converter_class is None:
        raise TFLiteUnavailable(
            f"This TensorFlow ({tf.__version__}) has no tf.lite.TFLiteConverter; export a SavedModel "
            "instead and convert it with a TensorFlow that has one."
        )
    module = ServingModule(trained, image_size=trained.image_size)
    names = list(module.task_functions)
    indices = range(len(names)) if tasks is None else tasks
    functions = [module.task_functions[names[index]].get_concrete_function() for index in indices]
    try:
        converter = converter_class.from_concrete_functions(functions, module)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        flatbuffer = converter.convert()
    except Exception as error:  # the converter raises many kinds; none is the user's fault
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise TFLiteUnavailable(
            f"The TF Lite converter of TensorFlow {tf.__version__} failed on this generator "
            f"({first_line}); export a SavedModel instead."
        ) from None
    with open(path, "wb") as stream:
        stream.write(flatbuffer)
    return path


def tflite_signature_names(trained, tasks=None):
    names = [signature_name(name) for name in trained.task_names]
    return names if tasks is None else [names[index] for index in tasks]


# ------------------------------------------------------------------------- sizes


def artifact_bytes(path):
    """Bytes on disk of a file, or of every file under a folder."""
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(
        os.path.getsize(os.path.join(folder, name)) for folder, _, files in os.walk(path) for name in files
    )


def format_bytes(count):
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:.2f} {unit}"
    return f"{count} B"
