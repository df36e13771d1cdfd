"""Progress: a tqdm bar on a terminal, rate-limited log lines with rate and time left elsewhere."""

import io
import logging

from fasttda import _progress
from fasttda._progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_log_lines_off_a_terminal(caplog, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(_progress.time, "monotonic", lambda: clock[0])
    logger = logging.getLogger("fasttda.test")
    with (
        caplog.at_level(logging.INFO, logger="fasttda.test"),
        Progress(100, "work", "item", logger=logger, log_every=10, stream=io.StringIO()) as bar,
    ):
        clock[0] += 5  # start-up: not counted in the rate
        bar.update(10)  # the first update is logged at once
        clock[0] += 2
        bar.update(20)  # 2 s later: too soon for another line
        clock[0] += 10
        bar.update(20)  # 12 s after the first: 40 items in 12 s, 50 left
        clock[0] += 3
        bar.update(50)  # done; 20 s since the start
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "work: 10/100 item (10%)",
        "work: 50/100 item (50%), 3.33 item/s, 15s left",
        "work: 100/100 item (100%), 5 item/s, 20s in all",
    ]


def test_initial_work_and_nothing_shown_when_disabled(caplog):
    logger = logging.getLogger("fasttda.test")
    with caplog.at_level(logging.INFO, logger="fasttda.test"):
        with Progress(8, "t", logger=logger, initial=6, stream=io.StringIO()) as bar:
            bar.update(2)
        with Progress(8, "off", logger=logger, enabled=False, stream=Terminal()) as bar:
            bar.update(8)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and lines[0].startswith("t: 8/8 it (100%)")


def test_a_bar_on_a_terminal(caplog):
    term = Terminal()
    with caplog.at_level(logging.INFO), Progress(4, "training", "seed-it", stream=term) as bar:
        for _ in range(4):
            bar.update()
    assert "training: 100%" in term.getvalue() and "4/4" in term.getvalue()
    assert not caplog.records  # the bar instead of log lines
