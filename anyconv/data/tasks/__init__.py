"""Tasks by name (a registry like the layers'): kind, metric, splits, optional streaming.

Importing this package registers every task; see :func:`list_tasks` and :func:`make_task`.
"""

# Importing a task module registers its tasks: synthetic (copying, adding, mqar), denoise
# (denoise-samples), denoise_skimage (denoise-skimage), digits, mnist1d, irregular
# (mnist1d-irregular-30|50|70), mnist5k (mnist5k,
# smnist, pmnist).
from anyconv.data.tasks import denoise, denoise_skimage, digits, irregular, mnist1d, mnist5k, synthetic  # noqa: F401
from anyconv.data.tasks.registry import (
    Sizes,
    TaskInfo,
    check_options,
    get_task_info,
    list_tasks,
    make_task,
    parse_option,
    register_task,
)
from anyconv.data.tasks.spec import KINDS, METRICS, Task, TaskSpec, TaskSplit, carve_validation

__all__ = [
    "KINDS",
    "METRICS",
    "Sizes",
    "Task",
    "TaskInfo",
    "TaskSpec",
    "TaskSplit",
    "carve_validation",
    "check_options",
    "get_task_info",
    "list_tasks",
    "make_task",
    "parse_option",
    "register_task",
]
