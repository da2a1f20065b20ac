"""LightWaveS: the estimators and their role files.

* ``estimator.py`` -- :class:`LightWaveS`, :class:`LightWaveSClassifier`;
* ``kernels.py`` -- the fixed candidate kernels and a selected bank (:class:`LightWaveSKernels`);
* ``engine.py`` -- the torch engine (both layers, every feature);
* ``native.py`` -- the compiled loop (``_native/lightwaves.c``) and its layout;
* ``reference.py`` -- slow numpy loops (the test oracle);
* ``select.py`` -- ANOVA + mRMR feature selection; ``distributed.py`` -- the same over worker processes.
"""

from anyconv.timeseries.lightwaves.estimator import LightWaveS, LightWaveSClassifier
from anyconv.timeseries.lightwaves.kernels import LightWaveSKernels

__all__ = ["LightWaveS", "LightWaveSClassifier", "LightWaveSKernels"]
