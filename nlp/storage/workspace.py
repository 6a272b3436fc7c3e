"""What the browser workspace stores beside the reports: users, the review decisions, and blind
double-coding samples (schema revision r0003; the tables are defined here, on the store's metadata).

- Users have a role (`leser` reads, `pruefer` also uploads, reviews and double-codes, `admin` also
  draws samples, adjudicates, retrains, promotes and manages users) and an argon2id password hash.
- Review decisions are an audit trail nobody edits: this module only ever INSERTs into
  `review_decisions` (a test checks). `accept`, `correct` and `adjudicate` set the statement's tags and
  mark it reviewed (`statements.reviewed_by`, `reviewed_at`); `undo` is a decision of its own that
  restores the tags the undone decision found.
- A double-coding sample holds statements two coders label blind: a coding never changes the
  statement's tags; only an admin's `adjudicate` decision does.

Nothing here names a report's contact person, and nothing is logged but ids, counts and actions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from nlp.codebook import Codebook
from nlp.errors import KfdError
from nlp.results.records import TaggedStatement
from nlp.storage.store import Id, Store, as_utc, metadata, reports, statements
from nlp.training.suggest import least_certain

Role = Literal["leser", "pruefer", "admin"]
ROLES: tuple[Role, ...] = ("leser", "pruefer", "admin")  # each may do what the ones before it may
Action = Literal["accept", "correct", "skip", "undo", "adjudicate"]
ACTIONS: tuple[Action, ...] = ("accept", "correct", "skip", "undo", "adjudicate")
TAGGING_ACTIONS = frozenset({"accept", "correct", "adjudicate"})  # set the tags and mark reviewed
NAME_MAX = 64
PASSWORD_MIN, PASSWORD_MAX = 8, 1024
_NAME = re.compile(r"[\w.@-]{1,64}")  # letters (also ä, ß), digits, _ . @ -; no spaces or controls

Moment = sa.DateTime(timezone=True)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", Moment, nullable=False),
    sa.CheckConstraint("role IN ('leser', 'pruefer', 'admin')", name="ck_users_role"),
)

# No foreign key to statements or reports: the audit trail outlives a deleted report.
review_decisions = sa.Table(
    "review_decisions",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("statement_id", Id, nullable=False, index=True),
    sa.Column("report_id", Id, nullable=False),
    sa.Column("user_name", sa.String(64), nullable=False, index=True),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("themes_before", sa.JSON, nullable=False),
    sa.Column("sentiment_before", sa.String(32), nullable=False),
    sa.Column("themes", sa.JSON, nullable=False),
    sa.Column("sentiment", sa.String(32), nullable=False),
    sa.Column("undoes", Id, nullable=True),  # the decision an `undo` reverts
    sa.Column("sample_id", Id, nullable=True),  # the double-coding sample an `adjudicate` settles
    sa.Column("created_at", Moment, nullable=False),
    sa.CheckConstraint(
        "action IN ('accept', 'correct', 'skip', 'undo', 'adjudicate')", name="ck_review_decisions_action"
    ),
)

coding_samples = sa.Table(
    "coding_samples",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", Moment, nullable=False),
    sa.Column("coder_a", sa.String(64), nullable=False),
    sa.Column("coder_b", sa.String(64), nullable=False),
)

coding_sample_items = sa.Table(
    "coding_sample_items",
    metadata,
    sa.Column("sample_id", Id, sa.ForeignKey("coding_samples.id"), primary_key=True),
    sa.Column("statement_id", Id, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.UniqueConstraint("sample_id", "position"),
)

sample_codings = sa.Table(
    "sample_codings",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("sample_id", Id, sa.ForeignKey("coding_samples.id"), nullable=False),
    sa.Column("statement_id", Id, nullable=False),
    sa.Column("user_name", sa.String(64), nullable=False),
    sa.Column("themes", sa.JSON, nullable=False),
    sa.Column("sentiment", sa.String(32), nullable=False),
    sa.Column("created_at", Moment, nullable=False),
    sa.UniqueConstraint("sample_id", "statement_id", "user_name"),
)


# -- errors ----------------------------------------------------------------------------------------


class WorkspaceError(KfdError):
    """Input the workspace cannot take: a bad user name, role or password, an unknown label."""


class UserExists(WorkspaceError):
    """A user of this name exists already."""


class NotFound(WorkspaceError):
    """No such user, statement, decision or sample."""


class DecisionConflict(WorkspaceError):
    """The decision does not fit the statement's state: reviewed meanwhile, nothing to undo, coded twice."""


