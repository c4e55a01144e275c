import numpy as np
import pytest
import tensorflow as tf

from hyper_lifelong_gan.metrics import domain_classifier, fid

IMAGE_SIZE = 32
NUM_DOMAINS = 4
TRAINING = dict(steps=40, batch_size=32, seed=3)


def _synthetic_domain(domain, count, seed):
    """Images of one of four domains with distinct palettes and textures, in [-1, 1].

    0: reddish smooth gradients; 1: green horizontal stripes; 2: blue
    checkerboards; 3: grey vertical stripes. Frequencies, phases, brightness and
    pixel noise vary per image.
    """
    rng = np.random.default_rng(seed * 10 + domain)
    rows, columns = np.meshgrid(np.arange(IMAGE_SIZE), np.arange(IMAGE_SIZE), indexing="ij")
    images = []
    for _ in range(count):
        frequency = rng.uniform(0.3, 0.9)
        phase = rng.uniform(0, 2 * np.pi)
        brightness = rng.uniform(-0.2, 0.2)
        if domain == 0:
            pattern = (rows + columns) / (2 * IMAGE_SIZE) * rng.uniform(0.5, 1.0)
            palette = np.array([0.9, 0.2, 0.1])
        elif domain == 1:
            pattern = 0.5 + 0.5 * np.sin(frequency * rows + phase)
            palette = np.array([0.1, 0.8, 0.2])
        elif domain == 2:
            cell = rng.integers(2, 6)
            pattern = ((rows // cell + columns // cell) % 2).astype(np.float64)
            palette = np.array([0.1, 0.2, 0.9])
        else:
            pattern = 0.5 + 0.5 * np.sin(frequency * columns + phase)
            palette = np.array([0.6, 0.6, 0.6])
        image = pattern[..., None] * palette + brightness
        image += rng.normal(scale=0.1, size=image.shape)
        images.append(np.clip(image * 2.0 - 1.0, -1.0, 1.0))
    return np.asarray(images, np.float32)


def _datasets(count, seed):
    return [
        tf.data.Dataset.from_tensor_slices(_synthetic_domain(d, count, seed)).batch(16)
        for d in range(NUM_DOMAINS)
    ]


def _held_out_batches():
    return [[_synthetic_domain(d, 50, seed=99)] for d in range(NUM_DOMAINS)]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    cache_dir = str(tmp_path_factory.mktemp("classifier"))
    names = ["red", "green", "blue", "grey"]
    model = domain_classifier.load_or_train(
        cache_dir, names, IMAGE_SIZE, lambda: _datasets(64, seed=0), **TRAINING
    )
    return model, cache_dir, names


def test_classifier_separates_held_out_domains(trained):
    model, _, _ = trained
    accuracies = domain_classifier.accuracy_per_task(model, _held_out_batches())
    assert len(accuracies) == NUM_DOMAINS
    assert min(accuracies) >= 0.95, accuracies


def test_wrong_domain_images_score_low(trained):
    model, _, _ = trained
    held_out = _held_out_batches()
    shifted = [held_out[(d + 1) % NUM_DOMAINS] for d in range(NUM_DOMAINS)]
    assert max(domain_classifier.accuracy_per_task(model, shifted)) <= 0.05


def test_cache_reloads_an_identical_model(trained):
    model, cache_dir, names = trained

    def must_not_train():
        raise AssertionError("A cached classifier must not be trained again.")

    reloaded = domain_classifier.load_or_train(
        cache_dir, names, IMAGE_SIZE, must_not_train, **TRAINING
    )
    images = _held_out_batches()[2][0]
    np.testing.assert_array_equal(model(images).numpy(), reloaded(images).numpy())
    path = domain_classifier.classifier_cache_path(cache_dir, names, IMAGE_SIZE, **TRAINING)
    assert path.endswith(".keras")
    assert path != domain_classifier.classifier_cache_path(
        cache_dir, names[::-1], IMAGE_SIZE, **TRAINING
    )
    assert path != domain_classifier.classifier_cache_path(cache_dir, names, 64, **TRAINING)


def test_training_is_deterministic_with_the_seed():
    short = dict(TRAINING, steps=5)
    first, second = (
        domain_classifier.train_domain_classifier(_datasets(16, seed=0), IMAGE_SIZE, **short)
        for _ in range(2)
    )
    images = _held_out_batches()[0][0]
    np.testing.assert_array_equal(first(images).numpy(), second(images).numpy())


def test_features_feed_classifier_fid(trained):
    model, _, _ = trained
    images = _held_out_batches()
    activations = domain_classifier.features(model, images[0][0])
    assert activations.shape == (50, 4 * 32)
    feature_fn = domain_classifier.ClassifierFeatures(model)
    assert fid.fid_metric_key(feature_fn.feature_space) == "fid_classifier"
    real = fid.feature_statistics(feature_fn, images[0])
    same_domain = real.frechet_distance(fid.feature_statistics(feature_fn, [_synthetic_domain(0, 50, seed=7)]))
    other_domain = real.frechet_distance(fid.feature_statistics(feature_fn, images[1]))
    assert same_domain < other_domain


def test_large_images_are_resized_inside_the_model():
    model = domain_classifier.build_domain_classifier(2, 128, input_resolution=64)
    assert model.get_layer("resize").output.shape[1:3] == (64, 64)
    assert model(np.zeros((1, 128, 128, 3), np.float32)).shape == (1, 2)


def test_built_in_float32_under_mixed_precision():
    import keras

    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = domain_classifier.build_domain_classifier(2, 16)
        assert model.get_layer("conv1").compute_dtype == "float32"
        assert keras.config.dtype_policy().name == "mixed_float16"
    finally:
        keras.config.set_dtype_policy("float32")
