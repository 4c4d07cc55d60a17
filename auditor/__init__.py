"""portal-auditor: audit the passwords of health professionals' tiers payant portal accounts."""

__version__ = "0.1.0"

__all__ = ["__version__"]
