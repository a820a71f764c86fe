"""Continuous integration: ``mcpship ci init --github`` writes a release workflow from the project's spec."""

from __future__ import annotations

from mcpship.ci.github import WORKFLOW_PATH, WorkflowOutcome, init_github_workflow, render_github_workflow

__all__ = ["WORKFLOW_PATH", "WorkflowOutcome", "init_github_workflow", "render_github_workflow"]
