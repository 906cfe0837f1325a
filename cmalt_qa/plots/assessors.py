"""Plots for the assessors tables (being written)."""

from __future__ import annotations

__all__: list[str] = []
