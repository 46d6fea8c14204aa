"""related-term pairs proposed from the grades, for operators to accept or reject

Revision ID: d27e5b9c1f08
Revises: c3d8f1a60e27
Create Date: 2026-12-07 19:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd27e5b9c1f08'
down_revision = 'c3d8f1a60e27'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('term_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term_a', sa.String(length=30), nullable=False),
    sa.Column('term_b', sa.String(length=30), nullable=False),
    sa.Column('support', sa.Integer(), nullable=False),
    sa.Column('against', sa.Integer(), nullable=False),
    sa.Column('examples', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'],
                            name=op.f('fk_term_proposal_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['term_table_version.id'],
                            name=op.f('fk_term_proposal_version_id_term_table_version'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_term_proposal')),
    sa.UniqueConstraint('term_a', 'term_b', name=op.f('uq_term_proposal_term_a'))
    )


def downgrade():
    op.drop_table('term_proposal')
