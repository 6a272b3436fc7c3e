"""GET /metrics: Prometheus' text format with requests, latencies, tagged statements and the served model.
(Several workers: tests/service/test_workers.py reads the metrics summed over all of them.)"""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def metric_values(text: str) -> dict[tuple[str, tuple], float]:
    """(sample name, sorted labels) -> value, for every sample of a /metrics answer."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _get(values: dict, name: str, **labels: str) -> float:
    return values.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_requests_latencies_statements_and_the_model(
    client, auth, service_report, trained_model
):
    before = metric_values(client.get("/metrics").text)
    statements = [
        {"text": "Die Moderation war gut."},
        {"text": "Leider zu wenig Zeit."},
        {"text": "Mehr davon"},
    ]
    assert (
        client.post("/v1/classify", json={"statements": statements}, headers=auth("read")).status_code == 200
    )
    posted = client.post("/v1/reports", json={"text": service_report("lindenau.txt")}, headers=auth("read"))
    assert posted.status_code == 201
    report_id = posted.json()["id"]
    assert client.get(f"/v1/reports/{report_id}", headers=auth("read")).status_code == 200
    assert client.get("/v1/reports/999999", headers=auth("read")).status_code == 404
    assert client.get("/v1/model").status_code == 401

    reply = client.get("/metrics")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/plain")
    after = metric_values(reply.text)

    def delta(name: str, **labels: str) -> float:
        return _get(after, name, **labels) - _get(before, name, **labels)

    requests = "kfd_http_requests_total"
    assert delta(requests, method="POST", route="/v1/classify", status="200") == 1
    assert delta(requests, method="POST", route="/v1/reports", status="201") == 1
    # Route templates, never ids: both reads count under one label, by status.
    assert delta(requests, method="GET", route="/v1/reports/{report_id}", status="200") == 1
    assert delta(requests, method="GET", route="/v1/reports/{report_id}", status="404") == 1
    assert delta(requests, method="GET", route="/v1/model", status="401") == 1
    routes = {dict(labels)["route"] for _, labels in after if "route" in dict(labels)}
    assert "/v1/reports/{report_id}" in routes
    assert not {f"/v1/reports/{report_id}", "/v1/reports/999999"} & routes, routes
    assert delta("kfd_http_request_duration_seconds_count", method="POST", route="/v1/classify") == 1
    assert delta("kfd_http_request_duration_seconds_sum", method="POST", route="/v1/classify") > 0

    n_report = len(posted.json()["statements"])
    assert delta("kfd_tagged_statements_total", route="/v1/classify") == 3
    assert delta("kfd_tagged_statements_total", route="/v1/reports") == n_report > 0
    assert _get(after, "kfd_model_info", version=trained_model.name) == 1
    # Nothing of a report's content in the metrics.
    assert "Lindenau" not in reply.text and "Moderation" not in reply.text


def test_a_reload_moves_the_model_gauge(client, auth, models_dir, install_model, trained_model):
    new = "29990101-000000-metrics"
    install_model(trained_model, models_dir, version=new)
    assert client.post("/v1/model/reload", headers=auth("admin")).status_code == 200
    values = metric_values(client.get("/metrics").text)
    assert _get(values, "kfd_model_info", version=new) == 1
    assert _get(values, "kfd_model_info", version=trained_model.name) == 0
