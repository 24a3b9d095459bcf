"""The demo report: one self-contained HTML page (figures inline as PNG data URIs, no scripts,
no network) that a person opens offline in a browser.

The page is assembled from plain data — evaluation results, theory figures, image grids,
bitstream sizes — so every number on it comes from the functions that ``seqrdp evaluate`` and
``seqrdp theory`` also print.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from seqrdp.plfs import DESCRIPTIONS, HEADS

HEAD_LABELS = {head: f"{head} ({DESCRIPTIONS[head]})" for head in HEADS}
HEAD_COLOURS = dict(zip(HEADS, ("#555555", "#1f77b4", "#d62728", "#2ca02c"), strict=True))

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.8em 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f3f3f3; }
figure { margin: 1em 0; } figcaption { color: #555; font-size: 0.92em; }
img { max-width: 100%; image-rendering: pixelated; }
code, pre { background: #f5f5f5; padding: 0.1em 0.3em; }
pre { padding: 0.6em; overflow-x: auto; }
.finding { background: #f7f9fc; border-left: 4px solid #1f77b4; padding: 0.5em 1em; }
"""


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def figure_png(fig) -> bytes:
    """A Matplotlib figure as PNG bytes (the figure is closed)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def image_grid_png(
    rows: Sequence[str], blocks: Sequence[tuple[str, Sequence[np.ndarray]]]
) -> bytes:
    """PNG of sequences side by side: ``rows`` labels the rows (source, heads); each block is
    ``(title, [frames (T, H, W) uint8 per row])``, drawn as T columns under its title."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frames = blocks[0][1][0].shape[0]
    columns = len(blocks) * frames
    fig, axes = plt.subplots(
        len(rows), columns, figsize=(0.95 * columns + 1.0, 1.0 * len(rows) + 0.4), squeeze=False
    )
    for b, (title, videos) in enumerate(blocks):
        for r, video in enumerate(videos):
            for t in range(frames):
                ax = axes[r][b * frames + t]
                ax.imshow(video[t], cmap="gray", vmin=0, vmax=255, interpolation="nearest")
                ax.set_xticks([])
                ax.set_yticks([])
                if r == 0:
                    ax.set_title(f"{title}\nframe {t + 1}" if t == 0 else f"\nframe {t + 1}",
                                 fontsize=8, loc="left" if t == 0 else "center")  # fmt: skip
                if b == 0 and t == 0:
                    ax.set_ylabel(rows[r], rotation=0, ha="right", va="center", fontsize=9)
    fig.subplots_adjust(wspace=0.04, hspace=0.06)
    return figure_png(fig)


def per_frame_plot_png(
    heads: dict[str, dict[str, Any]], key: str, ylabel: str, title: str
) -> bytes:
    """Line plot of one per-frame metric for every head."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    for head, metrics in heads.items():
        values = metrics[key]
        ax.plot(
            range(1, len(values) + 1), values, marker="o", label=HEAD_LABELS.get(head, head),
            color=HEAD_COLOURS.get(head),
        )  # fmt: skip
    ax.set_xlabel("frame t")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.set_xticks(range(1, len(next(iter(heads.values()))[key]) + 1))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return figure_png(fig)


def ladder_plot_png(points: Sequence[dict[str, Any]]) -> bytes:
    """The rate ladder (:func:`seqrdp.evaluate.record.ladder_points`): per head, the share of
    clips whose frames 2..T show frame 1's digit (left) and the source digit (right) against
    the frame-1 rate; one line per head and P-frame rate."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.4), sharey=True)
    styles = ("-", "--", ":", "-.")
    rates = sorted({p["pframe_bits"] for p in points})
    for ax, key, title in zip(
        axes, ("identity_first", "identity_source"),
        ("frames 2..T show frame 1's digit", "frames 2..T show the source digit"), strict=True,
    ):  # fmt: skip
        for style, rate in zip(styles * len(rates), rates, strict=False):
            chosen = [p for p in points if p["pframe_bits"] == rate]
            heads = dict.fromkeys(h for p in chosen for h in p["heads"])
            for head in heads:
                xs = [p["iframe_bits"] for p in chosen if head in p["heads"]]
                ys = [p["heads"][head][key] for p in chosen if head in p["heads"]]
                label = f"{head}, P {rate} bits" if len(rates) > 1 else head
                ax.plot(xs, ys, style, marker="o", color=HEAD_COLOURS.get(head), label=label)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("frame-1 bits R1")
        ax.set_title(title, fontsize=10)
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("fraction of clips")
    axes[1].legend(fontsize=7)
    return figure_png(fig)


@dataclass
class Section:
    """One titled part of the report: paragraphs of HTML, then figures and tables."""

    title: str
    html: list[str] = field(default_factory=list)

    def text(self, paragraph: str) -> Section:
        self.html.append(f"<p>{paragraph}</p>")
        return self

    def finding(self, paragraph: str) -> Section:
        self.html.append(f'<p class="finding">{paragraph}</p>')
        return self

    def figure(self, png: bytes, caption: str, alt: str) -> Section:
        self.html.append(
            f'<figure><img src="{png_data_uri(png)}" alt="{html.escape(alt)}">'
            f"<figcaption>{caption}</figcaption></figure>"
        )
        return self

    def table(
        self, header: Sequence[str], rows: Sequence[Sequence[Any]], digits: int = 4
    ) -> Section:
        def cell(value: Any) -> str:
            if isinstance(value, float):
                return f"{value:.{digits}g}"
            return html.escape("—" if value is None else str(value))

        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows
        )
        self.html.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        return self

    def code(self, text: str) -> Section:
        self.html.append(f"<pre><code>{html.escape(text)}</code></pre>")
        return self


def render_report(title: str, intro: str, sections: Sequence[Section]) -> str:
    """The whole page as a string."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{intro}</p>",
    ]
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        parts.extend(section.html)
    parts.append("</body></html>")
    return "\n".join(parts)