# -- records ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role
    active: bool
    created_at: dt.datetime

    def may(self, role: Role) -> bool:
        """Whether this user has `role` or a role above it."""
        return self.active and ROLES.index(self.role) >= ROLES.index(role)


@dataclass(frozen=True)
class Decision:
    id: int
    statement_id: int
    report_id: int
    user_name: str
    action: Action
    themes_before: tuple[str, ...]
    sentiment_before: str
    themes: tuple[str, ...]
    sentiment: str
    undoes: int | None
    sample_id: int | None
    created_at: dt.datetime


@dataclass(frozen=True)
class ReviewStatement:
    """A stored statement as the review pages show it."""

    id: int
    report_id: int
    section: str
    position: int
    text: str
    themes: tuple[str, ...]
    sentiment: str
    theme_scores: Mapping[str, float]
    sentiment_scores: Mapping[str, float]
    model_version: str
    reviewed_by: str | None
    reviewed_at: dt.datetime | None

    @property
    def confidence(self) -> float:
        return self.as_record().confidence

    def as_record(self) -> TaggedStatement:
        return TaggedStatement(
            id=str(self.id),
            text=self.text,
            section=self.section,
            themes=self.themes,
            sentiment=self.sentiment,
            theme_scores=self.theme_scores,
            sentiment_scores=self.sentiment_scores,
            model_version=self.model_version,
        )


@dataclass(frozen=True)
class Overview:
    n_reports: int
    n_statements: int
    n_reviewed: int  # statements whose tags a person accepted, corrected or adjudicated


@dataclass(frozen=True)
class QueueEntry:
    statement_id: int
    margin: float  # distance to the nearest decision boundary (nlp.training.suggest.uncertainty)
    label: str  # the label closest to flipping
    detail: str


@dataclass(frozen=True)
class ReviewQueue:
    entries: tuple[QueueEntry, ...]  # least certain first
    remaining: int  # statements still waiting for this user, over all of them


@dataclass(frozen=True)
class Sample:
    id: int
    name: str
    created_by: str
    created_at: dt.datetime
    coder_a: str
    coder_b: str
    n_items: int

    @property
    def coders(self) -> tuple[str, str]:
        return (self.coder_a, self.coder_b)


@dataclass(frozen=True)
class SampleItem:
    sample_id: int
    statement_id: int
    position: int  # 0-based place in the sample
    report_id: int
    section: str
    text: str


@dataclass(frozen=True)
class Coding:
    sample_id: int
    statement_id: int
    user_name: str
    themes: tuple[str, ...]
    sentiment: str
    created_at: dt.datetime


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _user(row) -> User:
    return User(row.id, row.name, cast(Role, row.role), bool(row.active), as_utc(row.created_at))


def _decision(row) -> Decision:
    return Decision(
        id=row.id,
        statement_id=row.statement_id,
        report_id=row.report_id,
        user_name=row.user_name,
        action=cast(Action, row.action),
        themes_before=tuple(row.themes_before),
        sentiment_before=row.sentiment_before,
        themes=tuple(row.themes),
        sentiment=row.sentiment,
        undoes=row.undoes,
        sample_id=row.sample_id,
        created_at=as_utc(row.created_at),
    )


def _statement(row) -> ReviewStatement:
    return ReviewStatement(
        id=row.id,
        report_id=row.report_id,
        section=row.section,
        position=row.position,
        text=row.text,
        themes=tuple(row.themes),
        sentiment=row.sentiment,
        theme_scores=dict(row.scores["themes"]),
        sentiment_scores=dict(row.scores["sentiment"]),
        model_version=row.model_version,
        reviewed_by=row.reviewed_by,
        reviewed_at=as_utc(row.reviewed_at) if row.reviewed_at else None,
    )


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name or ""):
        raise WorkspaceError(
            f"user name {name!r} is not valid: 1 to {NAME_MAX} letters, digits or . _ @ - (no spaces)"
        )
    return name


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise WorkspaceError(f"unknown role {role!r}; valid: {', '.join(ROLES)}")
    return cast(Role, role)


