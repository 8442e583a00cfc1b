"""A small local model server that speaks TensorFlow Serving's REST API (lab 12).

TensorFlow Serving runs in Docker; a classroom laptop may have no Docker. :class:`ModelServer`
answers the same HTTP requests, on 127.0.0.1 and a free port, in a background thread of the
notebook, so the client code a student writes for it works unchanged against a real
``tensorflow/serving`` container:

``GET  /v1/models/<name>``                             status of the model's versions
``GET  /v1/models/<name>/versions/<v>``                status of one version
``POST /v1/models/<name>:predict``                     predict with the latest version
``POST /v1/models/<name>/versions/<v>:predict``        predict with version ``v``

A predict request is JSON: ``{"instances": [...]}`` (the row format: one entry per example)
answered by ``{"predictions": [...]}``, or ``{"inputs": ...}`` (the columnar format: the
whole batch as one array) answered by ``{"outputs": ...}``. ``"signature_name"`` may be given
and must be ``"serving_default"``. Errors are answered as TensorFlow Serving does, with a
JSON body ``{"error": "<message>"}``: status 400 for a request that cannot be processed
(malformed JSON, wrong shape, non-numeric values) and 404 for an unknown model, version or
path. The server never crashes on a bad request.

Models are served from a folder in TensorFlow Serving's layout, ``<base_path>/<version>/``
holding a SavedModel (``model.export(...)`` writes one); the highest version number is
loaded, like TensorFlow Serving's default policy. For tests, any Python function can be
served with :class:`FunctionServable`.

Example::

    with ModelServer({"digits": "models/digits"}) as server:
        response = requests.post(f"{server.url}/v1/models/digits:predict",
                                 json={"instances": images.tolist()})
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

SIGNATURE = "serving_default"


class BadRequest(ValueError):
    """A request the server cannot process (answered with 400 and the message)."""


class NotFound(LookupError):
    """An unknown model, version or path (answered with 404 and the message)."""


class Servable(Protocol):
    """What the server needs from a model: its version, one input's spec and a batch prediction."""

    version: int
    input_name: str
    input_shape: tuple[int | None, ...]  # one example's shape (without the batch axis)
    dtype: str

    def predict(self, batch: np.ndarray) -> dict[str, np.ndarray]: ...


@dataclass
class FunctionServable:
    """A plain Python function served as a model: ``predict(batch) -> array or dict of arrays``."""

    function: Callable[[np.ndarray], Any]
    input_shape: tuple[int | None, ...]
    version: int = 1
    input_name: str = "inputs"
    dtype: str = "float32"

    def predict(self, batch: np.ndarray) -> dict[str, np.ndarray]:
        result = self.function(batch)
        if isinstance(result, Mapping):
            return {key: np.asarray(value) for key, value in result.items()}
        return {"output_0": np.asarray(result)}


@dataclass
class SavedModelServable:
    """The ``serving_default`` signature of a SavedModel, for one input tensor."""

    path: Path
    version: int
    signature: Any = field(repr=False)
    input_name: str
    input_shape: tuple[int | None, ...]
    dtype: str

    def predict(self, batch: np.ndarray) -> dict[str, np.ndarray]:
        import tensorflow as tf

        outputs = self.signature(**{self.input_name: tf.constant(batch, dtype=self.dtype)})
        return {key: value.numpy() for key, value in outputs.items()}


def latest_version(base_path: str | Path) -> int:
    """The highest numeric version folder in ``base_path`` (TensorFlow Serving's layout)."""
    base = Path(base_path)
    versions = [int(p.name) for p in base.iterdir() if p.is_dir() and p.name.isdigit()] if base.is_dir() else []
    if not versions:
        raise FileNotFoundError(f"{base} holds no version folder (<base_path>/<version>/saved_model.pb)")
    return max(versions)


