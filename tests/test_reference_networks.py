"""Parity with the field's reference networks (junyanz/pytorch-CycleGAN-and-pix2pix,
models/networks.py: ResnetGenerator and NLayerDiscriminator with instance norm).

The reference forward passes below are written here in NumPy from PyTorch's layer
definitions (NCHW tensors, cross-correlation, `ConvTranspose2d`'s padding and
output_padding, `InstanceNorm2d`'s biased variance and eps 1e-5), not from this
project's layers; the Keras weights are ported into them the way one ports them to
PyTorch (kernels transposed to (out, in, k, k), or (in, out, k, k) for a transposed
convolution, no spatial flip). Float32 through a dozen layers with outputs in [-1, 1]
agrees to a few 1e-6; 1e-4 leaves room for the order of the sums.
"""

import numpy as np
import pytest

from hyper_lifelong_gan.models import build_generator, build_patch_discriminator, copy_weights

TOLERANCE = 1e-4
EPSILON = 1e-5  # InstanceNorm2d's default, and TaskInstanceNorm's


# ------------------------------------------------------------ PyTorch layers in NumPy (NCHW)


def reflection_pad(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="reflect")


def conv2d(x, weight, bias=None, stride=1, padding=0):
    """torch.nn.functional.conv2d: weight (out, in, kh, kw), zero padding on every side."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    _, _, kh, kw = weight.shape
    out_h = (x.shape[2] - kh) // stride + 1
    out_w = (x.shape[3] - kw) // stride + 1
    out = np.zeros((x.shape[0], weight.shape[0], out_h, out_w), np.float64)
    for i in range(kh):
        for j in range(kw):
            window = x[:, :, i:i + stride * (out_h - 1) + 1:stride, j:j + stride * (out_w - 1) + 1:stride]
            out += np.einsum("nchw,oc->nohw", window, weight[:, :, i, j])
    return out if bias is None else out + bias[None, :, None, None]


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    """torch.nn.functional.conv_transpose2d: weight (in, out, kh, kw); input pixel (a, b)
    adds weight * x to output pixel (a * stride - padding + i, b * stride - padding + j);
    the output has (n - 1) * stride - 2 * padding + k + output_padding rows."""
    n, _, h, w = x.shape
    _, out_channels, kh, kw = weight.shape
    full = np.zeros((n, out_channels, (h - 1) * stride + kh + output_padding,
                     (w - 1) * stride + kw + output_padding), np.float64)
    for i in range(kh):
        for j in range(kw):
            full[:, :, i:i + stride * (h - 1) + 1:stride, j:j + stride * (w - 1) + 1:stride] += np.einsum(
                "nchw,co->nohw", x, weight[:, :, i, j]
            )
    out_h = (h - 1) * stride - 2 * padding + kh + output_padding
    out_w = (w - 1) * stride - 2 * padding + kw + output_padding
    out = full[:, :, padding:padding + out_h, padding:padding + out_w]
    return out if bias is None else out + bias[None, :, None, None]


def instance_norm(x, gamma=None, beta=None):
    mean = x.mean(axis=(2, 3), keepdims=True)
    variance = x.var(axis=(2, 3), keepdims=True)  # biased, as InstanceNorm2d
    y = (x - mean) / np.sqrt(variance + EPSILON)
    if gamma is not None:
        y = y * gamma[None, :, None, None] + beta[None, :, None, None]
    return y


def relu(x):
    return np.maximum(x, 0)


def leaky_relu(x):
    return np.where(x > 0, x, 0.2 * x)


# ----------------------------------------------------------------------- reference networks


def reference_resnet_generator(x, p):
    """ResnetGenerator(padding_type='reflect', norm=instance): c7s1-ngf, two stride-2
    convs (padding 1), residual blocks, two ConvTranspose2d(3, 2, padding=1,
    output_padding=1), c7s1-3 with a bias, tanh. `p` holds PyTorch-layout weights;
    the norms carry the scale and offset of this project's (task-conditional) norms,
    and the convolutions before a norm have the reference's biases (which the norm
    cancels; here random)."""
    y = relu(instance_norm(conv2d(reflection_pad(x, 3), *p["head"]), *p["head_norm"]))
    for i in (1, 2):
        y = relu(instance_norm(conv2d(y, *p[f"down{i}"], stride=2, padding=1), *p[f"down{i}_norm"]))
    for b in range(p["n_blocks"]):
        r = relu(instance_norm(conv2d(reflection_pad(y, 1), *p[f"block{b}_conv1"]), *p[f"block{b}_norm1"]))
        r = instance_norm(conv2d(reflection_pad(r, 1), *p[f"block{b}_conv2"]), *p[f"block{b}_norm2"])
        y = y + r
    for i in (1, 2):
        y = conv_transpose2d(y, *p[f"up{i}"], stride=2, padding=1, output_padding=1)
        y = relu(instance_norm(y, *p[f"up{i}_norm"]))
    return np.tanh(conv2d(reflection_pad(y, 3), *p["tail"]))


def reference_patch_discriminator(x, p):
    """NLayerDiscriminator(n_layers=3, norm=instance): 4x4 convs with padding 1, strides
    2, 2, 2, 1, InstanceNorm2d without scale or offset, LeakyReLU 0.2, then a 1-channel
    4x4 conv."""
    y = leaky_relu(conv2d(x, *p["conv0"], stride=2, padding=1))
    for index in (1, 2, 3):
        y = leaky_relu(instance_norm(conv2d(y, *p[f"conv{index}"], stride=2 if index < 3 else 1, padding=1)))
    return conv2d(y, *p["logits"], stride=1, padding=1)


# ------------------------------------------------------------------------- weight porting


def _np(value):
    return np.asarray(value, np.float64)


def _conv_weight(variable):
    return _np(variable).transpose(3, 2, 0, 1)  # (k, k, in, out) -> (out, in, k, k)


def _transposed_weight(variable):
    # A plain transposed layer stores (k, k, in, out), as its forward direction reads it.
    return _np(variable).transpose(2, 3, 0, 1)  # -> (in, out, k, k), ConvTranspose2d's


def _norm(layer):
    return _np(layer.gamma[0]), _np(layer.beta[0])


def port_generator(generator, rng):
    """The conventional generator's weights in PyTorch's layout; the convolutions that
    a norm follows get random biases (the reference has them; the norm cancels them)."""

    def cancelled_bias(layer):
        return rng.normal(0, 1, layer.filters)

    def conv(layer):
        return _conv_weight(layer.filter), cancelled_bias(layer)

    p = {"n_blocks": generator.n_blocks}
    p["head"], p["head_norm"] = conv(generator.head_conv), _norm(generator.head_norm)
    for i, (layer, norm) in enumerate(zip(generator.down_convs, generator.down_norms), 1):
        p[f"down{i}"], p[f"down{i}_norm"] = conv(layer), _norm(norm)
    for b, (convs, norms) in enumerate(zip(generator.block_convs, generator.block_norms)):
        for j in (1, 2):
            p[f"block{b}_conv{j}"], p[f"block{b}_norm{j}"] = conv(convs[j - 1]), _norm(norms[j - 1])
    for i, (layer, norm) in enumerate(zip(generator.up_convs, generator.up_norms), 1):
        p[f"up{i}"] = _transposed_weight(layer.filter), cancelled_bias(layer)
        p[f"up{i}_norm"] = _norm(norm)
    p["tail"] = _conv_weight(generator.tail_conv.filter), _np(generator.tail_conv.bias)
    return p


def port_discriminator(discriminator):
    p = {}
    for name in ("conv0", "conv1", "conv2", "conv3", "logits"):
        layer = discriminator.get_layer(name)
        bias = _np(layer.bias) if layer.use_bias else None
        p[name] = _conv_weight(layer.kernel), bias
    return p


def _randomise(model, rng, scale=0.1):
    """Moves every weight (norm scales and offsets, biases included) off its initial
    value, so that each is checked."""
    for variable in model.weights:
        value = np.asarray(variable)
        variable.assign((value + rng.normal(0, scale, value.shape)).astype(value.dtype))


def _nhwc_to_nchw(x):
    return np.asarray(x, np.float64).transpose(0, 3, 1, 2)


# ------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("size, n_blocks", [(16, 1), (32, 2)])
def test_conventional_generator_with_reference_padding_matches_the_reference(size, n_blocks):
    rng = np.random.default_rng(size)
    generator = build_generator(conv_kind="plain", num_tasks=1, ngf=4, n_blocks=n_blocks, padding="reference")
    _randomise(generator, rng)
    x = rng.uniform(-1, 1, (2, size, size, 3)).astype("float32")

    ours = _nhwc_to_nchw(generator(x, task=0))
    reference = reference_resnet_generator(_nhwc_to_nchw(x), port_generator(generator, rng))
    assert ours.shape == reference.shape == (2, 3, size, size)
    assert np.max(np.abs(ours - reference)) < TOLERANCE

    # The check can fail: TensorFlow's "same" alignment, with the same weights, differs.
    same = build_generator(conv_kind="plain", num_tasks=1, ngf=4, n_blocks=n_blocks, padding="same")
    assert copy_weights(generator, same) == len(same.weights)
    assert np.max(np.abs(_nhwc_to_nchw(same(x, task=0)) - reference)) > 100 * TOLERANCE


def test_output_bias_is_the_one_that_moves_the_output():
    # As in the reference: every other bias is cancelled by the norm after it; this one
    # shifts the output before tanh.
    generator = build_generator(conv_kind="plain", num_tasks=1, ngf=4, n_blocks=1, padding="reference")
    x = np.random.default_rng(0).uniform(-1, 1, (1, 16, 16, 3)).astype("float32")
    before = np.arctanh(np.asarray(generator(x, task=0), np.float64))
    generator.tail_conv.bias.assign([0.1, 0.0, -0.2])
    after = np.arctanh(np.asarray(generator(x, task=0), np.float64))
    np.testing.assert_allclose(after - before, np.broadcast_to([0.1, 0.0, -0.2], after.shape), atol=1e-3)


def test_patch_discriminator_matches_the_reference():
    rng = np.random.default_rng(1)
    discriminator = build_patch_discriminator(input_channels=6, ndf=4)
    # No norm scale or offset, as InstanceNorm2d's default: only convolution weights.
    assert {w.path.rsplit("/", 1)[-1] for w in discriminator.weights} == {"kernel", "bias"}
    _randomise(discriminator, rng)
    x = rng.uniform(-1, 1, (2, 32, 32, 6)).astype("float32")

    ours = _nhwc_to_nchw(discriminator(x))
    reference = reference_patch_discriminator(_nhwc_to_nchw(x), port_discriminator(discriminator))
    assert ours.shape == reference.shape == (2, 1, 2, 2)
    assert np.max(np.abs(ours - reference)) < TOLERANCE


def test_run_config_records_the_padding_and_older_runs_read_as_same(tmp_path):
    import dataclasses
    import json

    from hyper_lifelong_gan import config as config_lib
    from hyper_lifelong_gan import workdir as workdir_lib

    config = config_lib.TrainConfig(workdir=str(tmp_path), padding="reference", ngf=4)
    assert config_lib.generator_config(config)["padding"] == "reference"
    # A run recorded before the option existed was trained with "same": resuming it with
    # "same" goes on, with "reference" is refused like any other changed flag.
    recorded = dataclasses.asdict(config)
    del recorded["padding"]
    (tmp_path / workdir_lib.RUN_CONFIG).write_text(json.dumps(recorded))
    assert workdir_lib.check_run_config(dataclasses.replace(config, padding="same"))
    with pytest.raises(workdir_lib.ConfigMismatch, match=r"--padding='same' \(now 'reference'\)"):
        workdir_lib.check_run_config(config)


def test_a_task_checkpoint_written_before_the_output_bias_loads_with_a_zero_bias(tmp_path):
    import tensorflow as tf

    from hyper_lifelong_gan import config as config_lib
    from hyper_lifelong_gan import workdir as workdir_lib
    from hyper_lifelong_gan.methods import get_method

    method = get_method("hyper_lifelong_gan")
    generator_config = config_lib.generator_config(
        config_lib.TrainConfig(ngf=4, n_blocks=1, K=3, z_dim=8, hidden_units=8)
    )
    model = method.start_task(None, 0, generator_config).models[0]
    _randomise(model, np.random.default_rng(2))
    bias = model.tail_conv.bias

    def write_without(skipped):
        # What an older version wrote (the keys of `methods.base.weights_trackable`).
        weights = {
            v.path.removeprefix(model.name + "/").replace("/", "."): v for v in model.weights if v is not skipped
        }
        tf.train.Checkpoint(generator_0=tf.train.Checkpoint(**weights)).write(
            workdir_lib.task_checkpoint_prefix(str(tmp_path), 0)
        )

    write_without(bias)
    restored = workdir_lib.restore_task_generators(str(tmp_path), 0, method, generator_config).models[0]
    for ours, theirs in zip(restored.weights, model.weights):
        expected = np.zeros(bias.shape) if theirs is bias else np.asarray(theirs)
        np.testing.assert_array_equal(np.asarray(ours), expected)
    # Any other missing weight is still an error.
    write_without(model.head_conv.shared_weight)
    with pytest.raises(AssertionError):
        workdir_lib.restore_task_generators(str(tmp_path), 0, method, generator_config)
