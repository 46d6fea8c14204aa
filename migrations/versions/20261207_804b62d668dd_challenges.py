"""揭榜挂帅 challenges: the published 榜 with its indicators, milestones, rubric and eligibility

Revision ID: 804b62d668dd
Revises: c4e2a7b91d35
Create Date: 2026-12-07 18:44:43.903644

"""
import sqlalchemy as sa
from alembic import op

revision = '804b62d668dd'
down_revision = 'c4e2a7b91d35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'challenge',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('demand_id', sa.Integer(), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('goal', sa.Text(), nullable=False),
        sa.Column('indicators', sa.JSON(), nullable=False),
        sa.Column('field_code', sa.String(length=3), nullable=False),
        sa.Column('region_code', sa.String(length=6), nullable=False),
        sa.Column('bounty_fen', sa.BigInteger(), nullable=False),
        sa.Column('milestones', sa.JSON(), nullable=False),
        sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('eligible_kinds', sa.JSON(), nullable=False),
        sa.Column('eligible_regions', sa.JSON(), nullable=False),
        sa.Column('verified_only', sa.Boolean(), nullable=False),
        sa.Column('selection_mode', sa.Enum('merit', 'race', name='selectionmode', native_enum=False, length=20),
                  nullable=False),
        sa.Column('race_teams', sa.Integer(), nullable=False),
        sa.Column('rubric', sa.JSON(), nullable=False),
        sa.Column('state', sa.Enum('draft', 'pending', 'returned', 'rejected', 'published', 'failed',
                                   name='challengestate', native_enum=False, length=20), nullable=False),
        sa.Column('review_note', sa.Text(), nullable=True),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('is_demo', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_challenge_created_by_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['demand_id'], ['demand.id'], name=op.f('fk_challenge_demand_id_demand'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_challenge_organisation_id_organisation'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_challenge')),
    )
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        for column in ('closes_at', 'demand_id', 'field_code', 'organisation_id', 'region_code', 'state'):
            batch_op.create_index(batch_op.f(f'ix_challenge_{column}'), [column], unique=False)


def downgrade():
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        for column in ('closes_at', 'demand_id', 'field_code', 'organisation_id', 'region_code', 'state'):
            batch_op.drop_index(batch_op.f(f'ix_challenge_{column}'))
    op.drop_table('challenge')
