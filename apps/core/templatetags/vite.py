"""``{% vite_assets "src/main.tsx" %}``: the script and style tags of a built Vite entry."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join

register = template.Library()


@lru_cache(maxsize=4)
def _manifest(path: Path, mtime: float) -> dict:
    return json.loads(path.read_text())


def load_manifest() -> dict | None:
    path = Path(settings.FRONTEND_DIST) / ".vite" / "manifest.json"
    if not path.exists():
        return None
    return _manifest(path, path.stat().st_mtime)


@register.simple_tag
def vite_assets(entry: str) -> str:
    manifest = load_manifest()
    if manifest is None or entry not in manifest:
        return format_html(
            '<p class="frontend-missing">The browser app is not built yet: run <code>make run</code>.</p>'
        )
    chunk = manifest[entry]
    styles = format_html_join("", '<link rel="stylesheet" href="{}">', ((static(css),) for css in chunk.get("css", [])))
    script = format_html('<script type="module" src="{}"></script>', static(chunk["file"]))
    return styles + script
