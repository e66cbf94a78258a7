"""The production static-files storage: WhiteNoise's hashed + compressed manifest storage.

The vendored minified libraries (Bootstrap, ECharts…) end with ``sourceMappingURL``
comments naming ``.map`` files that are not shipped; Django's manifest storage refuses to
collect a file whose references are missing. Source maps are a debugging aid, so their
references are left as they are (not rewritten) while ``url()``/``@import`` in CSS still
are (fonts of bootstrap-icons get their hashed names).
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    kept = []
    for glob, rules in patterns:
        rules = tuple(
            rule for rule in rules if "sourceMappingURL" not in (rule if isinstance(rule, str) else rule[0])
        )
        if rules:
            kept.append((glob, rules))
    return tuple(kept)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
