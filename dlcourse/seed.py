"""Make a lab's numbers repeat from run to run."""

from __future__ import annotations

import os
import random

import numpy as np


def set_seed(seed: int = 42) -> None:
    """Seed Python, NumPy, Keras and TensorFlow, and make TensorFlow's ops deterministic.

    Call it once at the top of a notebook, before any model is built: every weight
    initialisation, shuffle and dropout mask then comes out the same on every run.
    """
    import keras
    import tensorflow as tf

    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)  # also seeds Python, NumPy and TensorFlow
    tf.config.experimental.enable_op_determinism()
