"""Every URL of the project, enumerated from the URL conf with a sample path for each."""

from __future__ import annotations

import re
from dataclasses import dataclass

try:  # Python 3.11+
    import re._constants as sre_constants
    import re._parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_constants
    import sre_parse

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    path: str
    name: str  # "namespace:name" or "" for unnamed patterns
    callback: object


def _sample(pattern: str) -> str:
    """A string that matches ``pattern`` (first branch, minimal repetitions, digits for \\d)."""
    return _render(sre_parse.parse(pattern))


def _render(parsed) -> str:
    out = []
    for op, value in parsed:
        if op is sre_constants.LITERAL:
            out.append(chr(value))
        elif op is sre_constants.SUBPATTERN:
            out.append(_render(value[-1]))
        elif op is sre_constants.BRANCH:
            out.append(_render(value[1][0]))
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            low, _high, item = value
            out.append(_render(item) * max(low, 1))
        elif op is sre_constants.IN:
            out.append(_in_sample(value))
        elif op is sre_constants.ANY:
            out.append("x")
        elif op is sre_constants.NOT_LITERAL:
            out.append("x" if chr(value) != "x" else "y")
        elif op is sre_constants.AT:
            continue
        elif op is sre_constants.GROUPREF:
            out.append("1")
        else:  # assertions and the like add nothing
            continue
    return "".join(out)


def _in_sample(items) -> str:
    negate = any(op is sre_constants.NEGATE for op, _ in items)
    if negate:
        excluded = {chr(v) for op, v in items if op is sre_constants.LITERAL}
        return "1" if "1" not in excluded else "x"
    for op, value in items:
        if op is sre_constants.LITERAL:
            return chr(value)
        if op is sre_constants.RANGE:
            low, high = value
            return "1" if low <= ord("1") <= high else chr(low)
        if op is sre_constants.CATEGORY:
            return "1" if value is sre_constants.CATEGORY_DIGIT else "a"
    return "x"


def _regex_of(pattern) -> str:
    regex = pattern.pattern.regex.pattern
    return regex.lstrip("^").rstrip("$").replace("\\Z", "")


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, prefix: str, namespace: str):
        for entry in patterns:
            piece = _sample(_regex_of(entry))
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + piece, inner)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}{entry.name}" if entry.name else ""
                routes.append(Route("/" + prefix + piece, name, entry.callback))

    walk(get_resolver().url_patterns, "", "")
    return routes


SAFE_PATH = re.compile(r"^/[\w\-./~%:]*$")
