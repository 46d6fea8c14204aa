"""揭榜挂帅 selection, notice and objections, task books with milestones and payments, acceptance

Revision ID: 4abd34717b71
Revises: db9d73584920
Create Date: 2026-12-07 19:00:47.496611

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4abd34717b71"
down_revision = "db9d73584920"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "challenge_objection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "upheld", "dismissed", name="objectionstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenge.id"],
            name=op.f("fk_challenge_objection_challenge_id_challenge"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["user_account.id"],
            name=op.f("fk_challenge_objection_resolved_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_challenge_objection_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_objection")),
    )
    with op.batch_alter_table("challenge_objection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_objection_challenge_id"), ["challenge_id"], unique=False)

    op.create_table(
        "challenge_milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("deliverable", sa.Text(), nullable=False),
        sa.Column("indicators", sa.Text(), nullable=False),
        sa.Column("share", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "submitted", "accepted", "rejected", name="milestonestatus", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["challenge_application.id"],
            name=op.f("fk_challenge_milestone_application_id_challenge_application"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_milestone")),
        sa.UniqueConstraint("application_id", "position", name=op.f("uq_challenge_milestone_application_id")),
    )
    with op.batch_alter_table("challenge_milestone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_milestone_application_id"), ["application_id"], unique=False)

    op.create_table(
        "challenge_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["challenge_milestone.id"],
            name=op.f("fk_challenge_payment_milestone_id_challenge_milestone"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_challenge_payment_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_payment")),
    )
    with op.batch_alter_table("challenge_payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_payment_milestone_id"), ["milestone_id"], unique=False)

    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.add_column(sa.Column("selected_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("selection_justification", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("notice_ends_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failure_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("started_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("contract_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_challenge_contract_id_contract"), "contract", ["contract_id"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("challenge_application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("selected", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("continues", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    with op.batch_alter_table("challenge_application", schema=None) as batch_op:
        batch_op.drop_column("continues")
        batch_op.drop_column("selected")

    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_challenge_contract_id_contract"), type_="foreignkey")
        batch_op.drop_column("contract_id")
        batch_op.drop_column("accepted_at")
        batch_op.drop_column("started_on")
        batch_op.drop_column("failure_reason")
        batch_op.drop_column("notice_ends_at")
        batch_op.drop_column("selection_justification")
        batch_op.drop_column("selected_at")

    with op.batch_alter_table("challenge_payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_payment_milestone_id"))

    op.drop_table("challenge_payment")
    with op.batch_alter_table("challenge_milestone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_milestone_application_id"))

    op.drop_table("challenge_milestone")
    with op.batch_alter_table("challenge_objection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_objection_challenge_id"))

    op.drop_table("challenge_objection")
