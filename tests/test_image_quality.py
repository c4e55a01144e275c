import numpy as np
import pytest

from hyper_lifelong_gan.metrics import image_quality


def _images(seed, batch=3, size=32):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1.0, 1.0, size=(batch, size, size, 3)).astype(np.float32)


def test_l1_is_mean_absolute_error_per_image():
    a = np.zeros((2, 4, 4, 3), np.float32)
    b = np.stack([np.full((4, 4, 3), 0.5), np.full((4, 4, 3), -1.0)]).astype(np.float32)
    np.testing.assert_allclose(image_quality.l1(a, b).numpy(), [0.5, 1.0])


def test_psnr_matches_data_range_two_on_minus_one_one():
    a = _images(0)
    b = np.clip(a + _images(1) * 0.1, -1.0, 1.0)
    mse = np.mean((a - b) ** 2, axis=(1, 2, 3))
    expected = 10.0 * np.log10(2.0**2 / mse)
    values = image_quality.psnr(a, b).numpy()
    assert values.shape == (3,)
    np.testing.assert_allclose(values, expected, rtol=1e-4)


def test_psnr_known_value():
    a = np.zeros((1, 8, 8, 3), np.float32)
    b = a + 0.2  # 0.1 on [0, 1]: MSE 0.01 -> 20 dB.
    np.testing.assert_allclose(image_quality.psnr(a, b).numpy(), [20.0], rtol=1e-5)


@pytest.mark.parametrize("size", [32, 8])
def test_ssim_is_one_for_identical_and_lower_for_noisy(size):
    a = _images(2, size=size)
    noisy = np.clip(a + _images(3, size=size), -1.0, 1.0)
    same = image_quality.ssim(a, a).numpy()
    different = image_quality.ssim(a, noisy).numpy()
    assert same.shape == (3,)
    np.testing.assert_allclose(same, 1.0, atol=1e-5)
    assert np.all(different < 0.8)


def test_mismatched_shapes_raise():
    with pytest.raises(ValueError):
        image_quality.l1(_images(0, size=8), _images(0, size=16))
