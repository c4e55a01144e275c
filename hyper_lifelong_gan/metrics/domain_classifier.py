"""The domain classifier behind the paper's Acc metric, and its features for FID.

Acc (paper section 4, "Quantitative Metrics"): a classifier trained on real images
and evaluated on generated ones. Here it is trained on the real target images
(train split) of all T tasks of a sequence, class i = task i, and Acc of task i is
the share of task i's generated outputs classified as domain i. Chance is 1/T.

The classifier is a small CNN; its global-pooled penultimate layer also serves as
the offline feature space for Frechet distance (`ClassifierFeatures`, reported as
`fid_classifier`). It is trained once per sequence and cached (`load_or_train`).
"""

import hashlib
import json
import os

import keras
import numpy as np
import tensorflow as tf

from hyper_lifelong_gan.metrics.fid import FeatureSpace, float32_dtype_policy

FEATURES_LAYER_NAME = "features"
LOGITS_LAYER_NAME = "logits"


def build_domain_classifier(
    num_domains, image_size, width=32, input_resolution=64, seed=0
):
    """A small float32 CNN: [B, image_size, image_size, 3] in [-1, 1] -> T logits.

    Images larger than `input_resolution` are first resized down to it: domains
    differ in colour and texture, not in fine detail, and the smaller input keeps
    training to seconds on a CPU. Then four 3x3 convolutions (stride 2, 2, 2, 1;
    width, 2w, 4w, 4w channels, ReLU), global average pooling (the "features"
    layer, 4w-d) and a dense layer of T logits. Every initializer gets its own seed
    derived from `seed`, so two builds with one seed are identical.
    """
    if num_domains < 2:
        raise ValueError(f"A domain classifier needs >= 2 domains; got {num_domains}.")
    with float32_dtype_policy():
        return _build_domain_classifier(
            num_domains, image_size, width, input_resolution, seed
        )


def _build_domain_classifier(num_domains, image_size, width, input_resolution, seed):
    seeds = iter(range(seed * 100, seed * 100 + 100))
    inputs = keras.Input(shape=(image_size, image_size, 3), name="images")
    x = inputs
    if image_size > input_resolution:
        x = keras.layers.Resizing(
            input_resolution, input_resolution, interpolation="bilinear", name="resize"
        )(x)
    for index, (filters, strides) in enumerate(
        [(width, 2), (2 * width, 2), (4 * width, 2), (4 * width, 1)]
    ):
        x = keras.layers.Conv2D(
            filters,
            3,
            strides=strides,
            padding="same",
            activation="relu",
            kernel_initializer=keras.initializers.HeNormal(seed=next(seeds)),
            name=f"conv{index + 1}",
        )(x)
    features = keras.layers.GlobalAveragePooling2D(name=FEATURES_LAYER_NAME)(x)
    logits = keras.layers.Dense(
        num_domains,
        kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
        name=LOGITS_LAYER_NAME,
    )(features)
    return keras.Model(inputs, logits, name="domain_classifier")


def _labelled_stream(datasets, shuffle_buffer, seed):
    """One balanced, endless stream of (image, domain) pairs from T datasets of batches.

    Domains are sampled uniformly, whatever their sizes (edges2handbags has
    hundreds of times more images than facades).
    """
    streams = []
    for domain, dataset in enumerate(datasets):
        labelled = dataset.unbatch().map(
            lambda image, domain=domain: (tf.cast(image, tf.float32), domain)
        )
        streams.append(
            labelled.repeat().shuffle(shuffle_buffer, seed=seed + domain)
        )
    weights = [1.0 / len(datasets)] * len(datasets)
    return tf.data.Dataset.sample_from_datasets(streams, weights=weights, seed=seed)