def load_saved_model(base_path: str | Path, version: int | None = None) -> SavedModelServable:
    """Load ``<base_path>/<version>/`` (default: the latest version) for serving."""
    import tensorflow as tf

    version = latest_version(base_path) if version is None else int(version)
    path = Path(base_path) / str(version)
    loaded = tf.saved_model.load(str(path))
    if SIGNATURE not in loaded.signatures:
        raise ValueError(f"{path} has no {SIGNATURE!r} signature")
    signature = loaded.signatures[SIGNATURE]
    _, inputs = signature.structured_input_signature
    if len(inputs) != 1:
        raise ValueError(f"{path}: only models with one input can be served, this one has {sorted(inputs)}")
    ((input_name, spec),) = inputs.items()
    servable = SavedModelServable(
        path=path,
        version=version,
        signature=signature,
        input_name=input_name,
        input_shape=tuple(spec.shape)[1:],
        dtype=spec.dtype.name,
    )
    servable._loaded = loaded  # keep the variables alive as long as the signature
    return servable


def _check_shape(batch: np.ndarray, expected: Sequence[int | None], what: str) -> None:
    actual = batch.shape[1:]
    if len(actual) != len(expected) or any(e is not None and a != e for a, e in zip(actual, expected, strict=True)):
        shown = ", ".join("?" if e is None else str(e) for e in expected)
        raise BadRequest(
            f"{what} have shape {list(actual)} each, but the model expects [{shown}] "
            f"(a batch of shape {list(batch.shape)} instead of [?, {shown}])"
        )


def _as_batch(values: Any, servable: Servable, what: str) -> np.ndarray:
    if isinstance(values, Mapping):
        if list(values) != [servable.input_name]:
            raise BadRequest(f"{what} should hold the model's one input {servable.input_name!r}, got {sorted(values)}")
        values = values[servable.input_name]
    try:
        batch = np.asarray(values, dtype=servable.dtype)
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"{what} must be numbers in a regular (non-ragged) array: {exc}") from None
    if batch.ndim == 0 or len(batch) == 0:
        raise BadRequest(f"{what} must be a non-empty list with one entry per example")
    if not np.all(np.isfinite(batch)):
        raise BadRequest(f"{what} contain NaN or infinite values")
    _check_shape(batch, servable.input_shape, what)
    return batch


def _jsonable(array: np.ndarray) -> Any:
    return array.tolist()


def handle_predict(servable: Servable, body: bytes) -> dict[str, Any]:
    """The JSON answer to a predict request, or :class:`BadRequest` (TensorFlow Serving semantics)."""
    try:
        request = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"JSON Parse error: {exc}") from None
    if not isinstance(request, dict):
        raise BadRequest('the request body must be a JSON object such as {"instances": [...]}')
    signature = request.get("signature_name", SIGNATURE)
    if signature != SIGNATURE:
        raise BadRequest(f"Serving signature name: {signature!r} not found in signature def")
    unknown = set(request) - {"instances", "inputs", "signature_name"}
    if ("instances" in request) == ("inputs" in request):
        raise BadRequest(
            'the request must contain exactly one of "instances" (row format) or "inputs" (columnar format)'
        )
    if unknown:
        raise BadRequest(f"unknown field(s) in the request: {', '.join(sorted(unknown))}")
    row_format = "instances" in request
    what = "instances" if row_format else "inputs"
    outputs = servable.predict(_as_batch(request[what], servable, what))
    if row_format:
        if len(outputs) == 1:
            return {"predictions": _jsonable(next(iter(outputs.values())))}
        count = len(next(iter(outputs.values())))
        return {"predictions": [{key: _jsonable(value[i]) for key, value in outputs.items()} for i in range(count)]}
    if len(outputs) == 1:
        return {"outputs": _jsonable(next(iter(outputs.values())))}
    return {"outputs": {key: _jsonable(value) for key, value in outputs.items()}}


def version_status(servable: Servable) -> dict[str, Any]:
    """TensorFlow Serving's answer to ``GET /v1/models/<name>``."""
    return {
        "model_version_status": [
            {
                "version": str(servable.version),
                "state": "AVAILABLE",
                "status": {"error_code": "OK", "error_message": ""},
            }
        ]
    }


