"""The service as the intake system meets it: a real uvicorn in a subprocess, spoken to with httpx."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
from live_service import service_env, start_service, wait_ready
from service_process import free_port, stop


def test_service_live_intake_flow(
    tmp_path, models_dir, trained_model, install_model, keys, auth, service_report
):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "service.log"
    env = service_env(port, f"sqlite:///{tmp_path / 'data' / 'kfd.sqlite3'}", models_dir, keys)
    process = start_service(env, tmp_path, log)
    try:
        wait_ready(process, base, log)
        with httpx.Client(base_url=base, headers=auth("read"), timeout=30) as intake:
            assert intake.get("/v1/model").json()["version"] == trained_model.name

            first = intake.post(
                "/v1/reports",
                json={
                    "text": service_report("lindenau.txt"),
                    "filename": "lindenau.txt",
                    "external_id": "in-1",
                },
            )
            assert first.status_code == 201
            upload = intake.post(
                "/v1/reports",
                files={"file": ("birkenfeld.txt", service_report("birkenfeld.txt").encode("cp1252"))},
                data={"external_id": "in-2"},
            )
            assert upload.status_code == 201
            third = intake.post("/v1/reports", json={"text": service_report("erlenbach.txt")})
            assert third.status_code == 201

            # The intake system retries: the same content, or the same external id, is no new report.
            again = intake.post("/v1/reports", json={"text": service_report("lindenau.txt")})
            assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
            retry = intake.post(
                "/v1/reports",
                files={"file": ("b.txt", service_report("birkenfeld.txt").encode())},
                data={"external_id": "in-2"},
            )
            assert retry.status_code == 200 and retry.json()["id"] == upload.json()["id"]
            listed = intake.get("/v1/reports").json()
            assert listed["total"] == 3

            table = intake.get("/v1/aggregate", params={"by": "sentiment,regierungsbezirk"}).json()
            assert table["n_statements"] == 11 + 9 + 9
            assert {row["group"]["regierungsbezirk"] for row in table["rows"]} == {
                "Tübingen",
                "Karlsruhe",
                "Stuttgart",
            }
            csv = intake.get("/v1/aggregate", params={"by": "theme,sentiment", "format": "csv"})
            assert csv.text.startswith("theme,sentiment,count,total,share\n")

            # After retraining: reload, then bring the stored tags to the new version.
            install_model(trained_model, models_dir, version="29990101-000000-live")
            assert intake.post("/v1/model/reload").status_code == 403
            admin = auth("admin")
            reload = intake.post("/v1/model/reload", headers=admin)
            assert reload.status_code == 200 and reload.json()["version"] == "29990101-000000-live"
            retag = intake.post(f"/v1/reports/{first.json()['id']}/retag", headers=admin)
            assert retag.json()["report"]["statements"][0]["model_version"] == "29990101-000000-live"
            assert httpx.get(f"{base}/v1/reports").status_code == 401
    finally:
        stop(process)
    assert (tmp_path / "data" / "kfd.sqlite3").is_file()


def test_service_refuses_a_public_address_without_keys(tmp_path):
    env = {"KFD_HOST": "0.0.0.0", "KFD_API_KEYS": "", "KFD_ADMIN_KEYS": "", "KFD_MODEL_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "service"],
        env={**os.environ, **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "refusing to serve on 0.0.0.0: no API keys are configured" in result.stderr
