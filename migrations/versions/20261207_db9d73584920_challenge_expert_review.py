"""揭榜挂帅 expert review: expert profiles, panels with conflict declarations, scores per criterion

Revision ID: db9d73584920
Revises: d9a195857e17
Create Date: 2026-12-07 18:55:03.935957

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "db9d73584920"
down_revision = "d9a195857e17"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "expert_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("affiliation", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_expert_profile_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_profile")),
        sa.UniqueConstraint("user_id", name=op.f("uq_expert_profile_user_id")),
    )
    op.create_table(
        "challenge_panel_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("collaborations", sa.JSON(), nullable=False),
        sa.Column("declaration_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["user_account.id"],
            name=op.f("fk_challenge_panel_member_added_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenge.id"],
            name=op.f("fk_challenge_panel_member_challenge_id_challenge"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_challenge_panel_member_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_panel_member")),
        sa.UniqueConstraint("challenge_id", "user_id", name=op.f("uq_challenge_panel_member_challenge_id")),
    )
    with op.batch_alter_table("challenge_panel_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_panel_member_challenge_id"), ["challenge_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_challenge_panel_member_user_id"), ["user_id"], unique=False)

    op.create_table(
        "challenge_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["challenge_application.id"],
            name=op.f("fk_challenge_score_application_id_challenge_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["user_account.id"],
            name=op.f("fk_challenge_score_expert_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_score")),
        sa.UniqueConstraint("application_id", "expert_id", name=op.f("uq_challenge_score_application_id")),
    )
    with op.batch_alter_table("challenge_score", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_score_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_challenge_score_expert_id"), ["expert_id"], unique=False)


def downgrade():
    with op.batch_alter_table("challenge_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_score_expert_id"))
        batch_op.drop_index(batch_op.f("ix_challenge_score_application_id"))

    op.drop_table("challenge_score")
    with op.batch_alter_table("challenge_panel_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_panel_member_user_id"))
        batch_op.drop_index(batch_op.f("ix_challenge_panel_member_challenge_id"))

    op.drop_table("challenge_panel_member")
    op.drop_table("expert_profile")
