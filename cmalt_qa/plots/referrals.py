"""Plots for the referrals tables (being written)."""

from __future__ import annotations

__all__: list[str] = []
