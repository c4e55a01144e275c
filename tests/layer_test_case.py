"""One shared check for every Keras layer of the project (keras-hub style).

`run_layer_test` builds a layer on tiny inputs and checks, in order: the config
round trip, the weight and parameter counts, a symbolic call, an eager call, one
training step and mixed precision. Each layer's own test then only asserts what is
specific to it (the paper's equations, its parameter counts). The tiny sizes and
random inputs those tests share are at the end of this module.
"""

import json

import keras
import numpy as np
import tensorflow as tf

MIXED_POLICY = "mixed_bfloat16"


def run_layer_test(
    layer_cls,
    init_kwargs,
    input_shape,
    expected_output_shape,
    expected_num_trainable_weights,
    call_kwargs=None,
    expected_num_non_trainable_weights=0,
    expected_num_params=None,
    unused_weights=(),
    unused_tasks=(),
    run_training_check=True,
    run_mixed_precision_check=True,
    mixed_precision_output_dtype="bfloat16",
    mixed_precision_tolerance=0.05,
    seed=0,
):
    """Checks a layer end to end on one tiny input.

    Args:
        layer_cls: the layer class (or a `keras.Model` subclass).
        init_kwargs: keyword arguments of the constructor.
        input_shape: shape of the (random normal, float32) input, batch included.
        expected_output_shape: shape of the eager output.
        expected_num_trainable_weights: number of trainable variables after build.
        call_kwargs: keyword arguments of the call (`task`, `z`).
        expected_num_non_trainable_weights: number of non-trainable variables.
        expected_num_params: total parameter count, checked when given.
        unused_weights: names (or name prefixes) of the weights this call must not
            reach, e.g. another task's ("task_0_"); their gradient must be None or
            zero, and every other weight's gradient finite and non-zero.
        unused_tasks: tasks whose rows of the layer's stacked per-task weights
            (`stacked_task_weights`) this call must not reach: those rows' gradient
            must be zero, every other row's non-zero.
        run_training_check: run the gradient and SGD-step check (skipped anyway
            for a layer without trainable weights).
        run_mixed_precision_check: rebuild the layer with the "mixed_bfloat16"
            policy and check dtypes.
        mixed_precision_output_dtype: the dtype the layer returns under that
            policy: its compute dtype "bfloat16", or "float32" for a layer that
            deliberately returns float32 (the generator's tanh output).
        mixed_precision_tolerance: how far the bfloat16 output may be from the
            float32 one with the same weights, as a fraction of the float32
            output's largest magnitude; a deep stack accumulates more rounding.
        seed: seeds the input and the weights.
    """
    call_kwargs = dict(call_kwargs or {})
    input_shape = tuple(input_shape)
    expected_output_shape = tuple(expected_output_shape)
    inputs = np.random.default_rng(seed).normal(size=input_shape).astype("float32")

    keras.utils.set_random_seed(seed)
    layer = layer_cls(**init_kwargs)
    outputs = layer(inputs, **call_kwargs)

    _check_config_round_trip(layer, layer_cls, inputs, outputs, call_kwargs)
    _check_weight_counts(
        layer, expected_num_trainable_weights, expected_num_non_trainable_weights, expected_num_params
    )
    _check_symbolic_call(layer_cls, init_kwargs, input_shape, expected_output_shape, call_kwargs, layer)
    _check_eager_call(layer, inputs, outputs, expected_output_shape)
    if run_training_check and layer.trainable_weights:
        _check_training_step(layer, inputs, call_kwargs, unused_weights, unused_tasks, seed)
    if run_mixed_precision_check:
        _check_mixed_precision(
            layer_cls, init_kwargs, layer, inputs, call_kwargs, mixed_precision_output_dtype,
            mixed_precision_tolerance,
        )
    return layer


def _check_config_round_trip(layer, layer_cls, inputs, outputs, call_kwargs):
    config = layer.get_config()
    revived = layer_cls.from_config(config)
    assert revived.get_config() == config, "from_config(get_config()) changed the config"

    # The way a saved model revives it: registered name, JSON, deserialise.
    serialized = json.loads(json.dumps(keras.saving.serialize_keras_object(layer)))
    deserialized = keras.saving.deserialize_keras_object(serialized)
    assert type(deserialized) is layer_cls
    assert deserialized.get_config() == config, "the JSON round trip changed the config"

    for other in (revived, deserialized):
        other(inputs, **call_kwargs)
        other.set_weights(layer.get_weights())
        np.testing.assert_allclose(
            _numpy(other(inputs, **call_kwargs)), _numpy(outputs), rtol=1e-6, atol=1e-6,
            err_msg="a revived layer with the same weights gives a different output",
        )


def _check_weight_counts(layer, num_trainable, num_non_trainable, num_params):
    assert len(layer.trainable_weights) == num_trainable, (
        f"{len(layer.trainable_weights)} trainable weights, expected {num_trainable}: "
        f"{[w.path for w in layer.trainable_weights]}"
    )
    assert len(layer.non_trainable_weights) == num_non_trainable
    if num_params is not None:
        assert layer.count_params() == num_params, f"{layer.count_params()} parameters, expected {num_params}"


def _check_symbolic_call(layer_cls, init_kwargs, input_shape, expected_output_shape, call_kwargs, eager_layer):
    # A fresh layer is built by the symbolic call alone, with an unknown batch size.
    layer = layer_cls(**init_kwargs)
    symbolic = layer(keras.KerasTensor((None, *input_shape[1:])), **call_kwargs)
    assert isinstance(symbolic, keras.KerasTensor)
    assert tuple(symbolic.shape) == (None, *expected_output_shape[1:])
    assert [tuple(w.shape) for w in layer.weights] == [tuple(w.shape) for w in eager_layer.weights], (
        "a symbolic build created other weights than an eager one"
    )
    if not _is_default_compute_output_shape(eager_layer):
        assert tuple(eager_layer.compute_output_shape(input_shape)) == expected_output_shape


