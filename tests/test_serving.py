"""dlcourse.serving: TensorFlow Serving's REST API on real sockets on 127.0.0.1."""

from __future__ import annotations

import socket

import numpy as np
import pytest
import requests

from dlcourse.serving import FunctionServable, ModelServer, latest_version, load_saved_model

TIMEOUT = 10  # seconds for every request: a hung server fails the test instead of blocking it


def double(batch):
    return batch * 2


@pytest.fixture
def server():
    models = {
        "double": FunctionServable(double, input_shape=(3,), version=7),
        "pair": FunctionServable(lambda b: {"sum": b.sum(axis=1), "max": b.max(axis=1)}, input_shape=(None,)),
    }
    with ModelServer(models) as running:
        yield running


def post(server, path, **kwargs):
    return requests.post(f"{server.url}{path}", timeout=TIMEOUT, **kwargs)


def test_server_listens_on_loopback_and_a_free_port(server):
    assert server.host == "127.0.0.1" and server.port > 0
    assert server.url == f"http://127.0.0.1:{server.port}"
    assert server.running


def test_model_status(server):
    response = requests.get(f"{server.url}/v1/models/double", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json() == {
        "model_version_status": [
            {"version": "7", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}
        ]
    }
    assert requests.get(f"{server.url}/v1/models/double/versions/7", timeout=TIMEOUT).status_code == 200


def test_predict_row_format(server):
    response = post(server, "/v1/models/double:predict", json={"instances": [[1, 2, 3], [0.5, 0, -1]]})
    assert response.status_code == 200
    assert response.json() == {"predictions": [[2, 4, 6], [1, 0, -2]]}


def test_predict_with_a_version_and_a_signature_name(server):
    response = post(
        server,
        "/v1/models/double/versions/7:predict",
        json={"signature_name": "serving_default", "instances": [[1, 1, 1]]},
    )
    assert response.json() == {"predictions": [[2, 2, 2]]}


def test_predict_columnar_format(server):
    response = post(server, "/v1/models/double:predict", json={"inputs": [[1, 2, 3]]})
    assert response.json() == {"outputs": [[2, 4, 6]]}
    response = post(server, "/v1/models/double:predict", json={"inputs": {"inputs": [[1, 2, 3]]}})
    assert response.json() == {"outputs": [[2, 4, 6]]}


def test_several_outputs_give_one_object_per_instance(server):
    response = post(server, "/v1/models/pair:predict", json={"instances": [[1, 5], [2, 3]]})
    assert response.json() == {"predictions": [{"sum": 6, "max": 5}, {"sum": 5, "max": 3}]}
    response = post(server, "/v1/models/pair:predict", json={"inputs": [[1, 5], [2, 3]]})
    assert response.json() == {"outputs": {"sum": [6, 5], "max": [5, 3]}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"instances": [[1, 2, 3]', "JSON Parse error"),
        (b"\xff\xfe", "JSON Parse error"),
        (b"[1, 2, 3]", "JSON object"),
        (b'{"instances": [[1, 2]]}', "shape [2]"),
        (b'{"instances": [1, 2, 3]}', "expects [3]"),
        (b'{"instances": [[1, 2, 3], [4, 5]]}', "regular"),
        (b'{"instances": [["a", "b", "c"]]}', "numbers"),
        (b'{"instances": []}', "non-empty"),
        (b'{"instances": [[1, 2, NaN]]}', "NaN"),
        (b'{"instances": [[1, 2, 3]], "inputs": [[1, 2, 3]]}', "exactly one"),
        (b'{"examples": [[1, 2, 3]]}', "exactly one"),
        (b'{"instances": [[1, 2, 3]], "extra": 1}', "unknown field"),
        (b'{"instances": [[1, 2, 3]], "signature_name": "other"}', "signature"),
        (b'{"inputs": {"x": [[1, 2, 3]]}}', "one input"),
    ],
)
def test_bad_requests_get_400_and_an_error_message(server, body, message):
    response = post(server, "/v1/models/double:predict", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert set(response.json()) == {"error"}
    assert message in response.json()["error"]


def test_unknown_model_version_or_path_gets_404(server):
    response = post(server, "/v1/models/triple:predict", json={"instances": [[1, 2, 3]]})
    assert response.status_code == 404
    assert response.json() == {"error": "Servable not found for request: Latest(triple)"}
    response = post(server, "/v1/models/double/versions/3:predict", json={"instances": [[1, 2, 3]]})
    assert response.status_code == 404
    assert response.json() == {"error": "Servable not found for request: Specific(double, 3)"}
    assert requests.get(f"{server.url}/v1/models/triple", timeout=TIMEOUT).status_code == 404
    response = requests.get(f"{server.url}/v2/anything", timeout=TIMEOUT)
    assert response.status_code == 404 and "error" in response.json()


def test_wrong_method_is_an_error_not_a_crash(server):
    response = requests.get(f"{server.url}/v1/models/double:predict", timeout=TIMEOUT)
    assert response.status_code in (404, 405) and "error" in response.json()
    # and the server still answers afterwards
    assert post(server, "/v1/models/double:predict", json={"instances": [[1, 2, 3]]}).status_code == 200


def test_a_failing_model_gives_500_with_a_message():
    def broken(batch):
        raise RuntimeError("out of memory")

    with ModelServer({"broken": FunctionServable(broken, input_shape=(1,))}) as server:
        response = requests.post(f"{server.url}/v1/models/broken:predict", json={"instances": [[1]]}, timeout=TIMEOUT)
        assert response.status_code == 500
        assert response.json() == {"error": "RuntimeError: out of memory"}


def test_stop_frees_the_port_and_refuses_connections():
    server = ModelServer({"double": FunctionServable(double, input_shape=(3,))}).start()
    port = server.port
    server.stop()
    assert not server.running
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/v1/models/double", timeout=TIMEOUT)
    with socket.socket() as sock:  # the port can be bound again
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))


