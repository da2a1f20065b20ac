"""ROCKET: the estimators and their role files.

* ``estimator.py`` -- :class:`Rocket`, :class:`RocketClassifier`;
* ``kernels.py`` -- sampling the bank (:class:`RocketKernels`);
* ``engine.py`` -- the torch engine (im2col + matmul per kernel group);
* ``native.py`` -- the compiled loop (``_native/rocket.c``) and its layout;
* ``reference.py`` -- slow numpy loops (the test oracle).
"""

from anyconv.timeseries.rocket.estimator import Rocket, RocketClassifier, normalise_series
from anyconv.timeseries.rocket.kernels import RocketKernels, sample_rocket_kernels

__all__ = ["Rocket", "RocketClassifier", "normalise_series", "RocketKernels", "sample_rocket_kernels"]
