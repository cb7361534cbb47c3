"""The `empty-chair` command: headless subcommands, and the GUI when none is given."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import errno
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from app.board.domain import Channel, Kind, parse_enum
from app.board.filters import VoiceFilter
from app.errors import EmptyChairError, ValidationError
from app.meeting.domain import Delivery, Effect, Outcome
from ui.composition import default_board_path, open_store
from ui.plain import terminal_text

if TYPE_CHECKING:  # types only: the import's code loads when an import runs
    from app.board.csv_import import ImportOptions, ImportPlan


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from exc


def _kind(value: str) -> Kind:
    try:
        return parse_enum(Kind, value, "kind")
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(exc.message) from exc


def _channel(value: str) -> Channel:
    try:
        return parse_enum(Channel, value, "channel")
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(exc.message) from exc


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from exc
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative")
    if number > 10_000_000:
        raise argparse.ArgumentTypeError(f"{value} is more than 10,000,000")
    return number


def _severity(value: str) -> int:
    number = _positive(value)
    if not 1 <= number <= 5:
        raise argparse.ArgumentTypeError(f"{value} is not between 1 and 5")
    return number


def _add_db(parser: argparse.ArgumentParser, top: bool = False) -> None:
    # A subcommand's --db defaults to "not given", so `empty-chair --db X COMMAND` keeps X.
    parser.add_argument("--db", type=Path, default=None if top else argparse.SUPPRESS,
                        help="board file (default: $EMPTY_CHAIR_DB or the user data folder)")


def _add_force(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="replace OUT if it exists")


def _add_filters(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters")
    group.add_argument("--kind", type=_kind, action="append", help="quote, complaint or need "
                       "(repeatable)")
    group.add_argument("--customer", help="customer name (any case)")
    group.add_argument("--cohort", help="cohort name")
    group.add_argument("--theme", help="theme name")
    group.add_argument("--channel", type=_channel)
    group.add_argument("--from", dest="date_from", type=_date, help="heard on or after")
    group.add_argument("--to", dest="date_to", type=_date, help="heard on or before")
    group.add_argument("--min-severity", type=_severity)
    group.add_argument("--max-severity", type=_severity)
    group.add_argument("--text", default="", help="search text (export only)")


def _filter(args: argparse.Namespace, text: str = "") -> VoiceFilter:
    return VoiceFilter(
        text=text or getattr(args, "text", "") or "", kinds=tuple(args.kind or ()),
        customer=args.customer, cohort=args.cohort, theme=args.theme, channel=args.channel,
        date_from=args.date_from, date_to=args.date_to, min_severity=args.min_severity,
        max_severity=args.max_severity)


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line (and exit 2), like every other error of ours."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="empty-chair", description="Keep the customer in the room. With no command, "
        "opens the board window.")
    _add_db(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="write a realistic demo board")
    _add_db(demo)
    demo.add_argument("--voices", type=_positive, default=1500)
    demo.add_argument("--customers", type=_positive, default=None)
    demo.add_argument("--force", action="store_true",
                      help="add demo data to a board that already holds voices")

    imp = sub.add_parser("import", help="import a CSV (or our JSON) export")
    imp.add_argument("file", type=Path)
    _add_db(imp)
    imp.add_argument("--map", action="append", default=[], metavar="COLUMN=field",
                     help="map a column to a field: text, customer, cohort, date, kind, "
                     "channel, severity, need_depth, themes, captured_by, ignore")
    imp.add_argument("--kind", type=_kind, help="the kind of every row")
    imp.add_argument("--customer", help="one customer for every row")
    imp.add_argument("--channel", type=_channel, help="the channel of every row")
    imp.add_argument("--encoding", help="override the detected encoding")
    imp.add_argument("--delimiter", help="override the detected delimiter (use 'tab' for tabs)")
    imp.add_argument("--value", action="append", default=[], metavar="COLUMN:VALUE=TARGET",
                     help="map a cell value of a mapped column onto its field, e.g. "
                     "airline_sentiment:negative=complaint or stars:1=5 (repeatable; a column "
                     "given values must have every value it holds mapped)")
    imp.add_argument("--where", action="append", default=[], metavar="COLUMN=VALUE",
                     help="import only rows whose COLUMN holds VALUE, any case (repeatable; "
                     "all must hold)")
    imp.add_argument("--where-not", action="append", default=[], metavar="COLUMN=VALUE",
                     help="leave out rows whose COLUMN holds VALUE (repeatable)")
    imp.add_argument("--html", action=argparse.BooleanOptionalAction, default=None,
                     help="decode HTML entities (&amp; &gt; &#39;) in the text and names; "
                     "proposed when the file looks HTML-escaped")
    imp.add_argument("--skip-invalid", action="store_true", help="import the valid rows and "
                     "report the rest")
    imp.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    imp.add_argument("--keep-existing", action="store_true", help="a whole-board file: keep "
                     "the board's rows where the file has the same id with other content")

    cust = sub.add_parser("import-customers", help="update customers' weight, cohort, owner "
                          "and notes from a CRM or spreadsheet export")
    cust.add_argument("file", type=Path)
    _add_db(cust)
    cust.add_argument("--map", action="append", default=[], metavar="COLUMN=field",
                      help="map a column to a field: name, weight, cohort, owner, notes, ignore")
    cust.add_argument("--encoding", help="override the detected encoding")
    cust.add_argument("--delimiter", help="override the detected delimiter ('tab' for tabs)")
    cust.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    exp = sub.add_parser("export", help="export voices to CSV or JSON")
    exp.add_argument("out", type=Path, help="OUT.csv or OUT.json")
    _add_db(exp)
    _add_force(exp)
    _add_filters(exp)
    exp.add_argument("--voices", action="store_true", help="JSON: the live voices as a list "
                     "(with no filter, OUT.json is the whole board)")

    search = sub.add_parser("search", help="search voices")
    search.add_argument("query", nargs="?", help="what to search for (may start with -)")
    _add_db(search)
    _add_filters(search)
    search.add_argument("--limit", type=_positive, default=20)
    search.add_argument("--json", action="store_true")

    match = sub.add_parser("match", help="who a decision would affect, and why")
    match.add_argument("decision", nargs="?", help="the decision's text (may start with -)")
    _add_db(match)
    match.add_argument("--theme", action="append", default=[], help="a theme of the decision")
    match.add_argument("--limit", type=_positive, default=20,
                       help="customers on the short list (default 20); totals count everyone")
    match.add_argument("--json", action="store_true")

    meetings = sub.add_parser("meetings", help="list meetings with their short ids (for "
                              "report --meeting)")
    _add_db(meetings)

    server = sub.add_parser("server", help="the team board on a PostgreSQL server")
    server_sub = server.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    server_init = server_sub.add_parser(
        "init", help="make an empty PostgreSQL database a team board (or bring an older one "
        "up to date); a database with other tables is refused")
    server_init.add_argument("url", help="postgresql://USER@HOST:PORT/DATABASE (the password "
                             "from ~/.pgpass or PGPASSWORD, never stored by Empty Chair)")

    connect = sub.add_parser("connect", help="link the board to a team server and sync it "
                             "the first time")
    connect.add_argument("url", help="postgresql://USER[:PASSWORD]@HOST:PORT/DATABASE"
                         "[?sslmode=require]; a password given here is kept in the OS keyring, "
                         "else libpq reads ~/.pgpass or PGPASSWORD; never kept in the board")
    _add_db(connect)
    sync = sub.add_parser("sync", help="push this board's changes to its team server and pull "
                          "everyone else's")
    _add_db(sync)
    conflicts = sub.add_parser(
        "conflicts", help="the versions syncs replaced (as File > Sync conflicts): list them, "
        "or keep mine or theirs")
    conflicts.add_argument("id", nargs="?", type=int, help="the conflict to resolve (its #)")
    conflicts.add_argument("--keep", choices=("mine", "theirs", "live", "replaced"),
                           help="mine/theirs: this laptop's version or the other's; "
                           "live/replaced: the version the sync kept or the one it replaced")
    conflicts.add_argument("--all", action="store_true", help="resolved ones too")
    _add_db(conflicts)

    publish = sub.add_parser("publish", help="serve the board read-only in a browser "
                             "(Datasette), for leaders who browse without the app")
    _add_db(publish)
    publish.add_argument("--host", default="127.0.0.1",
                         help="address to listen on (default 127.0.0.1: this machine only; "
                         "0.0.0.0 for the whole network)")
    publish.add_argument("--port", type=_positive, default=8001)

    loop = sub.add_parser("loop", help="who to tell how a shipped, dropped or rejected "
                          "decision ended: CSV for a mail merge or a CRM")
    loop.add_argument("decision", help="the decision: its id (or the id's start, or its "
                      "short id from `log`), or its exact title")
    loop.add_argument("out", type=Path, help="OUT.csv or OUT.json")
    _add_db(loop)
    _add_force(loop)
    loop.add_argument("--told", action="store_true",
                      help="also mark every listed customer told, today")

    helped = sub.add_parser("helped", help="did a shipped decision help? its customers' "
                            "complaints and needs before and after it shipped")
    helped.add_argument("decision", help="as for `loop`")
    _add_db(helped)
    helped.add_argument("--days", type=_positive, default=90,
                        help="days either side of shipping (default 90)")

    report = sub.add_parser("report", help="meeting minutes or a period review, HTML or PDF")
    report.add_argument("out", type=Path, help="OUT.html or OUT.pdf")
    _add_db(report)
    _add_force(report)
    report.add_argument("--meeting", help="minutes of this meeting: its short id (see "
                        "`empty-chair meetings`), its id, or the id's first characters")
    report.add_argument("--from", dest="date_from", type=_date)
    report.add_argument("--to", dest="date_to", type=_date)

    log = sub.add_parser("log", help="export the decision log to CSV or JSON")
    log.add_argument("out", type=Path, help="OUT.csv or OUT.json")
    _add_db(log)
    _add_force(log)
    log.add_argument("--from", dest="date_from", type=_date)
    log.add_argument("--to", dest="date_to", type=_date)
    log.add_argument("--outcome", choices=[o.value for o in Outcome])
    log.add_argument("--customer")
    log.add_argument("--cohort")
    log.add_argument("--status", choices=[d.value for d in Delivery],
                     help="only decisions whose delivery is this")
    log.add_argument("--theme")
    log.add_argument("--effect", choices=[e.value for e in Effect])

    backup = sub.add_parser("backup", help="write a consistent copy of the board")
    backup.add_argument("out", type=Path)
    _add_db(backup)

    restore = sub.add_parser("restore", help="put a backup back in place of the board")
    restore.add_argument("backup", type=Path)
    _add_db(restore)

    rescue = sub.add_parser("rescue", help="copy what a damaged board still holds into a "
                            "new board")
    rescue.add_argument("damaged", type=Path)
    rescue.add_argument("out", type=Path, help="the new board (must not exist)")

    shot = sub.add_parser("screenshot", help="render a screen to PNG, offscreen")
    shot.add_argument("screen", choices=["board", "meeting", "chair", "history", "timeline",
                                         "follow"])
    shot.add_argument("out", type=Path)
    _add_db(shot)
    _add_force(shot)
    shot.add_argument("--size", help="WIDTHxHEIGHT (default 1600x1000; 1920x1080 for chair)")
    shot.add_argument("--theme", default="light", choices=["light", "dark", "projector"])
    shot.add_argument("--meeting", help="meeting id (or its first characters)")
    return parser


def _board_path(args: argparse.Namespace) -> Path:
    db = getattr(args, "db", None)
    return db if db is not None else default_board_path()


def _check_out(out: Path, args: argparse.Namespace) -> None:
    """Refuse to write over the board itself, over a folder, into a missing folder, or
    over an existing file without --force (one clear line each)."""
    board = _board_path(args)
    targets = {board.resolve(), *(board.with_name(board.name + end).resolve()
                                  for end in ("-wal", "-shm"))}
    if out.resolve() in targets or (out.exists() and board.exists()
                                    and out.samefile(board)):
        raise EmptyChairError(f"{out}: is the board itself; choose another file")
    if out.is_dir():
        raise EmptyChairError(f"{out}: is a folder; give a file name")
    if out.exists() and not out.is_file():  # a FIFO or a device would block or stream
        raise EmptyChairError(f"{out}: is not a regular file; give a file name")
    if not out.parent.is_dir():
        raise EmptyChairError(f"{out}: the folder {out.parent} does not exist")
    if out.exists() and not getattr(args, "force", False):
        raise EmptyChairError(f"{out}: already exists; use --force to replace it")


def _notices(store: Any) -> None:
    """What opening the board did that the user should hear (a stray -wal set aside)."""
    for line in getattr(store, "notices", ()):
        print(f"note: {line}", file=sys.stderr)


def _cmd_demo(args: argparse.Namespace) -> int:
    from app.demo import write_demo  # only a demo needs its word lists

    store = open_store(_board_path(args), create=True)
    try:
        _notices(store)
        held = store.count(VoiceFilter())
        if held and not args.force:
            raise EmptyChairError(f"{store.path}: already holds {held:,} voices; demo "
                                  "data would mix with them (use --force to add it anyway)")
        result = write_demo(store, voices=args.voices, customers=args.customers)
    finally:
        store.close()
    print(f"{store.path}: demo board with {result.added:,} new voices "
          f"({result.already_present:,} already there)")
    return 0


# Each command imports the use cases it runs, so starting the window (the commonest
# command) never loads the CSV, export and matching code.
def _import_notes(plan: ImportPlan, options: ImportOptions) -> list[str]:
    """What the file seems to mean that the command line did not say: value mappings for
    sentiment and ratings, HTML escaping, labels that could be themes (each with the exact
    arguments; none is applied by itself), and what each row filter left out."""
    import shlex

    from app.board.csv_import import detect_html, propose_values, theme_candidates

    notes = [f"{row_filter.describe()} left out {count:,} row(s)"
             for row_filter, count in plan.filtered]
    src = plan.source
    if not src.delimiter:  # our JSON export: every field is named already
        return notes
    for proposal in propose_values(src, options):
        notes.append(f"{proposal.column} {proposal.reason}; to use it add: "
                     f"{shlex.join(proposal.arguments())}")
    finding = detect_html(src, options)
    if finding is not None and options.html is None:
        notes.append(f"{finding.cells:,} of {finding.checked:,} sampled text cells hold HTML "
                     f"entities ({' '.join(finding.entities)}): add --html to decode them "
                     "(--no-html keeps them as written)")
    candidates = [c for c in theme_candidates(src, options)
                  if plan.mapping.get(c.column) != "themes"]
    if candidates:
        notes.append("columns of a few labels, which could be themes: " + ", ".join(
            f"{c.column} ({c.distinct} values)" for c in candidates)
            + "; add --map COLUMN=themes")
    return notes


def _cmd_import(args: argparse.Namespace) -> int:
    from app.snapshot import is_board_file

    if is_board_file(args.file):  # a whole board (our JSON export of one), not voices
        return _cmd_import_board(args)
    from app.board.csv_import import (
        ImportOptions,
        parse_map_option,
        parse_value_option,
        parse_where_option,
    )
    from app.board.importing import (
        InvalidRows,
        check_importable,
        prepare_import,
        problem_lines,
        run_import,
    )

    mapping = dict(parse_map_option(m) for m in args.map)
    values: dict[str, dict[str, str]] = {}
    for option in args.value:
        column, value, target = parse_value_option(option)
        values.setdefault(column, {})[value] = target
    filters = [parse_where_option(w) for w in args.where] + [
        parse_where_option(w, keep=False) for w in args.where_not]
    delimiter = "\t" if args.delimiter in ("tab", "\\t") else args.delimiter
    options = ImportOptions(mapping=mapping, kind=args.kind, customer=args.customer,
                            channel=args.channel, skip_invalid=args.skip_invalid,
                            encoding=args.encoding, delimiter=delimiter, values=values,
                            filters=filters, html=args.html)
    plan = prepare_import(args.file, options)
    src = plan.source
    if plan.record_count == 0:
        print(f"{args.file}: 0 rows; nothing to import")
        return 0
    if src.delimiter:
        mapped = ", ".join(f"{c} -> {f}" for c, f in plan.mapping.items())
        print(terminal_text(f"{args.file}: {src.encoding}, delimiter {src.delimiter!r}; "
                            f"{mapped}"))
    for note in plan.notes + _import_notes(plan, options):
        print(terminal_text(f"note: {note}"))
    try:  # refused before any board is opened, so a refused import creates none
        check_importable(plan, skip_invalid=args.skip_invalid)
    except InvalidRows as exc:
        for line in problem_lines(exc.plan):
            print(line, file=sys.stderr)
        raise
    board = _board_path(args)
    with _writable_board(board, args.dry_run) as store:
        _notices(store)
        before = store.count(VoiceFilter())
        try:
            report = run_import(store, plan, skip_invalid=args.skip_invalid,
                                dry_run=args.dry_run)
        except KeyboardInterrupt:
            # One transaction: either every row landed or none did. Look, then say which.
            added = 0 if args.dry_run else store.count(VoiceFilter()) - before
            if added:
                _DONE.append(f"the import was committed: {added:,} voices were added to "
                             f"{store.path}")
            raise
    for line in problem_lines(plan):
        print(f"skipped {line}", file=sys.stderr)
    assert report.result is not None
    verb = "would add" if args.dry_run else "added"
    print(f"{args.file} -> {board}: {plan.record_count:,} rows: {verb} "
          f"{report.result.added:,}, "
          f"already on the board {report.result.already_present:,}, "
          f"invalid {plan.problem_count:,}, "
          + (f"filtered out {plan.filtered_count:,}, " if plan.filtered else "")
          + f"new customers {report.result.customers_created:,}")
    return 0


@contextlib.contextmanager
def _writable_board(target: Path, dry_run: bool) -> Iterator[Any]:
    """The board an import writes to, closed after. A dry run against a board that does
    not exist yet counts on a scratch board that is thrown away: it creates none."""
    with contextlib.ExitStack() as stack:
        board = target
        if dry_run and not target.exists():
            board = Path(stack.enter_context(
                tempfile.TemporaryDirectory(prefix="empty-chair-dry-run-"))) / "board.db"
        store = open_store(board, create=True)
        stack.callback(store.close)
        yield store


def _cmd_import_customers(args: argparse.Namespace) -> int:
    from app.board.customer_import import (
        InvalidCustomerRows,
        parse_customer_map,
        prepare_customer_import,
        problem_lines,
        run_customer_import,
    )

    delimiter = "\t" if args.delimiter in ("tab", "\\t") else args.delimiter
    plan = prepare_customer_import(args.file, dict(parse_customer_map(m) for m in args.map),
                                   encoding=args.encoding, delimiter=delimiter)
    mapped = ", ".join(f"{c} -> {f}" for c, f in plan.mapping.items())
    print(terminal_text(f"{args.file}: {plan.source.encoding}, delimiter "
                        f"{plan.source.delimiter!r}; {mapped}"))
    if plan.problems:  # all or nothing, refused before any board is opened
        for line in problem_lines(plan):
            print(terminal_text(line), file=sys.stderr)
        raise InvalidCustomerRows(plan)
    board = _board_path(args)
    with _writable_board(board, args.dry_run) as store:
        _notices(store)
        _command, result = run_customer_import(store, plan, dry_run=args.dry_run)
    print(f"{args.file} -> {board}: {len(plan.rows):,} customers: "
          + ("dry run, nothing written: " if args.dry_run else "") + result.summary())
    for line in result.field_lines():
        print(f"  {line}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from app.board.exporting import export_to

    _check_out(args.out, args)
    flt = _filter(args)
    # With no filter, JSON is the whole board (every table, as stored); a filter is a view.
    whole = args.out.suffix.lower() == ".json" and flt.is_empty and not args.voices
    store = open_store(_board_path(args))
    try:
        _notices(store)
        if whole:
            from app.snapshot import export_board, summary

            counts = export_board(store, args.out)
        else:
            rows = store.export_rows(flt)
            try:
                count = export_to(args.out, rows)
            finally:
                rows.close()  # ends its read transaction before the board closes
    finally:
        store.close()
    print(f"{args.out}: the whole board: {summary(counts)}" if whole else
          f"{args.out}: {count:,} voices")
    return 0


def _cmd_import_board(args: argparse.Namespace) -> int:
    """A whole-board JSON file: every row with its ids and times, in one transaction, into
    an empty board (or one that holds none of its rows with other content)."""
    import contextlib
    import uuid

    from app.snapshot import InvalidSnapshot, import_board, summary

    voice_only = [f"--{name.replace('_', '-')}" for name in (
        "map", "value", "where", "where_not", "kind", "customer", "channel", "encoding",
        "delimiter", "html", "skip_invalid") if getattr(args, name, None) not in (None, [], False)]
    if voice_only:
        raise EmptyChairError(f"{args.file}: is a whole-board file, imported whole or not at "
                              f"all; {', '.join(voice_only)} apply to voice imports only")
    target = _board_path(args)
    # A new board is built beside its name and moved into place once loaded, so a refused
    # or dry-run import leaves no board behind.
    fresh = not target.exists()
    board = target.parent / f".{target.name}.import-{uuid.uuid4().hex[:8]}" if fresh else target
    try:
        store = open_store(board, create=True)
        try:
            _notices(store)
            try:
                report = import_board(store, args.file,
                                      keep_existing=args.keep_existing, dry_run=args.dry_run)
            except InvalidSnapshot as exc:
                for line in exc.lines():
                    print(terminal_text(line), file=sys.stderr)
                raise
        finally:
            store.close()
        if fresh and not args.dry_run:
            os.replace(board, target)
            fresh = False
    finally:
        if fresh:
            for leftover in (board, *(board.with_name(board.name + e) for e in ("-wal", "-shm"))):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
    result = report.result
    if not args.dry_run:
        _DONE.append(f"the whole board in {args.file} was added to {target}")
    line = (f"{args.file} -> {target}: the whole board: "
            f"{'would add' if args.dry_run else 'added'} {summary(result.added)}")
    if any(result.already_present.values()):
        line += f"; already on the board: {summary(result.already_present)}"
    if any(result.kept.values()):
        line += f"; kept the board's own version of {summary(result.kept)}"
    print(line)
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    store = open_store(_board_path(args))
    try:
        _notices(store)
        flt = _filter(args, args.query)
        voices = store.search(flt, limit=args.limit)
        total = store.count(flt)
    finally:
        store.close()
    if args.json:
        json.dump([{"id": v.id, "kind": v.kind.value, "text": v.text,
                    "customer": v.customer_name, "cohort": v.cohort_name,
                    "heard_on": v.heard_on.isoformat(), "channel": v.channel.value,
                    "severity": v.severity, "themes": list(v.themes)} for v in voices],
                  sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    for v in voices:
        line = " ".join(v.text.split())
        line = line if len(line) <= 100 else line[:99] + "…"
        print(f"{v.heard_on}  {v.kind.value:<9} {terminal_text(v.customer_name)[:28]:<28} "
              f"{terminal_text(line)}")
    print(f"{len(voices)} of {total:,} voices")
    return 0


def _cmd_match(args: argparse.Namespace) -> int:
    from app.meeting.matching import DecisionSpec, match_decision

    store = open_store(_board_path(args))
    try:
        _notices(store)
        result = match_decision(store, DecisionSpec(args.decision, themes=tuple(args.theme)),
                                detail=args.limit)
    finally:
        store.close()
    shortlist = result.shortlist(args.limit)
    if args.json:
        json.dump({
            "totals": {"customers": len(result.customers), "cohorts": len(result.cohorts),
                       "weight": result.total_weight, "confirmed": len(result.confirmed),
                       "suggested": len(result.suggested),
                       "complaints": result.count(Kind.COMPLAINT),
                       "needs": result.count(Kind.NEED), "quotes": result.count(Kind.QUOTE)},
            "terms": [{"word": t.word, "stem": t.stem, "weight": round(t.weight, 4),
                       "voices": t.voices, "expanded": t.expanded} for t in result.terms],
            "cohorts": [{
                "cohort": c.name, "customers": len(c.customers), "total_weight": c.total_weight,
                "confirmed": len(c.confirmed), "complaints": c.count(Kind.COMPLAINT),
                "needs": c.count(Kind.NEED), "quotes": c.count(Kind.QUOTE)}
                for c in result.cohorts],
            "shortlist": [{
                "customer": a.customer.name, "cohort": a.customer.cohort,
                "weight": a.customer.weight, "score": a.score,
                "routes": [r.value for r in a.routes], "status": a.status.value,
                "why": a.why, "words": list(a.words), "related": list(a.related),
                "themes": list(a.themes), "matching_voices": a.voices,
                "evidence": [{"kind": e.voice.kind.value, "text": e.voice.text,
                              "heard_on": e.voice.heard_on.isoformat(),
                              "matched": list(e.matched), "theme": e.themes}
                             for e in a.evidence]} for a in shortlist]},
            sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    print(terminal_text(f"searched for: {', '.join(result.words) or '(no words to search)'}"
                        + (f"; related on this board: {', '.join(result.related)}"
                           if result.related else "")))
    print(terminal_text(result.summary()))
    if not result.cohorts:
        return 0
    print(f"{result.count_kinds()} among their matching voices")
    for cohort in result.cohorts:
        print(terminal_text(f"  {cohort.name}: {len(cohort.customers):,} customers, weight "
                            f"{cohort.total_weight:,.0f}, {cohort.count_kinds()}"))
    print(f"\nThe strongest {len(shortlist)} of {len(result.customers):,}:")
    for a in shortlist:
        print(terminal_text(f"  {a.customer.name} ({a.customer.cohort or 'no cohort'}) — "
                            f"{a.why}"))
        for e in a.evidence[:2]:
            text = " ".join(e.voice.text.split())
            print(terminal_text(f"    {e.voice.kind.value}, {e.voice.heard_on}: "
                                f"{text[:90] + '…' if len(text) > 90 else text}"))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a PDF needs fonts, not a screen
    from PySide6.QtGui import QGuiApplication

    from ui.history.reports import minutes_of, review_html, write_report

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    _check_out(args.out, args)
    store = open_store(_board_path(args))
    try:
        _notices(store)
        if args.meeting:
            content = minutes_of(store, args.meeting)
        else:
            from app.history.log import Period, decision_log, voices_by_kind

            period = Period(args.date_from, args.date_to)  # a reversed range: refused
            if not voices_by_kind(store, period)[0] and not any(
                    period.keeps(e.date) for e in decision_log(store)):
                raise EmptyChairError(f"nothing to review from {period.label()}: no voice "
                                      "was heard and no decision taken; pick another period")
            content = review_html(store, period)
    finally:
        store.close()
    write_report(content, args.out)
    print(f"{args.out}: {'minutes' if args.meeting else 'period review'} written")
    return 0


def _cmd_meetings(args: argparse.Namespace) -> int:
    from app.meeting.session import short_id

    store = open_store(_board_path(args))
    try:
        _notices(store)
        for m in store.meetings():
            decided = sum(1 for d in store.decisions(m.id) if d.outcome is not Outcome.PENDING)
            total = len(store.decisions(m.id))
            print(terminal_text(f"#{short_id(m.id)}  {m.held_on}  {m.status.value:<8} "
                                f"{decided}/{total} decided  {m.title}"))
    finally:
        store.close()
    return 0


def _decision_named(store: Any, wanted: str) -> Any:
    """A decision by id, the start of its id, its short id, or its exact title."""
    from app.meeting.session import short_id

    key = wanted.strip().lstrip("#")
    everything = [d for m in store.meetings() for d in store.decisions(m.id)]
    tests: list[Callable[[Any], bool]] = [
        lambda d: bool(d.id == key), lambda d: bool(d.id.startswith(key) and len(key) >= 4),
        lambda d: short_id(d.id) == key, lambda d: bool(d.title.casefold() == key.casefold())]
    for test in tests:
        found = [d for d in everything if test(d)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ValidationError("decision", f"{wanted!r} names {len(found)} decisions; "
                                  "give its id (see `empty-chair log`)")
    raise ValidationError("decision", f"no decision {wanted!r}")


def datasette_command(board: Path, metadata: Path, host: str, port: int) -> list[str]:
    """Datasette serving the board read-only: no SQL box, no downloads of the file, no
    write API (Datasette 0.65 has none), one metadata file of titles and descriptions."""
    return [sys.executable, "-m", "datasette", "serve", str(board), "--metadata",
            str(metadata), "--host", host, "--port", str(port),
            "--setting", "default_allow_sql", "off", "--setting", "allow_download", "off",
            "--setting", "suggest_facets", "off"]


def _cmd_publish(args: argparse.Namespace) -> int:
    import importlib.util
    import signal
    import subprocess

    from ui.composition import publish_metadata

    board = _board_path(args)
    store = open_store(board)  # a foreign, newer or damaged file is refused here, untouched
    store.close()
    if importlib.util.find_spec("datasette") is None:
        raise EmptyChairError("publishing needs Datasette: pip install datasette")
    with tempfile.TemporaryDirectory(prefix="empty-chair-publish-") as folder:
        metadata = Path(folder) / "metadata.json"
        metadata.write_text(json.dumps(publish_metadata(board)), encoding="utf-8")
        print(f"{board}: published read-only at http://{args.host}:{args.port}/ "
              "(Ctrl+C stops)", flush=True)
        server = subprocess.Popen(datasette_command(board, metadata, args.host, args.port))
        # Stopped, it stops the server too: a terminated publish once left Datasette
        # serving the board on its own.
        signal.signal(signal.SIGTERM, lambda _signum, _frame: server.terminate())
        try:
            return server.wait()
        except KeyboardInterrupt:
            server.terminate()
            server.wait(10)
            return 0
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()


def _cmd_connect(args: argparse.Namespace) -> int:
    from ui.composition import team_connect

    print(team_connect(args.url, _board_path(args)).line())
    return 0


def _cmd_sync(args: argparse.Namespace) -> int:
    from ui.composition import team_sync

    print(team_sync(_board_path(args)).line())
    return 0


_KINDS = {"merge": "merged", "closed": "a change to a closed meeting"}


def _cmd_conflicts(args: argparse.Namespace) -> int:
    from app.errors import ValidationError
    from app.team import Keep
    from ui.composition import open_store, team_conflicts, team_resolve, team_state

    store = open_store(_board_path(args))
    try:
        state = team_state(store)
        if state is None:
            raise ValidationError("board", f"{store.path} is not linked to a team server")
        found = team_conflicts(store, args.all or args.id is not None)
        if args.id is None:
            if args.keep:
                raise ValidationError("--keep", "name the conflict: conflicts ID --keep ...")
            for c in found:
                who = {**{o: "this laptop" for o in state.mine}, "team": "the server"}
                print(f"#{c.id}  {c.table}  {terminal_text(c.title)}  "
                      f"({_KINDS.get(c.kind, 'two edits')}; live from "
                      f"{who.get(c.kept_origin, 'board ' + c.kept_origin[:8])}, replaced from "
                      f"{who.get(c.replaced_origin, 'board ' + c.replaced_origin[:8])}; "
                      f"differs in {', '.join(c.differs) or 'nothing but stamps'})"
                      + (f"  resolved: {c.resolved}" if c.resolved else ""))
            print(f"{len(found):,} sync conflict{'s' if len(found) != 1 else ''}"
                  + ("" if args.all else " not resolved"))
            return 0
        conflict = next((c for c in found if c.id == args.id), None)
        if conflict is None:
            raise ValidationError("id", f"no sync conflict #{args.id} on {store.path}")
        if args.keep is None:
            raise ValidationError("--keep", "say which version: mine, theirs, live or replaced")
        if args.keep in ("live", "replaced"):
            keep = Keep("kept" if args.keep == "live" else "replaced")
        else:
            mine_live = conflict.kept_origin in state.mine
            mine_replaced = conflict.replaced_origin in state.mine
            if not (mine_live or mine_replaced):
                raise ValidationError("--keep", f"neither version of #{conflict.id} is this "
                                      "laptop's: say live or replaced")
            want_mine = args.keep == "mine"
            keep = Keep.LIVE if want_mine == mine_live else Keep.REPLACED
        team_resolve(store, conflict.id, keep)
        print(f"{store.path}: sync conflict #{conflict.id} resolved, "
              + ("the replaced version is back; it travels at the next sync"
                 if keep is Keep.REPLACED else "the live version kept"))
        return 0
    finally:
        store.close()


def _cmd_server(args: argparse.Namespace) -> int:
    from ui.composition import team_init

    print(team_init(args.url))
    return 0


def _cmd_loop(args: argparse.Namespace) -> int:
    from app.board.exporting import export_to
    from app.history.follow import LOOP_FIELDS, loop, loop_records

    _check_out(args.out, args)
    store = open_store(_board_path(args))
    try:
        _notices(store)
        decision, rows = loop(store, _decision_named(store, args.decision).id)
        if args.told and rows:
            store.set_told(decision.id, {r.customer.id: r.told_on or dt.date.today()
                                         for r in rows})
            decision, rows = loop(store, decision.id)
    finally:
        store.close()
    count = export_to(args.out, iter(loop_records(decision, rows)), LOOP_FIELDS)
    waiting = sum(1 for r in rows if r.told_on is None)
    print(terminal_text(f"{args.out}: {count:,} customers to tell about “{decision.title}” "
                        f"({waiting:,} not told yet)"))
    return 0


def _cmd_helped(args: argparse.Namespace) -> int:
    from app.history.follow import did_it_help

    store = open_store(_board_path(args))
    try:
        _notices(store)
        report = did_it_help(store, _decision_named(store, args.decision).id, args.days)
    finally:
        store.close()
    print(terminal_text(f"{report.decision.title} (shipped {report.shipped_on}): "
                        f"{report.verdict()}"))
    for c in report.cohorts:
        print(terminal_text(f"  {c.cohort}: {c.before} → {c.after} (weighted "
                            f"{c.before_weight:,.0f} → {c.after_weight:,.0f})"))
    for customer, voice in report.after[:5]:
        print(terminal_text(f"  after: {voice.heard_on} {customer.name}: "
                            f"{' '.join(voice.text.split())[:120]}"))
    return 0


def _cmd_log(args: argparse.Namespace) -> int:
    from app.board.exporting import export_to
    from app.history.log import LOG_FIELDS, LogFilter, Period, decision_log, log_records

    Period(args.date_from, args.date_to)  # a reversed range: refused in one line
    flt = LogFilter(date_from=args.date_from, date_to=args.date_to,
                    outcome=Outcome(args.outcome) if args.outcome else None,
                    cohort=args.cohort, customer=args.customer, theme=args.theme,
                    effect=Effect(args.effect) if args.effect else None,
                    delivery=Delivery(args.status) if args.status else None)
    _check_out(args.out, args)
    store = open_store(_board_path(args))
    try:
        _notices(store)
        entries = decision_log(store, flt)
    finally:
        store.close()
    count = export_to(args.out, iter(log_records(entries)), LOG_FIELDS)
    print(f"{args.out}: {count:,} decisions")
    return 0


def _cmd_backup(args: argparse.Namespace) -> int:
    _check_out(args.out, args)
    store = open_store(_board_path(args))
    try:
        _notices(store)
        out = store.backup(args.out)
    finally:
        store.close()
    print(f"{out}: backup of {store.path} written")
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from ui.composition import restore_board

    board = _board_path(args)
    kept = restore_board(args.backup, board)
    _DONE.append(f"{board} was restored from {args.backup}"
                 + (f"; the board it replaced is kept as {kept}" if kept else ""))
    try:
        store = open_store(board)  # brings an older backup's schema up to date
    except EmptyChairError as exc:
        raise EmptyChairError(f"{exc} (the backup is in place; "
                              + (f"the board it replaced is kept as {kept})" if kept
                                 else "nothing was replaced)")) from exc
    try:
        _notices(store)
        voices = store.count(VoiceFilter())
    finally:
        store.close()
    print(f"{board}: restored from {args.backup} ({voices:,} voices)"
          + (f"; the board it replaced is kept as {kept}" if kept else ""))
    return 0


def _cmd_rescue(args: argparse.Namespace) -> int:
    from ui.composition import rescue_board

    report = rescue_board(args.damaged, args.out)
    print(f"{args.out}: new board with what {args.damaged} still held:")
    for table, (held, lost) in report.items():
        print(f"  {table}: {held:,} rows" + (
            f"; {lost:,} damaged stretch{'es' if lost != 1 else ''} could not be read"
            if lost else ""))
    print("Customers and meetings whose rows were lost are placeholders named 'Recovered "
          "customer …' / 'Recovered meeting …': rename them, or merge them into the real ones.")
    return 0


def open_gui(args: argparse.Namespace) -> Any:
    """What `empty-chair` does before Qt's event loop runs: the board window, shown (None when
    no board could be opened). The board is opened and read in threads while Qt's widgets
    load, so the reading costs the start little."""
    from ui.starting import Started, board_to_open

    # --db or EMPTY_CHAIR_DB name a board; only without either does the last board reopen.
    explicit = args.db is not None or bool(os.environ.get("EMPTY_CHAIR_DB"))
    path, explicit = board_to_open(_board_path(args), explicit)
    started = Started(path, explicit)

    from ui.gui import show_window  # Qt's widgets are imported only when a window is wanted

    return show_window(path, explicit, started)


def _cmd_gui(args: argparse.Namespace) -> int:
    from ui.platform_check import window_problem

    problem = window_problem()  # before any board is made: Qt would abort half-way
    if problem:
        raise EmptyChairError(problem)
    window = open_gui(args)  # held here: the window lives as long as the event loop runs
    if window is None:
        return 1
    from PySide6.QtWidgets import QApplication

    return QApplication.exec()


def _cmd_screenshot(args: argparse.Namespace) -> int:
    from ui.gui import screenshot

    _check_out(args.out, args)
    size = args.size or ("1920x1080" if args.screen == "chair" else "1600x1000")
    return screenshot(args.screen, args.out, _board_path(args), size, args.theme, args.meeting)


COMMANDS = {"demo": _cmd_demo, "import": _cmd_import, "export": _cmd_export,
            "search": _cmd_search, "backup": _cmd_backup, "match": _cmd_match,
            "report": _cmd_report, "log": _cmd_log, "restore": _cmd_restore,
            "meetings": _cmd_meetings, "loop": _cmd_loop, "helped": _cmd_helped,
            "publish": _cmd_publish, "server": _cmd_server, "connect": _cmd_connect,
            "sync": _cmd_sync, "conflicts": _cmd_conflicts,
            "rescue": _cmd_rescue,
            "import-customers": _cmd_import_customers,
            "screenshot": _cmd_screenshot}


_DONE: list[str] = []  # what a command has committed, for an honest Ctrl+C message


def _plain_args(argv: list[str]) -> str | None:
    """An argument that is not text (bytes that are not UTF-8, a lone surrogate)."""
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return arg.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    bad = _plain_args(argv)
    if bad is not None:
        print(f"empty-chair: argument {bad!r} is not valid UTF-8 text", file=sys.stderr)
        return 2
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    positional = {"search": "query", "match": "decision"}.get(args.command or "")
    if positional and getattr(args, positional) is None and len(unknown) == 1:
        setattr(args, positional, unknown.pop())  # `search -refund` searches for "-refund"
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if positional and getattr(args, positional) is None:
        parser.error(f"{args.command}: the {positional} is required")
    handler = COMMANDS.get(args.command or "", _cmd_gui)
    _DONE.clear()
    try:
        return handler(args)
    except EmptyChairError as exc:
        print(f"empty-chair: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        done = next((d for d in reversed(_DONE) if d), None)
        print(f"empty-chair: interrupted; {done}" if done else
              "empty-chair: interrupted; nothing partial was written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `empty-chair search x | head`: the reader has had enough
        sys.stderr.close()
        return 0
    except RecursionError:
        print("empty-chair: the input is nested too deeply to read", file=sys.stderr)
        return 1
    except OSError as exc:  # the disk, a folder, a permission: never a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        print(f"empty-chair: {where}{reason}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: one line for the user, the traceback on request
        if os.environ.get("EMPTY_CHAIR_DEBUG"):
            raise
        print(f"empty-chair: internal error ({type(exc).__name__}: {exc}); this is a bug, "
              "please report it (EMPTY_CHAIR_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1
