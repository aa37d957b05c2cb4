"""The per-epoch curves as CSV."""

from __future__ import annotations

from explorer.core.train.history import history_csv, metrics_of, save_history_csv


def test_history_csv(tmp_path):
    history = {"loss": (0.5, 0.25), "accuracy": (0.8, 0.9), "val_loss": (0.4,)}
    text = history_csv(history)
    assert text == "epoch,loss,accuracy,val_loss\n1,0.5,0.8,0.4\n2,0.25,0.9,\n"
    assert history_csv({}) == "epoch\n"
    path = save_history_csv(tmp_path / "curves.csv", {"loss": [1 / 3]})
    assert path.read_text() == f"epoch,loss\n1,{1 / 3!r}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curves.csv"]


def test_metrics_of_keras_logs_puts_the_familiar_ones_first():
    logs = {"val_accuracy": 0.5, "zeta": 2, "loss": 1, "accuracy": 0.25, "val_loss": 3.0, "name": "not a number"}
    assert list(metrics_of(logs).items()) == [("loss", 1.0), ("accuracy", 0.25), ("val_loss", 3.0),
                                              ("val_accuracy", 0.5), ("zeta", 2.0)]
    assert metrics_of(None) == {} and metrics_of({}) == {}
