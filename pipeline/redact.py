"""Secrets out of error texts: every error we store (document JSON, manifest, summary) or print goes through here.

Some gateways echo the request's Authorization header or the key itself in the body of a 401/403; that text ends
up in exception messages. `redact` replaces the configured key (`OPENAI_API_KEY`, or any secret passed in), and
anything shaped like an API token (`sk-…`, `Bearer …`, `api_key=…`), by `[redacted]`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

MASK = "[redacted]"
MIN_SECRET = 6  # shorter "keys" (e.g. "none", "local") are placeholders, and masking them would garble the text
_TOKENS = re.compile(
    r"(?i)\bBearer\s+[A-Za-z0-9._~+/=-]+"
    r"|\bsk-[A-Za-z0-9_-]{6,}"
    r"|(?<![A-Za-z0-9])(?:api[_-]?key|x-api-key|authorization)([\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9._~+/=-]{8,}"
)


def _mask(match: re.Match[str]) -> str:
    text = match.group(0)
    if match.group(1) is not None:  # keep the name of the field, mask its value
        head = text[: match.end(1) - match.start(0)]
        return head + MASK
    return "Bearer " + MASK if text.lower().startswith("bearer") else MASK


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` without the configured API key, the given secrets, or anything shaped like an API token."""
    for secret in [os.environ.get("OPENAI_API_KEY"), *secrets]:
        if secret and len(secret) >= MIN_SECRET:
            text = text.replace(secret, MASK)
    return _TOKENS.sub(_mask, text)
