"""trading: confidential parts of listings behind an NDA

Revision ID: e5a1c3d70b18
Revises: b0a2d698c8a8
Create Date: 2026-12-07 19:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'e5a1c3d70b18'
down_revision = 'b0a2d698c8a8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('confidential_part',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=True),
    sa.Column('demand_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('access_mode', sa.Enum('click', 'approval', name='accessmode', native_enum=False, length=20),
              nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(achievement_id IS NULL) <> (demand_id IS NULL)',
                       name=op.f('ck_confidential_part_one_listing')),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievement.id'],
                            name=op.f('fk_confidential_part_achievement_id_achievement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['demand_id'], ['demand.id'],
                            name=op.f('fk_confidential_part_demand_id_demand'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_confidential_part_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confidential_part')),
    sa.UniqueConstraint('achievement_id', name=op.f('uq_confidential_part_achievement_id')),
    sa.UniqueConstraint('demand_id', name=op.f('uq_confidential_part_demand_id')),
    )
    with op.batch_alter_table('confidential_part', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_confidential_part_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('nda_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_nda_version_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['part_id'], ['confidential_part.id'],
                            name=op.f('fk_nda_version_part_id_confidential_part'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nda_version')),
    sa.UniqueConstraint('part_id', 'number', name=op.f('uq_nda_version_part_id')),
    )
    with op.batch_alter_table('nda_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nda_version_part_id'), ['part_id'], unique=False)

    op.create_table('nda_acceptance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('nda_version_id', sa.Integer(), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('client_address', sa.String(length=45), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('requested', 'granted', 'refused', 'revoked', name='grantstatus', native_enum=False,
                                length=20), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'],
                            name=op.f('fk_nda_acceptance_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['nda_version_id'], ['nda_version.id'],
                            name=op.f('fk_nda_acceptance_nda_version_id_nda_version'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_nda_acceptance_organisation_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['part_id'], ['confidential_part.id'],
                            name=op.f('fk_nda_acceptance_part_id_confidential_part'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_nda_acceptance_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nda_acceptance')),
    )
    with op.batch_alter_table('nda_acceptance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nda_acceptance_part_id'), ['part_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nda_acceptance_user_id'), ['user_id'], unique=False)

    op.create_table('confidential_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['part_id'], ['confidential_part.id'],
                            name=op.f('fk_confidential_attachment_part_id_confidential_part'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'],
                            name=op.f('fk_confidential_attachment_uploaded_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confidential_attachment')),
    )
    with op.batch_alter_table('confidential_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_confidential_attachment_part_id'), ['part_id'], unique=False)


def downgrade():
    with op.batch_alter_table('confidential_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_confidential_attachment_part_id'))
    op.drop_table('confidential_attachment')
    with op.batch_alter_table('nda_acceptance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nda_acceptance_user_id'))
        batch_op.drop_index(batch_op.f('ix_nda_acceptance_part_id'))
    op.drop_table('nda_acceptance')
    with op.batch_alter_table('nda_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nda_version_part_id'))
    op.drop_table('nda_version')
    with op.batch_alter_table('confidential_part', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_confidential_part_organisation_id'))
    op.drop_table('confidential_part')