def check_password(password: str) -> str:
    if not password or not password.strip():
        raise WorkspaceError("the password is empty")
    if len(password) < PASSWORD_MIN:
        raise WorkspaceError(f"the password is shorter than {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise WorkspaceError(f"the password is longer than {PASSWORD_MAX} characters")
    return password


class Workspace:
    """Users, review decisions and double-coding samples in the store's database. Thread-safe like the
    store: every call uses its own connection; every write is one transaction."""

    def __init__(self, store: Store, hasher: PasswordHasher | None = None):
        self.store = store
        self.engine = store.engine
        self.hasher = hasher or PasswordHasher()  # argon2id with argon2-cffi's recommended parameters
        self._dummy_hash: str | None = None

    # -- users -------------------------------------------------------------------------------------

    def add_user(self, name: str, password: str, role: str) -> User:
        values = {
            "name": check_name(name),
            "role": check_role(role),
            "password_hash": self.hasher.hash(check_password(password)),
            "active": True,
            "created_at": _now(),
        }
        try:
            with self.store._write() as conn:
                conn.execute(sa.insert(users).values(**values))
        except IntegrityError:
            raise UserExists(f"a user named {name!r} exists already") from None
        return self.get_user(name)

    def find_user(self, name: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        return _user(row) if row else None

    def get_user(self, name: str) -> User:
        user = self.find_user(name)
        if user is None:
            raise NotFound(f"no user named {name!r}")
        return user

    def list_users(self) -> list[User]:
        with self.engine.connect() as conn:
            return [_user(r) for r in conn.execute(sa.select(users).order_by(users.c.name))]

    def password_stamp(self, name: str) -> str | None:
        """A short fingerprint of the user's password hash: a session made before a password change
        carries the old one and is refused. None for an unknown user."""
        with self.engine.connect() as conn:
            stored = conn.execute(sa.select(users.c.password_hash).where(users.c.name == name)).scalar()
        return hashlib.sha256(stored.encode()).hexdigest()[:16] if stored else None

    def verify_password(self, name: str, password: str) -> User | None:
        """The active user if `password` is theirs, else None. An unknown name costs one hash too, so the
        answer's time does not tell which names exist. A hash made with weaker parameters is renewed."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        if row is None or not row.active:
            self._waste_time(password)
            return None
        try:
            self.hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if self.hasher.check_needs_rehash(row.password_hash):
            self._set_hash(name, self.hasher.hash(password))
        return _user(row)

    def _waste_time(self, password: str) -> None:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash("no user has this password")
        try:
            self.hasher.verify(self._dummy_hash, password)
        except VerificationError:
            pass

    def _set_hash(self, name: str, password_hash: str) -> None:
        with self.store._write() as conn:
            conn.execute(sa.update(users).where(users.c.name == name).values(password_hash=password_hash))

    def _update_user(self, name: str, **values: Any) -> User:
        with self.store._write() as conn:
            if not conn.execute(sa.update(users).where(users.c.name == name).values(**values)).rowcount:
                raise NotFound(f"no user named {name!r}")
        return self.get_user(name)

    def set_password(self, name: str, password: str) -> User:
        return self._update_user(name, password_hash=self.hasher.hash(check_password(password)))

    def set_role(self, name: str, role: str) -> User:
        return self._update_user(name, role=check_role(role))

    def deactivate(self, name: str) -> User:
        """The user can no longer sign in, and open sessions end at their next request. Their decisions
        stay in the audit trail under their name."""
        return self._update_user(name, active=False)

    # -- statements --------------------------------------------------------------------------------

    def overview(self) -> Overview:
        """How many reports and statements are stored, and how many statements a person reviewed."""
        with self.engine.connect() as conn:
            n_statements, n_reviewed = conn.execute(
                sa.select(sa.func.count(), sa.func.count(statements.c.reviewed_by))
            ).one()
            n_reports = conn.execute(sa.select(sa.func.count()).select_from(reports)).scalar_one()
        return Overview(n_reports, n_statements, n_reviewed)

    def statement(self, statement_id: int) -> ReviewStatement:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(statements).where(statements.c.id == statement_id)).first()
        if row is None:
            raise NotFound(f"no statement with id {statement_id}")
        return _statement(row)

    def statements_of_report(self, report_id: int) -> list[ReviewStatement]:
        """Every statement of a report in order (as stored: section by section)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(statements).where(statements.c.report_id == report_id).order_by(statements.c.id)
            ).all()
        return [_statement(r) for r in rows]

    def neighbours(self, statement_id: int, around: int = 2) -> list[ReviewStatement]:
        """The statement with up to `around` statements before and after it in its report, in order."""
        report = self.statements_of_report(self.statement(statement_id).report_id)
        at = [s.id for s in report].index(statement_id)
        return report[max(0, at - around) : at + around + 1]

    # -- the review queue --------------------------------------------------------------------------

    def _undone(self, conn: Connection) -> set[int]:
        query = sa.select(review_decisions.c.undoes).where(review_decisions.c.undoes.is_not(None))
        return set(conn.execute(query).scalars())

    def review_queue(self, user_name: str, thresholds: Mapping[str, float], n: int = 1) -> ReviewQueue:
        """The statements nobody reviewed yet and this user has not skipped, least certain first (the
        order of `kfd suggest`: nlp.training.suggest.least_certain over the model's scores)."""
        with self.engine.connect() as conn:
            undone = self._undone(conn)
            skipped = {
                row.statement_id
                for row in conn.execute(
                    sa.select(review_decisions.c.id, review_decisions.c.statement_id).where(
                        review_decisions.c.user_name == user_name, review_decisions.c.action == "skip"
                    )
                )
                if row.id not in undone
            }
            rows = conn.execute(
                sa.select(statements).where(statements.c.reviewed_by.is_(None)).order_by(statements.c.id)
            ).all()
        candidates = [_statement(r).as_record() for r in rows if r.id not in skipped]
        ranked = least_certain(candidates, thresholds, n)
        return ReviewQueue(
            tuple(QueueEntry(int(rec.id), u.margin, u.label, u.detail) for u, rec in ranked),
            len(candidates),
        )

    # -- decisions (append-only) -------------------------------------------------------------------

    def decide(
        self,
        statement_id: int,
        user_name: str,
        action: Action,
        themes: Sequence[str] | None = None,
        sentiment: str | None = None,
        *,
        codebook: Codebook | None = None,
        sample_id: int | None = None,
        unreviewed_only: bool = False,
    ) -> Decision:
        """Record one decision about a statement and apply it in the same transaction.

        accept: the tags stay as they are (given themes/sentiment must equal them); correct and
        adjudicate: the given tags replace them (checked against `codebook` when given); both mark the
        statement reviewed by `user_name`. skip: nothing changes but the record. `unreviewed_only`: a
        statement someone reviewed meanwhile is a DecisionConflict (two people working the same queue).
        Undo has its own method, `undo`."""
        if action not in ("accept", "correct", "skip", "adjudicate"):
            raise WorkspaceError(f"unknown action {action!r}; valid: accept, correct, skip, adjudicate")
        if codebook is not None:
            if themes is not None:
                themes = codebook.check_themes(themes)
            if sentiment is not None:
                sentiment = codebook.check_sentiment(sentiment)
        if action == "adjudicate":
            if sample_id is None:
                raise WorkspaceError("an adjudication names the double-coding sample it settles")
            self._check_in_sample(sample_id, statement_id)
        with self.store._write() as conn:
            row = conn.execute(
                sa.select(statements).where(statements.c.id == statement_id).with_for_update()
            ).first()
            if row is None:
                raise NotFound(f"no statement with id {statement_id}")
            if unreviewed_only and row.reviewed_by is not None:
                raise DecisionConflict(
                    f"statement {statement_id} was reviewed meanwhile by {row.reviewed_by}"
                )
            before = (tuple(row.themes), row.sentiment)
            after = before
            if action in ("correct", "adjudicate"):
                if themes is None or sentiment is None:
                    raise WorkspaceError(f"{action} needs the themes and the sentiment")
                after = (tuple(themes), sentiment)
            elif action == "accept" and themes is not None and (tuple(themes), sentiment) != before:
                raise WorkspaceError("accept keeps the tags as they are: use correct to change them")
            now = _now()
            decision_id = self._insert(
                conn, row, user_name, action, before, after, created_at=now, sample_id=sample_id
            )
            if action in TAGGING_ACTIONS:
                conn.execute(
                    sa.update(statements)
                    .where(statements.c.id == statement_id)
                    .values(themes=list(after[0]), sentiment=after[1], reviewed_by=user_name, reviewed_at=now)
                )
        return self.decision(decision_id)

    def _insert(
        self,
        conn: Connection,
        row,
        user_name: str,
        action: Action,
        before: tuple[tuple[str, ...], str],
        after: tuple[tuple[str, ...], str],
        *,
        created_at: dt.datetime,
        undoes: int | None = None,
        sample_id: int | None = None,
    ) -> int:
        inserted = conn.execute(
            sa.insert(review_decisions).values(
                statement_id=row.id,
                report_id=row.report_id,
                user_name=user_name,
                action=action,
                themes_before=list(before[0]),
                sentiment_before=before[1],
                themes=list(after[0]),
                sentiment=after[1],
                undoes=undoes,
                sample_id=sample_id,
                created_at=created_at,
            )
        ).inserted_primary_key
        assert inserted is not None
        return int(inserted[0])

    def decision(self, decision_id: int) -> Decision:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(review_decisions).where(review_decisions.c.id == decision_id)
            ).first()
        if row is None:
            raise NotFound(f"no decision with id {decision_id}")
        return _decision(row)

    def history(self, statement_id: int) -> list[Decision]:
        """Every decision about a statement, oldest first (undos included, as they happened)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(review_decisions)
                .where(review_decisions.c.statement_id == statement_id)
                .order_by(review_decisions.c.id)
            ).all()
        return [_decision(r) for r in rows]

    def decisions_by(self, user_name: str, limit: int = 50) -> list[Decision]:
        """A user's latest decisions, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(review_decisions)
                .where(review_decisions.c.user_name == user_name)
                .order_by(review_decisions.c.id.desc())
                .limit(limit)
            ).all()
        return [_decision(r) for r in rows]

    def last_undoable(self, user_name: str) -> Decision | None:
        """The user's latest decision that is not an undo and has not been undone."""
        with self.engine.connect() as conn:
            undone = self._undone(conn)
            rows = conn.execute(
                sa.select(review_decisions)
                .where(review_decisions.c.user_name == user_name, review_decisions.c.action != "undo")
                .order_by(review_decisions.c.id.desc())
            )
            for row in rows:
                if row.id not in undone:
                    return _decision(row)
        return None

    def undo(self, user_name: str, decision_id: int | None = None) -> Decision:
        """Revert one of the user's own decisions (default: their latest one not undone yet) by recording
        an `undo` that restores the tags it found. Refused when someone changed the statement's tags
        since (DecisionConflict): an undo never overwrites another person's later decision."""
        target = self.last_undoable(user_name) if decision_id is None else self.decision(decision_id)
        if target is None:
            raise DecisionConflict("nothing to undo")
        if target.user_name != user_name:
            raise DecisionConflict(f"decision {target.id} is {target.user_name}'s, not yours to undo")
        if target.action == "undo":
            raise DecisionConflict(f"decision {target.id} is an undo itself")
        with self.store._write() as conn:
            if target.id in self._undone(conn):
                raise DecisionConflict(f"decision {target.id} is undone already")
            row = conn.execute(
                sa.select(statements).where(statements.c.id == target.statement_id).with_for_update()
            ).first()
            if row is None:
                raise NotFound(f"the statement of decision {target.id} no longer exists")
            current = (tuple(row.themes), row.sentiment)
            if target.action in TAGGING_ACTIONS and current != (target.themes, target.sentiment):
                raise DecisionConflict(
                    f"the tags of statement {row.id} changed after decision {target.id}: not undone"
                )
            restored = (
                (target.themes_before, target.sentiment_before)
                if target.action in TAGGING_ACTIONS
                else current
            )
            now = _now()
            undo_id = self._insert(
                conn, row, user_name, "undo", current, restored, created_at=now, undoes=target.id
            )
            if target.action in TAGGING_ACTIONS:
                # Reviewed again by whoever made the latest tagging decision still standing, if anyone.
                undone = self._undone(conn) | {target.id}
                standing = [
                    r
                    for r in conn.execute(
                        sa.select(review_decisions)
                        .where(
                            review_decisions.c.statement_id == row.id,
                            review_decisions.c.action.in_(sorted(TAGGING_ACTIONS)),
                            review_decisions.c.id < target.id,
                        )
                        .order_by(review_decisions.c.id)
                    )
                    if r.id not in undone
                ]
                last = standing[-1] if standing else None
                conn.execute(
                    sa.update(statements)
                    .where(statements.c.id == row.id)
                    .values(
                        themes=list(restored[0]),
                        sentiment=restored[1],
                        reviewed_by=last.user_name if last else None,
                        reviewed_at=last.created_at if last else None,
                    )
                )
        return self.decision(undo_id)

    # -- double coding -----------------------------------------------------------------------------

    def create_sample(
        self,
        name: str,
        created_by: str,
        coder_a: str,
        coder_b: str,
        *,
        n: int | None = None,
        statement_ids: Iterable[int] | None = None,
        seed: int | None = None,
    ) -> Sample:
        """A sample of `n` stored statements drawn at random (`seed` makes the draw repeatable), or of the
        given `statement_ids`, for two different coders (each a pruefer or admin) to label blind."""
        name = (name or "").strip()
        if not name or len(name) > 200:
            raise WorkspaceError("a sample needs a name of 1 to 200 characters")
        if coder_a == coder_b:
            raise WorkspaceError("double coding needs two different coders")
        for coder in (coder_a, coder_b):
            user = self.find_user(coder)
            if user is None or not user.may("pruefer"):
                raise WorkspaceError(f"{coder!r} is no active user with the role pruefer or admin")
        with self.engine.connect() as conn:
            existing = list(conn.execute(sa.select(statements.c.id).order_by(statements.c.id)).scalars())
        if statement_ids is not None:
            chosen = list(dict.fromkeys(statement_ids))
            missing = sorted(set(chosen) - set(existing))
            if missing:
                raise NotFound(f"no statement with id {missing[0]}")
        else:
            if n is None or n < 1:
                raise WorkspaceError("a sample needs at least one statement")
            if n > len(existing):
                raise WorkspaceError(f"a sample of {n} statements, but only {len(existing)} are stored")
            chosen = random.Random(seed).sample(existing, n)
        if not chosen:
            raise WorkspaceError("a sample needs at least one statement")
        try:
            with self.store._write() as conn:
                inserted = conn.execute(
                    sa.insert(coding_samples).values(
                        name=name, created_by=created_by, created_at=_now(), coder_a=coder_a, coder_b=coder_b
                    )
                ).inserted_primary_key
                assert inserted is not None
                sample_id = int(inserted[0])
                conn.execute(
                    sa.insert(coding_sample_items),
                    [
                        {"sample_id": sample_id, "statement_id": s, "position": i}
                        for i, s in enumerate(chosen)
                    ],
                )
        except IntegrityError:
            raise UserExists(f"a sample named {name!r} exists already") from None
        return self.get_sample(sample_id)

    def _samples(self, *conditions) -> list[Sample]:
        counts = (
            sa.select(coding_sample_items.c.sample_id, sa.func.count().label("n"))
            .group_by(coding_sample_items.c.sample_id)
            .subquery()
        )
        query = (
            sa.select(coding_samples, sa.func.coalesce(counts.c.n, 0).label("n_items"))
            .outerjoin(counts, counts.c.sample_id == coding_samples.c.id)
            .where(*conditions)
            .order_by(coding_samples.c.id)
        )
        with self.engine.connect() as conn:
            return [
                Sample(r.id, r.name, r.created_by, as_utc(r.created_at), r.coder_a, r.coder_b, r.n_items)
                for r in conn.execute(query)
            ]

    def list_samples(self) -> list[Sample]:
        return self._samples()

    def get_sample(self, sample_id: int) -> Sample:
        found = self._samples(coding_samples.c.id == sample_id)
        if not found:
            raise NotFound(f"no double-coding sample with id {sample_id}")
        return found[0]

    def _check_in_sample(self, sample_id: int, statement_id: int) -> None:
        self.get_sample(sample_id)
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.select(coding_sample_items.c.position).where(
                    coding_sample_items.c.sample_id == sample_id,
                    coding_sample_items.c.statement_id == statement_id,
                )
            ).first()
        if found is None:
            raise NotFound(f"statement {statement_id} is not in sample {sample_id}")

    def sample_items(self, sample_id: int, user_name: str | None = None) -> list[SampleItem]:
        """The sample's statements in order; with `user_name`, only those that user has not coded yet
        (and only a coder of the sample may ask: WorkspaceError otherwise)."""
        sample = self.get_sample(sample_id)
        if user_name is not None and user_name not in sample.coders:
            raise WorkspaceError(f"{user_name!r} is not a coder of sample {sample.name!r}")
        query = (
            sa.select(
                coding_sample_items.c.statement_id,
                coding_sample_items.c.position,
                statements.c.report_id,
                statements.c.section,
                statements.c.text,
            )
            .join(statements, statements.c.id == coding_sample_items.c.statement_id)
            .where(coding_sample_items.c.sample_id == sample_id)
            .order_by(coding_sample_items.c.position)
        )
        if user_name is not None:
            coded = sa.select(sample_codings.c.statement_id).where(
                sample_codings.c.sample_id == sample_id, sample_codings.c.user_name == user_name
            )
            query = query.where(coding_sample_items.c.statement_id.not_in(coded))
        with self.engine.connect() as conn:
            return [
                SampleItem(sample_id, r.statement_id, r.position, r.report_id, r.section, r.text)
                for r in conn.execute(query)
            ]

    def save_coding(
        self,
        sample_id: int,
        statement_id: int,
        user_name: str,
        themes: Sequence[str],
        sentiment: str,
        *,
        codebook: Codebook | None = None,
    ) -> Coding:
        """One coder's blind labels for one statement of the sample; once per coder and statement. The
        statement's own tags do not change."""
        sample = self.get_sample(sample_id)
        if user_name not in sample.coders:
            raise WorkspaceError(f"{user_name!r} is not a coder of sample {sample.name!r}")
        self._check_in_sample(sample_id, statement_id)
        if codebook is not None:
            themes = codebook.check_themes(themes)
            sentiment = codebook.check_sentiment(sentiment)
        created_at = _now()
        values = {
            "sample_id": sample_id,
            "statement_id": statement_id,
            "user_name": user_name,
            "themes": list(themes),
            "sentiment": sentiment,
            "created_at": created_at,
        }
        try:
            with self.store._write() as conn:
                conn.execute(sa.insert(sample_codings).values(**values))
        except IntegrityError:
            raise DecisionConflict(
                f"{user_name} has coded statement {statement_id} of sample {sample.name!r} already"
            ) from None
        return Coding(sample_id, statement_id, user_name, tuple(themes), sentiment, created_at)

    def codings(self, sample_id: int) -> list[Coding]:
        """Every coding of the sample, in sample order, coder A's before coder B's for each statement."""
        sample = self.get_sample(sample_id)
        query = (
            sa.select(sample_codings, coding_sample_items.c.position)
            .join(
                coding_sample_items,
                sa.and_(
                    coding_sample_items.c.sample_id == sample_codings.c.sample_id,
                    coding_sample_items.c.statement_id == sample_codings.c.statement_id,
                ),
            )
            .where(sample_codings.c.sample_id == sample_id)
        )
        with self.engine.connect() as conn:
            rows = list(conn.execute(query).all())
        rows.sort(
            key=lambda r: (
                r.position,
                sample.coders.index(r.user_name) if r.user_name in sample.coders else 2,
            )
        )
        return [
            Coding(
                r.sample_id, r.statement_id, r.user_name, tuple(r.themes), r.sentiment, as_utc(r.created_at)
            )
            for r in rows
        ]
