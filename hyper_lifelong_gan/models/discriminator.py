"""The 70x70 PatchGAN discriminator of pix2pix (Isola et al. 2017)."""

import keras

from hyper_lifelong_gan.layers import TaskInstanceNorm


def build_patch_discriminator(input_channels=6, ndf=64, n_layers=3, name="discriminator"):
    """C64-C128-C256-C512 PatchGAN: 4x4 convs, strides 2, 2, 2, 1, then a 1-channel map.

    With n_layers=3 every output logit sees a 70x70 patch of the input. Instance
    normalisation (not batch norm) keeps each image's logits independent of the
    rest of the batch, so a step gives the same losses on one device as split over
    several replicas; as in pix2pix's NLayerDiscriminator (PyTorch's InstanceNorm2d)
    it has no scale or offset. Logits come out in float32 under mixed precision.

    Args:
        input_channels: 6 for a conditional pix2pix D (input and output images
            concatenated), 3 for a CycleGAN D.
        ndf: channels of the first layer.
        n_layers: strided layers; 3 gives the 70x70 receptive field.
    """
    layers = [keras.Input((None, None, input_channels))]
    channels = ndf
    for index in range(n_layers + 1):
        stride = 2 if index < n_layers else 1
        channels = ndf * min(2 ** index, 8)
        # Explicit names: checkpoints key weights by path (methods.base.weights_trackable).
        layers.append(keras.layers.ZeroPadding2D(1, name=f"padding{index}"))
        layers.append(
            keras.layers.Conv2D(
                channels, 4, stride, use_bias=index == 0, name=f"conv{index}",
                kernel_initializer=keras.initializers.RandomNormal(stddev=0.02),
            )
        )
        if index > 0:
            layers.append(TaskInstanceNorm(num_tasks=1, affine=False, name=f"norm{index}"))
        layers.append(keras.layers.LeakyReLU(0.2, name=f"activation{index}"))
    layers.append(keras.layers.ZeroPadding2D(1, name="logits_padding"))
    layers.append(
        keras.layers.Conv2D(
            1, 4, 1, name="logits", kernel_initializer=keras.initializers.RandomNormal(stddev=0.02)
        )
    )
    layers.append(keras.layers.Activation("linear", dtype="float32", name="logits_float32"))
    return keras.Sequential(layers, name=name)
