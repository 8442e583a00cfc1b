"""`make lab` serves the labs: a real JupyterLab server, started headless on 127.0.0.1."""

from __future__ import annotations

import pytest
import requests

from conftest import ASSIGNMENTS, jupyter_lab

pytestmark = pytest.mark.kernel  # starts kernels or a Jupyter server


@pytest.fixture(scope="module")
def lab_server():
    with jupyter_lab() as server:
        yield server


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
