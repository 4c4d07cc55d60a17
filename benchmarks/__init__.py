"""Reproducible performance runs of portal-auditor: ``python -m benchmarks --help``."""
