"""Turn an executed report notebook into accessible HTML, and check the result.

nbconvert's JupyterLab template is used with three changes: code cells and prompts are
left out; an image takes its ``alt`` text from the output's metadata (``reports.show``
puts the figure's finding there; the stock lab template ignores it and nbconvert then
writes a placeholder); and the page is checked against the rules the reports promise
(WCAG 2.2 AA basics: text alternatives, table headers, heading order, page language).

Every cell's rendered content is sanitised (:func:`sanitise`): data values are escaped
where they are written (``reports.esc``, the table helpers), and this is the second line
should one be missed: only the tags and attributes a report uses survive, no script, no
event handler, no link out, images only as inline PNG.
"""

from __future__ import annotations

import copy
import functools
import re

import nbformat
import nh3
from bs4 import BeautifulSoup
from jinja2 import DictLoader
from nbconvert import HTMLExporter

from ._format import TABLE_CSS, TABLE_SCRIPT

__all__ = ["export_html", "audit_html", "sanitise", "PLACEHOLDER_ALT"]

PLACEHOLDER_ALT = "No description has been provided for this image"
"""What nbconvert writes for an image without alt text; a report must never contain it."""

_TEMPLATE_FILE = "cmalt_report.html.j2"
_TEMPLATE = """\
{%- extends 'lab/index.html.j2' -%}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
{%- set alttext = output | get_metadata('alt', 'image/png') -%}
{%- if alttext %} alt="{{ alttext | escape_html }}"{% endif %}>
</div>
{%- endblock data_png %}
"""

_EXTRA_CSS = """
.cmalt-staff-banner { border: 3px solid #8a1c00; background: #fff4e5; color: #1a1a1a;
  padding: 0.6em 1em; font-weight: bold; margin: 0.5em 0 1em 0; }
table.cmalt-table { border-collapse: collapse; margin: 0.5em 0 1.2em 0; }
table.cmalt-table caption { caption-side: top; text-align: left; font-weight: bold;
  color: #1a1a1a; padding-bottom: 0.3em; }
table.cmalt-table th, table.cmalt-table td { border: 1px solid #767676; padding: 0.2em 0.6em;
  color: #1a1a1a; }
table.cmalt-table thead th { background: #e8e8e8; }
table.cmalt-table td { text-align: right; }
.cmalt-note { color: #333333; font-size: 0.92em; }
"""


_ALLOWED_TAGS = frozenset(
    "a abbr b blockquote br caption code col colgroup dd del details div dl dt em h1 h2 h3 "
    "h4 h5 h6 hr i img input label li ol p pre s section small span strong sub summary sup "
    "table tbody td tfoot th thead tr u ul".split()
)
"""What Markdown prose, the report tables (folded in ``details``, with a filter box),
figures, the act-now ``section`` and the staff banner produce."""
_ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "role", "aria-label", "aria-labelledby", "title", "data-mime-type"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "input": {"type"},
    "th": {"scope", "colspan", "rowspan", "data-sort", "data-col"},
    "td": {"colspan", "rowspan", "data-sort"},
}
_PNG = "data:image/png;base64,"


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    """Links stay within the page; images are inline PNG only."""
    if attr == "href":
        return value if value.startswith("#") else None
    if attr == "src":
        return value if tag == "img" and value.startswith(_PNG) else None
    return value


def sanitise(fragment: str) -> str:
    """An HTML fragment with only the tags and attributes the reports use.

    Scripts and styles are dropped with their content; event handlers, links out of the
    page and images other than inline PNG are dropped (nh3, the Ammonia sanitiser).

    Examples
    --------
    >>> sanitise('<p>A1<img src=x onerror="alert(1)"><script>alert(2)</script></p>')
    '<p>A1<img></p>'
    >>> sanitise('<details><summary>All</summary><table><tbody><tr><td data-sort="3" '
    ...          'onclick="x()">3</td></tr></tbody></table></details>')
    '<details><summary>All</summary><table><tbody><tr><td data-sort="3">3</td></tr></tbody></table></details>'
    >>> sanitise('<p><a href="javascript:alert(1)">x</a> <a href="#top">top</a></p>')
    '<p><a rel="noopener noreferrer">x</a> <a href="#top" rel="noopener noreferrer">top</a></p>'
    """
    return nh3.clean(
        fragment,
        tags=set(_ALLOWED_TAGS),
        attributes={k: set(v) for k, v in _ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes={"data"},
        strip_comments=True,
    )


def _sanitise_cells(soup: BeautifulSoup) -> None:
    """Replace the content of every rendered cell and output by its sanitised form."""
    found = soup.select(".jp-RenderedMarkdown, .jp-OutputArea-output, [data-mime-type]")
    chosen = set(map(id, found))
    for node in found:
        if any(id(parent) in chosen for parent in node.parents):
            continue  # an enclosing node is sanitised whole
        clean = BeautifulSoup(sanitise(node.decode_contents()), "html.parser")
        node.clear()
        node.append(clean)


def _report_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as readers get it: no stderr (warnings stay in the .ipynb)."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    return nb


@functools.lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    """The report exporter, made once a process: building it finds and loads the
    template files, and its compiled template is kept for the next export."""
    return HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({_TEMPLATE_FILE: _TEMPLATE})],
        template_file=_TEMPLATE_FILE,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="#",
    )


