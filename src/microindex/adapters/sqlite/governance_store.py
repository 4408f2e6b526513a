"""Returns, counts and variances, stock targets and job runs in a node's (or the hub's) file.

The stores write on the unit of work's connection and transaction: a restock movement and the
return decision it belongs to commit together.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from microindex.adapters.sqlite.catalog_staging import SqliteStaging
from microindex.adapters.sqlite.unit_of_work import SqliteDatabase, SqliteUnitOfWork
from microindex.domain.reconciliation import CountLine, Outcome, Variance
from microindex.domain.returns import (
    Condition,
    Decision,
    Disposition,
    Origin,
    OriginKind,
    Reason,
    Return,
    ReturnLine,
)
from microindex.domain.triage import Proposal
from microindex.service.governance_ports import JobRun, PendingCount, StockTarget

_VARIANCE = (
    "id, node, sku, counted, position, expected, unit_cost, cost_basis, outcome, at,"
    " movement_seq, deficit, decided_by"
)


def _at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


_RETURN = (
    "id, number, return_point, origin_kind, origin_ref, origin_node, reason, opened_at, note,"
    " origin_seq"
)


class SqliteReturns:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def next_number(self) -> int:
        return int(
            self._conn.execute("SELECT coalesce(max(number), 0) + 1 FROM returns").fetchone()[0]
        )

    def add(self, ret: Return) -> None:
        o = ret.origin
        self._conn.execute(
            "INSERT INTO returns (id, number, return_point, origin_kind, origin_ref, origin_node,"
            " reason, opened_at, note, origin_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ret.id,
                self.next_number(),
                ret.return_point,
                o.kind.value,
                o.reference,
                o.node,
                ret.reason.value,
                ret.opened_at.isoformat(),
                ret.note,
                o.sale,
            ),
        )
        self.save(ret)

    def save(self, ret: Return) -> None:
        self._conn.executemany(
            "INSERT INTO return_lines (return_id, sku, quantity, received, line) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (return_id, sku) "
            "DO UPDATE SET received = excluded.received",
            [(ret.id, li.sku, li.quantity, li.received, n) for n, li in enumerate(ret.lines)],
        )
        stored = self._conn.execute(
            "SELECT count(*) FROM return_decisions WHERE return_id = ?", (ret.id,)
        ).fetchone()[0]
        self._conn.executemany(
            "INSERT INTO return_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    ret.id,
                    n,
                    d.sku,
                    d.quantity,
                    d.disposition.value,
                    d.reason.value,
                    d.condition.value,
                    d.at.isoformat(),
                    d.actor,
                    d.movement,
                )
                for n, d in enumerate(ret.decisions)
                if n >= stored
            ],
        )

    def get(self, return_id: str) -> Return | None:
        row = self._conn.execute(
            f"SELECT {_RETURN} FROM returns WHERE id = ?", (return_id,)
        ).fetchone()
        return None if row is None else self._return(row)

    def all(self) -> list[Return]:
        rows = self._conn.execute(f"SELECT {_RETURN} FROM returns ORDER BY number").fetchall()
        return [self._return(row) for row in rows]

    def _return(self, row: tuple[Any, ...]) -> Return:
        rid, _, point, kind, ref, node, reason, opened, note, sale = row
        lines = [
            ReturnLine(sku, quantity, received)
            for sku, quantity, received in self._conn.execute(
                "SELECT sku, quantity, received FROM return_lines WHERE return_id = ? "
                "ORDER BY line",
                (rid,),
            )
        ]
        decisions = [
            Decision(
                sku,
                q,
                Disposition(disp),
                Reason(why),
                Condition(cond),
                datetime.fromisoformat(at),
                actor,
                seq,
            )
            for sku, q, disp, why, cond, at, actor, seq in self._conn.execute(
                "SELECT sku, quantity, disposition, reason, condition, at, actor, movement_seq "
                "FROM return_decisions WHERE return_id = ? ORDER BY n",
                (rid,),
            )
        ]
        origin = Origin(OriginKind(kind), ref, node, sale)
        opened_at = datetime.fromisoformat(opened)
        return Return(rid, origin, point, Reason(reason), opened_at, lines, decisions, note)


class SqliteCounts:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def submit(
        self, node: str, lines: Sequence[CountLine], at: datetime, actor: str, source: str
    ) -> list[int]:
        ids = []
        for line in lines:
            cur = self._conn.execute(
                "INSERT INTO count_submissions (node, sku, counted, position, submitted_at, actor,"
                " source) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (node, line.sku, line.counted, line.position, at.isoformat(), actor, source),
            )
            ids.append(int(cur.lastrowid or 0))
        return ids

    def pending(self, node: str) -> list[PendingCount]:
        rows = self._conn.execute(
            "SELECT id, sku, counted, position, submitted_at, actor, source FROM count_submissions"
            " WHERE node = ? AND closed_at IS NULL ORDER BY id",
            (node,),
        )
        return [
            PendingCount(i, CountLine(sku, c, p), datetime.fromisoformat(at), actor, source)
            for i, sku, c, p, at, actor, source in rows
        ]

    def close(self, ids: Iterable[int], at: datetime) -> None:
        self._conn.executemany(
            "UPDATE count_submissions SET closed_at = ? WHERE id = ?",
            [(at.isoformat(), i) for i in ids],
        )

    def add_variance(self, variance: Variance) -> Variance:
        cur = self._conn.execute(
            f"INSERT INTO count_variances ({_VARIANCE}) VALUES "
            "(NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _variance_row(variance)[1:],
        )
        return Variance(int(cur.lastrowid or 0), *_fields(variance)[1:])

    def update_variance(self, variance: Variance) -> None:
        self._conn.execute(
            "UPDATE count_variances SET outcome = ?, movement_seq = ?, deficit = ?, "
            "decided_by = ?, at = ? WHERE id = ?",
            (
                variance.outcome.value,
                variance.movement,
                variance.deficit,
                variance.decided_by,
                variance.at.isoformat(),
                variance.id,
            ),
        )

    def variance(self, node: str, variance_id: int) -> Variance | None:
        row = self._conn.execute(
            f"SELECT {_VARIANCE} FROM count_variances WHERE node = ? AND id = ?",
            (node, variance_id),
        ).fetchone()
        return None if row is None else _variance(row)

    def variances(
        self, node: str, since: datetime | None = None, outcome: Outcome | None = None
    ) -> list[Variance]:
        rows = self._conn.execute(
            f"SELECT {_VARIANCE} FROM count_variances WHERE node = ?1 "
            "AND (?2 IS NULL OR at >= ?2) AND (?3 IS NULL OR outcome = ?3) ORDER BY id",
            (node, since.isoformat() if since else None, outcome.value if outcome else None),
        )
        return [_variance(row) for row in rows]

    def last_counted(self, node: str, before: datetime | None = None) -> dict[str, datetime]:
        rows = self._conn.execute(
            "SELECT sku, max(at) FROM (SELECT sku, at FROM count_variances WHERE node = ?1"
            " UNION ALL SELECT sku, at FROM stock_counts WHERE node = ?1)"
            " WHERE ?2 IS NULL OR at < ?2 GROUP BY sku",
            (node, before.isoformat() if before else None),
        )
        return {sku: datetime.fromisoformat(at) for sku, at in rows}


def _fields(v: Variance) -> tuple[Any, ...]:
    return (
        v.id,
        v.node,
        v.sku,
        v.counted,
        v.position,
        v.expected,
        v.unit_cost,
        v.cost_basis,
        v.outcome,
        v.at,
        v.movement,
        v.deficit,
        v.decided_by,
    )


def _variance_row(v: Variance) -> tuple[Any, ...]:
    return (
        v.id,
        v.node,
        v.sku,
        v.counted,
        v.position,
        v.expected,
        str(v.unit_cost),
        v.cost_basis,
        v.outcome.value,
        v.at.isoformat(),
        v.movement,
        v.deficit,
        v.decided_by,
    )


def _variance(row: tuple[Any, ...]) -> Variance:
    i, node, sku, counted, position, expected, cost, basis, outcome, at, seq, deficit, by = row
    return Variance(
        i,
        node,
        sku,
        counted,
        position,
        expected,
        Decimal(cost),
        basis,
        Outcome(outcome),
        datetime.fromisoformat(at),
        seq,
        deficit,
        by,
    )


class SqliteTargets:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def replace(self, node: str, proposals: Sequence[Proposal], at: datetime) -> None:
        self._conn.execute("DELETE FROM stock_targets WHERE node = ?", (node,))
        self._conn.executemany(
            "INSERT INTO stock_targets VALUES (?, ?, ?, ?, ?, ?)",
            [(node, p.sku, p.target, p.rank, p.score, at.isoformat()) for p in proposals],
        )

    def targets(self, node: str) -> list[StockTarget]:
        rows = self._conn.execute(
            "SELECT node, sku, target, rank, score, accepted_at FROM stock_targets "
            "WHERE node = ? ORDER BY rank",
            (node,),
        )
        return [
            StockTarget(n, s, t, r, sc, datetime.fromisoformat(a)) for n, s, t, r, sc, a in rows
        ]


class SqliteJobRuns:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def start(self, job: str, at: datetime, actor: str) -> int:
        cur = self._conn.execute(
            "INSERT INTO job_runs (job, started_at, outcome, summary, actor) "
            "VALUES (?, ?, 'running', '', ?)",
            (job, at.isoformat(), actor),
        )
        return int(cur.lastrowid or 0)

    def finish(self, run_id: int, at: datetime, outcome: str, summary: str) -> JobRun:
        self._conn.execute(
            "UPDATE job_runs SET finished_at = ?, outcome = ?, summary = ? WHERE id = ?",
            (at.isoformat(), outcome, summary, run_id),
        )
        return self._runs("WHERE id = ?", (run_id,))[0]

    def runs(self, job: str | None = None, limit: int = 50) -> list[JobRun]:
        return self._runs("WHERE ?1 IS NULL OR job = ?1 ORDER BY id DESC LIMIT ?2", (job, limit))

    def _runs(self, where: str, args: tuple[Any, ...]) -> list[JobRun]:
        rows = self._conn.execute(
            "SELECT id, job, started_at, finished_at, outcome, summary, actor "
            f"FROM job_runs {where}",
            args,
        )
        return [
            JobRun(i, job, datetime.fromisoformat(s), _at(f), outcome, summary, actor)
            for i, job, s, f, outcome, summary, actor in rows
        ]


class SqliteGovernanceUnitOfWork(SqliteUnitOfWork):
    """A SQLite unit of work with the governance stores on the same connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(conn)
        self.returns = SqliteReturns(conn)
        self.counts = SqliteCounts(conn)
        self.targets = SqliteTargets(conn)
        self.runs = SqliteJobRuns(conn)


class SqliteGovernanceDatabase:
    """Governance units of work on an open `SqliteDatabase` (a node's file or the hub's)."""

    def __init__(self, database: SqliteDatabase) -> None:
        self.database = database

    def __call__(self) -> SqliteGovernanceUnitOfWork:
        return SqliteGovernanceUnitOfWork(self.database.connection())

    def staging(self) -> SqliteStaging:
        return self.database.staging()
