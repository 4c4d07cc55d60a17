"""The README is the user's manual: keep its contract tables in step with the code."""

from __future__ import annotations

import re
from pathlib import Path

from auditor.audit import ExitCode, FailOn
from auditor.formats import OutputFormat
from auditor.models import CheckId
from auditor.policy import DEFAULT_SEVERITIES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_check_id_is_documented_with_its_severity() -> None:
    rows = dict(re.findall(r"^\| `([a-z-]+)` \|.*\| (critical|high|medium|low) \|$", README, re.M))
    assert rows == {check.value: DEFAULT_SEVERITIES[check].value for check in CheckId}


def test_exit_codes_formats_and_thresholds_are_documented() -> None:
    for code in ExitCode:
        assert re.search(rf"^\| {int(code)} \| ", README, re.M), code
    for choice in OutputFormat:
        assert f"`{choice.value}`" in README
    for level in FailOn:
        assert f"`{level.value}`" in README


def test_setup_commands_come_first() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    assert "pip install . && .venv/bin/portal-audit audit examples/inventaire.csv" in blocks[0]
    assert "pip install '.[test]' && .venv/bin/pytest" in blocks[1]


def test_every_recognised_export_and_audit_option_is_documented() -> None:
    from auditor.cli.audit import audit
    from auditor.sources.managers import LAYOUTS

    for layout in LAYOUTS:
        for name in layout.product.replace("(CSV)", "").replace(" or ", ",").split(","):
            assert re.search(rf"^\| [^|]*{re.escape(name.strip())}", README, re.M), name
    options = [opt for param in audit.params for opt in param.opts if opt.startswith("--")]
    missing = [opt for opt in options if f"{opt}" not in README]
    assert missing == []


def test_scheduling_examples_use_real_options_and_formats() -> None:
    from auditor.cli.audit import audit

    section = README.split("## Running it every week")[1].split("\n## ")[0]
    for runner in (
        "cron",
        "systemd timer",
        "Windows Task Scheduler",
        "GitLab CI",
        "GitHub Actions",
    ):
        assert f"**{runner}**" in section, runner
    known = {name for param in audit.params for name in param.opts}
    formats = {choice.value for choice in OutputFormat}
    commands = re.findall(r"audit inventaire\.xlsx ([^\n\"]*)", section)
    assert len(commands) == 5
    for command in commands:
        options = re.findall(r"(--[a-z-]+)(?: ([^ -][^ ]*))?", command)
        for option, value in options:
            assert option in known, f"{option} in {command!r}"
            if option == "--format":
                assert set(value.split(",")) <= formats, command


def test_every_remind_and_history_option_is_documented() -> None:
    from auditor.cli.history import history_command
    from auditor.cli.remind import remind

    options = [opt for cmd in (remind, history_command) for p in cmd.params for opt in p.opts]
    missing = [opt for opt in options if opt.startswith("--") and opt not in README]
    assert missing == []
    for variable in ("PORTAL_AUDIT_SMTP_USER", "PORTAL_AUDIT_SMTP_PASSWORD"):
        assert variable in README
