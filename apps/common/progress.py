"""A one-line progress bar on stderr for import commands (no dependency needed)."""

from __future__ import annotations

import time
from typing import IO


class ProgressBar:
    """Redraws at most five times a second; silent unless enabled (by default the
    commands enable it when stderr is a terminal)."""

    width = 30

    def __init__(self, out: IO[str], *, enabled: bool) -> None:
        self.out, self.enabled = out, enabled
        self.started = time.monotonic()
        self._last = 0.0

    def show(self, fraction: float, text: str, *, final: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not final and now - self._last < 0.2):
            return
        self._last = now
        fraction = min(max(fraction, 0.0), 1.0)
        bar = "#" * int(fraction * self.width)
        self.out.write(f"\r[{bar:<{self.width}}] {fraction:6.1%} {text}" + ("\n" if final else ""))
        self.out.flush()

    def elapsed(self) -> float:
        return max(time.monotonic() - self.started, 1e-6)
