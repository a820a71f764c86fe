"""Real package registries on loopback ports for tests: pypiserver (a local PyPI), verdaccio (a local npm
registry, installed by ``npm ci --prefix tests/tools``) and Debian's docker-registry (the CNCF distribution
server). Each runner yields once the server answers and stops
everything it started, whatever the test did. Neither reaches the internet: pypiserver runs with
``--disable-fallback`` and verdaccio with no uplinks."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, free_port

__all__ = [
    "VerdaccioServer",
    "running_file_server",
    "running_oci_registry",
    "running_pypiserver",
    "running_verdaccio",
    "upload_to_pypiserver",
]

VERDACCIO = ROOT / "tests" / "tools" / "node_modules" / ".bin" / "verdaccio"
_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 10.0


@contextmanager
def running_pypiserver(directory: Path, *, uploaders: Mapping[str, str] | None = None) -> Iterator[str]:
    """A pypiserver serving (and accepting anonymous uploads into) ``directory``; yields its root URL. With
    ``uploaders`` (user → password, e.g. ``{"__token__": token}``), only they may upload; reading stays open."""
    packages = directory / "packages"
    packages.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [_venv_script("pypi-server"), "run", "-i", "127.0.0.1", "-p", str(port), "--disable-fallback"]
    if uploaders is None:
        command += ["-a", ".", "-P", "."]
    else:
        # Apache's {SHA} scheme, which pypiserver's passlib reads (importing passlib here warns about `crypt`).
        lines = [
            f"{user}:{{SHA}}{base64.b64encode(hashlib.sha1(pw.encode()).digest()).decode()}\n"
            for user, pw in uploaders.items()
        ]
        (directory / "htpasswd").write_text("".join(lines), encoding="utf-8")
        command += ["-a", "update", "-P", str(directory / "htpasswd")]
    command += [str(packages)]
    log = directory / "pypiserver.log"
    url = f"http://127.0.0.1:{port}"
    with _process_group(command, log) as process:
        _wait_until_answering(f"{url}/simple/", process, log, "pypiserver")
        yield url


def upload_to_pypiserver(url: str, *files: Path) -> None:
    """Upload with twine, the way a publisher does (pypiserver accepts any credentials with ``-a . -P .``)."""
    command = [_venv_script("twine"), "upload", "--non-interactive", "--disable-progress-bar"]
    command += ["--repository-url", f"{url}/", "-u", "anon", "-p", "anon", *map(str, files)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        pytest.fail(f"twine upload to {url} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


@dataclass(frozen=True)
class VerdaccioServer:
    url: str
    """``http://127.0.0.1:PORT`` (no trailing slash)."""
    token: str
    """A publish token for the user ``pub``, obtained the way ``npm adduser`` does (PUT /-/user/…)."""
    home: Path

    @property
    def userconfig(self) -> Path:
        return self.home / "npmrc"

    def publish(self, *package_dirs: Path) -> None:
        """``npm publish`` each of ``package_dirs`` into this registry, side by side (give each package name once
        per call: two versions of one package published at once would race for its document)."""
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is not installed: apt-get install -y npm (.ci/run does)")
        command = [npm, "publish", "--registry", f"{self.url}/", "--userconfig", str(self.userconfig)]
        command += ["--cache", str(self.home / "npm-cache"), "--no-audit", "--no-fund"]
        running = [
            (folder, subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
            for folder in package_dirs
        ]
        failures = []
        for folder, process in running:
            try:
                output, _ = process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                output, _ = process.communicate()
            if process.returncode != 0:
                log = output.decode(errors="replace")
                failures.append(f"npm publish of {folder} failed ({process.returncode}):\n{log}")
        if failures:
            pytest.fail("\n".join(failures))


@contextmanager
def running_verdaccio(directory: Path) -> Iterator[VerdaccioServer]:
    """verdaccio 6.8 (tests/tools) with htpasswd auth, publish for authenticated users and no uplinks."""
    if not VERDACCIO.exists():
        pytest.fail(f"{VERDACCIO} is missing: run `npm ci --prefix tests/tools` (.ci/run does)")
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = directory / "config.yaml"
    config.write_text(
        f"storage: {directory / 'storage'}\n"
        f"auth:\n  htpasswd:\n    file: {directory / 'htpasswd'}\n    max_users: 100\n"
        "packages:\n"
        "  '@*/*':\n    access: $all\n    publish: $authenticated\n"
        "  '**':\n    access: $all\n    publish: $authenticated\n"
        "web:\n  enable: false\n"
        f"listen: 127.0.0.1:{port}\n"
        "log: { type: stdout, format: pretty, level: warn }\n"
    )
    log = directory / "verdaccio.log"
    with _process_group([str(VERDACCIO), "--config", str(config)], log) as process:
        _wait_until_answering(f"{url}/-/ping", process, log, "verdaccio")
        token = _create_user(url, "pub", "pub-password")
        server = VerdaccioServer(url=url, token=token, home=directory)
        server.userconfig.write_text(
            f"//127.0.0.1:{port}/:_authToken={token}\nregistry={url}/\nupdate-notifier=false\nfund=false\naudit=false\n"
        )
        yield server


@contextmanager
def running_oci_registry(directory: Path, *, htpasswd: str | None = None) -> Iterator[str]:
    """docker-registry with filesystem storage in ``directory``; yields its ``127.0.0.1:PORT`` (plain HTTP). With
    ``htpasswd`` (the file's text, bcrypt entries), it wants basic auth from those users."""
    binary = shutil.which("docker-registry")
    if binary is None:
        pytest.fail("docker-registry is not installed: apt-get install -y docker-registry (.ci/run does)")
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    auth = ""
    if htpasswd is not None:
        (directory / "htpasswd").write_text(htpasswd, encoding="utf-8")
        auth = f"auth:\n  htpasswd:\n    realm: mcpship-tests\n    path: {directory / 'htpasswd'}\n"
    config = directory / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {directory / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n{auth}"
    )
    log = directory / "registry.log"
    with _process_group([binary, "serve", str(config)], log) as process:
        _wait_until_answering(f"http://127.0.0.1:{port}/v2/", process, log, "docker-registry", ok=(200, 401))
        yield f"127.0.0.1:{port}"


@contextmanager
def running_file_server(directory: Path) -> Iterator[str]:
    """``python -m http.server`` serving ``directory`` (a stand-in for a release download host); yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(directory), str(port)]
    log = directory.with_name(directory.name + ".http.log")
    with _process_group(command, log) as process:
        _wait_until_answering(f"http://127.0.0.1:{port}/", process, log, "http.server")
        yield f"http://127.0.0.1:{port}"


def _create_user(url: str, name: str, password: str) -> str:
    """What ``npm adduser`` does without its prompts: PUT the user document, receive a token."""
    response = httpx.put(
        f"{url}/-/user/org.couchdb.user:{name}",
        content=json.dumps({"name": name, "password": password}),
        headers={"Content-Type": "application/json"},
        timeout=10.0,
    )
    if response.status_code != 201 or "token" not in response.json():
        pytest.fail(f"verdaccio refused to create user {name}: {response.status_code} {response.text}")
    token: str = response.json()["token"]
    return token


@contextmanager
def _process_group(command: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``command`` in its own process group (verdaccio may spawn helpers) and end the whole group."""
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    try:
        yield process
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            continue
        if not _group_alive(process.pid):
            break
        time.sleep(0.1)  # children of the leader may outlive it by a moment; the next round kills them
    process.wait(timeout=_STOP_TIMEOUT)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_until_answering(
    url: str, process: subprocess.Popen[bytes], log: Path, what: str, ok: tuple[int, ...] = (200,)
) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(url, timeout=1.0).status_code in ok:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    pytest.fail(f"{what} did not answer {url} within {_START_TIMEOUT} s: {log.read_text(errors='replace')[-2000:]}")


def _venv_script(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed next to {sys.executable}: pip install -e '.[dev]'")
    return found
