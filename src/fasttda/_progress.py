"""Progress of long work: a tqdm bar when stderr is a terminal (or a notebook), log lines otherwise.

A bar redrawn in place is unreadable in a log file or a CI console, and a log line every few
milliseconds floods it; so off a terminal the progress goes to the ``logging`` logger as one
INFO line at the first update, then at most one every ``log_every`` seconds, and one at the end,
each with the count, the rate and the time left.
"""

from __future__ import annotations

import logging
import sys
import time

LOG_EVERY = 10.0  # seconds between progress log lines when stderr is not a terminal


def _in_notebook() -> bool:
    """Whether this process is a Jupyter kernel (ipykernel merely imported, e.g. by a test runner, is not)."""
    ipython = sys.modules.get("IPython")
    try:
        shell = ipython.get_ipython() if ipython is not None else None
    except Exception:  # noqa: BLE001 - an IPython too old or half imported: not a kernel we can draw in
        return False
    return type(shell).__name__ == "ZMQInteractiveShell"


def _interactive(stream) -> bool:
    if _in_notebook():  # a notebook: tqdm.auto draws a widget
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Progress:
    """Counts work done towards ``total``; a context manager, ``update(n)`` as in tqdm.

    Parameters
    ----------
    total : the amount of work (in ``unit``s).
    desc : what is being done, e.g. "training".
    unit : the unit of work, e.g. "seed-it" (seed-iterations).
    initial : work already done before this run (not counted in the rate).
    enabled : False shows nothing.
    logger : where the lines go off a terminal (default the ``fasttda`` logger).
    log_every : seconds between log lines off a terminal (default ``LOG_EVERY``).
    stream : the terminal to test and to draw on (default ``sys.stderr``).
    """

    def __init__(
        self,
        total: int,
        desc: str = "",
        unit: str = "it",
        *,
        initial: int = 0,
        enabled: bool = True,
        logger: logging.Logger | None = None,
        log_every: float | None = None,
        stream=None,
    ):
        self.total, self.desc, self.unit = int(total), desc, unit
        self.n = self.initial = int(initial)
        self.enabled = bool(enabled)
        self.logger = logger or logging.getLogger("fasttda")
        self.log_every = LOG_EVERY if log_every is None else float(log_every)
        stream = sys.stderr if stream is None else stream
        self._bar = None
        if self.enabled and _interactive(stream):
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=self.total,
                initial=self.initial,
                desc=desc,
                unit=unit,
                file=stream,
                dynamic_ncols=True,
                unit_scale=self.total >= 10_000,
            )
        self._start = time.monotonic()
        self._logged = None  # time of the last log line; None before the first
        self._logged_n = self.n  # the count that line showed
        self._first = None  # (time, count) at the first update: the rate leaves out the start-up before it

    def update(self, n: int = 1) -> None:
        if n <= 0:
            return
        self.n += int(n)
        if self._first is None:
            self._first = (time.monotonic(), self.n)
        if self._bar is not None:
            self._bar.update(int(n))
        elif self.enabled:
            now = time.monotonic()
            if self._logged is None or now - self._logged >= self.log_every:
                self._logged, self._logged_n = now, self.n
                self.logger.info(self.line())

    def line(self) -> str:
        """The state in words: "training: 960/1920 seed-it (50%), 210 seed-it/s, 4s left"."""
        now = time.monotonic()
        text = f"{self.desc}: {self.n}/{self.total} {self.unit}"
        if self.total:
            text += f" ({100 * self.n / self.total:.0f}%)"
        if self.n >= self.total and self.n > self.initial:
            rate = (self.n - self.initial) / max(now - self._start, 1e-9)
            return text + f", {rate:.3g} {self.unit}/s, {_duration(now - self._start)} in all"
        if self._first is not None and self.n > self._first[1] and now > self._first[0]:
            rate = (self.n - self._first[1]) / (now - self._first[0])
            text += f", {rate:.3g} {self.unit}/s, {_duration((self.total - self.n) / rate)} left"
        return text

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.enabled and self.n != self._logged_n:
            self.logger.info(self.line())
        self.enabled = False  # closed: nothing more is shown

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
