"""trading: English auctions (拍卖/竞价) with bidder registrations, confirmed deposits and bids

Revision ID: b408ed426c19
Revises: d27e5b9c1f08
Create Date: 2026-12-07 21:23:09.004619

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b408ed426c19'
down_revision = 'd27e5b9c1f08'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('auction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('seller_org_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('subtype_code', sa.String(length=6), nullable=False),
    sa.Column('payment_mode', sa.String(length=20), nullable=False),
    sa.Column('start_price_fen', sa.BigInteger(), nullable=False),
    sa.Column('increment_fen', sa.BigInteger(), nullable=False),
    sa.Column('reserve_fen', sa.BigInteger(), nullable=True),
    sa.Column('reserve_shown', sa.Boolean(), nullable=False),
    sa.Column('deposit_fen', sa.BigInteger(), nullable=False),
    sa.Column('extension_minutes', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scheduled_end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('contact', sa.Text(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('current_price_fen', sa.BigInteger(), nullable=True),
    sa.Column('bid_count', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('active', 'withdrawn', 'contracted',
                            name='noticestatus', native_enum=False, length=20), nullable=False),
    sa.Column('outcome', sa.Enum('sold', 'failed', name='auctionoutcome', native_enum=False, length=20), nullable=True),
    sa.Column('winner_org_id', sa.Integer(), nullable=True),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_auction_period')),
    sa.CheckConstraint('increment_fen > 0', name=op.f('ck_auction_increment')),
    sa.CheckConstraint('reserve_fen IS NULL OR reserve_fen >= start_price_fen', name=op.f('ck_auction_reserve')),
    sa.CheckConstraint('start_price_fen > 0', name=op.f('ck_auction_start_price')),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievement.id'],
                            name=op.f('fk_auction_achievement_id_achievement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'],
                            name=op.f('fk_auction_contract_id_contract'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_auction_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['price_listing.id'],
                            name=op.f('fk_auction_listing_id_price_listing'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['previous_id'], ['auction.id'],
                            name=op.f('fk_auction_previous_id_auction'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['seller_org_id'], ['organisation.id'],
                            name=op.f('fk_auction_seller_org_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['winner_org_id'], ['organisation.id'],
                            name=op.f('fk_auction_winner_org_id_organisation'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auction'))
    )
    with op.batch_alter_table('auction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auction_achievement_id'), ['achievement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auction_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auction_ends_at'), ['ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auction_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auction_seller_org_id'), ['seller_org_id'], unique=False)

    op.create_table('auction_registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('auction_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deposit_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deposit_confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('deposit_reference', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['auction_id'], ['auction.id'],
                            name=op.f('fk_auction_registration_auction_id_auction'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deposit_confirmed_by_id'], ['user_account.id'],
                            name=op.f('fk_auction_registration_deposit_confirmed_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_auction_registration_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_auction_registration_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auction_registration')),
    sa.UniqueConstraint('auction_id', 'number', name='uq_auction_registration_number'),
    sa.UniqueConstraint('auction_id', 'organisation_id', name='uq_auction_registration_org')
    )
    with op.batch_alter_table('auction_registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auction_registration_auction_id'), ['auction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auction_registration_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('auction_bid',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('auction_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_auction_bid_amount')),
    sa.ForeignKeyConstraint(['auction_id'], ['auction.id'],
                            name=op.f('fk_auction_bid_auction_id_auction'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['auction_registration.id'],
                            name=op.f('fk_auction_bid_registration_id_auction_registration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_auction_bid_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auction_bid')),
    sa.UniqueConstraint('auction_id', 'amount_fen', name='uq_auction_bid_amount'),
    sa.UniqueConstraint('auction_id', 'sequence', name='uq_auction_bid_sequence')
    )
    with op.batch_alter_table('auction_bid', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auction_bid_auction_id'), ['auction_id'], unique=False)



def downgrade():
    with op.batch_alter_table('auction_bid', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auction_bid_auction_id'))

    op.drop_table('auction_bid')
    with op.batch_alter_table('auction_registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auction_registration_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_auction_registration_auction_id'))

    op.drop_table('auction_registration')
    with op.batch_alter_table('auction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auction_seller_org_id'))
        batch_op.drop_index(batch_op.f('ix_auction_listing_id'))
        batch_op.drop_index(batch_op.f('ix_auction_ends_at'))
        batch_op.drop_index(batch_op.f('ix_auction_contract_id'))
        batch_op.drop_index(batch_op.f('ix_auction_achievement_id'))

    op.drop_table('auction')