_WARM_UP_NB = nbformat.v4.new_notebook(
    cells=[nbformat.v4.new_markdown_cell("# Warm-up\n\nText."), nbformat.v4.new_code_cell("1")]
)


def warm_up() -> None:
    """Do the one-time work of the first export ahead of time.

    Builds the exporter and exports a two-cell notebook, which compiles the template and
    sets up the Markdown renderer and the style sheets (about 0.15 s); the report runner
    calls it in a thread while the kernel runs the notebook.
    """
    export_html(_WARM_UP_NB, title="warm-up")


def export_html(nb: nbformat.NotebookNode, title: str) -> str:
    """HTML of an executed report notebook, without code, prompts or stderr.

    Parameters
    ----------
    nb : NotebookNode
        The executed notebook.
    title : str
        The page title (``<title>``).

    Returns
    -------
    str
        A self-contained HTML page (``lang="en"``, images inline as PNG with their alt
        text, tables with ``scope`` on every header cell).
    """
    body, _ = _exporter().from_notebook_node(
        _report_copy(nb), resources={"metadata": {"name": title}}
    )
    soup = BeautifulSoup(body, "html.parser")
    _sanitise_cells(soup)
    if soup.html is not None:
        soup.html["lang"] = "en"
    if soup.head is not None:
        style = soup.new_tag("style")
        style.string = _EXTRA_CSS + TABLE_CSS
        soup.head.append(style)
    if soup.body is not None and soup.select_one("table.cmalt-sortable") is not None:
        # Sorting and filtering from the file itself: one small inline script, no network.
        script = soup.new_tag("script")
        script.string = TABLE_SCRIPT
        soup.body.append(script)
    for table in soup.find_all("table"):
        for th in table.select("thead th"):
            th.attrs.setdefault("scope", "col")
    for a in soup.select("a.anchor-link"):
        heading = a.find_parent(re.compile(r"^h[1-6]$"))
        name = heading.get_text(" ", strip=True).rstrip("#").strip() if heading else ""
        a["aria-label"] = f"Link to the section {name}".strip()
    return str(soup)


def audit_html(html: str) -> list[str]:
    """Accessibility problems in a report page; an empty list when there are none.

    Checks: ``lang`` on ``<html>``; every ``<img>`` has a non-empty ``alt`` that is not
    nbconvert's placeholder; exactly one ``<h1>``, and no heading level skipped on the way
    down (h1 then h2, h3 ...); every table has a caption and ``<th scope>`` headers.
    """
    soup = BeautifulSoup(html, "html.parser")
    problems: list[str] = []
    if soup.html is None or not soup.html.get("lang"):
        problems.append("the <html> element has no lang attribute")
    for i, img in enumerate(soup.find_all("img")):
        alt = (img.get("alt") or "").strip()
        if not alt:
            problems.append(f"image {i + 1} has no alt text")
        elif alt == PLACEHOLDER_ALT:
            problems.append(f"image {i + 1} has nbconvert's placeholder alt text")
    levels = [int(h.name[1]) for h in soup.find_all(re.compile(r"^h[1-6]$"))]
    if levels.count(1) != 1:
        problems.append(f"expected exactly one <h1>, found {levels.count(1)}")
    if levels and levels[0] != 1:
        problems.append(f"the first heading is <h{levels[0]}>, not <h1>")
    for prev, cur in zip(levels, levels[1:]):
        if cur > prev + 1:
            problems.append(f"heading level skipped: <h{prev}> followed by <h{cur}>")
    for i, table in enumerate(soup.find_all("table")):
        if table.find("caption") is None:
            problems.append(f"table {i + 1} has no caption")
        ths = table.find_all("th")
        if not ths:
            problems.append(f"table {i + 1} has no header cells")
        elif any(not th.get("scope") for th in ths):
            problems.append(f"table {i + 1} has header cells without scope")
    return problems
