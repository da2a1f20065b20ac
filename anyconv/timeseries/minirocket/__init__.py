"""The MiniRocket family: MiniRocket, MultiRocket and HDC-MiniRocket share one
kernel bank (:class:`MiniRocketBank`) and one convolution engine.

* estimators -- ``estimator.py`` (:class:`MiniRocket`), ``multirocket.py``
  (:class:`MultiRocket`), ``hdc.py`` (:class:`HDCMiniRocket`), ``classifiers.py``;
* ``kernels.py`` -- sampling the bank (dilations, channel combinations, biases);
* torch engine -- ``engine.py`` (convolutions and PPV), ``pooling.py``
  (MultiRocket's four operators, HDC's time-coded PPV);
* ``native.py`` -- the compiled loops (``_native/minirocket.c``, ``_native/pooling.c``);
* ``reference.py`` -- slow numpy loops (the test oracle).
"""

from anyconv.timeseries.minirocket.classifiers import (
    HDCMiniRocketClassifier,
    MiniRocketClassifier,
    MultiRocketClassifier,
)
from anyconv.timeseries.minirocket.estimator import MiniRocket, aeon_seed, sample_minirocket_bank
from anyconv.timeseries.minirocket.hdc import HDCMiniRocket
from anyconv.timeseries.minirocket.kernels import MiniRocketBank
from anyconv.timeseries.minirocket.multirocket import MultiRocket

__all__ = ["MiniRocket", "MultiRocket", "HDCMiniRocket", "MiniRocketClassifier", "MultiRocketClassifier",
           "HDCMiniRocketClassifier", "MiniRocketBank", "aeon_seed", "sample_minirocket_bank"]
