"""The plans app's Vietnamese catalogue is complete: no empty or fuzzy translation."""

import re
from pathlib import Path

import parindex.plans

PO = Path(parindex.plans.__file__).parent / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def _entries(text: str):
    for block in text.split("\n\n"):
        if "msgid " not in block or block.lstrip().startswith("#~"):
            continue
        msgid = "".join(re.findall(r'"(.*)"', block.split("msgstr")[0]))
        msgstr = "".join(re.findall(r'"(.*)"', block.split("msgstr", 1)[1]))
        yield block, msgid, msgstr


def test_every_message_of_the_plans_app_is_translated_and_none_is_fuzzy():
    text = PO.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    missing = [msgid for _block, msgid, msgstr in _entries(text) if msgid and not msgstr]
    assert missing == []
