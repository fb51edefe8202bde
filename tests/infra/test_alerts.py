"""The alerts, their action group and the workbook (infra/modules/alerts.bicep), over the text.

What would silence an alert without anyone noticing: a rule that loses its action group, an
action group that loses the e-mail parameter, a poison queue the rule does not watch, or a
metric renamed in the app (shared/telemetry/metrics.py) but not in the query. Each is checked
here; ``metric_problems`` is shown to fail on an edited copy of the metrics module.
"""

from __future__ import annotations

import ast
import re

from tests.infra import sources

ALERTS = sources.INFRA / "modules" / "alerts.bicep"
METRICS_PY = sources.ROOT / "shared" / "telemetry" / "metrics.py"
RULES = {"poison-queue", "http-5xx", "failed-deliveries", "partner-center-sync",
         "partner-center-reconnect"}
# Metric -> the attribute values the alert queries filter on (what the app must emit).
ALERTED_METRICS = {"referrals.deliveries": 'customDimensions.result) == "failed"',
                   "partner_center.sync": 'customDimensions.result) == "failed"',
                   "partner_center.connection.reconnect_required": ""}


def _alerts() -> str:
    return sources.bicep(ALERTS)


def _rules() -> dict[str, str]:
    """key -> the rule's entry in `var rules`."""
    entries = sources.top_level_blocks(sources.bicep_var_block(_alerts(), "rules"))
    found = {}
    for body in entries:
        key = re.search(r"^\s*key: '([^']+)'", body, re.M)
        assert key, body
        found[key.group(1)] = body
    return found


def _query(text: str, var: str) -> str:
    match = re.search(rf"^var {var} = (?:format\()?'''(.*?)'''", text, re.M | re.S)
    assert match, var
    return match.group(1)


def counters_created(source: str) -> set[str]:
    """Names of the counters the metrics module creates (``meter.create_counter("name", ...)``)."""
    return {str(node.args[0].value) for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "create_counter" and node.args
            and isinstance(node.args[0], ast.Constant)}


def metric_problems(metrics_source: str) -> list[str]:
    created = counters_created(metrics_source)
    text = _alerts()
    problems = [f"alerts.bicep queries {name}, which the app does not create"
                for name in ALERTED_METRICS if name not in created]
    problems += [f"alerts.bicep never queries {name}" for name in ALERTED_METRICS
                 if f'name == "{name}"' not in text]
    return problems


def test_five_rules_each_notify_the_action_group() -> None:
    rules = _rules()
    assert set(rules) == RULES
    loop = sources.resource_body(_alerts(), "alertRules")
    assert re.search(r"'Microsoft\.Insights/scheduledQueryRules@[^']+'\s*=\s*\[\s*for rule in "
                     r"rules:", _alerts())
    assert "actionGroups: [\n          actionGroup.id\n        ]" in loop
    assert "enabled: true" in loop and "operator: 'GreaterThan'" in loop
    for key, body in rules.items():
        assert re.search(r"^\s*scope: (workspace|appInsights)\.id$", body, re.M), key
        assert re.search(r"^\s*query: \w+Query$", body, re.M), key


def test_the_action_group_emails_the_alert_email_parameter() -> None:
    group = sources.resource_body(_alerts(), "actionGroup")
    assert "emailAddress: alertEmail" in group and "enabled: true" in group
    main = sources.bicep(sources.MAIN_BICEP)
    assert "param alertEmail string = ''" in main
    assert re.search(r"^\s+alertEmail: alertEmail$", main, re.M)


def test_every_poison_queue_is_watched() -> None:
    main = sources.bicep(sources.MAIN_BICEP)
    queues = sources.bicep_string_array(main, "queueNames")
    poison = [q for q in queues if q.endswith("-poison")]
    assert poison and all(f"{q}-poison" in queues for q in queues if not q.endswith("-poison"))
    assert "poisonQueueNames: filter(queueNames, q => endsWith(q, '-poison'))" in main
    query = _query(_alerts(), "poisonQuery")
    assert "StorageQueueLogs" in query and 'OperationName == "PutMessage"' in query
    assert "queue in (dynamic({1}))" in query
    assert "storageAccountName, string(poisonQueueNames))" in _alerts()
    assert "dimensions: [\n      'queue'\n    ]" in _rules()["poison-queue"]
    log = sources.resource_body(_alerts(), "queueWriteLog")
    assert "scope: queueService" in log and "workspaceId: workspace.id" in log
    assert "category: 'StorageWrite'" in log


def test_http_5xx_rate_uses_the_threshold_parameter() -> None:
    rule = _rules()["http-5xx"]
    assert "threshold: http5xxPercentThreshold" in rule and "measure: 'percent'" in rule
    query = _query(_alerts(), "http5xxQuery")
    assert "toint(resultCode) >= 500" in query and "100.0 * failed / total" in query


def test_the_metrics_the_alerts_query_are_the_apps() -> None:
    assert not metric_problems(METRICS_PY.read_text(encoding="utf-8"))
    text = _alerts()
    for name, condition in ALERTED_METRICS.items():
        query = next(q for q in re.findall(r"'''(.*?)'''", text, re.S) if f'"{name}"' in q)
        assert condition in query, (name, query)
    assert "dimensions: [\n      'destination'\n    ]" in _rules()["failed-deliveries"]


def test_a_renamed_metric_is_caught() -> None:
    source = METRICS_PY.read_text(encoding="utf-8")
    assert '"partner_center.sync"' in source, "metrics.py changed shape: update this test"
    renamed = source.replace('"partner_center.sync"', '"partner_center.syncs"', 1)
    assert metric_problems(renamed) == [
        "alerts.bicep queries partner_center.sync, which the app does not create"]


def test_the_workbook_charts_every_alerted_figure() -> None:
    text = _alerts()
    workbook = sources.resource_body(text, "workbook")
    assert "kind: 'shared'" in workbook and "serializedData: string(workbookContent)" in workbook
    assert "sourceId: appInsights.id" in workbook
    charts = sources.bicep_var_block(text, "charts")
    for name in counters_created(METRICS_PY.read_text(encoding="utf-8")):
        assert f'"{name}"' in charts, f"the workbook does not chart {name}"
    assert "StorageQueueLogs" in charts and "resultCode" in charts
    assert "version: 'Notebook/1.0'" in text
    main = sources.bicep(sources.MAIN_BICEP)
    assert re.search(r"^module alerts 'modules/alerts\.bicep'", main, re.M)
