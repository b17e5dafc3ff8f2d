"""The project's promises about itself: the README's commands, settings table and CI."""

from __future__ import annotations

from settings import README_BEGIN, README_END, ROOT, markdown_table

README = (ROOT / "README.md").read_text()


def test_prj001_readme_settings_table_matches_settings():
    block = README.split(README_BEGIN, 1)[1].split(README_END, 1)[0].strip()
    assert block == markdown_table(), "run `python settings.py --write-readme`"


def test_prj002_readme_gives_the_two_setup_commands_and_ci_runs_the_test_one():
    assert "make run" in README and "make test" in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test\n" in ci
    makefile = (ROOT / "Makefile").read_text()
    assert "\nrun:" in makefile and "\ntest:" in makefile
