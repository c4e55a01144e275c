"""The history of generated images a CycleGAN discriminator learns from."""

import tensorflow as tf

POOL_SIZE = 50


class ImagePool(tf.Module):
    """A buffer of up to `capacity` generated images (Shrivastava et al. 2017, as used
    by CycleGAN, Zhu et al. 2017, section 4): the discriminator sees a mix of the
    generator's latest outputs and earlier ones, which damps oscillation.

    `query(images)` goes through the batch in order, exactly like CycleGAN's
    `ImagePool.query`: while the pool is not full, an image is stored and returned
    as it is; once full, with probability 1/2 it replaces a uniformly chosen stored
    image, which is returned in its place, and otherwise it is returned unchanged.

    Everything lives in variables (stored images, how many are stored, how many
    queries were made) and the random draws are stateless, seeded by (`seed`,
    number of queries so far): the pool checkpoints with the task, and a resumed run
    draws exactly what an uninterrupted one draws.

    Distribution: the pool is meant to be queried in cross-replica context with the
    whole global batch (`UnpairedTaskStep` gathers the replicas' outputs first). Its
    variables are then written once per step with one value, so under
    MirroredStrategy every replica's copy stays identical and the step does what it
    does on one device, whatever the number of replicas. Create it inside
    `strategy.scope()`.

    Args:
        image_shape: (height, width, channels) of one image.
        capacity: images kept; 0 disables the pool (every query returns its input).
        seed: seeds the replacement draws.
        name: the module's name.

    Example:
    >>> pool = ImagePool((32, 32, 3), capacity=50, seed=0)
    >>> mixed = pool.query(generated_images)   # same shape as generated_images
    """

    def __init__(self, image_shape, capacity=POOL_SIZE, seed=0, name="image_pool"):
        super().__init__(name=name)
        if capacity < 0:
            raise ValueError(f"capacity must be >= 0, got {capacity}.")
        self.image_shape = tuple(int(d) for d in image_shape)
        self.capacity = int(capacity)
        self.seed = int(seed)
        self.images = tf.Variable(
            tf.zeros((max(self.capacity, 1), *self.image_shape), tf.float32), trainable=False, name="images"
        )
        self.count = tf.Variable(0, dtype=tf.int32, trainable=False, name="count")
        self.queries = tf.Variable(0, dtype=tf.int64, trainable=False, name="queries")

    def query(self, images):
        """Images to show the discriminator, one per image of `images` [batch, H, W, C]."""
        images = tf.cast(images, tf.float32)
        if self.capacity == 0:
            return images
        seed = tf.stack([tf.constant(self.seed, tf.int64), self.queries])
        replace_seed, slot_seed = tf.unstack(tf.random.experimental.stateless_split(seed, num=2))
        batch = tf.shape(images)[0]
        # One draw per image; the ones made while the pool is still filling go unused.
        replace = tf.random.stateless_uniform([batch], seed=replace_seed) > 0.5
        slots = tf.random.stateless_uniform([batch], seed=slot_seed, maxval=self.capacity, dtype=tf.int32)

        def visit(index, stored, count, outputs):
            image = images[index]
            filling = count < self.capacity
            slot = tf.where(filling, count, slots[index])
            swap = tf.logical_or(filling, replace[index])
            returned = tf.where(filling | ~replace[index], image, stored[slot])
            stored = tf.cond(
                swap,
                lambda: tf.tensor_scatter_nd_update(stored, [[slot]], image[None]),
                lambda: stored,
            )
            count = tf.minimum(count + 1, self.capacity)
            return index + 1, stored, count, outputs.write(index, returned)

        _, stored, count, outputs = tf.while_loop(
            lambda index, *_: index < batch,
            visit,
            (tf.constant(0), tf.convert_to_tensor(self.images), tf.convert_to_tensor(self.count),
             tf.TensorArray(tf.float32, size=batch, element_shape=self.image_shape)),
        )
        self.images.assign(stored)
        self.count.assign(count)
        self.queries.assign_add(1)
        return tf.reshape(outputs.stack(), tf.shape(images))
