"""relevance judgments: grades of suggested listings and evaluation snapshots

Revision ID: f3b8c2d41a77
Revises: e5a1c3d70b18
Create Date: 2026-12-07 19:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f3b8c2d41a77'
down_revision = 'e5a1c3d70b18'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('match_grade',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('query_doc', sa.String(length=40), nullable=False),
    sa.Column('target_doc', sa.String(length=40), nullable=False),
    sa.Column('grade', sa.SmallInteger(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('own_target', sa.Boolean(), nullable=False),
    sa.Column('field_code', sa.String(length=10), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_match_grade_user_id_user_account'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_grade')),
    sa.UniqueConstraint('user_id', 'query_doc', 'target_doc', name=op.f('uq_match_grade_user_id'))
    )
    with op.batch_alter_table('match_grade', schema=None) as batch_op:
        batch_op.create_index('ix_match_grade_query', ['query_doc'], unique=False)
    op.create_table('match_evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('queries', sa.Integer(), nullable=False),
    sa.Column('judgments', sa.Integer(), nullable=False),
    sa.Column('ndcg10', sa.Float(), nullable=False),
    sa.Column('recall50', sa.Float(), nullable=True),
    sa.Column('mrr10', sa.Float(), nullable=True),
    sa.Column('unjudged10', sa.Float(), nullable=False),
    sa.Column('by_field', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_evaluation'))
    )


def downgrade():
    op.drop_table('match_evaluation')
    with op.batch_alter_table('match_grade', schema=None) as batch_op:
        batch_op.drop_index('ix_match_grade_query')
    op.drop_table('match_grade')
