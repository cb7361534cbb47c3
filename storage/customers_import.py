"""Customer attributes from an export: one transaction to import, one to undo or redo."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from app.board.domain import Customer, name_key
from app.board.ports import Cancelled, ImportCancelled, Progress
from app.errors import ConflictError
from storage.board import now_utc
from storage.errors import translated
from storage.ids import new_id
from storage.parts import BoardParts

if TYPE_CHECKING:  # the reader loads with the first customers import, not at every start
    from app.board.customer_import import CustomerChange, CustomerImportResult, CustomerRow

_CHUNK = 500
_UPDATE = ("UPDATE customers SET cohort_id = ?, weight = ?, owner = ?, notes = ?, "
           "deleted_at = NULL, updated_at = ? WHERE id = ?")


class _DryRun(Exception):  # noqa: N818 - control flow: roll back, hand the counts out
    def __init__(self, result: CustomerImportResult) -> None:
        super().__init__()
        self.result = result


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


class CustomersImportMixin(BoardParts):
    """Mixed into SqliteBoard."""

    def _live_customers(self) -> dict[str, Customer]:
        rows = self.conn.execute(
            "SELECT c.id, c.name, c.cohort_id, h.name, c.weight, c.owner, c.notes "
            "FROM customers c LEFT JOIN cohorts h ON h.id = c.cohort_id "
            "WHERE c.deleted_at IS NULL")
        return {name_key(r[1]): Customer(r[0], r[1], r[2], r[3], float(r[4]), r[5] or "",
                                         r[6] or "") for r in rows}

    def import_customers(self, rows: Iterable[CustomerRow], *, dry_run: bool = False,
                         progress: Progress | None = None,
                         cancelled: Cancelled | None = None) -> CustomerImportResult:
        """Update the live customers the rows name (matched as voice import matches them,
        app.board.domain.name_key) and create the others, all in one transaction; a dry run
        counts the same and rolls back."""
        rows = list(rows)
        try:
            return self._import_customers(rows, dry_run, progress, cancelled)
        except _DryRun as dry:
            return dry.result

    def _import_customers(self, rows: list[CustomerRow], dry_run: bool,
                          progress: Progress | None,
                          cancelled: Cancelled | None) -> CustomerImportResult:
        from app.board.customer_import import (
            CustomerChange,
            CustomerImportResult,
            new_customer,
            updated_customer,
        )

        with self.connection.write(), translated(self.path):
            now = now_utc()
            customers = self._live_customers()
            cohorts = self._ids_by_name("cohorts")
            made_cohorts: list[str] = []

            def cohort_id(name: str | None) -> str | None:
                if name is None:
                    return None
                found, made = self._ensure_named("cohorts", cohorts, name, now)
                if made:
                    made_cohorts.append(found)
                return found

            updated: list[CustomerChange] = []
            created: list[Customer] = []
            unchanged = 0
            for done, row in enumerate(rows, 1):
                if cancelled is not None and done % 200 == 0 and cancelled():
                    raise ImportCancelled
                current = customers.get(name_key(row.name))
                if current is None:
                    customer = new_customer(row)
                    customer = customer._replace(id=new_id(),
                                                 cohort_id=cohort_id(customer.cohort_name))
                    self.conn.execute(
                        "INSERT INTO customers (id, name, cohort_id, weight, owner, notes, "
                        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [customer.id, customer.name, customer.cohort_id, customer.weight,
                         customer.owner, customer.notes, now, now])
                    customers[name_key(customer.name)] = customer
                    created.append(customer)
                else:
                    after, fields = updated_customer(current, row)
                    if not fields:
                        unchanged += 1
                    else:
                        if "cohort" in fields:
                            after = after._replace(cohort_id=cohort_id(after.cohort_name))
                        self.conn.execute(_UPDATE, [after.cohort_id, after.weight, after.owner,
                                                    after.notes, now, after.id])
                        customers[name_key(after.name)] = after
                        updated.append(CustomerChange(current, after, fields))
                if progress is not None and (done % 200 == 0 or done == len(rows)):
                    progress(done, len(rows))
            result = CustomerImportResult(updated, created, unchanged, made_cohorts, now)
            if dry_run:
                raise _DryRun(result)
            return result

    def _check_state(self, expected: list[Customer], live: bool) -> None:
        """Every customer the import touched is as the import (or its last undo or redo)
        left it; else another window or program changed it since, and nothing is written
        (compared by value: two writes can share a millisecond's stamp)."""
        wanted = {c.id: (c.cohort_id, c.weight, c.owner, c.notes, live) for c in expected}
        ids = list(wanted)
        changed = 0
        for part in _chunks(ids):
            for row in self.conn.execute(
                    "SELECT id, cohort_id, weight, owner, notes, deleted_at IS NULL FROM "
                    f"customers WHERE id IN ({', '.join('?' * len(part))})", list(part)):
                changed += (row[1], float(row[2]), row[3], row[4], bool(row[5])) != wanted[
                    row[0]]
        if changed:
            raise ConflictError(
                f"{changed:,} of the customers this import changed were edited since, in "
                "another window or program; nothing was changed, so that edit is kept")

    def undo_customer_import(self, result: CustomerImportResult) -> str:
        """Put every updated customer back as it was and retire the created ones (and the
        cohorts the import made, where no customer uses them). Returns the new stamp."""
        created = [c.id for c in result.created]
        with self.connection.write(), translated(self.path):
            self._check_state([c.after for c in result.updated] + result.created, live=True)
            voiced = 0
            for part in _chunks(created):
                voiced += self.conn.execute(
                    f"SELECT count(DISTINCT customer_id) FROM voices WHERE customer_id IN "
                    f"({', '.join('?' * len(part))}) AND deleted_at IS NULL",
                    list(part)).fetchone()[0]
            if voiced:
                raise ConflictError(
                    f"{voiced:,} of the customers this import created have voices now; "
                    "undoing it would hide whose voices they are, so nothing was changed")
            now = now_utc()
            self.conn.executemany(_UPDATE, [
                (c.before.cohort_id, c.before.weight, c.before.owner, c.before.notes, now,
                 c.before.id) for c in result.updated])
            self.conn.executemany("UPDATE customers SET deleted_at = ?, updated_at = ? "
                                  "WHERE id = ?", [(now, now, i) for i in created])
            self.conn.executemany(
                "UPDATE cohorts SET deleted_at = ?, updated_at = ? WHERE id = ? AND NOT "
                "EXISTS (SELECT 1 FROM customers WHERE cohort_id = cohorts.id AND "
                "deleted_at IS NULL)", [(now, now, i) for i in result.created_cohorts])
            return now

    def redo_customer_import(self, result: CustomerImportResult) -> str:
        """The same import again, with the same customers and cohorts (same ids)."""
        from app.board.customer_import import CustomerChange

        with self.connection.write(), translated(self.path):
            self._check_state([c.before for c in result.updated], live=True)
            self._check_state(result.created, live=False)
            self._refuse_taken("customers", [c.name for c in result.created])
            made = list(result.created_cohorts)
            self._refuse_taken("cohorts", [name for part in _chunks(made) for (name,) in
                                           self.conn.execute(
                f"SELECT name FROM cohorts WHERE id IN ({', '.join('?' * len(part))}) "
                "AND deleted_at IS NOT NULL", list(part))])
            now = now_utc()
            self.conn.executemany("UPDATE cohorts SET deleted_at = NULL, updated_at = ? "
                                  "WHERE id = ? AND deleted_at IS NOT NULL",
                                  [(now, i) for i in result.created_cohorts])
            self.conn.executemany(_UPDATE, [
                (c.after.cohort_id, c.after.weight, c.after.owner, c.after.notes, now,
                 c.after.id) for c in [*result.updated, *(
                     CustomerChange(c, c, ()) for c in result.created)]])
            return now

    def _refuse_taken(self, table: str, names: list[str]) -> None:
        live = self._ids_by_name(table)
        taken = [n for n in names if n.casefold() in live]
        if taken:
            raise ConflictError(f"{taken[0]!r} was made again since this import was undone; "
                                "nothing was changed")
