"""Read a CRM or spreadsheet export of customers (name, weight, cohort, owner, notes)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol

from app.board.csv_import import (
    MAX_ROWS,
    CsvSource,
    Record,
    RowProblem,
    check_unchanged,
    csv_records,
    parse_map_option,
    read_csv,
)
from app.board.domain import MAX_TEXT_CHARS, Customer, check_plain, clean_name, name_key
from app.board.ports import Cancelled, ImportCancelled, Progress
from app.changes import Changes
from app.errors import EmptyChairError, ImportFileError, ValidationError

CUSTOMER_FIELDS = ("name", "weight", "cohort", "owner", "notes")
# Header names for each field, strongest first: an ARR column is a better weight than a
# seat count when a file has both.
CUSTOMER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("name", "customer", "customer_name", "account", "account_name", "company",
             "company_name", "organisation", "organization", "organisation_name",
             "organization_name", "client", "client_name"),
    "weight": ("weight", "arr", "annual_recurring_revenue", "revenue", "annual_revenue",
               "mrr", "monthly_recurring_revenue", "acv", "contract_value", "deal_value",
               "seats", "licenses", "licences", "value", "amount"),
    "cohort": ("cohort", "segment", "customer_segment", "market_segment", "tier",
               "customer_tier", "plan", "pricing_plan", "subscription_plan"),
    "owner": ("owner", "account_owner", "owner_name", "csm", "customer_success_manager",
              "account_manager", "sales_rep", "rep"),
    "notes": ("notes", "note", "comments", "comment", "description"),
}
_ALIASES = {"customer": "name", "company": "name", "account": "name", "segment": "cohort",
            "tier": "cohort", "plan": "cohort", "arr": "weight", "revenue": "weight",
            "mrr": "weight", "seats": "weight", "value": "weight", "note": "notes"}
# Cells that say "no value": the customer's attribute is left as it is.
_BLANK = {"", "-", "--", "—", "–", "n/a", "na", "none", "null", "nil"}
_CURRENCY = re.compile(r"^(?:us\$|[$€£¥₹]|usd|eur|gbp|chf|cad|aud|sek|nok|dkk|jpy|inr)\s*"
                       r"|\s*(?:[$€£¥₹]|usd|eur|gbp|chf|cad|aud|sek|nok|dkk|jpy|inr)$",
                       re.IGNORECASE)
_AMOUNT = re.compile(r"(\d[\d.,' _]*)\s*(k|m|mm|mn|b|bn)?", re.IGNORECASE)
_SCALE = {"k": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "b": 1e9, "bn": 1e9}
MAX_WEIGHT = 1e15
_WEIGHT_HINT = "write a number such as 12000, 12,000, 1.2k or $1.2M"


class CustomerRow(NamedTuple):
    """One customer of the file; None means the file says nothing (leave it as it is)."""

    line: int
    name: str
    weight: float | None = None
    cohort: str | None = None
    owner: str | None = None
    notes: str | None = None


@dataclass(slots=True)
class CustomerPlan:
    source: CsvSource
    mapping: dict[str, str]  # column name -> field, as used
    rows: list[CustomerRow]
    problems: list[RowProblem]
    notes: list[str] = field(default_factory=list)

    @property
    def problem_count(self) -> int:
        return len(self.problems)


class CustomerChange(NamedTuple):
    """A customer the import updated: as it was, as it became, and which fields."""

    before: Customer
    after: Customer
    fields: tuple[str, ...]


@dataclass(slots=True)
class CustomerImportResult:
    """What one import did, with enough to undo and redo it exactly."""

    updated: list[CustomerChange]
    created: list[Customer]
    unchanged: int
    created_cohorts: list[str]  # ids of the cohorts the import made
    stamp: str = ""  # updated_at written on every customer the import touched

    def field_counts(self) -> dict[str, int]:
        """How many updated customers changed in each field."""
        counts = dict.fromkeys(CUSTOMER_FIELDS[1:], 0)
        for change in self.updated:
            for name in change.fields:
                counts[name] += 1
        return counts

    def created_counts(self) -> dict[str, int]:
        """How many created customers got each field from the file."""
        return {"weight": sum(c.weight != 1.0 for c in self.created),
                "cohort": sum(c.cohort_name is not None for c in self.created),
                "owner": sum(bool(c.owner) for c in self.created),
                "notes": sum(bool(c.notes) for c in self.created)}

    def summary(self) -> str:
        return (f"updated {len(self.updated):,}, created {len(self.created):,}, "
                f"unchanged {self.unchanged:,}")

    def field_lines(self) -> list[str]:
        """Per field: 'weight: 12 updated, 3 set on new customers'."""
        made = self.created_counts()
        return [f"{name}: {count:,} updated, {made[name]:,} set on new customers"
                for name, count in self.field_counts().items() if count or made[name]]


class InvalidCustomerRows(EmptyChairError):
    """Some rows are invalid: nothing was imported (an import of customers is all or none)."""

    def __init__(self, plan: CustomerPlan) -> None:
        super().__init__(f"{plan.source.path}: {plan.problem_count:,} invalid row(s); no "
                         "customer was changed (fix them and import again)")
        self.plan = plan


# -- reading -------------------------------------------------------------------------------
# Words that make a header something other than the field its other words name.
_NOT_A_FIELD = {"id", "number", "no", "date", "email", "phone", "url", "code", "count"}
_UNITS = re.compile(r"\([^)]*\)|\[[^]]*\]|\b(?:usd|eur|gbp|in)\b|[$€£]", re.IGNORECASE)


def _header_key(name: str) -> str:
    """'ARR (USD)' and 'ARR in $' are 'arr'; 'Account Owner' is 'account_owner'."""
    key = re.sub(r"[^a-z0-9]+", "_", _UNITS.sub(" ", name).lower()).strip("_")
    return key or re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def customer_mapping(header: list[str]) -> dict[str, str]:
    """Column name -> field, guessed from the header: a whole-name match beats a word of a
    longer name ("ARR (USD)"), an earlier synonym beats a later one; each column and each
    field is used once."""
    scored: list[tuple[int, int, int, str, str]] = []
    for col, column in enumerate(header):
        key = _header_key(column)
        words = set(key.split("_"))
        if words & _NOT_A_FIELD:
            words = set()  # 'Account ID' is not a name, 'Renewal date' not a weight
        for target, synonyms in CUSTOMER_SYNONYMS.items():
            for rank, synonym in enumerate(synonyms):
                if key == synonym:
                    scored.append((0, rank, col, column, target))
                elif "_" not in synonym and synonym in words:
                    scored.append((1, rank, col, column, target))
    mapping: dict[str, str] = {}
    for _strength, _rank, _col, column, target in sorted(scored):
        if column not in mapping and target not in mapping.values():
            mapping[column] = target
    return {column: mapping[column] for column in header if column in mapping}


def parse_customer_map(option: str) -> tuple[str, str]:
    """'COLUMN=field' for a customer import; the field is one of CUSTOMER_FIELDS or ignore."""
    return parse_map_option(option, CUSTOMER_FIELDS, _ALIASES, "a customer field")


def _plain_number(digits: str, raw: str) -> float:
    """'12,000' '1.234.567' '3.400,50' '1 200' '12,5' as numbers; anything that could be
    read two ways ('1,2345') is refused, never guessed."""
    text = digits.strip()
    for mark in (" ", "'", "_"):
        if mark in text:
            if not re.fullmatch(rf"\d{{1,3}}(?:{re.escape(mark)}\d{{3}})+(?:[.,]\d+)?", text):
                raise ValidationError("weight", f"{raw!r} is not a number ({_WEIGHT_HINT})")
            text = text.replace(mark, "")
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        pattern = rf"\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})*{re.escape(decimal)}\d+"
        if text.count(decimal) != 1 or not re.fullmatch(pattern, text):
            raise ValidationError("weight", f"{raw!r} is not a number ({_WEIGHT_HINT})")
        return float(text.replace(thousands, "").replace(decimal, "."))
    for mark in (",", "."):
        count = commas if mark == "," else dots
        if not count:
            continue
        if re.fullmatch(rf"\d{{1,3}}(?:{re.escape(mark)}\d{{3}})+", text) and (
                count > 1 or mark == ","):
            return float(text.replace(mark, ""))  # 12,000 and 1.234.567: thousands
        if count == 1 and re.fullmatch(rf"\d+{re.escape(mark)}\d+", text) and (
                mark == "." or len(text.split(",")[1]) <= 2):
            return float(text.replace(",", "."))  # 1.5, and a decimal comma: 12,5
        raise ValidationError("weight", f"{raw!r} can be read more than one way "
                                        f"({_WEIGHT_HINT})")
    return float(text)


def parse_weight(raw: str) -> float | None:
    """A weight cell as a number, or None when the cell is blank ('', '-', 'n/a'): '12,000',
    '$1.2k', '€ 3.400,50', '2.5M', '1 200 seats' are read; a negative, a percentage or text
    is refused with the reason."""
    text = " ".join(check_plain(raw, "weight").split())
    if text.lower() in _BLANK:
        return None
    if text.startswith("-") or (text.startswith("(") and text.endswith(")")):
        raise ValidationError("weight", f"{raw!r} is negative; a weight is 0 or more")
    if text.endswith("%"):
        raise ValidationError("weight", f"{raw!r} is a percentage, not a weight")
    text = _CURRENCY.sub("", _CURRENCY.sub("", text)).strip()
    text = re.sub(r"\s*(seats?|licen[cs]es?|users?|/\s*(?:mo|month|yr|year))$", "", text,
                  flags=re.IGNORECASE)
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise ValidationError("weight", f"{raw!r} is not a number ({_WEIGHT_HINT})")
    digits, scale = match.groups()
    value = _plain_number(digits, raw) * _SCALE.get((scale or "").lower(), 1.0)
    if not math.isfinite(value) or value > MAX_WEIGHT:
        raise ValidationError("weight", f"{raw!r} is larger than a weight can be")
    return value


def _optional_name(raw: str, field_name: str) -> str | None:
    return None if " ".join(raw.split()).lower() in _BLANK else clean_name(raw, field_name)


def _notes(raw: str) -> str | None:
    text = check_plain(raw, "notes").strip()
    if text.lower() in _BLANK:
        return None
    if len(text) > MAX_TEXT_CHARS:
        raise ValidationError("notes", f"is longer than {MAX_TEXT_CHARS:,} characters")
    return text


def _records(source: CsvSource,
             problem: Callable[[RowProblem], None]) -> Iterator[Record]:
    """Every non-blank record after the header; a record the csv parser cannot read is a
    problem on its line."""
    with closing(csv_records(source.path, source.encoding, source.delimiter,
                             problem)) as records:
        next(records, None)  # the header
        yield from records


def resolve_mapping(source: CsvSource, overrides: dict[str, str]) -> dict[str, str]:
    """The guessed mapping with the person's choices on top; a column named that the file
    does not have is refused."""
    mapping = customer_mapping(source.header)
    by_lower = {h.lower(): h for h in source.header}
    for column, target in overrides.items():
        real = by_lower.get(column.lower())
        if real is None:
            raise ImportFileError(f"{source.path}: --map names column {column!r}, which the "
                                  f"header does not have ({', '.join(source.header)})")
        for other, other_field in list(mapping.items()):
            if other_field == target and other != real:
                del mapping[other]
        mapping[real] = target
    return {c: mapping[c] for c in source.header if mapping.get(c, "ignore") != "ignore"}


def plan_customers(source: CsvSource, overrides: dict[str, str] | None = None, *,
                   progress: Progress | None = None,
                   cancelled: Cancelled | None = None) -> CustomerPlan:
    """Check every row against the mapping; no board is touched. A name given twice with
    different values is an invalid row naming the other line."""
    path = source.path
    mapping = resolve_mapping(source, overrides or {})
    if "name" not in mapping.values():
        raise ImportFileError(f"{path}: no customer name column found in "
                              f"({', '.join(source.header)}); name one with --map COLUMN=name")
    if len(mapping) == 1:
        raise ImportFileError(f"{path}: only the name column is mapped, so there is nothing "
                              "to import; map a column to weight, cohort, owner or notes")
    column = {name: i for i, name in enumerate(source.header)}
    at = {target: column[name] for name, target in mapping.items()}
    width = len(source.header)
    problems: list[RowProblem] = []
    rows: list[CustomerRow] = []
    seen: dict[str, CustomerRow] = {}
    total = len(source.sample) if source.complete else 0
    for count, (line, cells) in enumerate(_records(source, problems.append), 1):
        if cancelled is not None and cancelled():
            raise ImportCancelled
        if progress is not None and count % 500 == 0:
            progress(count, max(total, count))
        if count > MAX_ROWS:
            raise ImportFileError(f"{path}: more than {MAX_ROWS:,} rows")
        if len(cells) != width:
            problems.append(RowProblem(line, f"has {len(cells)} cells, the header has "
                                             f"{width} (a ragged row)"))
            continue
        try:
            raw_name = cells[at["name"]]
            if not raw_name.strip():
                raise ValidationError("name", "is missing")
            row = CustomerRow(
                line, clean_name(raw_name, "name"),
                parse_weight(cells[at["weight"]]) if "weight" in at else None,
                _optional_name(cells[at["cohort"]], "cohort") if "cohort" in at else None,
                _optional_name(cells[at["owner"]], "owner") if "owner" in at else None,
                _notes(cells[at["notes"]]) if "notes" in at else None)
        except ValidationError as exc:
            problems.append(RowProblem(line, str(exc)))
            continue
        key = name_key(row.name)
        earlier = seen.get(key)
        if earlier is not None:
            if earlier[2:] != row[2:]:
                problems.append(RowProblem(line, f"name: {row.name!r} is also on line "
                                                 f"{earlier.line}, with other values"))
            continue  # the same customer given twice, the same way: once is enough
        seen[key] = row
        rows.append(row)
    check_unchanged(path, source.stamp)
    if progress is not None:
        progress(len(rows) + len(problems), len(rows) + len(problems))
    problems.sort(key=lambda p: (not p.unreadable, p.line))
    notes = [f"{field_name} from column {col!r}" for col, field_name in mapping.items()
             if field_name != "name"]
    return CustomerPlan(source, mapping, rows, problems, notes)


def prepare_customer_import(path: Path | str, overrides: dict[str, str] | None = None, *,
                            encoding: str | None = None, delimiter: str | None = None,
                            progress: Progress | None = None,
                            cancelled: Cancelled | None = None) -> CustomerPlan:
    """Read and check a customer export; nothing is written and no board is needed."""
    source = read_csv(path, encoding, delimiter)
    if not source.header:
        raise ImportFileError(f"{source.path}: the file is empty")
    return plan_customers(source, overrides, progress=progress, cancelled=cancelled)


def problem_lines(plan: CustomerPlan, limit: int = 20) -> list[str]:
    lines = [f"{plan.source.path}:{p.line}: {p.message}" for p in plan.problems[:limit]]
    if plan.problem_count > len(lines):
        lines.append(f"... and {plan.problem_count - len(lines):,} more invalid row(s)")
    return lines


# -- the rule: what a row changes ----------------------------------------------------------
def updated_customer(current: Customer, row: CustomerRow) -> tuple[Customer, tuple[str, ...]]:
    """The customer as the row leaves it, and the fields that differ. A field the row says
    nothing about is kept; a cohort is the same in any case; the board keeps its spelling
    of the customer's name."""
    changed: dict[str, object] = {}
    if row.weight is not None and row.weight != current.weight:
        changed["weight"] = row.weight
    if row.cohort is not None and (current.cohort_name is None
                                   or name_key(row.cohort) != name_key(current.cohort_name)):
        changed["cohort_name"] = row.cohort
        changed["cohort_id"] = None  # found or made when it is written
    if row.owner is not None and row.owner != current.owner:
        changed["owner"] = row.owner
    if row.notes is not None and row.notes != current.notes:
        changed["notes"] = row.notes
    fields = tuple(f for f in CUSTOMER_FIELDS if (f + "_name" if f == "cohort" else f)
                   in changed)
    after = current._replace(**changed)  # type: ignore[arg-type]
    return after, tuple(fields)


