"""Concurrent misses of one response share one build (``api/_flights.py``)."""

from __future__ import annotations

import asyncio

import pytest

from mcpship.registry.api._flights import SingleFlight


def test_concurrent_runs_of_one_key_build_once_and_all_get_the_value() -> None:
    async def scenario() -> tuple[list[str], int, int]:
        flights: SingleFlight[str] = SingleFlight()
        release, builds = asyncio.Event(), 0

        async def build() -> str:
            nonlocal builds
            builds += 1
            await release.wait()
            return "body"

        tasks = [asyncio.create_task(flights.run("k", build)) for _ in range(20)]
        await asyncio.sleep(0)
        release.set()
        values = list(await asyncio.gather(*tasks))
        return values, builds, len(flights)

    assert asyncio.run(scenario()) == (["body"] * 20, 1, 0)


def test_different_keys_build_separately() -> None:
    async def scenario() -> list[str]:
        flights: SingleFlight[str] = SingleFlight()

        async def build(value: str) -> str:
            await asyncio.sleep(0)
            return value

        return list(await asyncio.gather(flights.run("a", lambda: build("a")), flights.run("b", lambda: build("b"))))

    assert asyncio.run(scenario()) == ["a", "b"]


def test_the_builders_error_reaches_every_waiter_and_the_next_run_builds_again() -> None:
    async def scenario() -> tuple[list[BaseException | str], str]:
        flights: SingleFlight[str] = SingleFlight()

        async def failing() -> str:
            await asyncio.sleep(0)
            raise LookupError("Server not found")

        async def succeeding() -> str:
            return "now found"

        results = await asyncio.gather(*(flights.run("k", failing) for _ in range(3)), return_exceptions=True)
        return list(results), await flights.run("k", succeeding)

    results, after = asyncio.run(scenario())
    assert all(isinstance(result, LookupError) for result in results)
    assert after == "now found"


def test_a_waiter_builds_itself_when_the_builders_request_is_cancelled() -> None:
    async def scenario() -> str:
        flights: SingleFlight[str] = SingleFlight()
        started = asyncio.Event()

        async def never() -> str:
            started.set()
            await asyncio.Event().wait()
            return "unreachable"

        async def quick() -> str:
            return "rebuilt"

        builder = asyncio.create_task(flights.run("k", never))
        await started.wait()
        waiter = asyncio.create_task(flights.run("k", quick))
        await asyncio.sleep(0)
        builder.cancel()
        with pytest.raises(asyncio.CancelledError):
            await builder
        return await waiter

    assert asyncio.run(scenario()) == "rebuilt"
