"""`make lab` serves the labs: a real JupyterLab server, started headless on 127.0.0.1."""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time

import pytest
import requests

from conftest import ASSIGNMENTS, REPO

pytestmark = pytest.mark.kernel  # starts kernels or a Jupyter server

START_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab_server():
    port, token = free_port(), secrets.token_hex(16)
    args = f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} --IdentityProvider.token={token}"
    if os.geteuid() == 0:  # CI containers run as root, which Jupyter refuses unless told
        args += " --allow-root"
    server = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"], cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    base, headers = f"http://127.0.0.1:{port}", {"Authorization": f"token {token}"}
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            assert server.poll() is None, f"make lab exited early:\n{server.stderr.read()}"
            try:
                if requests.get(f"{base}/api/status", headers=headers, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "JupyterLab did not answer within a minute"
            time.sleep(0.5)
        yield base, headers
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_make_lab_serves_the_labs_folder(lab_server):
    base, headers = lab_server
    listing = requests.get(f"{base}/api/contents/", headers=headers, timeout=10).json()
    folders = sorted(item["name"] for item in listing["content"] if item["type"] == "directory")
    assert folders == ASSIGNMENTS


def test_make_lab_serves_jupyterlab_with_the_course_kernel(lab_server):
    base, headers = lab_server
    assert requests.get(f"{base}/lab", headers=headers, timeout=10).ok
    kernels = requests.get(f"{base}/api/kernelspecs", headers=headers, timeout=10).json()
    assert "dl-course" in kernels["kernelspecs"]


def test_the_server_refuses_requests_without_the_token(lab_server):
    base, _ = lab_server
    assert requests.get(f"{base}/api/contents/", timeout=10).status_code == 403
