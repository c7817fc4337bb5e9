"""End to end: the demo project in a temp folder, through the CLI, to validated reports."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import jsonschema
import pytest
from typer.testing import CliRunner

from aiqm.cli.main import app
from aiqm.services.schemas import json_schema

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo") / "proj"
    r = runner.invoke(app, ["demo", str(d)])
    assert r.exit_code == 0, r.stdout + (r.stderr or "")
    return d, r.stdout


def test_demo_prints_table_and_report_paths(demo):
    d, out = demo
    assert "report.json" in out and "report.html" in out
    assert (d / "report.json").is_file() and (d / "report.html").is_file()
    assert (d / ".aiqm" / "aiqm.db").is_file()
    assert (d / "models" / "model.skops").is_file()
    assert (d / "data" / "train.parquet").is_file()


def test_report_json_validates_and_lists_every_test(demo):
    d, _ = demo
    doc = json.loads((d / "report.json").read_text())
    jsonschema.Draft202012Validator(json_schema("report")).validate(doc)
    import yaml

    project = yaml.safe_load((d / "aiqm.yaml").read_text())
    names = [t["name"] for t in project["tests"]]
    assert [t["name"] for t in doc["tests"]] == names
    assert doc["summary"]["total"] == len(names)
    assert doc["summary"]["verdict"] == "OK"
    for t in doc["tests"]:
        assert t["ait"]["ref"].startswith("aiqm.ait:")
        assert t["status"] == "OK"
        assert all(i["digest"].startswith("sha256:") for i in t["inputs"])
        assert t["measures"]
    acc = next(t for t in doc["tests"] if t["name"] == "test accuracy")
    assert {m["name"] for m in acc["measures"]} >= {"accuracy", "roc_auc", "f1", "log_loss"}
    assert doc["environment"]["python"]
    assert {i["name"] for i in doc["inventories"]} >= {"train", "test", "model"}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text = []
        self.urls = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("src", "href") and v:
                self.urls.append(v)

    def handle_data(self, data):
        self.text.append(data)


def test_html_contains_every_test_and_is_self_contained(demo):
    d, _ = demo
    html = (d / "report.html").read_text()
    parser = _Collector()
    parser.feed(html)
    text = " ".join(parser.text)
    doc = json.loads((d / "report.json").read_text())
    for t in doc["tests"]:
        assert t["name"] in text
    assert not [u for u in parser.urls if u.startswith(("http:", "https:", "//"))]
    assert "data:image/svg+xml;base64," in html  # confusion matrix inlined
    assert len(html) < 5_000_000


def test_report_command_renders_stored_run(demo, tmp_path):
    d, _ = demo
    out = tmp_path / "r.html"
    r = runner.invoke(app, ["report", "latest", "--format", "html", "-o", str(out), "-C", str(d)])
    assert r.exit_code == 0, r.stdout
    assert "test accuracy" in out.read_text()
    r = runner.invoke(app, ["report", "latest", "--format", "json", "-C", str(d)])
    assert json.loads(r.stdout)["schema_version"] == "1.0"
    r = runner.invoke(app, ["runs", str(d), "--json"])
    runs = json.loads(r.stdout)
    assert runs and runs[0]["counts"]["OK"] == 5


def test_rerun_uses_cache_and_exit_code(demo):
    d, _ = demo
    r = runner.invoke(app, ["run", str(d), "--json"])
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert all(t["cached_from"] for t in doc["tests"])
