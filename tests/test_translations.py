"""Every Vietnamese catalogue is complete (no untranslated, no fuzzy entry) and up to date.

"Up to date" means: running ``makemessages`` on a copy of each app finds no msgid that
its committed ``locale/vi/LC_MESSAGES/django.po`` lacks. The apps are processed in
parallel on temporary copies, so the working tree is never touched.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import parindex

PACKAGE = Path(parindex.__file__).parent
CATALOGUES = sorted(PACKAGE.glob("**/locale/vi/LC_MESSAGES/django.po"))
APPS = sorted(p.parent for p in PACKAGE.glob("*/apps.py"))


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgid, msgstr(s), flags, obsolete (enough for these checks)."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        entry = {"flags": set(), "obsolete": all(line.startswith("#~") for line in lines), "msgstr": []}
        current = None
        for raw in lines:
            line = raw[3:] if raw.startswith("#~ ") else raw
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                value = match.group(2)
                if current.startswith("msgstr"):
                    entry["msgstr"].append(value)
                else:
                    entry[current] = value
            elif line.startswith('"') and current:
                value = line[1:-1]
                if current.startswith("msgstr"):
                    entry["msgstr"][-1] += value
                else:
                    entry[current] += value
        if "msgid" in entry and entry["msgid"] != "":
            entries.append(entry)
    return entries


@pytest.mark.parametrize("po", CATALOGUES, ids=[str(p.relative_to(PACKAGE)) for p in CATALOGUES])
def test_catalogue_is_complete_and_valid(po):
    entries = [e for e in parse_po(po) if not e["obsolete"]]
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"{po}: untranslated: {untranslated}"
    assert not fuzzy, f"{po}: fuzzy: {fuzzy}"
    header = po.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "#, fuzzy" not in header, f"{po}: the header is marked fuzzy (msgfmt would skip the whole file)"
    if shutil.which("msgfmt"):
        result = subprocess.run(
            ["msgfmt", "--check-format", "--statistics", "-o", os.devnull, str(po)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def _fresh_msgids(app: Path, workdir: Path) -> tuple[Path, set[str], set[str]]:
    """(app, msgids found by makemessages, msgids of the committed catalogue)."""
    copy = workdir / app.name  # cwd of makemessages; "-P" keeps e.g. selectors.py from shadowing the stdlib
    shutil.copytree(app, copy, ignore=shutil.ignore_patterns("*.mo", "__pycache__", "static", "migrations"))
    (copy / "locale").mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "parindex.settings",
        "PARINDEX_LOG_LEVEL": "ERROR",
        "PARINDEX_DATA_DIR": str(workdir / "data"),
    }
    result = subprocess.run(
        [sys.executable, "-P", "-m", "django", "makemessages", "-l", "vi", "--no-location", "--no-obsolete"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"makemessages failed for {app.name}: {result.stderr}"
    fresh_po = copy / "locale/vi/LC_MESSAGES/django.po"
    fresh = {e["msgid"] for e in parse_po(fresh_po)} if fresh_po.exists() else set()
    committed_po = app / "locale/vi/LC_MESSAGES/django.po"
    committed = (
        {
            e["msgid"]
            for e in parse_po(committed_po)
            if not e["obsolete"] and all(e["msgstr"]) and "fuzzy" not in e["flags"]
        }
        if committed_po.exists()
        else set()
    )
    return app, fresh, committed


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext is needed (apt-get install gettext)")
def test_every_catalogue_is_up_to_date_with_the_code(tmp_path):
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2)) as pool:
        results = list(pool.map(lambda app: _fresh_msgids(app, tmp_path / app.name), APPS))
    problems = {app.name: sorted(fresh - committed) for app, fresh, committed in results if fresh - committed}
    assert not problems, (
        "msgids missing from (or untranslated in) the committed catalogues — run makemessages in the app, "
        f"translate, compile: {problems}"
    )


def test_the_language_names_are_translated():
    from django.conf import settings
    from django.utils import translation

    with translation.override("vi"):
        names = {code: str(translation.gettext(name)) for code, name in settings.LANGUAGES}
    assert names == {"vi": "Tiếng Việt", "en": "Tiếng Anh"}


def test_the_apps_have_vietnamese_catalogues():
    for app in ("core", "accounts", "units"):
        assert (PACKAGE / app / "locale/vi/LC_MESSAGES/django.po").exists()


def test_a_message_reads_the_same_in_every_catalogue():
    """Django merges the apps' catalogues and the first app in INSTALLED_APPS wins, so one English
    msgid translated two ways shows the "wrong" one somewhere. Same meaning: same translation;
    another meaning: give it a context (``pgettext`` / ``{% translate … context … %}``)."""
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for path in CATALOGUES:
        app = path.parents[3].name
        for entry in parse_po(path):
            if entry["obsolete"]:
                continue
            key = (entry.get("msgctxt", ""), entry["msgid"])
            seen.setdefault(key, {})[app] = " | ".join(entry["msgstr"])
    differing = {
        f"{ctx + ' / ' if ctx else ''}{msgid}": by_app
        for (ctx, msgid), by_app in seen.items()
        if len(set(by_app.values())) > 1
    }
    assert not differing, differing
