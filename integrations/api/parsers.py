"""The API's JSON parser: DRF's, refusing bodies nested deeper than `API_MAX_JSON_DEPTH`.

Python's JSON decoder recurses once per level: 100,000 `[` in a 200 KB body raise
RecursionError, a 500 (issue 18). No request of ours nests more than a handful of levels,
so the depth is measured before decoding, without recursion, and a deeper body is a 400
problem document.
"""

import re
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

# A JSON string (possessive, so a long one costs one pass), and anything but a bracket.
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")


def nesting_depth_exceeds(text: str, limit: int) -> bool:
    """Whether arrays and objects in `text` nest more than `limit` levels (brackets inside
    strings do not count). Stops at the first level past the limit."""
    if text.count("[") + text.count("{") <= limit:
        return False  # most bodies: too few brackets to nest that deep at all
    # A 5 MB body takes a few tenths of a second, about twice what decoding it takes.
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    depth = 0
    for bracket in brackets:
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def too_deep_message(limit: int) -> str:
    return f"The JSON body nests arrays and objects more than {limit} levels deep; flatten it."


class DepthLimitedJSONParser(parsers.JSONParser):
    def parse(
        self,
        stream: IO[bytes] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        # DRF's check refuses bytes-to-bytes codecs (a bz2_codec body is a bomb of its own).
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - the body is not {encoding} text.") from exc
        limit = settings.API_MAX_JSON_DEPTH
        if nesting_depth_exceeds(text, limit):
            raise ParseError(too_deep_message(limit))
        parse_constant = json.strict_constant if self.strict else None
        try:
            return json.loads(text, parse_constant=parse_constant)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
