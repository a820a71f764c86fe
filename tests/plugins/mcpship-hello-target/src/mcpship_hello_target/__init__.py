"""An mcpship target in a few lines: ``[targets.hello]`` configures it, ``mcpship build`` writes ``hello.txt``,
``mcpship verify`` checks the file with this target's own verify step."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from mcpship import Artifact, Problem
from mcpship.targets import BuildContext, BuiltFile, target_config
from mcpship.verify import VerifyContext, VerifyResult

__all__ = ["HelloConfig", "HelloTarget"]


class HelloConfig(BaseModel):
    """``[targets.hello]``: ``greeting`` (default ``Hello``) and how many times to ``repeat`` it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    greeting: str = Field(default="Hello", min_length=1)
    repeat: int = Field(default=1, ge=1, le=10)


class HelloTarget:
    name: ClassVar[str] = "hello"
    config_class: ClassVar[type[BaseModel]] = HelloConfig
    needs: ClassVar[tuple[str, ...]] = ()

    def not_applicable(self, context: BuildContext) -> str | None:
        return None

    def check(self, context: BuildContext) -> list[Problem]:
        target_config(context, self.name, HelloConfig)  # a bad table stops the build here
        return []

    def build(self, context: BuildContext) -> list[BuiltFile]:
        config = target_config(context, self.name, HelloConfig)
        path = context.staging / "hello.txt"
        line = f"{config.greeting}, {context.resolved.spec.name} {context.resolved.spec.version}!\n"
        path.write_text(line * config.repeat, encoding="utf-8")
        return [BuiltFile("hello", path)]

    def verify(self, artifact: Artifact, context: VerifyContext) -> VerifyResult:
        expected = f"{context.resolved.spec.name} {context.resolved.spec.version}!"
        ok = expected in artifact.path.read_text(encoding="utf-8")
        return VerifyResult(
            artifact=artifact,
            how="greets the server",
            status="ok" if ok else "failed",
            detail="" if ok else f"does not greet {expected}",
        )
