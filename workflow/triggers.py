"""The database triggers that keep `IndicatorClaim.in_review` and the queue tally
(`QueueTally`) exact, for PostgreSQL and SQLite: the rules of workflow/models/queue_tally.py.

Installed by migration 0019 and again after every `migrate` (and test flush), by
`triggers_install` from the app's post_migrate handler: SQLite drops a table's triggers when
a later migration rebuilds the table, and the in-review rule is written once, here, from
NOT_IN_REVIEW_STATES. Changing NOT_IN_REVIEW_STATES needs a data migration that recomputes the
flags and the tally (`tally_rebuild_sql`).
"""

# Every statement here is built from constants of this module and the model's state codes,
# never from input.
# ruff: noqa: S608

from __future__ import annotations

from typing import Any

from workflow.models import NOT_IN_REVIEW_STATES

# Literal state codes (they are the model's own choices, never input).
_LIST = ", ".join(f"'{s}'" for s in NOT_IN_REVIEW_STATES)
_KEY = "department_id, round_id, indicator, state, needs_manual_review"
_CLAIM = "workflow_indicatorclaim"
_APP = "workflow_application"
_TALLY = "workflow_queuetally"
_APP_IN_REVIEW = f"(SELECT a.state NOT IN ({_LIST}) FROM {_APP} a WHERE a.id = NEW.application_id)"