def train_domain_classifier(
    datasets,
    image_size,
    steps=300,
    batch_size=32,
    learning_rate=1e-3,
    seed=0,
    width=32,
    input_resolution=64,
    shuffle_buffer=256,
):
    """Trains a domain classifier on the real target images of T tasks.

    Args:
        datasets: T tf.data.Datasets, each of batches of task i's real target
            images [b, image_size, image_size, 3] in [-1, 1]. They are repeated and
            shuffled here; a deterministic pipeline gives a deterministic model.
        image_size: the side of the images.
        steps: optimisation steps (batches) in all.
        batch_size: images per step, drawn uniformly over the T domains.
        learning_rate: Adam's learning rate.
        seed: seeds the weights, the shuffling and the domain sampling.
        width, input_resolution: see `build_domain_classifier`.
        shuffle_buffer: images per domain in the shuffle buffer (at 128x128, 256
            images of each of 4 domains hold 200 MB).

    Returns:
        The trained keras.Model (logits; `accuracy_per_task` and `features` use it).
    """
    model = build_domain_classifier(
        len(datasets), image_size, width=width, input_resolution=input_resolution,
        seed=seed,
    )
    stream = _labelled_stream(datasets, shuffle_buffer, seed).batch(batch_size)
    optimizer = keras.optimizers.Adam(learning_rate)
    optimizer.build(model.trainable_variables)
    cross_entropy = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    # A plain loop rather than model.fit: fit's tracing costs seconds, more than
    # the training of this small network on a few thousand images.
    @tf.function
    def train_step(images, labels):
        with tf.GradientTape() as tape:
            loss = cross_entropy(labels, model(images, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    for images, labels in stream.take(steps):
        train_step(images, labels)
    return model


def _predict_domains(model, images):
    logits = model(tf.convert_to_tensor(images, tf.float32), training=False)
    return np.argmax(keras.ops.convert_to_numpy(logits), axis=-1)


def accuracy_per_task(model, generated_batches_per_task):
    """Acc per task: the share of task i's images classified as domain i.

    Args:
        model: a trained domain classifier.
        generated_batches_per_task: T iterables, the i-th of batches of images
            [b, H, W, 3] in [-1, 1] meant to be in domain i.

    Returns:
        T floats in [0, 1] (NaN for a task with no images).
    """
    accuracies = []
    for domain, batches in enumerate(generated_batches_per_task):
        correct = 0
        total = 0
        for batch in batches:
            predictions = _predict_domains(model, batch)
            correct += int(np.sum(predictions == domain))
            total += predictions.shape[0]
        accuracies.append(correct / total if total else float("nan"))
    return accuracies


class ClassifierFeatures:
    """The classifier's penultimate (global-pooled) features, a `feature_fn` for FID.

    Distances in this space are reported as `fid_classifier`, never as `fid`.

    Call arguments:
        images: [B, H, W, 3] in [-1, 1].

    Returns:
        float32 NumPy array [B, D].
    """

    feature_space = FeatureSpace.CLASSIFIER

    def __init__(self, model):
        self.model = keras.Model(
            model.inputs, model.get_layer(FEATURES_LAYER_NAME).output
        )
        self.feature_dim = int(self.model.output.shape[-1])

    def __call__(self, images):
        features = self.model(tf.convert_to_tensor(images, tf.float32), training=False)
        return keras.ops.convert_to_numpy(features).astype(np.float32)


def features(model, images):
    """Penultimate-layer features [B, D] of images [B, H, W, 3] in [-1, 1]."""
    return ClassifierFeatures(model)(images)


def classifier_cache_path(cache_dir, task_names, image_size, **training_config):
    """Where `load_or_train` keeps the classifier for this sequence and setting.

    The file name is a hash of the task names (in order), the image size and the
    training configuration, so a changed sequence or setting trains anew.
    """
    key = json.dumps(
        {"tasks": list(task_names), "image_size": int(image_size), **training_config},
        sort_keys=True,
    )
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return os.path.join(cache_dir, f"{digest}.keras")


def load_or_train(cache_dir, task_names, image_size, datasets, **training_config):
    """Loads this sequence's cached classifier, or trains and caches it.

    Args:
        cache_dir: e.g. `<workdir>/domain_classifier`; created if missing.
        task_names: the sequence's task names, class i = task_names[i].
        image_size: the side of the images.
        datasets: the T datasets for `train_domain_classifier`, or a function of
            no arguments returning them (called only when training is needed).
        **training_config: keyword arguments of `train_domain_classifier`
            (steps, batch_size, seed, ...); part of the cache key.

    Returns:
        The classifier (keras.Model). Beside the `.keras` file a `.json` file
        records what it was trained on.
    """
    path = classifier_cache_path(cache_dir, task_names, image_size, **training_config)
    if os.path.isfile(path):
        return keras.models.load_model(path, compile=False)
    if callable(datasets):
        datasets = datasets()
    if len(datasets) != len(task_names):
        raise ValueError(
            f"{len(task_names)} task names but {len(datasets)} datasets were given."
        )
    model = train_domain_classifier(datasets, image_size, **training_config)
    os.makedirs(cache_dir, exist_ok=True)
    # Write then rename, so an interrupted run never leaves a half-written cache.
    partial_path = f"{path[:-len('.keras')]}.partial-{os.getpid()}.keras"
    model.save(partial_path)
    os.replace(partial_path, path)
    with open(path[: -len(".keras")] + ".json", "w") as description:
        json.dump(
            {
                "tasks": list(task_names),
                "image_size": int(image_size),
                "training_config": training_config,
            },
            description,
            indent=2,
        )
    return model
