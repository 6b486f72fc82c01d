"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-26 23:35:47.672850
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cafe',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('current_round', sa.Integer(), nullable=True),
    sa.Column('phase', sa.String(length=16), nullable=True),
    sa.Column('ends_at_ms', sa.BigInteger(), nullable=True),
    sa.Column('remaining_ms', sa.BigInteger(), nullable=True),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('facilitator_hash', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at_ms', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cafe')),
    sa.UniqueConstraint('code', name=op.f('uq_cafe_code'))
    )
    op.create_table('event_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cafe_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('at_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['cafe_id'], ['cafe.id'], name=op.f('fk_event_log_cafe_id_cafe'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_log')),
    sa.UniqueConstraint('cafe_id', 'seq', name=op.f('uq_event_log_cafe_id'))
    )
    op.create_table('participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cafe_id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=40), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('organisation', sa.String(length=80), nullable=True),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('stays_seated', sa.Boolean(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('connections', sa.Integer(), nullable=False),
    sa.Column('last_seen_ms', sa.BigInteger(), nullable=False),
    sa.Column('joined_at_ms', sa.BigInteger(), nullable=False),
    sa.Column('left_at_ms', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['cafe_id'], ['cafe.id'], name=op.f('fk_participant_cafe_id_cafe'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participant')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_participant_token_hash'))
    )
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participant_cafe_id'), ['cafe_id'], unique=False)

    op.create_table('round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cafe_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=280), nullable=False),
    sa.Column('topic_questions', sa.JSON(), nullable=False),
    sa.Column('discuss_seconds', sa.Integer(), nullable=False),
    sa.Column('move_seconds', sa.Integer(), nullable=False),
    sa.Column('started_at_ms', sa.BigInteger(), nullable=True),
    sa.Column('ended_at_ms', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['cafe_id'], ['cafe.id'], name=op.f('fk_round_cafe_id_cafe'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round')),
    sa.UniqueConstraint('cafe_id', 'number', name=op.f('uq_round_cafe_id'))
    )
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_cafe_id'), ['cafe_id'], unique=False)

    op.create_table('topic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cafe_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.String(length=280), nullable=False),
    sa.Column('colour', sa.String(length=7), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cafe_id'], ['cafe.id'], name=op.f('fk_topic_cafe_id_cafe'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic'))
    )
    with op.batch_alter_table('topic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_cafe_id'), ['cafe_id'], unique=False)

    op.create_table('cafe_table',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cafe_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('host_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cafe_id'], ['cafe.id'], name=op.f('fk_cafe_table_cafe_id_cafe'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['host_id'], ['participant.id'], name=op.f('fk_cafe_table_host_id_participant'), ondelete='SET NULL', use_alter=True),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], name=op.f('fk_cafe_table_topic_id_topic'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cafe_table'))
    )
    with op.batch_alter_table('cafe_table', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cafe_table_cafe_id'), ['cafe_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cafe_table_topic_id'), ['topic_id'], unique=False)

    op.create_table('signup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cafe_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('contact', sa.String(length=120), nullable=True),
    sa.Column('created_at_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['cafe_id'], ['cafe.id'], name=op.f('fk_signup_cafe_id_cafe'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_signup_participant_id_participant'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], name=op.f('fk_signup_topic_id_topic'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signup'))
    )
    with op.batch_alter_table('signup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signup_cafe_id'), ['cafe_id'], unique=False)

    op.create_table('note',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('cafe_id', sa.Integer(), nullable=False),
    sa.Column('table_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('text', sa.String(length=280), nullable=False),
    sa.Column('colour', sa.String(length=16), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('created_at_ms', sa.BigInteger(), nullable=False),
    sa.Column('updated_at_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['participant.id'], name=op.f('fk_note_author_id_participant'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cafe_id'], ['cafe.id'], name=op.f('fk_note_cafe_id_cafe'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_note_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['table_id'], ['cafe_table.id'], name=op.f('fk_note_table_id_cafe_table'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_note'))
    )
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.create_index('ix_note_cafe_table', ['cafe_id', 'table_id'], unique=False)

    op.create_table('seat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cafe_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('table_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cafe_id'], ['cafe.id'], name=op.f('fk_seat_cafe_id_cafe'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_seat_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_seat_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['table_id'], ['cafe_table.id'], name=op.f('fk_seat_table_id_cafe_table'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seat')),
    sa.UniqueConstraint('round_id', 'participant_id', name=op.f('uq_seat_round_id'))
    )
    with op.batch_alter_table('seat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seat_cafe_id'), ['cafe_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_seat_participant_id'), ['participant_id'], unique=False)

    op.create_table('summary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cafe_id', sa.Integer(), nullable=False),
    sa.Column('table_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_at_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['participant.id'], name=op.f('fk_summary_author_id_participant'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cafe_id'], ['cafe.id'], name=op.f('fk_summary_cafe_id_cafe'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_summary_round_id_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['table_id'], ['cafe_table.id'], name=op.f('fk_summary_table_id_cafe_table'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_summary')),
    sa.UniqueConstraint('table_id', 'round_id', name=op.f('uq_summary_table_id'))
    )
    with op.batch_alter_table('summary', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_summary_cafe_id'), ['cafe_id'], unique=False)

    op.create_table('vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cafe_id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Uuid(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('created_at_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['cafe_id'], ['cafe.id'], name=op.f('fk_vote_cafe_id_cafe'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['note_id'], ['note.id'], name=op.f('fk_vote_note_id_note'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_vote_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_vote_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote')),
    sa.UniqueConstraint('note_id', 'participant_id', 'phase', name=op.f('uq_vote_note_id'))
    )
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_cafe_id'), ['cafe_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_cafe_id'))

    op.drop_table('vote')
    with op.batch_alter_table('summary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_summary_cafe_id'))

    op.drop_table('summary')
    with op.batch_alter_table('seat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seat_participant_id'))
        batch_op.drop_index(batch_op.f('ix_seat_cafe_id'))

    op.drop_table('seat')
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_index('ix_note_cafe_table')

    op.drop_table('note')
    with op.batch_alter_table('signup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signup_cafe_id'))

    op.drop_table('signup')
    with op.batch_alter_table('cafe_table', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cafe_table_topic_id'))
        batch_op.drop_index(batch_op.f('ix_cafe_table_cafe_id'))

    op.drop_table('cafe_table')
    with op.batch_alter_table('topic', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_topic_cafe_id'))

    op.drop_table('topic')
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_cafe_id'))

    op.drop_table('round')
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participant_cafe_id'))

    op.drop_table('participant')
    op.drop_table('event_log')
    op.drop_table('cafe')
