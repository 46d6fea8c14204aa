"""揭榜挂帅 application attachments

Revision ID: b0a2d698c8a8
Revises: 4abd34717b71
Create Date: 2026-12-07 19:15:41.972960

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b0a2d698c8a8"
down_revision = "4abd34717b71"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "challenge_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["challenge_application.id"],
            name=op.f("fk_challenge_attachment_application_id_challenge_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user_account.id"],
            name=op.f("fk_challenge_attachment_uploaded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_attachment")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_challenge_attachment_stored_name")),
    )
    with op.batch_alter_table("challenge_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_attachment_application_id"), ["application_id"], unique=False)


def downgrade():
    with op.batch_alter_table("challenge_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_attachment_application_id"))

    op.drop_table("challenge_attachment")
