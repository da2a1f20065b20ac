"""Hydra and MultiRocket-Hydra (Dempster, Schmidt & Webb, DMKD 2023).

* ``kernels.py`` -- the bank, sampled with numpy from ``random_state`` (or taken from aeon);
* ``native.py`` -- the compiled loop (``_native/hydra.c``, CPU); ``engine.py`` -- torch engine
  (CPU/CUDA); ``reference.py`` -- numpy loops (test oracle);
* ``estimator.py`` -- :class:`Hydra`, :class:`MultiRocketHydra` transformers;
* ``classifiers.py`` -- :class:`HydraClassifier`, :class:`MultiRocketHydraClassifier`, :class:`SparseScaler`;
* ``regressors.py`` -- :class:`HydraRegressor`, :class:`MultiRocketHydraRegressor`.
"""

from anyconv.timeseries.hydra.classifiers import HydraClassifier, MultiRocketHydraClassifier, SparseScaler
from anyconv.timeseries.hydra.estimator import Hydra, MultiRocketHydra
from anyconv.timeseries.hydra.kernels import HydraBank, bank_from_aeon, sample_hydra_bank
from anyconv.timeseries.hydra.regressors import HydraRegressor, MultiRocketHydraRegressor

__all__ = ["Hydra", "MultiRocketHydra", "HydraClassifier", "MultiRocketHydraClassifier", "SparseScaler",
           "HydraBank", "bank_from_aeon", "sample_hydra_bank", "HydraRegressor", "MultiRocketHydraRegressor"]
