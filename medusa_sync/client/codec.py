"""JSON encoding for request and response bodies (orjson, a required dependency)."""

from __future__ import annotations

from typing import Any

import orjson


def encode_json(value: Any) -> bytes:
    return orjson.dumps(value)


def decode_json(content: bytes) -> Any:
    """Parse JSON; raises ValueError (orjson.JSONDecodeError is one) on anything else."""
    return orjson.loads(content)
