"""Per-image reconstruction metrics against the ground truth: L1, PSNR, SSIM.

For paired tasks these are the cheap, offline signal of forgetting (docs/design.md,
"Metrics"). Every function takes two image batches in the project's convention
(float32, [-1, 1], shape [B, H, W, 3]) and returns one value per image, shape [B],
so a caller can keep per-image values or average them across batches (the
evaluation's `scores.MeanQuality`).
"""

import tensorflow as tf

# tf.image.ssim's default window (Wang et al. 2004): an 11x11 Gaussian, sigma 1.5.
SSIM_FILTER_SIZE = 11
SSIM_FILTER_SIGMA = 1.5


def _to_unit_range(images):
    """Maps [-1, 1] images to [0, 1] in float32."""
    return (tf.cast(images, tf.float32) + 1.0) / 2.0


def _check_same_shape(a, b):
    if a.shape.rank != 4 or a.shape[-1] != 3:
        raise ValueError(f"Expected images of shape [B, H, W, 3], got {a.shape}.")
    if a.shape != b.shape:
        raise ValueError(f"Image batches differ in shape: {a.shape} vs {b.shape}.")


def l1(a, b):
    """Mean absolute error per image, on the [-1, 1] scale (the scale of the L1 loss).

    Args:
        a, b: float tensors in [-1, 1], shape [B, H, W, 3].

    Returns:
        float32 tensor [B].
    """
    a = tf.convert_to_tensor(a, tf.float32)
    b = tf.convert_to_tensor(b, tf.float32)
    _check_same_shape(a, b)
    return tf.reduce_mean(tf.abs(a - b), axis=[1, 2, 3])


def psnr(a, b):
    """Peak signal-to-noise ratio per image, in dB.

    The images are mapped to [0, 1] and compared with a peak of 1. This is the
    same number as PSNR on the [-1, 1] images with a data range of 2 (MSE and
    peak^2 both scale by 4), and as PSNR on 8-bit images with a peak of 255, so it
    is comparable with published values. Identical images give +inf; average with
    care (a mean keeps the inf, which is the honest mean).

    Args:
        a, b: float tensors in [-1, 1], shape [B, H, W, 3].

    Returns:
        float32 tensor [B].
    """
    a = tf.convert_to_tensor(a, tf.float32)
    b = tf.convert_to_tensor(b, tf.float32)
    _check_same_shape(a, b)
    return tf.image.psnr(_to_unit_range(a), _to_unit_range(b), max_val=1.0)


def ssim(a, b):
    """Structural similarity (Wang et al. 2004) per image, averaged over channels.

    Computed by `tf.image.ssim` on images mapped to [0, 1] (max_val 1). The SSIM
    window is the standard 11x11 Gaussian (sigma 1.5), which fits 32x32 and larger
    images; `tf.image.ssim` needs the image to be at least as large as the window,
    so for images smaller than 11 pixels on a side the window shrinks to the image
    size (same sigma). Such tiny images only occur in tests.

    Args:
        a, b: float tensors in [-1, 1], shape [B, H, W, 3].

    Returns:
        float32 tensor [B].
    """
    a = tf.convert_to_tensor(a, tf.float32)
    b = tf.convert_to_tensor(b, tf.float32)
    _check_same_shape(a, b)
    filter_size = min(SSIM_FILTER_SIZE, int(a.shape[1]), int(a.shape[2]))
    return tf.image.ssim(
        _to_unit_range(a),
        _to_unit_range(b),
        max_val=1.0,
        filter_size=filter_size,
        filter_sigma=SSIM_FILTER_SIGMA,
    )