def test_two_servers_run_side_by_side_and_restart():
    one = ModelServer({"double": FunctionServable(double, input_shape=(3,))}).start()
    two = ModelServer({"double": FunctionServable(lambda b: b * 3, input_shape=(3,))}).start()
    try:
        assert one.port != two.port
        body = {"instances": [[1, 1, 1]]}
        assert requests.post(f"{one.url}/v1/models/double:predict", json=body, timeout=TIMEOUT).json() == {
            "predictions": [[2, 2, 2]]
        }
        assert requests.post(f"{two.url}/v1/models/double:predict", json=body, timeout=TIMEOUT).json() == {
            "predictions": [[3, 3, 3]]
        }
        with pytest.raises(RuntimeError, match="already running"):
            one.start()
    finally:
        one.stop()
        two.stop()
    one.start()  # a stopped server can be started again
    try:
        assert requests.get(f"{one.url}/v1/models/double", timeout=TIMEOUT).status_code == 200
    finally:
        one.stop()


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A small Keras model exported twice in TensorFlow Serving's layout: models/digits/1 and /2."""
    import keras

    keras.utils.set_random_seed(0)
    base = tmp_path_factory.mktemp("models") / "digits"
    models = {}
    for version in (1, 2):
        model = keras.Sequential(
            [
                keras.Input(shape=(8, 8), name="pixels"),
                keras.layers.Flatten(),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
        model.export(str(base / str(version)), verbose=False)
        models[version] = model
    return base, models


def test_saved_model_latest_version_is_served(exported):
    base, models = exported
    assert latest_version(base) == 2
    servable = load_saved_model(base)
    assert (servable.version, servable.input_name, servable.input_shape, servable.dtype) == (
        2,
        "pixels",
        (8, 8),
        "float32",
    )
    x = np.random.default_rng(0).uniform(0, 16, size=(5, 8, 8)).astype("float32")
    with ModelServer({"digits": base}) as server:
        status = requests.get(f"{server.url}/v1/models/digits", timeout=TIMEOUT).json()
        assert status["model_version_status"][0]["version"] == "2"
        response = requests.post(
            f"{server.url}/v1/models/digits:predict", json={"instances": x.tolist()}, timeout=TIMEOUT
        )
        served = np.array(response.json()["predictions"])
        np.testing.assert_allclose(served, models[2].predict(x, verbose=0), rtol=1e-6, atol=1e-7)
        assert not np.allclose(served, models[1].predict(x, verbose=0))
        response = requests.post(
            f"{server.url}/v1/models/digits:predict", json={"instances": x[:, :4].tolist()}, timeout=TIMEOUT
        )
        assert response.status_code == 400 and "[8, 8]" in response.json()["error"]


def test_missing_version_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no version folder"):
        latest_version(tmp_path)
    with pytest.raises(FileNotFoundError, match="no version folder"):
        ModelServer({"digits": tmp_path / "nowhere"})
