"""The inference service: latest-wins requests answered off the UI thread."""

import sys
import threading
import time
import types

import numpy as np
import pytest

from explorer.core.model.snapshot import ModelSnapshot
from explorer.core.predict.prediction import LayerActivation, Prediction
from explorer.ui.services.inference import InferenceService

BUILT = []


class FakePredictor:
    """Stands in for explorer.core.predict.predictor.Predictor: records how it was made and used."""

    def __init__(self, model=None):
        self.weights = None
        self.threads = []
        BUILT.append(self)

    @classmethod
    def from_snapshot(cls, snapshot):
        if snapshot.model == "broken":
            raise ValueError("cannot build this model")
        predictor = cls()
        predictor.weights = snapshot.weights
        return predictor

    def set_weights(self, weights):
        self.weights = weights

    def predict(self, image):
        self.threads.append(threading.current_thread())
        time.sleep(0.01)  # slow enough for requests to pile up behind it
        value = float(self.weights[0][0]) if self.weights else 0.0
        probabilities = np.array([value, 1 - value], np.float32)
        return Prediction(probabilities, (LayerActivation("dense", "Dense", probabilities),))

    def grad_cam(self, image, label):
        return np.ones(image.shape[:2], np.float32)


@pytest.fixture
def service(qtbot, monkeypatch):
    BUILT.clear()
    monkeypatch.setitem(sys.modules, "explorer.core.predict.predictor", types.SimpleNamespace(Predictor=FakePredictor))
    s = InferenceService()
    yield s
    s.shutdown()


def snapshot(value, model="mnist-convnet"):
    return ModelSnapshot(model, (), (8, 8, 1), ("a", "b"), (np.array([value], np.float32),), f"w={value}")


def test_no_model_is_reported_clearly(qtbot, service):
    with qtbot.waitSignal(service.errored, timeout=5000) as got:
        service.request(np.zeros((8, 8, 1)))
    assert got.args == ["draw", "there is no model yet: train one or load a .keras file"]
    assert not service.has_model()


def test_snapshots_reuse_the_network_and_answers_come_from_the_worker(qtbot, service):
    with qtbot.waitSignal(service.model_changed, timeout=5000):
        service.set_snapshot(snapshot(0.25))
    with qtbot.waitSignal(service.result_ready, timeout=5000) as got:
        service.request(np.zeros((8, 8, 1)), heat=True)
    result = got.args[0]
    assert result.prediction.probabilities[0] == 0.25 and result.heat.shape == (8, 8) and result.source == "w=0.25"
    with qtbot.waitSignal(service.model_changed, timeout=5000):
        service.set_snapshot(snapshot(0.75))  # same architecture: new weights, same predictor
    assert len(BUILT) == 1
    with qtbot.waitSignal(service.result_ready, timeout=5000) as got:
        service.request(np.zeros((8, 8, 1)))
    assert got.args[0].prediction.probabilities[0] == 0.75
    assert threading.main_thread() not in BUILT[0].threads


def test_a_broken_model_keeps_the_previous_one(qtbot, service):
    with qtbot.waitSignal(service.result_ready, timeout=5000):
        service.set_snapshot(snapshot(0.5))
        service.request(np.zeros((8, 8, 1)))
    with qtbot.waitSignal(service.model_changed, timeout=5000):
        service.set_snapshot(snapshot(0.9, model="broken"))  # staged: built only when needed
    errors, answers = [], []
    service.errored.connect(lambda *args: errors.append(args))
    service.result_ready.connect(answers.append)
    service.request(np.zeros((8, 8, 1)))
    qtbot.waitUntil(lambda: bool(answers), timeout=5000)
    assert errors == [("model", "cannot build this model")]
    assert answers[0].prediction.probabilities[0] == 0.5
    assert service.model_info().source == "w=0.5"  # the model still answering


def test_snapshots_are_only_built_when_something_is_classified(qtbot, service):
    for value in (0.1, 0.2, 0.3):
        with qtbot.waitSignal(service.model_changed, timeout=5000):
            service.set_snapshot(snapshot(value))
    assert BUILT == [] and service.has_model()
    with qtbot.waitSignal(service.result_ready, timeout=5000) as got:
        service.request(np.zeros((8, 8, 1)))
    assert len(BUILT) == 1 and got.args[0].prediction.probabilities[0] == np.float32(0.3)


def test_a_burst_of_requests_is_answered_once_for_the_last(qtbot, service):
    with qtbot.waitSignal(service.model_changed, timeout=5000):
        service.set_snapshot(snapshot(0.5))
    answers = []
    service.result_ready.connect(lambda r: answers.append(r.serial))
    serials = [service.request(np.zeros((8, 8, 1))) for _ in range(50)]
    qtbot.waitUntil(lambda: bool(answers) and answers[-1] == serials[-1], timeout=5000)
    qtbot.wait(50)
    assert len(answers) < 10  # stale requests were replaced, not queued


def test_set_snapshot_from_a_plain_python_thread(qtbot, service):
    """A training worker hands snapshots over directly: no Qt thread, no event loop of its own."""
    seen = []
    service.model_changed.connect(lambda info: seen.append((info.source, threading.current_thread())))
    service.result_ready.connect(lambda result: seen.append((result.source, threading.current_thread())))

    def hand_over():
        for value in (0.1, 0.2, 0.3, 0.4):
            service.set_snapshot(snapshot(value))

    worker = threading.Thread(target=hand_over, name="plain-trainer")
    worker.start()
    worker.join(5)
    assert not worker.is_alive()
    qtbot.waitUntil(lambda: service.has_model() and service.model_info().source == "w=0.4", timeout=5000)
    with qtbot.waitSignal(service.result_ready, timeout=5000) as got:
        service.request(np.zeros((8, 8, 1)))
    assert got.args[0].prediction.probabilities[0] == np.float32(0.4)  # the newest snapshot answers
    assert len(BUILT) == 1  # the older ones were staged or replaced, never built
    assert {thread for _, thread in seen} == {threading.main_thread()}  # signals arrive in the UI thread


def test_a_bug_while_handling_a_model_is_reported_and_the_worker_goes_on(qtbot, service):
    broken = ModelSnapshot("mnist-convnet", (), None, ("a", "b"), (), "no input shape")  # tuple(None) fails
    with qtbot.waitSignal(service.errored, timeout=5000) as got:
        service.set_snapshot(broken)
    assert got.args[0] == "model" and got.args[1].startswith("TypeError")
    assert not service.has_model()
    with qtbot.waitSignal(service.result_ready, timeout=5000):
        service.set_snapshot(snapshot(0.5))
        service.request(np.zeros((8, 8, 1)))


def test_shutdown_is_idempotent_and_stops_the_answers(qtbot, service):
    with qtbot.waitSignal(service.model_changed, timeout=5000):
        service.set_snapshot(snapshot(0.5))
    service.shutdown()
    service.shutdown()
    answers = []
    service.result_ready.connect(answers.append)
    service.request(np.zeros((8, 8, 1)))
    qtbot.wait(100)
    assert answers == []
