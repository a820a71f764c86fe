"""Building artifacts: the driver over the targets, and the build report in dist/."""

from mcpship.pipeline.driver import BuildReport, build_project, default_targets
from mcpship.pipeline.report import REPORT_FILE, SUMS_FILE, read_report

__all__ = ["REPORT_FILE", "SUMS_FILE", "BuildReport", "build_project", "default_targets", "read_report"]
