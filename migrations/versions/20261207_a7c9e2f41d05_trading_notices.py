"""trading: 协议定价 price notices with objections, organisations' notice period

Revision ID: a7c9e2f41d05
Revises: b62a6dc98dc9
Create Date: 2026-12-07 19:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a7c9e2f41d05'
down_revision = 'b62a6dc98dc9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trading_settings',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('notice_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_trading_settings_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_trading_settings')),
    )
    op.create_table('price_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('seller_org_id', sa.Integer(), nullable=False),
    sa.Column('buyer_org_id', sa.Integer(), nullable=False),
    sa.Column('subtype_code', sa.String(length=6), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=False),
    sa.Column('notice_days', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('contact', sa.Text(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('active', 'withdrawn', 'contracted', name='noticestatus', native_enum=False,
                                length=20), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('price_fen > 0', name=op.f('ck_price_notice_price')),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievement.id'],
                            name=op.f('fk_price_notice_achievement_id_achievement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['buyer_org_id'], ['organisation.id'],
                            name=op.f('fk_price_notice_buyer_org_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'],
                            name=op.f('fk_price_notice_contract_id_contract'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_price_notice_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['seller_org_id'], ['organisation.id'],
                            name=op.f('fk_price_notice_seller_org_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_notice')),
    )
    with op.batch_alter_table('price_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_notice_achievement_id'), ['achievement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_notice_buyer_org_id'), ['buyer_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_notice_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_notice_ends_at'), ['ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_notice_seller_org_id'), ['seller_org_id'], unique=False)

    op.create_table('price_notice_objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('lodged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('open', 'upheld', 'dismissed', name='objectionstatus', native_enum=False,
                                length=20), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'],
                            name=op.f('fk_price_notice_objection_answered_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['notice_id'], ['price_notice.id'],
                            name=op.f('fk_price_notice_objection_notice_id_price_notice'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_price_notice_objection_organisation_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'],
                            name=op.f('fk_price_notice_objection_resolved_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_price_notice_objection_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_notice_objection')),
    )
    with op.batch_alter_table('price_notice_objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_notice_objection_notice_id'), ['notice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_notice_objection_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('price_notice_objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_notice_objection_user_id'))
        batch_op.drop_index(batch_op.f('ix_price_notice_objection_notice_id'))
    op.drop_table('price_notice_objection')
    with op.batch_alter_table('price_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_notice_seller_org_id'))
        batch_op.drop_index(batch_op.f('ix_price_notice_ends_at'))
        batch_op.drop_index(batch_op.f('ix_price_notice_contract_id'))
        batch_op.drop_index(batch_op.f('ix_price_notice_buyer_org_id'))
        batch_op.drop_index(batch_op.f('ix_price_notice_achievement_id'))
    op.drop_table('price_notice')
    op.drop_table('trading_settings')
