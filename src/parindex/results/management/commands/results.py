"""``parindex results --year Y --unit-type T [--framework ID] --format csv|xlsx|json [--output FILE]``.

Prints (or writes) the published ranking: unit code, name, total, index %, class, rank, rank-of.
Numbers are exact decimals with a dot (machine-readable); xlsx cells are numbers.
"""

import csv
import io
import json

from django.core.management.base import BaseCommand, CommandError

HEADERS = ["unit_code", "unit_name", "total", "index_percent", "class", "rank", "rank_of"]


class Command(BaseCommand):
    help = "Print or write the published ranking of a year and unit type."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--unit-type", required=True)
        parser.add_argument("--framework", type=int)
        parser.add_argument("--format", choices=["csv", "xlsx", "json"], default="csv")
        parser.add_argument("--output")

    def handle(self, *args, **options):
        from parindex.results.selectors import ranking_rows
        from parindex.units.models import Unit

        if options["unit_type"] not in Unit.Kind.values:
            raise CommandError(
                f"Unknown unit type {options['unit_type']!r}; one of: {', '.join(Unit.Kind.values)}"
            )
        rows = ranking_rows(
            year=options["year"], unit_kind=options["unit_type"], framework_id=options["framework"]
        )
        data = [
            [
                r.unit_code,
                r.unit_name,
                _num(r.total) if r.index_percent is not None else None,
                _num(r.index_percent),
                r.class_label,
                r.rank,
                r.rank_of,
            ]
            for r in rows
        ]
        fmt = options["format"]
        if fmt == "xlsx":
            if not options["output"]:
                raise CommandError("--format xlsx needs --output FILE")
            from parindex.results.exports import ranking_xlsx

            with open(options["output"], "wb") as handle:
                handle.write(ranking_xlsx(rows, title=f"{options['year']} {options['unit_type']}"))
            return
        if fmt == "json":
            text = json.dumps(
                [dict(zip(HEADERS, row, strict=True)) for row in data], ensure_ascii=False, indent=2
            )
        else:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(HEADERS)
            writer.writerows(data)
            text = buffer.getvalue()
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="" if text.endswith("\n") else "\n")


def _num(value):
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text
