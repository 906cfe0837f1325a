"""cmalt_qa.agreement (being written)."""

from __future__ import annotations

__all__: list[str] = []
