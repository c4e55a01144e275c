"""HTML pages from markdown, for reports that open from disk with no server.

The page body is markdown converted by the Markdown package (its `tables`
extension for pipe tables); the page around it is a fixed template.
"""

import base64
import html
import re
import string
import urllib.parse

import markdown

STYLE = (
    "body{font-family:sans-serif;max-width:1100px} table{border-collapse:collapse;margin:1em 0} "
    "td,th{border:1px solid #bbb;padding:3px 8px;text-align:right} "
    "th:first-child,td:first-child{text-align:left} img{margin:4px}"
)
_PAGE = string.Template(
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8">\n<title>$title</title>\n<style>$style</style>\n'
    "</head><body>\n$body\n</body></html>\n"
)
# Characters Markdown (with tables) would read as markup; `escape` backslash-escapes them.
_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|>])")


def escape(text):
    """`text` as literal markdown: HTML-escaped, markup characters backslash-escaped."""
    return _MARKUP.sub(r"\\\1", html.escape(str(text), quote=False))


def image(src, alt, link=False):
    """Markdown of an image at a relative path (or a data URI); with `link`, the
    image links to itself, so a click opens it full size."""
    if not src.startswith("data:"):
        src = urllib.parse.quote(src)
    picture = f"![{escape(alt)}]({src})"
    return f"[{picture}]({src})" if link else picture


def embedded_png(path, alt):
    """Markdown of the PNG file at `path`, embedded as a data URI."""
    with open(path, "rb") as stream:
        data = base64.b64encode(stream.read()).decode("ascii")
    return image(f"data:image/png;base64,{data}", alt)


def render(title, markdown_text, style=STYLE):
    """A whole HTML page: `title` in the head, `markdown_text` as the body."""
    body = markdown.markdown(markdown_text, extensions=["tables"], output_format="html")
    return _PAGE.substitute(title=html.escape(title), style=style, body=body)


def write(path, title, markdown_text, style=STYLE):
    """Writes `render(title, markdown_text, style)` to `path`; returns `path`."""
    with open(path, "w") as stream:
        stream.write(render(title, markdown_text, style))
    return path
