"""Policy: the portals, incidents and thresholds an audit applies, from layered TOML files."""

from auditor.policy.dump import dump_policy
from auditor.policy.errors import PolicyError
from auditor.policy.load import load_policy
from auditor.policy.model import (
    Incident,
    MfaSupport,
    Policy,
    Portal,
    RotationRules,
    StrengthRules,
    Waiver,
)
from auditor.policy.thresholds import DEFAULT_SEVERITIES

__all__ = [
    "DEFAULT_SEVERITIES",
    "Incident",
    "MfaSupport",
    "Policy",
    "PolicyError",
    "Portal",
    "RotationRules",
    "StrengthRules",
    "Waiver",
    "dump_policy",
    "load_policy",
]
