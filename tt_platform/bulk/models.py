"""An import in progress: the uploaded file (kept outside the web root until the import ends) and its report."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tt_platform.accounts.models import Organisation, User, enum_column
from tt_platform.database import UTCDateTime, db, utcnow


class ImportStatus(enum.StrEnum):
    CHECKING = "checking"  #: a large file waits for, or is in, the background check (the preview)
    PREVIEWED = "previewed"  #: checked, waiting for the user's confirmation
    IMPORTING = "importing"  #: confirmed; a large file waits for, or is in, the background import
    IMPORTED = "imported"
    FAILED = "failed"  #: the background work stopped on an unexpected error (nothing was written)
    DISCARDED = "discarded"

    @property
    def label(self) -> str:
        return str({ImportStatus.CHECKING: _l("Checking the rows"),
                    ImportStatus.PREVIEWED: _l("Awaiting confirmation"),
                    ImportStatus.IMPORTING: _l("Importing"), ImportStatus.IMPORTED: _l("Imported"),
                    ImportStatus.FAILED: _l("Failed"), ImportStatus.DISCARDED: _l("Discarded")}[self])

    @property
    def in_background(self) -> bool:
        return self in (ImportStatus.CHECKING, ImportStatus.IMPORTING)


class ImportJob(db.Model):
    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(sa.String(255))
    #: the file's name under UPLOAD_DIR/imports while the job is open; None once it ended
    stored_name: Mapped[str | None] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column(sa.Integer)
    encoding: Mapped[str | None] = mapped_column(sa.String(20))
    sheet: Mapped[str | None] = mapped_column(sa.String(31))
    update_existing: Mapped[bool] = mapped_column(default=False)
    publish: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ImportStatus] = mapped_column(enum_column(ImportStatus), default=ImportStatus.PREVIEWED)
    report: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: background runs started for this job; a worker claims a run by moving it (compare-and-set), so
    #: two workers never run one job, and an interrupted run is resumed by the next claim
    attempt: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()
