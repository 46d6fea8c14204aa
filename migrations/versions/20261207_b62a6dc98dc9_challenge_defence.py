"""揭榜挂帅 defence sessions (答辩) with a slot per applicant, and expert score revisions with reasons

Revision ID: b62a6dc98dc9
Revises: f3b8c2d41a77
Create Date: 2026-12-07 19:17:36.557631

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b62a6dc98dc9"
down_revision = "f3b8c2d41a77"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "challenge_defence_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["challenge_application.id"],
            name=op.f("fk_challenge_defence_slot_application_id_challenge_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenge.id"],
            name=op.f("fk_challenge_defence_slot_challenge_id_challenge"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_defence_slot")),
        sa.UniqueConstraint("application_id", name=op.f("uq_challenge_defence_slot_application_id")),
    )
    with op.batch_alter_table("challenge_defence_slot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_defence_slot_challenge_id"), ["challenge_id"], unique=False)

    op.create_table(
        "challenge_score_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("score_id", sa.Integer(), nullable=False),
        sa.Column("old_points", sa.JSON(), nullable=False),
        sa.Column("new_points", sa.JSON(), nullable=False),
        sa.Column("old_comment", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("revised_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["score_id"],
            ["challenge_score.id"],
            name=op.f("fk_challenge_score_revision_score_id_challenge_score"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_score_revision")),
    )
    with op.batch_alter_table("challenge_score_revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_score_revision_score_id"), ["score_id"], unique=False)


def downgrade():
    with op.batch_alter_table("challenge_score_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_score_revision_score_id"))

    op.drop_table("challenge_score_revision")
    with op.batch_alter_table("challenge_defence_slot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_defence_slot_challenge_id"))

    op.drop_table("challenge_defence_slot")