def new_customer(row: CustomerRow) -> Customer:
    """A customer the board does not have yet (its id is given when it is written)."""
    return Customer("", row.name, None, row.cohort, 1.0 if row.weight is None else row.weight,
                    row.owner or "", row.notes or "")


CUSTOMER_CHANGES = Changes(voices=True, customers=True, cohorts=True)


# -- the use case and its undoable command ---------------------------------------------------
class CustomerImportStore(Protocol):
    def import_customers(self, rows: Iterable[CustomerRow], *, dry_run: bool = False,
                         progress: Progress | None = None,
                         cancelled: Cancelled | None = None) -> CustomerImportResult: ...
    def undo_customer_import(self, result: CustomerImportResult) -> str: ...
    def redo_customer_import(self, result: CustomerImportResult) -> str: ...


@dataclass
class ImportCustomers:
    """An import of customer attributes as one undoable step: undo puts every updated
    customer back and retires the created ones; redo brings the same ones back."""

    rows: list[CustomerRow]
    result: CustomerImportResult | None = None
    text: str = "Import customers"
    progress: Progress | None = None
    cancelled: Cancelled | None = None

    def apply(self, store: CustomerImportStore) -> Changes:
        if self.result is None:
            self.result = store.import_customers(self.rows, progress=self.progress,
                                                 cancelled=self.cancelled)
            self.progress = self.cancelled = None  # a redo runs in the GUI thread
        else:
            self.result.stamp = store.redo_customer_import(self.result)
        return CUSTOMER_CHANGES

    def revert(self, store: CustomerImportStore) -> Changes:
        assert self.result is not None
        self.result.stamp = store.undo_customer_import(self.result)
        return CUSTOMER_CHANGES


def run_customer_import(store: CustomerImportStore, plan: CustomerPlan, *,
                        dry_run: bool = False, progress: Progress | None = None,
                        cancelled: Cancelled | None = None
                        ) -> tuple[ImportCustomers, CustomerImportResult]:
    """All rows in one transaction, or none when any row is invalid. The command it returns
    has been applied (unless dry_run): push it for undo."""
    if plan.problems:
        raise InvalidCustomerRows(plan)
    command = ImportCustomers(plan.rows, text=f"Import customers from {plan.source.path.name}",
                              progress=progress, cancelled=cancelled)
    if dry_run:
        return command, store.import_customers(plan.rows, dry_run=True, progress=progress,
                                               cancelled=cancelled)
    command.apply(store)
    assert command.result is not None
    return command, command.result
