"""The SDK's client half, loaded without its server half (mcpship.probe._sdk)."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap

import mcp
import mcp.client.client
import mcp.client.session

from mcpship.probe._sdk import client_sdk


def _run(code: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


def test_the_client_half_loads_without_the_server_side_and_the_package_completes_on_first_use() -> None:
    out = _run(
        """
        import sys
        from mcpship.probe._sdk import client_sdk
        sdk = client_sdk()
        heavy = ("mcp.server", "mcp.client.client", "uvicorn", "starlette", "sse_starlette", "cryptography", "httpx2")
        print(sorted(name for name in sys.modules if name.startswith(heavy)))
        import mcp, mcp.client
        from mcp import Client, ClientSession, types
        from mcp.client import Transport
        print(ClientSession is sdk.session, Client.__module__, types.Tool.__name__, Transport.__name__)
        print(mcp.client.session.ClientSession is sdk.session, "mcp.server" in sys.modules)
        try:
            mcp.no_such_name
        except AttributeError as error:
            print(error)
        """
    )
    assert out.splitlines() == [
        "[]",
        "True mcp.client.client Tool Transport",
        "True True",
        "module 'mcp' has no attribute 'no_such_name'",
    ]


def test_an_sdk_already_imported_is_used_as_it_is() -> None:
    sdk = client_sdk()  # this test process imported mcp normally (above)
    assert sdk.session is mcp.client.session.ClientSession
    assert sys.modules["mcp"] is mcp
    assert "__getattr__" not in vars(mcp)


def test_the_connection_is_the_one_mcp_client_makes_for_a_transport() -> None:
    # mcpship.probe.session._connected repeats what Client(transport, mode="auto") runs on entry; if an SDK
    # release changes that, this fails: re-read Client._build_session/__aenter__ and update _connected.
    connect = inspect.getsource(mcp.client.client._connect_transport)
    assert "return JSONRPCDispatcher(read_stream, write_stream)" in connect
    enter = inspect.getsource(mcp.client.client.Client.__aenter__)
    assert 'elif self.mode == "auto":\n                await negotiate_auto(session)' in enter
    assert client_sdk().negotiate_auto is vars(mcp.client.client)["negotiate_auto"]
