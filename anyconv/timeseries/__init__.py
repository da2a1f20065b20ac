"""Random-kernel time-series classification (ROCKET family) as scikit-learn estimators.

One folder per method family -- ``rocket/``, ``minirocket/`` (MiniRocket,
MultiRocket and HDC-MiniRocket share one bank and engine), ``lightwaves/`` -- each
with the same role files: the estimator, ``kernels.py`` (sampling), ``engine.py``
(torch), ``native.py`` (the compiled loop's wrapper) and ``reference.py`` (numpy
oracle). Kernel *sampling* is kept apart from kernel *application*, so one sampled
bank can be applied by any engine. Shared pieces stay here: ``_base.py`` and
``_classifier.py`` (base classes), ``_validation.py``, ``_args.py``, ``_layouts.py``
(the one cache of engine layouts), ``linear_head.py`` and ``native.py`` (the
compiled library's loader: :func:`native.status`, :func:`native.available`).
"""

from anyconv.timeseries._validation import check_collection, check_consistent, pad_series

__all__: list[str] = []
__all__ += ["check_collection", "check_consistent", "pad_series"]

from anyconv.timeseries._base import BaseRandomKernelTransformer  # noqa: E402
from anyconv.timeseries._classifier import RandomKernelClassifier  # noqa: E402
from anyconv.timeseries.minirocket import (  # noqa: E402
    HDCMiniRocket,
    HDCMiniRocketClassifier,
    MiniRocket,
    MiniRocketClassifier,
    MultiRocket,
    MultiRocketClassifier,
)

__all__ += ["BaseRandomKernelTransformer", "RandomKernelClassifier"]
__all__ += ["MiniRocket", "MultiRocket", "HDCMiniRocket"]
__all__ += ["MiniRocketClassifier", "MultiRocketClassifier", "HDCMiniRocketClassifier"]

from anyconv.timeseries.lightwaves import LightWaveS, LightWaveSClassifier  # noqa: E402
from anyconv.timeseries.rocket import Rocket, RocketClassifier  # noqa: E402

__all__ += ["Rocket", "RocketClassifier", "LightWaveS", "LightWaveSClassifier"]

from anyconv.timeseries.hydra import (  # noqa: E402
    Hydra,
    HydraClassifier,
    HydraRegressor,
    MultiRocketHydra,
    MultiRocketHydraClassifier,
    MultiRocketHydraRegressor,
)

__all__ += ["Hydra", "HydraClassifier", "MultiRocketHydra", "MultiRocketHydraClassifier"]
__all__ += ["HydraRegressor", "MultiRocketHydraRegressor"]

from anyconv.timeseries._regressor import RandomKernelRegressor  # noqa: E402
from anyconv.timeseries.regressors import (  # noqa: E402
    MiniRocketRegressor,
    MultiRocketRegressor,
    RocketRegressor,
)

__all__ += ["RandomKernelRegressor", "RocketRegressor", "MiniRocketRegressor", "MultiRocketRegressor"]