def _check_eager_call(layer, inputs, outputs, expected_output_shape):
    assert tuple(outputs.shape) == expected_output_shape
    assert np.all(np.isfinite(_numpy(outputs)))
    assert keras.backend.standardize_dtype(outputs.dtype) == "float32"


def _check_training_step(layer, inputs, call_kwargs, unused_weights, unused_tasks, seed):
    # A random projection, so that no weight's gradient vanishes by symmetry (the
    # mean of squares of a normalised output, for one, does not depend on beta).
    with tf.GradientTape() as tape:
        outputs = layer(inputs, **call_kwargs)
        projection = tf.random.stateless_normal(outputs.shape, seed=(seed, 1))
        loss = tf.reduce_sum(tf.cast(outputs, "float32") * projection)
    variables = layer.trainable_weights
    gradients = tape.gradient(loss, variables)

    stacked = {id(v) for v in getattr(layer, "stacked_task_weights", [])}
    used = []
    for variable, gradient in zip(variables, gradients):
        if _is_unused(variable, unused_weights):
            assert gradient is None or not np.any(_numpy(gradient)), (
                f"{variable.path} is not used by this call but gets a gradient"
            )
            continue
        assert gradient is not None, f"no gradient reaches {variable.path}"
        values = _numpy(tf.convert_to_tensor(gradient))
        assert np.all(np.isfinite(values)), f"non-finite gradient for {variable.path}"
        assert np.any(values), f"zero gradient for {variable.path}"
        if id(variable) in stacked:
            for task in range(values.shape[0]):
                reached = bool(np.any(values[task]))
                assert reached != (task in unused_tasks), (
                    f"row {task} of {variable.path} {'gets' if reached else 'gets no'} gradient"
                )
        used.append((gradient, variable))
    assert used, "the call uses none of the layer's weights"

    # A step that moves no weight by more than 0.01: visible, yet small enough that
    # the layer stays near its initialisation for the mixed-precision check.
    largest = max(float(np.max(np.abs(_numpy(tf.convert_to_tensor(gradient))))) for gradient, _ in used)
    optimizer = keras.optimizers.SGD(learning_rate=0.01 / largest)
    optimizer.apply_gradients(used)
    after = _numpy(layer(inputs, **call_kwargs))
    assert np.max(np.abs(after - _numpy(outputs))) > 1e-6, "an SGD step did not change the output"


def _check_mixed_precision(layer_cls, init_kwargs, float_layer, inputs, call_kwargs, output_dtype, tolerance):
    layer = layer_cls(**{**init_kwargs, "dtype": MIXED_POLICY})
    assert layer.compute_dtype == "bfloat16"
    assert layer.variable_dtype == "float32"
    layer(inputs, **call_kwargs)
    for variable in layer.weights:
        assert keras.backend.standardize_dtype(variable.dtype) == "float32", f"{variable.path} is not float32"
    layer.set_weights(float_layer.get_weights())
    outputs = layer(inputs, **call_kwargs)
    assert keras.backend.standardize_dtype(outputs.dtype) == output_dtype
    symbolic = layer(keras.KerasTensor(inputs.shape), **call_kwargs)
    assert keras.backend.standardize_dtype(symbolic.dtype) == output_dtype

    # Same weights, bfloat16 compute: close to the float32 output at bfloat16's
    # ~3 significant digits (plus what a few chained products accumulate).
    reference = _numpy(float_layer(inputs, **call_kwargs))
    scale = max(float(np.max(np.abs(reference))), 1e-6)
    np.testing.assert_allclose(
        _numpy(outputs), reference, rtol=0, atol=tolerance * scale,
        err_msg="bfloat16 output far from the float32 output with the same weights",
    )


def _is_unused(variable, unused_weights):
    return any(variable.name.startswith(prefix) for prefix in unused_weights)


def _is_default_compute_output_shape(layer):
    return type(layer).compute_output_shape is keras.layers.Layer.compute_output_shape


def _numpy(tensor):
    return np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(tensor, "float32")))



# ---------------------------------------------------------------------------
# Tiny inputs and helpers the layer tests share.
# ---------------------------------------------------------------------------

# Tiny hyper layers: K bases, |z| and the MLP's hidden size.
K, Z_DIM, HIDDEN = 3, 8, 6
TINY_HYPER = dict(num_bases=K, z_dim=Z_DIM, hidden_units=HIDDEN)


def _z(seed=0, dim=Z_DIM):
    return np.random.default_rng(seed).normal(size=(dim,)).astype("float32")


def _images(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _np(tensor):
    return np.asarray(keras.ops.convert_to_numpy(tensor))


def _weights(layer):
    return {w.name: _np(w) for w in layer.weights}


def _perturb(variables, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    for variable in variables:
        variable.assign(_np(variable) + scale * rng.normal(size=variable.shape).astype("float32"))


def _perturb_task(layer, task, seed=0, scale=0.5):
    """Moves row `task` of every stacked per-task weight of `layer`, and nothing else."""
    rng = np.random.default_rng(seed)
    for variable in layer.stacked_task_weights:
        values = _np(variable).copy()
        values[task] += scale * rng.normal(size=values[task].shape).astype("float32")
        variable.assign(values)


def _task_rows(layer, task):
    """Row `task` of every stacked per-task weight of `layer`, by the weight's name."""
    return {w.name: _np(w)[task] for w in layer.stacked_task_weights}