# PostgreSQL. The flag of inserted claims: writers that know it (import_facts' COPY) give it,
# and one set-based statement per INSERT corrects whatever a writer left wrong; a row trigger
# per inserted claim doubled the time of a 100,000-claim insert. The applications are locked
# FOR SHARE first: a submission or withdrawal running at the same moment waits for this
# transaction and then rewrites these claims too, and the correction reads the states as
# committed. Any other write that names the flag (a whole-row save) recomputes it per row.
# The tally from the statement's transition tables: one INSERT of a row per key for the whole
# statement (the data exchange updates thousands of claims per statement).
_POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION workflow_claim_in_review() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.in_review := COALESCE({_APP_IN_REVIEW}, false);
        RETURN NEW;
    END $$""",
    f"""CREATE TRIGGER claim_in_review BEFORE UPDATE OF in_review, application_id
        ON {_CLAIM} FOR EACH ROW EXECUTE FUNCTION workflow_claim_in_review()""",
    f"""CREATE OR REPLACE FUNCTION workflow_claim_in_review_insert() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM {_APP} a WHERE a.id IN (SELECT application_id FROM new_rows)
        ORDER BY a.id FOR SHARE;
        UPDATE {_CLAIM} c SET in_review = NOT n.in_review
        FROM new_rows n JOIN {_APP} a ON a.id = n.application_id
        WHERE c.id = n.id AND n.in_review IS DISTINCT FROM (a.state NOT IN ({_LIST}));
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER claim_in_review_insert AFTER INSERT ON {_CLAIM}
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION workflow_claim_in_review_insert()""",
    f"""CREATE OR REPLACE FUNCTION workflow_application_in_review() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE {_CLAIM} SET in_review = (NEW.state NOT IN ({_LIST}))
        WHERE application_id = NEW.id;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER application_in_review AFTER UPDATE OF state ON {_APP} FOR EACH ROW
        WHEN ((OLD.state IN ({_LIST})) IS DISTINCT FROM (NEW.state IN ({_LIST})))
        EXECUTE FUNCTION workflow_application_in_review()""",
    f"""CREATE OR REPLACE FUNCTION workflow_claim_tally_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {_TALLY} ({_KEY}, n)
        SELECT {_KEY}, count(*) FROM new_rows WHERE in_review GROUP BY {_KEY};
        RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION workflow_claim_tally_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {_TALLY} ({_KEY}, n)
        SELECT {_KEY}, -count(*) FROM old_rows WHERE in_review GROUP BY {_KEY};
        RETURN NULL;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION workflow_claim_tally_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {_TALLY} ({_KEY}, n)
        SELECT {_KEY}, sum(n) FROM (
            SELECT {_KEY}, 1 AS n FROM new_rows WHERE in_review
            UNION ALL
            SELECT {_KEY}, -1 AS n FROM old_rows WHERE in_review
        ) AS moved GROUP BY {_KEY} HAVING sum(n) <> 0;
        RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER claim_tally_insert AFTER INSERT ON {_CLAIM}
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION workflow_claim_tally_insert()""",
    f"""CREATE TRIGGER claim_tally_delete AFTER DELETE ON {_CLAIM}
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION workflow_claim_tally_delete()""",
    f"""CREATE TRIGGER claim_tally_update AFTER UPDATE ON {_CLAIM}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION workflow_claim_tally_update()""",
]
_POSTGRESQL_DROP = [
    f"DROP TRIGGER IF EXISTS claim_tally_update ON {_CLAIM}",
    f"DROP TRIGGER IF EXISTS claim_tally_delete ON {_CLAIM}",
    f"DROP TRIGGER IF EXISTS claim_tally_insert ON {_CLAIM}",
    f"DROP TRIGGER IF EXISTS application_in_review ON {_APP}",
    f"DROP TRIGGER IF EXISTS claim_in_review ON {_CLAIM}",
    f"DROP TRIGGER IF EXISTS claim_in_review_insert ON {_CLAIM}",
]

# SQLite (development and the default test run): row triggers only, the same rules. A BEFORE
# trigger cannot set NEW here, so the flag is corrected by an UPDATE after the write (SQLite
# never fires a trigger from its own statements: recursive_triggers is off).
_SQLITE_IN_REVIEW = f"COALESCE({_APP_IN_REVIEW}, false)"
_SQLITE_MOVED = (
    "in_review, application_id, department_id, round_id, indicator, state, needs_manual_review"
)


def _tally_row(row: str, n: int) -> str:
    return (
        f"INSERT INTO {_TALLY} ({_KEY}, n) VALUES ({row}.department_id, {row}.round_id,"
        f" {row}.indicator, {row}.state, {row}.needs_manual_review, {n});"
    )


_SQLITE = [
    f"""CREATE TRIGGER claim_in_review_insert AFTER INSERT ON {_CLAIM}
        WHEN NEW.in_review IS NOT {_SQLITE_IN_REVIEW}
        BEGIN UPDATE {_CLAIM} SET in_review = NOT NEW.in_review WHERE id = NEW.id; END""",
    f"""CREATE TRIGGER claim_in_review_update AFTER UPDATE OF in_review, application_id ON {_CLAIM}
        WHEN NEW.in_review IS NOT {_SQLITE_IN_REVIEW}
        BEGIN UPDATE {_CLAIM} SET in_review = NOT NEW.in_review WHERE id = NEW.id; END""",
    f"""CREATE TRIGGER application_in_review AFTER UPDATE OF state ON {_APP}
        WHEN (OLD.state IN ({_LIST})) IS NOT (NEW.state IN ({_LIST}))
        BEGIN
            UPDATE {_CLAIM} SET in_review = (NEW.state NOT IN ({_LIST}))
            WHERE application_id = NEW.id;
        END""",
    f"""CREATE TRIGGER claim_tally_insert AFTER INSERT ON {_CLAIM} WHEN NEW.in_review
        BEGIN {_tally_row("NEW", 1)} END""",
    f"""CREATE TRIGGER claim_tally_delete AFTER DELETE ON {_CLAIM} WHEN OLD.in_review
        BEGIN {_tally_row("OLD", -1)} END""",
    f"""CREATE TRIGGER claim_tally_update_old AFTER UPDATE OF {_SQLITE_MOVED} ON {_CLAIM}
        WHEN OLD.in_review BEGIN {_tally_row("OLD", -1)} END""",
    f"""CREATE TRIGGER claim_tally_update_new AFTER UPDATE OF {_SQLITE_MOVED} ON {_CLAIM}
        WHEN NEW.in_review BEGIN {_tally_row("NEW", 1)} END""",
]
_SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "claim_tally_update_new",
        "claim_tally_update_old",
        "claim_tally_delete",
        "claim_tally_insert",
        "application_in_review",
        "claim_in_review_update",
        "claim_in_review_insert",
    )
]


def tally_rebuild_sql() -> list[str]:
    """Every claim's flag from its application, and the tally from the claims as they are
    (run with the triggers installed: the flag's UPDATE then writes its own tally rows, so
    the tally is emptied after it)."""
    return [
        f"UPDATE {_CLAIM} SET in_review = {_SQLITE_IN_REVIEW.replace('NEW.', f'{_CLAIM}.')}",
        f"DELETE FROM {_TALLY}",
        f"INSERT INTO {_TALLY} ({_KEY}, n) SELECT {_KEY}, count(*) FROM {_CLAIM}"
        f" WHERE in_review GROUP BY {_KEY}",
    ]


def triggers_install(connection: Any) -> None:
    """(Re)create the triggers on `connection` (idempotent)."""
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for statement in [
            *(_POSTGRESQL_DROP if postgresql else _SQLITE_DROP),
            *(_POSTGRESQL if postgresql else _SQLITE),
        ]:
            cursor.execute(statement)


def triggers_drop(connection: Any) -> None:
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for statement in _POSTGRESQL_DROP if postgresql else _SQLITE_DROP:
            cursor.execute(statement)
