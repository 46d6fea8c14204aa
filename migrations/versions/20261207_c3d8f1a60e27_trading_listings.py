"""trading: 挂牌交易 price listings and intending buyers

Revision ID: c3d8f1a60e27
Revises: a7c9e2f41d05
Create Date: 2026-12-07 20:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c3d8f1a60e27'
down_revision = 'a7c9e2f41d05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('price_listing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('seller_org_id', sa.Integer(), nullable=False),
    sa.Column('subtype_code', sa.String(length=6), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=False),
    sa.Column('exclusive', sa.Boolean(), nullable=False),
    sa.Column('payment_mode', sa.String(length=20), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('contact', sa.Text(), nullable=False),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('active', 'withdrawn', 'contracted', name='noticestatus', native_enum=False,
                                length=20), nullable=False),
    sa.Column('outcome', sa.Enum('sold', 'unsold', 'contested', name='listingoutcome', native_enum=False,
                                 length=20), nullable=True),
    sa.Column('buyer_org_id', sa.Integer(), nullable=True),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('price_fen > 0', name=op.f('ck_price_listing_price')),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievement.id'],
                            name=op.f('fk_price_listing_achievement_id_achievement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['buyer_org_id'], ['organisation.id'],
                            name=op.f('fk_price_listing_buyer_org_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'],
                            name=op.f('fk_price_listing_contract_id_contract'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_price_listing_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['previous_id'], ['price_listing.id'],
                            name=op.f('fk_price_listing_previous_id_price_listing'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['seller_org_id'], ['organisation.id'],
                            name=op.f('fk_price_listing_seller_org_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_listing')),
    )
    with op.batch_alter_table('price_listing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_listing_achievement_id'), ['achievement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_listing_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_listing_ends_at'), ['ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_price_listing_seller_org_id'), ['seller_org_id'], unique=False)

    op.create_table('price_listing_interest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['price_listing.id'],
                            name=op.f('fk_price_listing_interest_listing_id_price_listing'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_price_listing_interest_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_price_listing_interest_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_listing_interest')),
    sa.UniqueConstraint('listing_id', 'organisation_id', name=op.f('uq_price_listing_interest_listing_id')),
    )
    with op.batch_alter_table('price_listing_interest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_price_listing_interest_listing_id'), ['listing_id'], unique=False)


def downgrade():
    with op.batch_alter_table('price_listing_interest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_listing_interest_listing_id'))
    op.drop_table('price_listing_interest')
    with op.batch_alter_table('price_listing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_price_listing_seller_org_id'))
        batch_op.drop_index(batch_op.f('ix_price_listing_ends_at'))
        batch_op.drop_index(batch_op.f('ix_price_listing_contract_id'))
        batch_op.drop_index(batch_op.f('ix_price_listing_achievement_id'))
    op.drop_table('price_listing')
