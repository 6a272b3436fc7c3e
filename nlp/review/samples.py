"""From the workspace's tables to the review library: a double-coding sample as agreement units, and the
statements people reviewed as extra labels for retraining.

The model's side of a sample is what the served model says about each statement now (tagged when the
page asks), not the tags stored with the statement: those may already be a reviewer's or the
adjudicated ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from nlp.codebook import Codebook
from nlp.model.features import StatementInput
from nlp.model.inference import Tagger
from nlp.review.agreement import AgreementReport, Coding, Unit, agreement
from nlp.review.retrain import ReviewedStatement
from nlp.storage.store import Store, statements
from nlp.storage.workspace import Decision, Workspace


def _adjudications(workspace: Workspace, sample_id: int, statement_ids: Sequence[int]) -> dict[int, Coding]:
    """Per statement, the latest `adjudicate` decision of this sample that has not been undone."""
    found: dict[int, Coding] = {}
    for statement_id in statement_ids:
        history: list[Decision] = workspace.history(statement_id)
        undone = {d.undoes for d in history if d.action == "undo"}
        for d in history:
            if d.action == "adjudicate" and d.sample_id == sample_id and d.id not in undone:
                found[statement_id] = Coding.of(d.themes, d.sentiment)
    return found


def sample_units(workspace: Workspace, sample_id: int, model: Tagger | None) -> list[Unit]:
    """The sample's statements in order, each with coder A's and B's codings, the served model's tags
    (when a model is given) and the adjudicated labels."""
    sample = workspace.get_sample(sample_id)
    items = workspace.sample_items(sample_id)
    codings = {
        (c.statement_id, c.user_name): Coding.of(c.themes, c.sentiment) for c in workspace.codings(sample_id)
    }
    predictions = model.tag([StatementInput(i.text, i.section) for i in items]) if model and items else []
    adjudicated = _adjudications(workspace, sample_id, [i.statement_id for i in items])
    units = []
    for n, item in enumerate(items):
        p = predictions[n] if predictions else None
        units.append(
            Unit(
                item.statement_id,
                item.text,
                codings.get((item.statement_id, sample.coder_a)),
                codings.get((item.statement_id, sample.coder_b)),
                Coding.of(p.themes, p.sentiment) if p is not None else None,
                adjudicated.get(item.statement_id),
            )
        )
    return units


def sample_agreement(
    workspace: Workspace, sample_id: int, model: Tagger | None, codebook: Codebook
) -> AgreementReport:
    return agreement(sample_units(workspace, sample_id, model), codebook)


def reviewed_statements(store: Store) -> list[ReviewedStatement]:
    """Every statement a person accepted, corrected or adjudicated, with its current (human) labels,
    oldest review first (so that of two reviews of the same text the later one counts)."""
    query = (
        sa.select(statements.c.text, statements.c.section, statements.c.themes, statements.c.sentiment)
        .where(statements.c.reviewed_by.is_not(None))
        .order_by(statements.c.reviewed_at, statements.c.id)
    )
    with store.engine.connect() as conn:
        return [
            ReviewedStatement(r.text, r.section, tuple(r.themes), r.sentiment) for r in conn.execute(query)
        ]
