"""The fault drill's bookkeeping: what counts as lost or doubled, and the table it prints.

Pure functions over plain data (no Django, no network), so tests/deploy/test_drill_table.py can
run them on small inputs: the drill itself (deploy/drill/run.py) gathers the data from the
database, the S3 bucket and the SMTP sink, and passes it here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# What the table reports as lost or doubled; every one must be 0 after every fault.
DAMAGE = (
    "lost saves",  # a save the user was told succeeded (200) that the database does not hold
    "half-published",  # a publication and its round disagree (published but open, closed but not published)
    "published twice",  # more than one publication record (audit row) for one publication
    "orphaned files",  # objects in the bucket no database row points at
    "rows without files",  # database rows pointing at an object that is not in the bucket
    "half-imported",  # an import that wrote some of its rows and not others
    "e-mails twice",  # the same e-mail received more than once by the SMTP server
    "e-mails lost",  # an e-mail the system recorded as due that never arrived
    "jobs stuck",  # jobs still queued or running after the workers were restarted
)
# How an interrupted job (or a recovery the system runs) may end; anything else fails the phase.
ACCEPTED_JOB_ENDS = ("succeeded", "failed cleanly, started again: succeeded", "deleted")


@dataclass
class Phase:
    """One fault of the drill and what was observed."""

    fault: str
    requests: int = 0
    user_errors: int = 0
    statuses: Counter = field(default_factory=Counter)
    damage: dict[str, int] = field(default_factory=dict)
    jobs: list[str] = field(default_factory=list)  # "<job>: <how it ended>"
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def problems(self) -> list[str]:
        """Why this phase fails the drill ([] when nothing was lost or doubled)."""
        found = [f"{name}: {count}" for name, count in self.damage.items() if count]
        found += [f"job {line}" for line in self.jobs if not line.endswith(ACCEPTED_JOB_ENDS)]
        unknown = set(self.damage) - set(DAMAGE)
        if unknown:
            found.append(f"unknown checks: {', '.join(sorted(unknown))}")
        return found

    @property
    def ok(self) -> bool:
        return not self.problems()


def lost_saves(
    acknowledged: Mapping[int, tuple[int, object]], stored: Mapping[int, tuple[int, object]]
) -> int:
    """Saves acknowledged to the user but not in the database.

    ``acknowledged``: score id -> (version, value) of the last save answered 200.
    ``stored``: score id -> (version, value) now in the database. A later version is fine (a save
    whose answer was lost on the way, then repeated); an older version, a missing row or the same
    version with another value is a lost save.
    """
    lost = 0
    for score_id, (version, value) in acknowledged.items():
        now = stored.get(score_id)
        if now is None or now[0] < version or (now[0] == version and now[1] != value):
            lost += 1
    return lost


def orphaned_files(
    keys: Iterable[str], referenced: Iterable[str], *, transient: Iterable[str] = ()
) -> list[str]:
    """Objects in storage that no row references (``transient``: prefixes of short-lived probes)."""
    known = set(referenced)
    prefixes = tuple(transient)
    return sorted(k for k in keys if k not in known and not (prefixes and k.startswith(prefixes)))


def rows_without_files(referenced: Iterable[str], keys: Iterable[str]) -> list[str]:
    """Stored names that rows point at but storage does not hold."""
    present = set(keys)
    return sorted(name for name in set(referenced) if name and name not in present)


def duplicated_messages(messages: Iterable[tuple[str, str]]) -> int:
    """Extra copies among received e-mails, each identified by (recipient, subject)."""
    counts = Counter((to.lower(), subject) for to, subject in messages)
    return sum(n - 1 for n in counts.values() if n > 1)


def missing_messages(expected: Iterable[tuple[str, str]], messages: Iterable[tuple[str, str]]) -> int:
    """E-mails the system should have delivered that the SMTP server never received."""
    received = {(to.lower(), subject) for to, subject in messages}
    return sum(1 for to, subject in set(expected) if (to.lower(), subject) not in received)


def half_done(created: int, expected: int) -> int:
    """An all-or-nothing write that stopped half-way: 1 when ``created`` is neither 0 nor ``expected``."""
    return 0 if created in (0, expected) else 1


def render(phases: list[Phase], *, title: str = "") -> str:
    """The drill's table (plain text, fixed-width columns) and the verdict line."""
    headers = ["fault", "requests", "errors seen", "lost or doubled", "interrupted jobs", "result"]
    rows = []
    for phase in phases:
        damage = ", ".join(f"{k} {v}" for k, v in phase.damage.items() if v) or "0"
        jobs = "; ".join(phase.jobs) or "-"
        rows.append(
            [
                phase.fault,
                str(phase.requests),
                _errors(phase),
                damage,
                jobs,
                "ok" if phase.ok else "FAIL",
            ]
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = [title] if title else []
    lines.append(" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    lines.append("-+-".join("-" * w for w in widths))
    for row in rows:
        lines.append(" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    checked = ", ".join(DAMAGE)
    failed = [p for p in phases if not p.ok]
    lines.append("")
    lines += [f"note {phase.fault}: {note}" for phase in phases for note in phase.notes]
    lines.append(f"checked after every fault: {checked}")
    for phase in failed:
        lines.append(f"FAIL {phase.fault}: {'; '.join(phase.problems())}")
    lines.append("drill: PASSED (nothing lost or doubled)" if phases and not failed else "drill: FAILED")
    return "\n".join(lines)


def _errors(phase: Phase) -> str:
    if not phase.user_errors:
        return "0"
    shown = ", ".join(
        f"{status}×{count}" for status, count in sorted(phase.statuses.items(), key=lambda i: str(i[0]))
    )
    return f"{phase.user_errors} ({shown})" if shown else str(phase.user_errors)


def markdown(phases: list[Phase]) -> str:
    """The same table for docs/deployment.md."""
    lines = [
        "| fault | requests | errors the user saw | lost or doubled | interrupted jobs | result |",
        "|---|---|---|---|---|---|",
    ]
    for phase in phases:
        damage = ", ".join(f"{k} {v}" for k, v in phase.damage.items() if v) or "0"
        lines.append(
            f"| {phase.fault} | {phase.requests} | {_errors(phase)} | {damage} | "
            f"{'; '.join(phase.jobs) or '-'} | {'ok' if phase.ok else 'FAIL'} |"
        )
    return "\n".join(lines)
