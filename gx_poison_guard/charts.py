"""Small inline-SVG charts for Data Docs (pure; no GX, no JavaScript, no network).

GX's own charts load vega from a CDN and stay blank offline; these are plain
SVG markup that any browser draws as it is. Every label is HTML-escaped and
``$`` is written as an entity, because GX runs ``string.Template`` over the
markup and inserts it into the page without escaping.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

_BAR = "#4C78A8"
_BAD = "#D62728"
_LINE = "#D62728"
_TEXT = 'font-family="Helvetica, Arial, sans-serif" font-size="11" fill="#333"'


def _text(value: object) -> str:
    """Escape for SVG text and keep GX's template substitution away from it."""
    return html.escape(str(value), quote=True).replace("$", "&#36;")


def _num(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 1e4 else f"{x:.2e}"


def bar_chart(labels: Sequence[str], values: Sequence[float], threshold: float, *, title: str,
              width: int = 420) -> str:
    """Horizontal bars of ``values`` (largest first as given) with a red line at ``threshold``.

    Bars past the threshold are red. Returns an ``<svg>`` string.
    """
    values = [float(v) if math.isfinite(float(v)) else 0.0 for v in values]
    top = max([threshold * 1.15, *values, 1e-12])
    left, bar_h, gap = 150, 16, 6
    plot_w = width - left - 50
    height = 28 + len(values) * (bar_h + gap) + 10
    scale = plot_w / top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="{_text(title)}">', f'<text x="0" y="14" {_TEXT} font-weight="bold">{_text(title)}</text>']
    for i, (label, value) in enumerate(zip(labels, values)):
        y = 26 + i * (bar_h + gap)
        colour = _BAD if value > threshold else _BAR
        parts.append(f'<text x="{left - 6}" y="{y + 12}" {_TEXT} text-anchor="end">{_text(_short(label))}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{max(value * scale, 1):.1f}" height="{bar_h}" fill="{colour}"/>')
        parts.append(f'<text x="{left + value * scale + 4:.1f}" y="{y + 12}" {_TEXT}>{_text(_num(value))}</text>')
    x = left + threshold * scale
    parts.append(f'<line x1="{x:.1f}" y1="22" x2="{x:.1f}" y2="{height - 6}" stroke="{_LINE}" stroke-width="2" '
                 'stroke-dasharray="4 2"/>')
    parts.append(f'<text x="{x + 3:.1f}" y="{height - 2}" {_TEXT} fill="{_LINE}">limit {_text(_num(threshold))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(edges: Sequence[float], counts: Sequence[int], threshold: float, *, title: str,
              overflow: int = 0, width: int = 420, height: int = 170) -> str:
    """Histogram of row scores with a red threshold line; ``overflow`` rows lie beyond the last edge."""
    counts = [int(c) for c in counts] + ([int(overflow)] if overflow else [])
    lo, hi = float(edges[0]), float(edges[-1])
    span = (hi - lo) or 1.0
    left, bottom, plot_w, plot_h = 40, height - 24, width - 60, height - 54
    n_bins = len(counts)
    bin_w = plot_w / n_bins
    peak = max(counts + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="{_text(title)}">', f'<text x="0" y="14" {_TEXT} font-weight="bold">{_text(title)}</text>',
             f'<line x1="{left}" y1="{bottom}" x2="{left + plot_w}" y2="{bottom}" stroke="#999"/>']
    for i, c in enumerate(counts):
        h = 0 if c == 0 else max(plot_h * math.sqrt(c / peak), 1.5)  # sqrt scale keeps rare bins visible
        right_edge = hi + span / (len(edges) - 1) if i >= len(edges) - 1 else edges[i + 1]
        colour = _BAD if right_edge > threshold and (i >= len(edges) - 1 or edges[i] >= threshold) else _BAR
        parts.append(f'<rect x="{left + i * bin_w + 0.5:.1f}" y="{bottom - h:.1f}" width="{max(bin_w - 1, 1):.1f}" '
                     f'height="{h:.1f}" fill="{colour}"/>')
    x = left + min(max((threshold - lo) / span, 0.0), 1.0) * (plot_w - (bin_w if overflow else 0))
    parts.append(f'<line x1="{x:.1f}" y1="24" x2="{x:.1f}" y2="{bottom}" stroke="{_LINE}" stroke-width="2" '
                 'stroke-dasharray="4 2"/>')
    parts.append(f'<text x="{x + 3:.1f}" y="34" {_TEXT} fill="{_LINE}">threshold {_text(_num(threshold))}</text>')
    parts.append(f'<text x="{left}" y="{height - 8}" {_TEXT}>{_text(_num(lo))}</text>')
    label = f"{_num(hi)}+" if overflow else _num(hi)
    parts.append(f'<text x="{left + plot_w}" y="{height - 8}" {_TEXT} text-anchor="end">{_text(label)}</text>')
    parts.append(f'<text x="{left - 4}" y="{bottom - plot_h + 4:.1f}" {_TEXT} text-anchor="end">{peak}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _short(label: str, limit: int = 24) -> str:
    label = str(label)
    return label if len(label) <= limit else label[: limit - 1] + "…"
