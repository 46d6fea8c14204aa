"""valuation worksheets (pricing)

Revision ID: c4e2a7b91d35
Revises: b7e1c0d2a9f4
Create Date: 2026-12-07 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c4e2a7b91d35'
down_revision = 'b7e1c0d2a9f4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('valuation_worksheet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('market_fen', sa.BigInteger(), nullable=True),
    sa.Column('income_fen', sa.BigInteger(), nullable=True),
    sa.Column('cost_fen', sa.BigInteger(), nullable=True),
    sa.Column('chosen_fen', sa.BigInteger(), nullable=True),
    sa.Column('chosen_method', sa.String(length=10), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievement.id'],
                            name=op.f('fk_valuation_worksheet_achievement_id_achievement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['matchmaking_case.id'],
                            name=op.f('fk_valuation_worksheet_case_id_matchmaking_case'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_valuation_worksheet_created_by_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_valuation_worksheet_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_valuation_worksheet'))
    )
    with op.batch_alter_table('valuation_worksheet', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_valuation_worksheet_achievement_id'), ['achievement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_valuation_worksheet_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_valuation_worksheet_organisation_id'), ['organisation_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('valuation_worksheet', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_valuation_worksheet_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_valuation_worksheet_case_id'))
        batch_op.drop_index(batch_op.f('ix_valuation_worksheet_achievement_id'))
    op.drop_table('valuation_worksheet')
