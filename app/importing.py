"""The import use case: read a CSV or JSON export, validate it, add it in one transaction."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from app.changes import Changes
from app.csv_import import (
    CsvSource,
    ImportOptions,
    ImportPlan,
    ImportRow,
    RowProblem,
    plan_import,
    read_csv,
)
from app.domain import (
    Channel,
    Kind,
    NeedDepth,
    check_severity,
    check_text,
    clean_name,
    parse_enum,
)
from app.errors import EmptyChairError, ImportFileError, ValidationError
from app.ports import BoardStore, Cancelled, ImportResult, Progress


@dataclass(frozen=True, slots=True)
class ImportReport:
    plan: ImportPlan
    result: ImportResult | None  # None when nothing was written because rows were invalid
    dry_run: bool
    changes: Changes

    @property
    def refused(self) -> bool:
        return self.result is None


class InvalidRows(EmptyChairError):
    """Some rows are invalid and --skip-invalid was not given: nothing was imported."""

    def __init__(self, plan: ImportPlan) -> None:
        path = plan.source.path
        super().__init__(
            f"{path}: {len(plan.problems)} invalid row(s); nothing imported "
            "(fix them, or use --skip-invalid to import the other rows)")
        self.plan = plan


def problem_lines(plan: ImportPlan, limit: int = 20) -> list[str]:
    """One line per invalid row, 'file:line: reason', capped with a count of the rest."""
    name = plan.source.path
    lines = [f"{name}:{p.line}: {p.message}" for p in plan.problems[:limit]]
    if len(plan.problems) > limit:
        lines.append(f"... and {len(plan.problems) - limit} more invalid row(s)")
    return lines


def _json_rows(path: Path) -> ImportPlan:
    """Rows from our own JSON export: every field is already named."""
    try:
        records = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFileError(f"{path}: not a readable JSON export ({exc})") from exc
    if not isinstance(records, list):
        raise ImportFileError(f"{path}: a JSON export is a list of voices")
    rows: list[ImportRow] = []
    problems: list[RowProblem] = []
    for index, record in enumerate(records, 1):
        try:
            if not isinstance(record, dict):
                raise ValidationError("record", "is not an object")
            kind = parse_enum(Kind, str(record.get("kind", "quote")), "kind")
            depth = record.get("need_depth") or None
            line = record.get("source_line")
            rows.append(ImportRow(
                text=check_text(str(record.get("text", ""))),
                kind=kind,
                customer=clean_name(str(record.get("customer", "")), "customer"),
                heard_on=dt.date.fromisoformat(str(record.get("heard_on"))),
                channel=parse_enum(Channel, str(record.get("channel", "other")), "channel"),
                severity=check_severity(int(record.get("severity", 3))),
                need_depth=parse_enum(NeedDepth, str(depth), "need_depth") if depth else None,
                themes=tuple(t.strip() for t in str(record.get("themes", "")).split(";")
                             if t.strip()),
                captured_by=str(record.get("captured_by", "")),
                cohort=str(record["cohort"]) if record.get("cohort") else None,
                source_file=str(record.get("source_file") or path.name),
                source_line=int(line) if line not in (None, "") else index,
                source_key=f"voice:{record.get('id') or index}",
                voice_id=str(record["id"]) if record.get("id") else None,
            ))
        except (ValidationError, ValueError, TypeError) as exc:
            problems.append(RowProblem(index, f"record {index}: {exc}"))
    source = CsvSource(path, "utf-8", "", ["json"], [], [])
    return ImportPlan(source, {}, rows, problems, [])


def prepare_import(path: Path | str, options: ImportOptions) -> ImportPlan:
    path = Path(path)
    if path.suffix.lower() == ".json":
        return _json_rows(path)
    return plan_import(read_csv(path, options.encoding, options.delimiter), options)


def run_import(store: BoardStore, plan: ImportPlan, *, skip_invalid: bool, dry_run: bool = False,
               progress: Progress | None = None,
               cancelled: Cancelled | None = None) -> ImportReport:
    """All valid rows in one transaction; with invalid rows, nothing unless skip_invalid."""
    if plan.problems and not skip_invalid:
        raise InvalidRows(plan)
    result = store.import_rows(plan.rows, len(plan.rows), dry_run=dry_run, progress=progress,
                               cancelled=cancelled)
    changed = result.added > 0 and not dry_run
    return ImportReport(plan, result, dry_run,
                        Changes(voices=changed, customers=changed, cohorts=changed,
                                themes=changed))
