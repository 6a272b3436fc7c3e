"""Swapping the served model: a reload during a burst of classify requests drops none and never
mixes two models in one response; a tampered artifact or a model of another codebook is refused
while the old model keeps serving. And the garbage collector around the served model (service.runtime):
frozen after a load, paused while results are built."""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import STATEMENTS as MODEL_STATEMENTS

from nlp.model.artifacts import ARTIFACT, CURRENT, MANIFEST, load_model

N_REQUESTS = 40
N_RELOADS = 6
STATEMENTS = [
    {"text": "Die Moderation war sehr professionell.", "section": "bewertung"},
    {"text": "Eine Wohnraumbörse wird eingerichtet."},
    {"text": "Leider war die Zeit zu knapp."},
]


def _point_current(models, version: str) -> None:
    """Repoint models/current atomically (a rename), as a deployment would."""
    tmp = models / f".{CURRENT}.tmp"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(version, target_is_directory=True)
    os.replace(tmp, models / CURRENT)


def test_reload_during_classify_burst_drops_and_mixes_nothing(
    client, auth, models_dir, install_model, trained_model
):
    old = trained_model.name
    new = "29990101-000000-swap"
    install_model(trained_model, models_dir, version=new)
    _point_current(models_dir, old)
    read, admin = auth("read"), auth("admin")
    done = threading.Event()
    reloads: list[int] = []

    def classify(_):
        return client.post("/v1/classify", json={"statements": STATEMENTS}, headers=read)

    def swap():
        for i in range(N_RELOADS):
            _point_current(models_dir, new if i % 2 == 0 else old)
            reloads.append(client.post("/v1/model/reload", headers=admin).status_code)
            if done.is_set():
                break

    with ThreadPoolExecutor(4) as pool:
        swapper = pool.submit(swap)
        replies = list(pool.map(classify, range(N_REQUESTS)))
        done.set()
        swapper.result()

    assert reloads and set(reloads) == {200}
    assert [r.status_code for r in replies] == [200] * N_REQUESTS  # nothing dropped
    seen = set()
    for reply in replies:
        body = reply.json()
        assert len(body["statements"]) == len(STATEMENTS)
        assert {s["model_version"] for s in body["statements"]} == {body["model_version"]}  # never mixed
        seen.add(body["model_version"])
    assert seen <= {old, new}
    print(
        f"\nmodel swap: {N_REQUESTS} classify requests, {len(reloads)} reloads, versions served {sorted(seen)}"
    )


def _tamper_artifact(model_dir) -> None:
    with (model_dir / ARTIFACT).open("ab") as artifact:
        artifact.write(b"tampered")


def _other_codebook(model_dir) -> None:
    manifest = json.loads((model_dir / MANIFEST).read_text(encoding="utf-8"))
    manifest["codebook_hash"] = "0" * len(manifest["codebook_hash"])
    (model_dir / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def _missing_artifact(model_dir) -> None:
    (model_dir / ARTIFACT).unlink()


@pytest.mark.parametrize(
    ("break_model", "reason"),
    [
        (_tamper_artifact, "sha256"),
        (_other_codebook, "another codebook"),
        (_missing_artifact, "missing"),
    ],
)
def test_reload_refuses_a_broken_model_and_keeps_serving(
    client, auth, models_dir, install_model, trained_model, break_model, reason
):
    read, admin = auth("read"), auth("admin")
    old = client.get("/v1/model", headers=read).json()["version"]
    break_model(install_model(trained_model, models_dir, version="29990101-000000-broken"))
    reply = client.post("/v1/model/reload", headers=admin)
    assert reply.status_code == 409
    assert reason in reply.json()["detail"] and f"still serving model {old}" in reply.json()["detail"]
    tagged = client.post("/v1/classify", json={"statements": STATEMENTS}, headers=read)
    assert tagged.status_code == 200
    assert {s["model_version"] for s in tagged.json()["statements"]} == {old}
    assert client.get("/readyz").json()["model_version"] == old


def test_served_model_is_kept_out_of_collections_and_a_replaced_one_is_freed(trained_model):
    """After a load the heap is frozen (`freeze_long_lived`): the collector's full passes skip the model.
    Loading again unfreezes first, so the replaced model, cycles and all, is freed."""
    import gc
    import weakref

    from nlp.codebook import load_codebook
    from service.model_slot import ModelSlot

    slot = ModelSlot(trained_model, load_codebook())
    try:
        model = slot.load().model
        model.__dict__["_cycle"] = [model]  # freed only by the collector, which must see it again
        first = weakref.ref(model)
        del model
        assert gc.get_freeze_count() > 0
        assert first() is slot.current.model
        slot.load()
        assert first() is None
        assert slot.current is not None and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_paused_leaves_the_garbage_collector_as_it_found_it(trained_model, enabled):
    import gc

    from service.runtime import collector_paused

    model, _ = load_model(trained_model)
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        seen = []
        original = model.predictions

        def spy(*args):
            seen.append(gc.isenabled())
            return original(*args)

        model.predictions = spy
        with collector_paused():
            assert len(model.tag(MODEL_STATEMENTS)) == len(MODEL_STATEMENTS)
        assert seen == [False]  # paused while the results are built
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
