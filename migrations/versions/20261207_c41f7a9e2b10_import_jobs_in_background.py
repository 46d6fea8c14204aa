"""import jobs in the background: checking/importing/failed states and the run counter

Revision ID: c41f7a9e2b10
Revises: 804b62d668dd
Create Date: 2026-12-07 19:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c41f7a9e2b10'
down_revision = '804b62d668dd'
branch_labels = None
depends_on = None

OLD = ('previewed', 'imported', 'discarded')
NEW = ('checking', 'previewed', 'importing', 'imported', 'failed', 'discarded')


def _status(values):
    return sa.Enum(*values, name='importstatus', native_enum=False, length=20)


def upgrade():
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt', sa.Integer(), server_default='0', nullable=False))
        batch_op.alter_column('status', existing_type=_status(OLD), type_=_status(NEW), existing_nullable=False)


def downgrade():
    op.execute("UPDATE import_job SET status = 'discarded' WHERE status IN ('checking', 'importing', 'failed')")
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=_status(NEW), type_=_status(OLD), existing_nullable=False)
        batch_op.drop_column('attempt')
