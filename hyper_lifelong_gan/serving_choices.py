"""The choices of `translate.py` and `export.py`, where the commands' flags and the
library (`inference`, `serving`) both read them; importing it loads no TensorFlow,
so the commands' --help stays instant."""

# How images whose sides are not multiples of 4 are handled (see `inference`).
FITS = ("pad", "resize")
# forward: the task's direction (G of an unpaired run); inverse: F of an unpaired run.
DIRECTIONS = ("forward", "inverse")
# What `export.py` writes (see `serving`).
FORMATS = ("saved_model", "keras", "tflite")
