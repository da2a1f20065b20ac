"""File output that never leaves a half-written result behind."""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

__all__ = ["atomic_write_bytes", "atomic_write_json", "atomic_write_text"]


def _default(value: Any) -> Any:
    """JSON fallback for numpy scalars/arrays and paths."""
    if hasattr(value, "tolist"):  # numpy scalar or array
        return value.tolist()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"cannot write a {type(value).__name__} to JSON: {value!r}")


def atomic_write_json(path: str | os.PathLike, data: Any, *, indent: int = 2) -> None:
    """Write ``data`` as JSON to ``path`` atomically.

    The JSON goes to a temporary file in the same folder, is flushed to disk, and then
    replaces ``path`` with ``os.replace``; readers see the old file or the new one,
    never a partial one. Missing parent folders are created. numpy scalars and arrays
    are written as plain numbers and lists.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file.
    data : Any
        JSON-serialisable object (numpy values allowed).
    indent : int, default=2
        Indentation passed to :func:`json.dump`.

    Raises
    ------
    TypeError
        If ``data`` holds a value JSON cannot represent (nothing is written then).
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    text = json.dumps(data, indent=indent, default=_default, sort_keys=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual file mode
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then ``os.replace``).

    Readers see the old file or the new one, never a partial one; missing parent folders are
    created and the file gets the usual mode (``0o666`` less the umask). On failure the
    temporary file is removed and ``path`` is left as it was.

    Raises
    ------
    TypeError
        If ``data`` is not bytes-like (nothing is written then).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"atomic_write_bytes needs bytes, got {type(data).__name__}")
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    suffix = os.path.splitext(path)[1]
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike, text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically, encoded with ``encoding`` (see :func:`atomic_write_bytes`).

    Newlines are written as given (no platform translation), so CSV ``\\r\\n`` stays intact.

    Raises
    ------
    TypeError
        If ``text`` is not a ``str`` (nothing is written then).
    """
    if not isinstance(text, str):
        raise TypeError(f"atomic_write_text needs a str, got {type(text).__name__}")
    atomic_write_bytes(path, text.encode(encoding))