def create_app(models: Mapping[str, Servable]):
    """The FastAPI application answering TensorFlow Serving's REST API for ``models``."""
    app = FastAPI(title="TensorFlow-Serving-compatible REST API", docs_url=None, redoc_url=None, openapi_url=None)

    def find(name: str, version: str | None) -> Servable:
        servable = models.get(name)
        if servable is None or (version is not None and version != str(servable.version)):
            wanted = f"Latest({name})" if version is None else f"Specific({name}, {version})"
            raise NotFound(f"Servable not found for request: {wanted}")
        return servable

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, exc: BadRequest):
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return JSONResponse({"error": str(exc)}, status_code=404)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        message = "Malformed request" if exc.status_code == 404 else str(exc.detail)
        return JSONResponse({"error": f"{message}: {request.method} {request.url.path}"}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        return JSONResponse({"error": "Malformed request"}, status_code=400)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception):
        return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=500)

    async def predict(request: Request, name: str, version: str | None):
        servable = find(name, version)
        body = await request.body()
        return await run_in_threadpool(handle_predict, servable, body)

    @app.post("/v1/models/{name}:predict")
    async def predict_latest(name: str, request: Request):
        return await predict(request, name, None)

    @app.post("/v1/models/{name}/versions/{version}:predict")
    async def predict_version(name: str, version: str, request: Request):
        return await predict(request, name, version)

    @app.get("/v1/models/{name}")
    async def status_latest(name: str):
        return version_status(find(name, None))

    @app.get("/v1/models/{name}/versions/{version}")
    async def status_version(name: str, version: str):
        return version_status(find(name, version))

    return app


class ModelServer:
    """TensorFlow Serving's REST API on ``127.0.0.1`` and a free port, in a background thread.

    ``models`` maps each model name to a :class:`Servable` or to a base path in TensorFlow
    Serving's layout (``<base_path>/<version>/``, the latest version is loaded). Use it as a
    context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, models: Mapping[str, Servable | str | Path], host: str = "127.0.0.1", port: int = 0):
        self.models: dict[str, Servable] = {
            name: load_saved_model(model) if isinstance(model, (str, Path)) else model for name, model in models.items()
        }
        self.host = host
        self.port = port
        self._server = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, the base URL clients send their requests to."""
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __grader_state__(self) -> dict[str, object]:
        """What the course's grader may check, as data: where the server listens and what it serves."""
        names = list(self.models)
        return {"host": self.host, "port": self.port, "url": self.url, "running": self.running, "names": names}

    def start(self, timeout: float = 10.0) -> ModelServer:
        """Start serving; returns once the server accepts connections."""
        if self.running:
            raise RuntimeError(f"the server is already running at {self.url}")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))  # port 0: the system picks a free port
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(create_app(self.models), log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._socket = sock
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"model-server-{self.port}", daemon=True
        )
        self._thread.start()
        deadline = threading.Event()
        waited = 0.0
        while not self._server.started:
            if not self._thread.is_alive():
                self._close_socket()
                raise RuntimeError(f"the model server on {self.url} could not start")
            if waited >= timeout:
                self.stop()
                raise TimeoutError(f"the model server on {self.url} did not start within {timeout} s")
            deadline.wait(0.02)
            waited += 0.02
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Finish open requests, stop the server and free its port."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise TimeoutError(f"the model server on {self.url} did not stop within {timeout} s")
        self._close_socket()
        self._thread = None
        self._server = None

    def _close_socket(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> ModelServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"running at {self.url}" if self.running else "stopped"
        return f"ModelServer({', '.join(self.models)}; {state})"


__all__ = [
    "BadRequest",
    "FunctionServable",
    "ModelServer",
    "NotFound",
    "SavedModelServable",
    "Servable",
    "create_app",
    "handle_predict",
    "latest_version",
    "load_saved_model",
    "version_status",
]
