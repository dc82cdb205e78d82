"""Theme folder → Theme: Jinja templates and static files, read once; templates + context → bytes.

The only part of rendering that reads the disk, and only the theme's own folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
from pygments.formatters import HtmlFormatter

from ..errors import TemplateProblem

STATIC_DIR = "static"
TEMPLATES = ("page.html", "index.html", "404.html", "graph.html")
# Both pass WCAG AA for every code token on their own background (tests/test_render.py).
LIGHT_STYLE, DARK_STYLE = "default", "github-dark"


@dataclass(frozen=True)
class Theme:
    templates: jinja2.Environment
    static: dict[str, bytes]  # file name under static/ → bytes


def load_theme(directory: Path) -> Theme:
    """Read the theme folder: Jinja templates plus the files of its static/ folder."""
    missing = [name for name in TEMPLATES if not (directory / name).is_file()]
    if missing:
        raise TemplateProblem(f"no {', '.join(missing)} in theme folder {directory}")
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory)),
        autoescape=True,
        auto_reload=False,  # read once a run (serve loads the theme again when it changes), not stat'ed per page
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    static_root = directory / STATIC_DIR
    static = {
        path.relative_to(static_root).as_posix(): path.read_bytes()
        for path in sorted(static_root.rglob("*"))
        if path.is_file()
    } if static_root.is_dir() else {}
    return Theme(environment, static)


def render_template(theme: Theme, name: str, context: dict) -> bytes:
    try:
        return theme.templates.get_template(name).render(context).encode("utf-8")
    except jinja2.TemplateSyntaxError as error:
        raise TemplateProblem(f"template syntax error: {error.message}", error.filename or name, error.lineno) from None
    except jinja2.TemplateError as error:
        raise TemplateProblem(f"template error: {error}", name) from None


def static_files(theme: Theme) -> dict[str, bytes]:
    """The theme's static files and the two code stylesheets, under static/."""
    files = {f"{STATIC_DIR}/{name}": data for name, data in theme.static.items()}
    for name, style in (("pygments-light.css", LIGHT_STYLE), ("pygments-dark.css", DARK_STYLE)):
        files[f"{STATIC_DIR}/{name}"] = HtmlFormatter(style=style).get_style_defs(".highlight").encode("utf-8") + b"\n"
    return files
