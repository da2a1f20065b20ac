"""One self-contained HTML page of explanations: every figure inlined as a ``data:`` PNG, all text
escaped, and a Content-Security-Policy that forbids loading anything else. A small inline script
records on ``load`` how many images decoded (``<body data-images-loaded=… data-images-total=…>``),
so a headless browser can check the page."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from anyconv.utils.io import atomic_write_text

__all__ = ["Section", "render_page", "write_page"]

_CSS = """body{font-family:system-ui,sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;color:#1f2328}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;font-size:.9rem;margin:.6rem 0}td,th{border:1px solid #d0d7de;padding:.2rem .5rem}
td.num{text-align:right;font-variant-numeric:tabular-nums}p.note{color:#59636e;font-size:.9rem}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #e4e7eb}
figcaption{color:#59636e;font-size:.9rem}"""

_SCRIPT = """window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var loaded = images.filter(function (img) { return img.complete && img.naturalWidth > 0; }).length;
  document.body.dataset.imagesLoaded = String(loaded);
  document.body.dataset.imagesTotal = String(images.length);
});"""

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"


@dataclass
class Section:
    """A heading, paragraphs, tables (header row + rows) and figures (PNG path, caption)."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[tuple[list[str], list[list[str]]]] = field(default_factory=list)
    figures: list[tuple[Path, str]] = field(default_factory=list)


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def cell(v: str) -> str:
        numeric = v.replace(".", "", 1).replace("-", "", 1).replace("e", "", 1).isdigit()
        return f'<td class="num">{escape(v)}</td>' if numeric else f"<td>{escape(v)}</td>"

    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(cell(str(v)) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _figure(path: Path, caption: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{escape(caption)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def render_page(title: str, sections: Sequence[Section], *, subtitle: str = "") -> str:
    """The page's HTML text."""
    parts = []
    for s in sections:
        parts.append(f"<h2>{escape(s.title)}</h2>")
        parts.extend(f'<p class="note">{escape(p)}</p>' for p in s.paragraphs)
        parts.extend(_table(h, r) for h, r in s.tables)
        parts.extend(_figure(p, c) for p, c in s.figures)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{escape(_CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{_CSS}</style></head>
<body>
<h1>{escape(title)}</h1>
{f'<p class="note">{escape(subtitle)}</p>' if subtitle else ""}
{"".join(parts)}
<script>{_SCRIPT}</script>
</body></html>
"""


def write_page(path: str | Path, title: str, sections: Sequence[Section], *, subtitle: str = "") -> Path:
    """Write :func:`render_page` to ``path`` (atomically) and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, render_page(title, sections, subtitle=subtitle))
    return path
