"""Issue 9: a user's template cannot hang the run, exhaust memory, recurse without a location,
or read files through a symlink; each refusal names the template and line."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from slalang.cli import main
from slalang.render import guards
from slalang.render.environment import make_environment, render_template
from slalang.render.errors import RenderError


def _render(tmp_path, text: str, name: str = "doc.md.j2") -> str:
    (tmp_path / name).write_text(text)
    return render_template(make_environment("en", tmp_path), name, {})


@pytest.mark.parametrize(("text", "reason"), [
    ("{{ '%0999999999d' % 1 }}", "a format width or precision above 1000000"),
    ("{{ 'x' | center(999999999) }}", "a string wider than 1000000 characters"),
    ("{{ 'x'.center(999999999) }}", "a string wider than 1000000 characters"),
    ("{{ 'x'.ljust(999999999) }}", "a string wider than 1000000 characters"),
    ("{{ '{:999999999}'.format(1) }}", "a format width or precision above 1000000"),
    ("{{ '%09999999d' | format(1) }}", "a format width or precision above 1000000"),
    ("{% set s = 'x' * 100000 %}{{ ([s] * 100000) | join }}",
     "a string longer than 1000000 characters"),
    ("{% set s = 'x' * 100000 %}{{ ''.join([s] * 100000) }}",
     "a string longer than 1000000 characters"),
    ("{% set s = 'x' * 100000 %}{{ s.replace('x', s) }}",
     "a string longer than 1000000 characters"),
    ("{{ ((10 ** 1000) ** 1000) ** 1000 }}", "a number above 100000 bits"),
    ("{% set n = 2 ** 999 %}{{ n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * "
     "n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * "
     "n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * "
     "n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * "
     "n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n * n }}",
     "a number above 100000 bits"),
])
def test_templates_that_build_huge_values_are_refused(tmp_path, text, reason):
    with pytest.raises(RenderError) as info:
        _render(tmp_path, "first line\n" + text)
    assert str(info.value) == f"template 'doc.md.j2', line 2: not allowed in a template: {reason}"


def test_ordinary_uses_of_the_guarded_operations_still_work(tmp_path):
    text = ("{{ '%05.1f' % 3.14159 }}|{{ 'ab' | center(6) }}|{{ '{:>4}'.format(7) }}|"
            "{{ [1, 2, 3] | join(',') }}|{{ 'a-b' | replace('-', '+') }}|{{ 2 ** 10 }}|"
            "{{ 'x' * 3 }}|{{ '%d' | format(4) }}")
    assert _render(tmp_path, text) == "003.1|  ab  |   7|1,2,3|a+b|1024|xxx|4"


def test_a_render_that_loops_stops_at_its_time_budget(tmp_path, monkeypatch):
    monkeypatch.setattr(guards, "RENDER_SECONDS", 0.5)
    text = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    with pytest.raises(RenderError, match=r"template 'doc.md.j2'.*the render took longer than "
                                          r"0.5 s: the template loops or builds too much"):
        _render(tmp_path, text)


def test_a_render_that_writes_too_much_stops_at_its_size_budget(tmp_path, monkeypatch):
    monkeypatch.setattr(guards, "MAX_OUTPUT", 1000)
    text = "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"
    with pytest.raises(RenderError, match=r"the rendered document exceeds"):
        _render(tmp_path, text)


def test_recursive_macros_and_includes_name_template_and_line(tmp_path):
    with pytest.raises(RenderError) as info:
        _render(tmp_path, "\n{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}\n{{ f(0) }}")
    assert str(info.value).startswith("template 'doc.md.j2', line 2: a macro or include calls "
                                      "itself without end")
    (tmp_path / "loop.md.j2").write_text("x\n{% include 'loop.md.j2' %}")
    with pytest.raises(RenderError, match=r"template 'loop.md.j2', line 2: a macro or include "
                                          r"calls itself"):
        render_template(make_environment("en", tmp_path), "loop.md.j2", {})


@pytest.mark.parametrize("text", ["{{ 1 | metric }}", "{{ 'x' | date }}",
                                  "{{ 'abc' | month }}", "{{ 1 | money(1, 2, 3) }}"])
def test_a_misused_filter_names_the_template_and_line(tmp_path, text):
    with pytest.raises(RenderError, match=r"^template 'doc.md.j2', line 3: "):
        _render(tmp_path, "a\nb\n" + text)


def test_a_symlink_out_of_the_template_folder_is_refused(tmp_path):
    folder = tmp_path / "templates" / "contract"
    folder.mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("root:x:0:0\n")
    (folder / "contract.md.j2").symlink_to(tmp_path / "secret.txt")
    policy = os.path.join(os.path.dirname(__file__), "..", "..", "policies", "reference.sla")
    result = CliRunner().invoke(main, ["contract", policy, "--tier", "Gold", "--templates",
                                       str(tmp_path / "templates")])
    assert result.exit_code == 2
    assert "resolves outside its folder; templates cannot read other files" in result.output
    assert "root:x" not in result.output


def test_an_include_through_a_symlink_is_refused_and_one_inside_allowed(tmp_path):
    (tmp_path / "inside.md.j2").write_text("inside")
    (tmp_path / "alias.md.j2").symlink_to(tmp_path / "inside.md.j2")
    assert _render(tmp_path, "{% include 'alias.md.j2' %}") == "inside"
    (tmp_path / "outside.md.j2").symlink_to("/etc/hostname")
    with pytest.raises(RenderError, match=r"'outside.md.j2' .* resolves outside its folder"):
        _render(tmp_path, "{% include 'outside.md.j2' %}")
