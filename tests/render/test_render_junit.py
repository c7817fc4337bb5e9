"""JUnit XML for CI systems: schema shape, and read back by a JUnit reader."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from tests._require import require_module

from aiqm.core.results import CriterionOutcome, MeasureValue, Status, TDResult
from aiqm.render.junit import render_junit
from aiqm.report import Report
from aiqm.report.canonical import report_digest
from report.scenario import ERROR_TEXT, XSS_NAME, Scenario

# The shape CI systems read (Jenkins, GitLab, GitHub test reporters), written down
# here as a schema: testsuites > testsuite > (properties?, testcase*), and a testcase
# with at most one of skipped/error/failure followed by system-out/system-err.
JUNIT_XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
  <xs:simpleType name="count"><xs:restriction base="xs:nonNegativeInteger"/></xs:simpleType>
  <xs:simpleType name="seconds"><xs:restriction base="xs:decimal"><xs:minInclusive value="0"/></xs:restriction></xs:simpleType>
  <xs:complexType name="result">
    <xs:simpleContent>
      <xs:extension base="xs:string">
        <xs:attribute name="message" type="xs:string"/>
        <xs:attribute name="type" type="xs:string"/>
      </xs:extension>
    </xs:simpleContent>
  </xs:complexType>
  <xs:element name="testsuites">
    <xs:complexType>
      <xs:sequence><xs:element ref="testsuite" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      <xs:attribute name="name" type="xs:string"/>
      <xs:attribute name="tests" type="count" use="required"/>
      <xs:attribute name="failures" type="count" use="required"/>
      <xs:attribute name="errors" type="count" use="required"/>
      <xs:attribute name="skipped" type="count"/>
      <xs:attribute name="time" type="seconds"/>
    </xs:complexType>
  </xs:element>
  <xs:element name="testsuite">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="properties" minOccurs="0">
          <xs:complexType><xs:sequence>
            <xs:element name="property" maxOccurs="unbounded">
              <xs:complexType>
                <xs:attribute name="name" type="xs:string" use="required"/>
                <xs:attribute name="value" type="xs:string" use="required"/>
              </xs:complexType>
            </xs:element>
          </xs:sequence></xs:complexType>
        </xs:element>
        <xs:element name="testcase" minOccurs="0" maxOccurs="unbounded">
          <xs:complexType>
            <xs:sequence>
              <xs:choice minOccurs="0">
                <xs:element name="skipped" type="result"/>
                <xs:element name="error" type="result"/>
                <xs:element name="failure" type="result"/>
              </xs:choice>
              <xs:element name="system-out" type="xs:string" minOccurs="0"/>
              <xs:element name="system-err" type="xs:string" minOccurs="0"/>
            </xs:sequence>
            <xs:attribute name="name" type="xs:string" use="required"/>
            <xs:attribute name="classname" type="xs:string" use="required"/>
            <xs:attribute name="time" type="seconds"/>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
      <xs:attribute name="name" type="xs:string" use="required"/>
      <xs:attribute name="tests" type="count" use="required"/>
      <xs:attribute name="failures" type="count" use="required"/>
      <xs:attribute name="errors" type="count" use="required"/>
      <xs:attribute name="skipped" type="count"/>
      <xs:attribute name="time" type="seconds"/>
      <xs:attribute name="timestamp" type="xs:dateTime"/>
      <xs:attribute name="id" type="xs:string"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""


@pytest.fixture
def xml(report: Report) -> str:
    return render_junit(report)


def test_validates_against_the_junit_schema(xml: str) -> None:
    xmlschema = require_module("xmlschema", "pip install 'aiqm[dev]'")
    schema = xmlschema.XMLSchema(JUNIT_XSD)
    schema.validate(xml)
    # and the schema is not vacuous: a testcase with two results is refused
    broken = xml.replace("<skipped ", "<failure /><skipped ", 1)
    assert not schema.is_valid(broken)


def test_a_junit_reader_sees_one_case_per_test(xml: str, report: Report) -> None:
    junitparser = require_module("junitparser", "pip install 'aiqm[dev]'")
    doc = junitparser.JUnitXml.fromstring(xml)
    suites = list(doc)
    assert len(suites) == 1
    suite = suites[0]
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (5, 1, 1, 1)
    cases = {c.name: c for c in suite}
    assert set(cases) == {t.name for t in report.tests}
    kinds = {name: [type(r).__name__ for r in c.result] for name, c in cases.items()}
    assert kinds["accuracy on holdout"] == ["Failure"]
    assert kinds["coverage of cases"] == ["Error"]
    assert kinds["custom check"] == ["Skipped"]
    assert kinds["stability under noise"] == [] and kinds[XSS_NAME] == []
    assert cases["stability under noise"].classname.startswith("C-2 ")
    assert cases["stability under noise"].time == pytest.approx(2.0)
    failure = cases["accuracy on holdout"].result[0]
    assert "accuracy >= 0.8: measured 0.61 (0.61 < 0.8)" in failure.message
    assert "f1_score >= 0.5: measured undefined" in failure.message
    error = cases["coverage of cases"].result[0]
    assert error.message == ERROR_TEXT and error.type == "ERR"
    props = {p.name: p.value for p in suite.properties()}
    assert props["aiqm.run"] == "run-20240501-0001"
    assert props["aiqm.verdict"] == "ERR"
    assert props["aiqm.report_digest"] == report_digest(report)
    out = cases["stability under noise"].system_out
    assert "accuracy = 0.9123" in out and "latency = 12 ms" in out and "noise = 0.1" in out


def test_characteristic_names_follow_the_language(report: Report) -> None:
    root = ET.fromstring(render_junit(report, "ja"))
    classnames = {c.get("name"): c.get("classname") for c in root.iter("testcase")}
    ja = {c.id: c.names["ja"] for c in report.characteristics if "ja" in c.names}
    assert classnames["stability under noise"] == f"C-2 {ja['C-2']}"
    assert "実測値 0.61" in render_junit(report, "ja")


def test_control_characters_do_not_break_the_xml(scenario: Scenario) -> None:
    bad = TDResult(
        td_name="ansi\x1b[31m name",
        characteristic="C-1",
        ait_id="x",
        ait_version="1",
        status=Status.ERR,
        error="boom\x00\x1b[0m\x07 end",
        measures=[MeasureValue(name="m", value=1.0)],
        criteria=[CriterionOutcome(measure="m", description="m < 0\x0b", actual=1.0, passed=False)],
    )
    text = render_junit(scenario.build(results=[bad]))
    root = ET.fromstring(text)  # well-formed
    case = next(root.iter("testcase"))
    assert case.get("name") == "ansi\ufffd[31m name"
    assert "boom" in (case.find("error").get("message") or "")  # type: ignore[union-attr]


def test_empty_run(scenario: Scenario) -> None:
    root = ET.fromstring(render_junit(scenario.build(results=[])))
    assert root.get("tests") == "0" and not list(root.iter("testcase"))
