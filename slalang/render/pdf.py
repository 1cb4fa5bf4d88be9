"""PDF from the rendered HTML documents (reports, contract appendix), through WeasyPrint.

WeasyPrint is a maintained HTML/CSS-to-PDF engine in Python (BSD licence) that implements CSS
paged media: page-margin boxes, ``counter(page)``/``counter(pages)`` and ``string-set``,
which is how the pages get their running header (the document's title), their footer and
their numbers here. It is an optional dependency (``pip install 'slalang[pdf]'``), imported
only when a PDF is asked for, so ``slalang check`` stays fast and a plain install small.

The page rules live here, not in the templates: the same HTML that a browser shows is laid
out on A4 with a header and footer on every page, headings kept with what follows them,
table rows never split, and the closing footer never left alone on a page.
"""

from __future__ import annotations

import re
from typing import Any

from slalang.render.errors import RenderError
from slalang.render.i18n import LANGS, Wording

#: the paged-media rules added to every document turned into PDF ({page}, {of}: the words)
PAGE_CSS = """
@page {{
  size: A4;
  margin: 20mm 15mm 20mm 15mm;
  @top-left {{ content: string(doc-title); font: 8pt system-ui, sans-serif; color: #546e7a;
               vertical-align: bottom; padding-bottom: 3mm; }}
  @top-right {{ content: string(doc-provider); font: 8pt system-ui, sans-serif;
                color: #546e7a; vertical-align: bottom; padding-bottom: 3mm; }}
  @bottom-left {{ content: element(doc-generated); vertical-align: top; padding-top: 3mm;
                  width: 75%; }}
  @bottom-right {{ content: "{page} " counter(page) " {of} " counter(pages);
                   font: 8pt system-ui, sans-serif; color: #546e7a; vertical-align: top;
                   padding-top: 3mm; white-space: nowrap; }}
}}
html {{ font-size: 10pt; }}
body {{ max-width: none; margin: 0; padding: 0; font-size: 9.5pt; }}
/* denser than on screen: a month's table fits under the charts of the first page */
table {{ font-size: 8.5pt; margin: 4px 0 10px; }}
th, td {{ padding: 2px 6px; }}
h2 {{ margin: 18px 0 6px; }}
h3 {{ margin: 12px 0 4px; }}
h1 {{ string-set: doc-title content(); }}
.provider {{ string-set: doc-provider content(); }}
/* a closing footer whose text runs at the foot of every page is not printed again, so it
   is never a page alone; any other footer (the contract's) stays with what precedes it */
p.doc-generated {{ display: block; position: running(doc-generated); margin: 0;
                  font: 6.5pt system-ui, sans-serif; color: #78909c; }}
footer.repeated {{ display: none; }}
footer {{ break-before: avoid; break-inside: avoid; }}
h1, h2, h3, h4 {{ break-after: avoid; }}
h2 + p.note, h3 + p.note {{ break-before: avoid; }}
p.note + table, p.note + .charts {{ break-before: avoid; }}
tr, .card, svg.chart, dl, .facts {{ break-inside: avoid; }}
thead {{ display: table-header-group; }}
/* a table moves whole to the next page when it fits there; a longer one still splits */
table {{ break-inside: avoid; }}
section.customer + section.customer, section.tier + section.tier {{ break-before: page; }}
svg.chart {{ max-width: 100%; height: auto; }}
/* trend charts two to a row: a quarter's charts and its credits then share the first pages */
.charts {{ display: block; }}
svg.chart {{ display: inline-block; vertical-align: top; margin: 0 0 6px; }}
svg.chart.trend {{ width: 49%; }}
.card {{ flex: 1 1 100px; }}
"""


def page_css(lang: str = "en") -> str:
    """The paged-media stylesheet with ``lang``'s words for "Page 1 of 3"."""
    w = Wording(lang if lang in LANGS else "en")
    return PAGE_CSS.format(page=_css_text(w.t("report.page")), of=_css_text(w.t("report.of")))


def _css_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def html_to_pdf(html: str, lang: str | None = None) -> bytes:
    """``html`` (a complete, self-contained document) as PDF bytes, A4, numbered pages.

    ``lang`` picks the words of the page numbers (default: the document's ``<html lang>``).
    Nothing is fetched: the documents are self-contained and every fetch is refused, so a
    link in a name cannot make the printer read a file or the network.

    Raises:
        RenderError: WeasyPrint is not installed (with the command that installs it).
    """
    return pdf_document(html, lang).write_pdf()


def pdf_document(html: str, lang: str | None = None) -> Any:
    """The laid-out pages (a WeasyPrint ``Document``) of :func:`html_to_pdf`."""
    try:
        import weasyprint
    except ImportError:
        raise RenderError("PDF output needs WeasyPrint: pip install 'slalang[pdf]' (and the "
                          "Pango library, e.g. apt-get install libpango-1.0-0 "
                          "libpangoft2-1.0-0)") from None
    except OSError as exc:  # the package is there but a system library is missing
        raise RenderError(f"WeasyPrint cannot start ({exc}); install the Pango library, "
                          f"e.g. apt-get install libpango-1.0-0 libpangoft2-1.0-0") from None
    if lang is None:
        found = re.search(r'<html[^>]*\blang="([a-z]{2})', html)
        lang = found.group(1) if found else "en"
    # in the document itself, after its own styles: stylesheets handed to WeasyPrint apart
    # are of the user's origin, which the document's rules would override
    style = f"<style>{page_css(lang)}</style>"
    html = html.replace("</head>", style + "</head>", 1) if "</head>" in html else style + html
    return weasyprint.HTML(string=html, url_fetcher=_no_fetch).render()


def _no_fetch(url: str, *args, **kwargs):
    """Refuse every fetch: a document must not read files or the network while printed."""
    raise ValueError(f"not fetched while printing: {url}")


__all__ = ["PAGE_CSS", "html_to_pdf", "page_css", "pdf_document"]
