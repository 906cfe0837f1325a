"""cmalt_qa.assessors (being written)."""

from __future__ import annotations

__all__: list[str] = []
