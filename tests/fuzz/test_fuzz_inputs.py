"""Fuzzing mappings and user templates (issue 9).

Mappings: a valid ticket mapping with a few of its values replaced by hostile ones (empty or
odd formats, non-text or unknown encodings, alias bombs, deep nesting, bytes that are not
UTF-8, Python tags) and read through ``slalang evaluate --mapping``. Templates: a contract
template built from hostile pieces (huge strings and numbers, endless loops, recursion, sandbox
escapes, misused filters, broken syntax) rendered by ``slalang contract --templates``. The
guarded runner fails on a traceback, an internal error, an exit code outside {0, 1, 2} or a run
over its budget; an error must name the file (mapping) or the template.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import strategies as st

from slalang.render import guards

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "reference.sla")

MAPPING = """\
mapping: 1
shape: ticket
csv: {delimiter: DELIMITER, encoding: ENCODING, null_values: NULLS}
timestamps: {format: FORMAT, timezone: ZONE}
fields:
  id: Key
  customer: CUSTOMER
  priority: Prio
  created_at: Opened
extra: {team: Team}
"""
SLOTS = {
    "DELIMITER": ['";"', '","', '""', '";;"', "1", "[]", '"\\t"'],
    "ENCODING": ["utf-8", "latin-1", "utf-16", "rot13", "hex", "zlib_codec", "klingon", '""',
                 "7", "idna"],
    "NULLS": ['[""]', '["n/a", ""]', "[]", "[1, 2]", '"x"', "{}"],
    "FORMAT": ['"%d.%m.%Y %H:%M"', '""', '"%"', '"%Q"', '"%z"', '"%d.%m.%Y %H:%M %Z"', "null",
               "5", '"' + "%Y" * 500 + '"'],
    "ZONE": ["Europe/Rome", "Mars/Base", '""', "UTC", '"' + "A" * 300 + '"', "null",
             "../../../etc/passwd"],
    "CUSTOMER": ["{constant: Alfa Srl}", "{constant: null}", "{constant: [1]}", "Nope",
                 "{}", "[Key, Key]", "!!python/object:os.system {}"],
}
TAILS = [
    "",
    "x-bomb: &a [" + ",".join(["x"] * 10) + "]\n",
    "values:\n  priority:\n" + "".join(
        f"    v{k}: &v{k} [" + ", ".join([f"*v{k - 1}"] * 10 if k else ["P1"] * 10) + "]\n"
        for k in range(9)),
    "values: " + "[" * 3000 + "]" * 3000 + "\n",
    "values: {priority: {Urgent: P1, Normal: P3}}\n",
    "values: {priority: {Urgent: P1, Urgent: P3}}\n",
    "extra: {team: Team}\n",
    "\t\tbroken: [\n",
    "values: {priority: {Urgent: !!binary aGVsbG8=}}\n",
]
EXPORT = ("Key;Prio;Opened;Team\nH-1;Urgent;01.07.2026 09:00;Blue\n"
          "H-2;Normal;02.07.2026 10:30;n/a\nH-3;Urgent;31.02.2026 10:30;\n")


@st.composite
def mapping_text(draw) -> bytes:
    text = MAPPING
    for slot, choices in SLOTS.items():
        text = text.replace(slot, draw(st.sampled_from(choices)))
    text += draw(st.sampled_from(TAILS))
    data = text.encode("utf-8")
    if draw(st.integers(0, 9)) == 0:
        data = data.replace(b"Key", b"K\xe9y")  # not UTF-8
    return data


def test_hostile_mappings(fuzz):
    def check(data: bytes) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "m.yaml").write_bytes(data)
            (Path(tmp) / "t.csv").write_text(EXPORT, encoding="utf-8")
            result = fuzz.invoke(["evaluate", POLICY, "--tickets", str(Path(tmp) / "t.csv"),
                                  "--mapping", str(Path(tmp) / "m.yaml"), "--period",
                                  "2026-Q3"])
            if result.exit_code == 2:
                assert "m.yaml" in result.output or "t.csv" in result.output, result.output

    fuzz.run(mapping_text(), check, batch=10)


PIECES = [
    "plain text\n",
    "{{ '%0999999999d' % 1 }}",
    "{{ 'x' | center(999999999) }}",
    "{{ 'x'.rjust(999999999) }}",
    "{% set s = 'x' * 100000 %}{{ ([s] * 100000) | join }}",
    "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{{ ((10 ** 1000) ** 1000) ** 1000 }}",
    "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "{% include 'contract/contract.md.j2' %}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__ }}",
    "{{ 1 | metric }}", "{{ 'x' | date }}", "{{ none | money }}", "{{ [] | words(1, 2, 3) }}",
    "{{ 'abc' | month }}", "{{ {} | percent }}", "{{ 1 | datetime(tz='Mars/Base') }}",
    "{{ t('no.such.key') }}", "{{ t() }}", "{{ undefined_name }}", "{{ lang }}",
    "{% if %}", "{{ }}", "{% for %}", "{{ 1 / 0 }}", "{{ '{:999999999}'.format(1) }}",
    "{{ 'a' ~ 'b' }}", "{{ 2 ** 10 }}", "{% raw %}{{{% endraw %}",
]


@st.composite
def template_text(draw) -> str:
    return "\n".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=4)))


def test_hostile_templates(fuzz, monkeypatch):
    # a short render budget keeps endless loops cheap here; the budget itself is what is tested
    monkeypatch.setattr(guards, "RENDER_SECONDS", 1.0)

    def check(text: str) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "contract"
            folder.mkdir()
            (folder / "contract.md.j2").write_text(text, encoding="utf-8")
            out = Path(tmp) / "out.md"
            result = fuzz.invoke(["contract", POLICY, "--tier", "Gold", "--templates", tmp,
                                  "-o", str(out)])
            if result.exit_code == 2:
                assert "template" in result.output, result.output
                assert not out.exists(), "a failed render left its output behind"
            else:
                assert out.stat().st_size <= guards.MAX_OUTPUT * 4

    fuzz.run(template_text(), check, batch=10)
