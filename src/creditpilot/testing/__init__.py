"""Helpers for the test suite and the benchmarks."""
