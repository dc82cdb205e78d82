"""Values → the bytes of a build-time data file: `*-data.js` scripts and `*.json` documents.

Data scripts are how the browser gets build-time data from file:// (where fetch is refused).
Wiki text inside them is untrusted, so "<", ">" and "&" are written as \\u escapes: a title
such as `</script>` or `<!--` stays a string whatever page or parser reads the file.
"""

from __future__ import annotations

import json
from typing import Any

DATA_DIR = "static"
# U+2028 and U+2029 end a line in JavaScript before ES2019; escaped, older parsers agree too.
_HTML_SAFE = str.maketrans({
    "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029",
})


def data_script(name: str, global_name: str, value: Any) -> dict[str, bytes]:
    """{static/NAME-data.js: a script setting window.GLOBAL_NAME to value}."""
    encoded = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).translate(_HTML_SAFE)
    return {f"{DATA_DIR}/{name}-data.js": f"window.{global_name} = {encoded};\n".encode("utf-8")}


def json_document(value: Any) -> bytes:
    """A readable JSON file for programs; keys stay in the order the caller wrote them."""
    return json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
