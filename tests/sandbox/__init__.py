"""Tests of the embedded sandbox store."""
