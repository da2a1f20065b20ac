"""Random-kernel time-series classification (ROCKET family) as scikit-learn estimators.

Kernel *sampling* (``*_kernels.py``) is kept apart from kernel *application*
(torch engine and a plain numpy reference), so one sampled bank can be applied by either.
"""

from anyconv.timeseries._validation import check_collection, check_consistent, pad_series  # noqa: E402

__all__: list[str] = []
__all__ += ["check_collection", "check_consistent", "pad_series"]

from anyconv.timeseries._base import BaseRandomKernelTransformer  # noqa: E402
from anyconv.timeseries._classifier import RandomKernelClassifier  # noqa: E402
from anyconv.timeseries.minirocket import MiniRocket  # noqa: E402
from anyconv.timeseries.multirocket import MultiRocket  # noqa: E402
from anyconv.timeseries.hdc_minirocket import HDCMiniRocket  # noqa: E402
from anyconv.timeseries.minirocket_classifiers import (  # noqa: E402
    HDCMiniRocketClassifier,
    MiniRocketClassifier,
    MultiRocketClassifier,
)

__all__ += ["BaseRandomKernelTransformer", "RandomKernelClassifier"]
__all__ += ["MiniRocket", "MultiRocket", "HDCMiniRocket"]
__all__ += ["MiniRocketClassifier", "MultiRocketClassifier", "HDCMiniRocketClassifier"]

from anyconv.timeseries.rocket import Rocket, RocketClassifier  # noqa: E402
from anyconv.timeseries.lightwaves import LightWaveS, LightWaveSClassifier  # noqa: E402

__all__ += ["Rocket", "RocketClassifier", "LightWaveS", "LightWaveSClassifier"]
