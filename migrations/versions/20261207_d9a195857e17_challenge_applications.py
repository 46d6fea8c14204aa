"""揭榜挂帅 applications: one per organisation and challenge, with plan, team, budget and schedule

Revision ID: d9a195857e17
Revises: c41f7a9e2b10
Create Date: 2026-12-07 18:50:57.510716

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d9a195857e17"
down_revision = "c41f7a9e2b10"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "challenge_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "returned",
                "complete",
                "withdrawn",
                name="applicationstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("team", sa.JSON(), nullable=False),
        sa.Column("budget_fen", sa.BigInteger(), nullable=True),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("result_ids", sa.JSON(), nullable=False),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenge.id"],
            name=op.f("fk_challenge_application_challenge_id_challenge"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_challenge_application_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_challenge_application_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_application")),
        sa.UniqueConstraint("challenge_id", "organisation_id", name=op.f("uq_challenge_application_challenge_id")),
    )
    with op.batch_alter_table("challenge_application", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_application_challenge_id"), ["challenge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_challenge_application_organisation_id"), ["organisation_id"], unique=False)


def downgrade():
    with op.batch_alter_table("challenge_application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_application_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_challenge_application_challenge_id"))

    op.drop_table("challenge_application")
