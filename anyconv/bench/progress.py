"""Progress that fits where it runs.

On a terminal: an overall bar per suite (runs done / total, ETA) above a per-run bar of steps.
In a log (stdout not a terminal, or ``progress=False``): no bars; one line per evaluation of a
run and one per finished run, so a log of a whole suite stays a few kilobytes.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from tqdm.auto import tqdm


def is_terminal(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


class RunProgress:
    """Progress of one training run: a bar on a terminal, a line per evaluation in a log."""

    def __init__(self, label: str, total: int, *, initial: int = 0, mode: str = "auto") -> None:
        if mode not in ("auto", "bar", "lines", "off"):
            raise ValueError(f"progress mode must be 'auto', 'bar', 'lines' or 'off', got {mode!r}")
        self.mode = ("bar" if is_terminal() else "lines") if mode == "auto" else mode
        self.label, self.total = label, total
        self.bar = None
        self.shown: dict[str, str] = {}
        if self.mode == "bar":  # position None: tqdm puts it below a suite's bar, if one is open
            self.bar = tqdm(total=total, initial=initial, desc=label, leave=False, dynamic_ncols=True)

    def step(self, loss: float) -> None:
        if self.bar is not None:
            self.bar.update(1)
            self.shown["loss"] = f"{loss:.3f}"
            self.bar.set_postfix(self.shown, refresh=False)

    def evaluated(self, step: int, metric: str, value: float) -> None:
        if self.bar is not None:
            self.shown[f"val {metric}"] = f"{value:.3f}"
            self.bar.set_postfix(self.shown)
        elif self.mode == "lines":
            sys.stderr.write(f"  {self.label}: step {step}/{self.total} val {metric} {value:.4f}\n")
            sys.stderr.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class SuiteProgress:
    """Runs done / total with an ETA: a bar on a terminal, one line per finished run in a log."""

    def __init__(self, total: int, *, mode: str = "auto", skipped: int = 0) -> None:
        self.mode = ("bar" if is_terminal() else "lines") if mode == "auto" else mode
        self.total, self.done, self.start = total, skipped, time.perf_counter()
        self.bar = None
        if self.mode == "bar":
            self.bar = tqdm(total=total, initial=skipped, desc="suite", unit="run", position=0, dynamic_ncols=True)

    def finished(self, result: dict[str, Any]) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        elif self.mode == "lines":
            c = result["config"]
            test = result.get("test") or {}
            value = test.get("metric")
            shown = "—" if value is None else f"{value:.4f}"
            sys.stderr.write(
                f"[{self.done}/{self.total}] {c['task']} {c['layer']} seed {c['seed']}: test {result['metric']} {shown}"
                f" ({result['wall_time_s']:.1f} s, {result['status']})\n"
            )
            sys.stderr.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
