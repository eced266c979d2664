"""Layouts: segment a report of a known programme into sections."""
from .detect import detect_programme

__all__ = ["detect_programme"]
