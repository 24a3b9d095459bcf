"""What a run reports while it trains: ``log.csv``, TensorBoard (``tb/``) and the progress bar
(tqdm on stderr, with ETA and the latest losses)."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from seqrdp.progress import progress

LOG_FILE = "log.csv"


class RunLog:
    """``log.csv`` (one row per ``log_every`` steps) and TensorBoard (``tb/``).

    On resume, rows after the checkpoint are dropped (they are about to be recomputed), and
    TensorBoard purges its events after that step.
    """

    def __init__(self, out: Path, columns: list[str], step: int, config: Mapping[str, Any]):
        out.mkdir(parents=True, exist_ok=True)
        self.path = out / LOG_FILE
        self.fields = ["step", "stage", "seconds", *columns]
        kept = []
        if step and self.path.exists():
            with self.path.open(newline="") as handle:
                kept = [row for row in csv.DictReader(handle) if int(row["step"]) <= step]
        self.handle = self.path.open("w", newline="")
        self.csv = csv.DictWriter(self.handle, self.fields, restval="", extrasaction="ignore")
        self.csv.writeheader()
        self.csv.writerows(kept)
        self.handle.flush()
        self.tensorboard = None
        if config["tensorboard"]:
            from torch.utils.tensorboard import SummaryWriter

            self.tensorboard = SummaryWriter(str(out / "tb"), purge_step=step or None)

    def write(self, step: int, stage: str, seconds: float, stats: Mapping[str, float]) -> None:
        self.csv.writerow({"step": step, "stage": stage, "seconds": f"{seconds:.2f}", **stats})
        self.handle.flush()
        if self.tensorboard:
            for key, value in stats.items():
                self.tensorboard.add_scalar(key, value, step)

    def image(self, tag: str, image: np.ndarray, step: int) -> None:
        """An image (grey (H, W) or colour (H, W, 3), uint8) for TensorBoard."""
        if self.tensorboard:
            layout = "HW" if image.ndim == 2 else "HWC"
            self.tensorboard.add_image(tag, image, step, dataformats=layout)

    def close(self) -> None:
        self.handle.close()
        if self.tensorboard:
            self.tensorboard.close()


def progress_bar(total: int, step: int, config: Mapping[str, Any], show: bool | None):
    """The run's bar over all its steps, starting at ``step`` (``show=None``: only when stderr
    is a terminal); its postfix shows the latest losses."""
    desc = config["mode"] + (f" {config['plf']}" if config["plf"] else "")
    return progress(
        total=total, initial=step, desc=desc, disable=None if show is None else not show
    )
