"""Returns, counts and variances, stock targets and job runs in the hub's PostgreSQL database
(migrations 121-123), as `adapters/sqlite/governance_store.py` keeps them in a SQLite file.

The stores write on the unit of work's connection and transaction: a restock movement and the
return decision it belongs to commit together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from microindex.adapters.postgres.catalog_staging import PostgresStaging
from microindex.adapters.postgres.connection import Connected, Connection
from microindex.adapters.postgres.unit_of_work import PostgresUnitOfWork
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
_RUN = "id, job, started_at, finished_at, outcome, summary, actor"


class PostgresReturns:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def next_number(self) -> int:
        row = self._conn.execute("SELECT coalesce(max(number), 0) + 1 FROM returns").fetchone()
        assert row is not None
        return int(row[0])

    def add(self, ret: Return) -> None:
        o = ret.origin
        self._conn.execute(
            "INSERT INTO returns (id, number, return_point, origin_kind, origin_ref, origin_node,"
            " reason, opened_at, note, origin_seq)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                ret.id,
                self.next_number(),
                ret.return_point,
                o.kind.value,
                o.reference,
                o.node,
                ret.reason.value,
                ret.opened_at,
                ret.note,
                o.sale,
            ),
        )
        self.save(ret)

    def save(self, ret: Return) -> None:
        with self._conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO return_lines (return_id, sku, quantity, received, line)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (return_id, sku)"
                " DO UPDATE SET received = excluded.received",
                [(ret.id, li.sku, li.quantity, li.received, n) for n, li in enumerate(ret.lines)],
            )
            row = cur.execute(
                "SELECT count(*) FROM return_decisions WHERE return_id = %s", (ret.id,)
            ).fetchone()
            stored = int(row[0]) if row else 0
            cur.executemany(
                "INSERT INTO return_decisions (return_id, n, sku, quantity, disposition, reason,"
                " condition, at, actor, movement_seq)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        ret.id,
                        n,
                        d.sku,
                        d.quantity,
                        d.disposition.value,
                        d.reason.value,
                        d.condition.value,
                        d.at,
                        d.actor,
                        d.movement,
                    )
                    for n, d in enumerate(ret.decisions)
                    if n >= stored
                ],
            )

    def get(self, return_id: str) -> Return | None:
        row = self._conn.execute(
            "SELECT id, return_point, origin_kind, origin_ref, origin_node, reason, opened_at,"
            " note, origin_seq FROM returns WHERE id = %s",
            (return_id,),
        ).fetchone()
        return None if row is None else self._return(row)

    def all(self) -> list[Return]:
        rows = self._conn.execute(
            "SELECT id, return_point, origin_kind, origin_ref, origin_node, reason, opened_at,"
            " note, origin_seq FROM returns ORDER BY number"
        ).fetchall()
        return [self._return(row) for row in rows]

    def _return(self, row: tuple[Any, ...]) -> Return:
        rid, point, kind, ref, node, reason, opened_at, note, sale = row
        lines = [
            ReturnLine(sku, quantity, received)
            for sku, quantity, received in self._conn.execute(
                "SELECT sku, quantity, received FROM return_lines WHERE return_id = %s"
                " ORDER BY line",
                (rid,),
            )
        ]
        decisions = [
            Decision(sku, q, Disposition(disp), Reason(why), Condition(cond), at, actor, seq)
            for sku, q, disp, why, cond, at, actor, seq in self._conn.execute(
                "SELECT sku, quantity, disposition, reason, condition, at, actor, movement_seq"
                " FROM return_decisions WHERE return_id = %s ORDER BY n",
                (rid,),
            )
        ]
        origin = Origin(OriginKind(kind), ref, node, sale)
        return Return(rid, origin, point, Reason(reason), opened_at, lines, decisions, note)


class PostgresCounts:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def submit(
        self, node: str, lines: Sequence[CountLine], at: datetime, actor: str, source: str
    ) -> list[int]:
        ids = []
        for line in lines:
            row = self._conn.execute(
                "INSERT INTO count_submissions (node, sku, counted, position, submitted_at, actor,"
                " source) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
                (node, line.sku, line.counted, line.position, at, actor, source),
            ).fetchone()
            assert row is not None
            ids.append(int(row[0]))
        return ids

    def pending(self, node: str) -> list[PendingCount]:
        rows = self._conn.execute(
            "SELECT id, sku, counted, position, submitted_at, actor, source FROM count_submissions"
            " WHERE node = %s AND closed_at IS NULL ORDER BY id",
            (node,),
        )
        return [
            PendingCount(i, CountLine(sku, c, p), at, actor, source)
            for i, sku, c, p, at, actor, source in rows
        ]

    def close(self, ids: Iterable[int], at: datetime) -> None:
        with self._conn.cursor() as cur:
            cur.executemany(
                "UPDATE count_submissions SET closed_at = %s WHERE id = %s",
                [(at, i) for i in ids],
            )

    def add_variance(self, variance: Variance) -> Variance:
        v = variance
        row = self._conn.execute(
            f"INSERT INTO count_variances ({_VARIANCE.removeprefix('id, ')}) VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (
                v.node,
                v.sku,
                v.counted,
                v.position,
                v.expected,
                v.unit_cost,
                v.cost_basis,
                v.outcome.value,
                v.at,
                v.movement,
                v.deficit,
                v.decided_by,
            ),
        ).fetchone()
        assert row is not None
        return self._variance((int(row[0]), *_fields(v)[1:]))

    def update_variance(self, variance: Variance) -> None:
        self._conn.execute(
            "UPDATE count_variances SET outcome = %s, movement_seq = %s, deficit = %s,"
            " decided_by = %s, at = %s WHERE id = %s",
            (
                variance.outcome.value,
                variance.movement,
                variance.deficit,
                variance.decided_by,
                variance.at,
                variance.id,
            ),
        )

    def variance(self, node: str, variance_id: int) -> Variance | None:
        row = self._conn.execute(
            f"SELECT {_VARIANCE} FROM count_variances WHERE node = %s AND id = %s",
            (node, variance_id),
        ).fetchone()
        return None if row is None else self._variance(row)

    def variances(
        self, node: str, since: datetime | None = None, outcome: Outcome | None = None
    ) -> list[Variance]:
        rows = self._conn.execute(
            f"SELECT {_VARIANCE} FROM count_variances WHERE node = %(node)s"
            " AND (%(since)s::timestamptz IS NULL OR at >= %(since)s)"
            " AND (%(outcome)s::text IS NULL OR outcome = %(outcome)s) ORDER BY id",
            {"node": node, "since": since, "outcome": outcome.value if outcome else None},
        )
        return [self._variance(row) for row in rows]

    def last_counted(self, node: str, before: datetime | None = None) -> dict[str, datetime]:
        rows = self._conn.execute(
            "SELECT sku, max(at) FROM (SELECT sku, at FROM count_variances WHERE node = %(node)s"
            " UNION ALL SELECT sku, at FROM stock_counts WHERE node = %(node)s) AS counted"
            " WHERE %(before)s::timestamptz IS NULL OR at < %(before)s GROUP BY sku",
            {"node": node, "before": before},
        )
        return {sku: at for sku, at in rows}

    @staticmethod
    def _variance(row: tuple[Any, ...]) -> Variance:
        i, node, sku, counted, position, expected, cost, basis, outcome, at, seq, deficit, by = row
        return Variance(
            i, node, sku, counted, position, expected, cost, basis, Outcome(outcome), at, seq,
            deficit, by,
        )  # fmt: skip


def _fields(v: Variance) -> tuple[Any, ...]:
    return (
        v.id, v.node, v.sku, v.counted, v.position, v.expected, v.unit_cost, v.cost_basis,
        v.outcome.value, v.at, v.movement, v.deficit, v.decided_by,
    )  # fmt: skip


class PostgresTargets:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def replace(self, node: str, proposals: Sequence[Proposal], at: datetime) -> None:
        self._conn.execute("DELETE FROM stock_targets WHERE node = %s", (node,))
        with self._conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO stock_targets (node, sku, target, rank, score, accepted_at)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                [(node, p.sku, p.target, p.rank, p.score, at) for p in proposals],
            )

    def targets(self, node: str) -> list[StockTarget]:
        rows = self._conn.execute(
            "SELECT node, sku, target, rank, score, accepted_at FROM stock_targets"
            " WHERE node = %s ORDER BY rank",
            (node,),
        )
        return [StockTarget(*row) for row in rows]


class PostgresJobRuns:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def start(self, job: str, at: datetime, actor: str) -> int:
        row = self._conn.execute(
            "INSERT INTO job_runs (job, started_at, outcome, summary, actor)"
            " VALUES (%s, %s, 'running', '', %s) RETURNING id",
            (job, at, actor),
        ).fetchone()
        assert row is not None
        return int(row[0])

    def finish(self, run_id: int, at: datetime, outcome: str, summary: str) -> JobRun:
        row = self._conn.execute(
            "UPDATE job_runs SET finished_at = %s, outcome = %s, summary = %s WHERE id = %s"
            f" RETURNING {_RUN}",
            (at, outcome, summary, run_id),
        ).fetchone()
        assert row is not None, f"no job run {run_id}"
        return JobRun(*row)

    def runs(self, job: str | None = None, limit: int = 50) -> list[JobRun]:
        rows = self._conn.execute(
            f"SELECT {_RUN} FROM job_runs WHERE %(job)s::text IS NULL OR job = %(job)s"
            " ORDER BY id DESC LIMIT %(limit)s",
            {"job": job, "limit": limit},
        )
        return [JobRun(*row) for row in rows]


class PostgresGovernanceUnitOfWork(PostgresUnitOfWork):
    """A PostgreSQL unit of work with the governance stores on the same connection."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self.returns = PostgresReturns(conn)
        self.counts = PostgresCounts(conn)
        self.targets = PostgresTargets(conn)
        self.runs = PostgresJobRuns(conn)


class PostgresGovernanceDatabase:
    """Governance units of work on the hub's PostgreSQL database (this thread's connection)."""

    def __init__(self, database: Connected) -> None:
        self.database = database

    def __call__(self) -> PostgresGovernanceUnitOfWork:
        return PostgresGovernanceUnitOfWork(self.database.connection())

    def staging(self) -> PostgresStaging:
        return PostgresStaging(self.database.connection())
