"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 03:35:03.225063
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

# Types spelled out here rather than imported from the application: a revision must run unchanged
# years later, whatever the models have become.
UTC_DATETIME = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("email", name=op.f("uq_agents_email")),
    )
    op.create_table(
        "inbound_receipts",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("receipt_key", sa.String(length=191), nullable=False),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_receipts")),
        sa.UniqueConstraint("platform", "receipt_key", name=op.f("uq_inbound_receipts_platform_receipt_key")),
    )
    op.create_index(
        op.f("ix_inbound_receipts_received_at"), "inbound_receipts", ["received_at"], unique=False
    )

    op.create_table(
        "key_counters",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_key_counters")),
    )
    op.create_table(
        "organizations",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("plan", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("name_key", name=op.f("uq_organizations_name_key")),
    )
    op.create_table(
        "outbox_destinations",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("next_run_at", UTC_DATETIME, nullable=True),
        sa.Column("not_before", UTC_DATETIME, nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", UTC_DATETIME, nullable=True),
        sa.Column("enqueue_seq", sa.BigInteger(), nullable=False),
        sa.Column("hold_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_outbox_destinations")),
    )
    op.create_index(
        op.f("ix_outbox_destinations_channel_next_run_at"),
        "outbox_destinations",
        ["channel", "next_run_at"],
        unique=False,
    )

    op.create_table(
        "outbox_jobs",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("destination", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("available_at", UTC_DATETIME, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("delivered_at", UTC_DATETIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_jobs")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_jobs_idempotency_key")),
    )
    op.create_index(
        op.f("ix_outbox_jobs_destination_status_id"),
        "outbox_jobs",
        ["destination", "status", "id"],
        unique=False,
    )
    op.create_index(op.f("ix_outbox_jobs_status_id"), "outbox_jobs", ["status", "id"], unique=False)

    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret_ciphertext", sa.Text(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("agent_id", BIG_ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("last_used_at", UTC_DATETIME, nullable=True),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_api_tokens_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_api_tokens_token_digest")),
    )
    op.create_index(op.f("ix_api_tokens_agent_id"), "api_tokens", ["agent_id"], unique=False)

    op.create_table(
        "channel_links",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=191), nullable=False),
        sa.Column("organization_id", BIG_ID, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_channel_links_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_links")),
        sa.UniqueConstraint(
            "platform", "workspace", "channel", name=op.f("uq_channel_links_platform_workspace_channel")
        ),
    )
    op.create_index(
        op.f("ix_channel_links_organization_id"), "channel_links", ["organization_id"], unique=False
    )

    op.create_table(
        "contacts",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("organization_id", BIG_ID, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_contacts_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("email", name=op.f("uq_contacts_email")),
    )
    op.create_index(op.f("ix_contacts_organization_id"), "contacts", ["organization_id"], unique=False)

    op.create_table(
        "feature_grants",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("organization_id", BIG_ID, nullable=False),
        sa.Column("feature", sa.String(length=20), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("changed_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_feature_grants_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_grants")),
        sa.UniqueConstraint(
            "organization_id", "feature", name=op.f("uq_feature_grants_organization_id_feature")
        ),
    )
    op.create_table(
        "feature_requests",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("organization_id", BIG_ID, nullable=False),
        sa.Column("feature", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by_email", sa.String(length=320), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("decided_by_email", sa.String(length=320), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("decided_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_feature_requests_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_requests")),
    )
    op.create_index(op.f("ix_feature_requests_status_id"), "feature_requests", ["status", "id"], unique=False)

    op.create_table(
        "organization_domains",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("organization_id", BIG_ID, nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_organization_domains_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_domains")),
        sa.UniqueConstraint("domain", name=op.f("uq_organization_domains_domain")),
    )
    op.create_table(
        "chat_identities",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=191), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("contact_id", BIG_ID, nullable=True),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_chat_identities_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_identities")),
        sa.UniqueConstraint(
            "platform", "workspace", "user_id", name=op.f("uq_chat_identities_platform_workspace_user_id")
        ),
    )
    op.create_table(
        "tickets",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("organization_id", BIG_ID, nullable=False),
        sa.Column("reporter_id", BIG_ID, nullable=False),
        sa.Column("assignee_id", BIG_ID, nullable=True),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column(
            "description",
            sa.Text().with_variant(mysql.MEDIUMTEXT(), "mariadb").with_variant(mysql.MEDIUMTEXT(), "mysql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=4), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("resolved_at", UTC_DATETIME, nullable=True),
        sa.Column("closed_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["agents.id"], name=op.f("fk_tickets_assignee_id_agents"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_tickets_organization_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["contacts.id"], name=op.f("fk_tickets_reporter_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("key", name=op.f("uq_tickets_key")),
    )
    op.create_index(
        op.f("ix_tickets_assignee_id_status_id"), "tickets", ["assignee_id", "status", "id"], unique=False
    )
    op.create_index(op.f("ix_tickets_organization_id_id"), "tickets", ["organization_id", "id"], unique=False)
    op.create_index(
        op.f("ix_tickets_organization_id_updated_at"),
        "tickets",
        ["organization_id", "updated_at"],
        unique=False,
    )
    op.create_index(op.f("ix_tickets_reporter_id_id"), "tickets", ["reporter_id", "id"], unique=False)
    op.create_index(op.f("ix_tickets_status_id"), "tickets", ["status", "id"], unique=False)

    op.create_table(
        "comments",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("ticket_id", BIG_ID, nullable=False),
        sa.Column(
            "body",
            sa.Text().with_variant(mysql.MEDIUMTEXT(), "mariadb").with_variant(mysql.MEDIUMTEXT(), "mysql"),
            nullable=False,
        ),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("author_kind", sa.String(length=16), nullable=False),
        sa.Column("author_contact_id", BIG_ID, nullable=True),
        sa.Column("author_agent_id", BIG_ID, nullable=True),
        sa.Column("author_chat_id", BIG_ID, nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("author_email", sa.String(length=320), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("edited_at", UTC_DATETIME, nullable=True),
        sa.Column("deleted_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["author_agent_id"],
            ["agents.id"],
            name=op.f("fk_comments_author_agent_id_agents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_chat_id"],
            ["chat_identities.id"],
            name=op.f("fk_comments_author_chat_id_chat_identities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_contact_id"],
            ["contacts.id"],
            name=op.f("fk_comments_author_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_comments_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    op.create_index(op.f("ix_comments_ticket_id_id"), "comments", ["ticket_id", "id"], unique=False)

    op.create_table(
        "ticket_threads",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("ticket_id", BIG_ID, nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=191), nullable=False),
        sa.Column("thread_root", sa.String(length=191), nullable=True),
        sa.Column("confirmation_message", sa.String(length=191), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_threads_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_threads")),
        sa.UniqueConstraint(
            "platform",
            "workspace",
            "channel",
            "thread_root",
            name=op.f("uq_ticket_threads_platform_workspace_channel_thread_root"),
        ),
    )
    op.create_index(
        op.f("ix_ticket_threads_ticket_id_platform"),
        "ticket_threads",
        ["ticket_id", "platform"],
        unique=False,
    )

    op.create_table(
        "attachments",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("ticket_id", BIG_ID, nullable=False),
        sa.Column("comment_id", BIG_ID, nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column(
            "content",
            sa.LargeBinary()
            .with_variant(mysql.LONGBLOB(), "mariadb")
            .with_variant(mysql.LONGBLOB(), "mysql"),
            nullable=True,
        ),
        sa.Column("external_url", sa.String(length=2000), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_attachments_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_attachments_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index(op.f("ix_attachments_comment_id"), "attachments", ["comment_id"], unique=False)
    op.create_index(op.f("ix_attachments_ticket_id"), "attachments", ["ticket_id"], unique=False)

    op.create_table(
        "chat_messages",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("workspace", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=191), nullable=False),
        sa.Column("message_id", sa.String(length=191), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("ticket_id", BIG_ID, nullable=True),
        sa.Column("comment_id", BIG_ID, nullable=True),
        sa.Column("thread_id", BIG_ID, nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_chat_messages_comment_id_comments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["ticket_threads.id"],
            name=op.f("fk_chat_messages_thread_id_ticket_threads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_chat_messages_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
        sa.UniqueConstraint(
            "platform",
            "workspace",
            "channel",
            "message_id",
            name=op.f("uq_chat_messages_platform_workspace_channel_message_id"),
        ),
    )
    op.create_index(op.f("ix_chat_messages_comment_id"), "chat_messages", ["comment_id"], unique=False)
    op.create_index(op.f("ix_chat_messages_ticket_id"), "chat_messages", ["ticket_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_chat_messages_ticket_id"), table_name="chat_messages")
    op.drop_index(op.f("ix_chat_messages_comment_id"), table_name="chat_messages")

    op.drop_table("chat_messages")
    op.drop_index(op.f("ix_attachments_ticket_id"), table_name="attachments")
    op.drop_index(op.f("ix_attachments_comment_id"), table_name="attachments")

    op.drop_table("attachments")
    op.drop_index(op.f("ix_ticket_threads_ticket_id_platform"), table_name="ticket_threads")

    op.drop_table("ticket_threads")
    op.drop_index(op.f("ix_comments_ticket_id_id"), table_name="comments")

    op.drop_table("comments")
    op.drop_index(op.f("ix_tickets_status_id"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_reporter_id_id"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_organization_id_updated_at"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_organization_id_id"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_assignee_id_status_id"), table_name="tickets")

    op.drop_table("tickets")
    op.drop_table("chat_identities")
    op.drop_table("organization_domains")
    op.drop_index(op.f("ix_feature_requests_status_id"), table_name="feature_requests")

    op.drop_table("feature_requests")
    op.drop_table("feature_grants")
    op.drop_index(op.f("ix_contacts_organization_id"), table_name="contacts")

    op.drop_table("contacts")
    op.drop_index(op.f("ix_channel_links_organization_id"), table_name="channel_links")

    op.drop_table("channel_links")
    op.drop_index(op.f("ix_api_tokens_agent_id"), table_name="api_tokens")

    op.drop_table("api_tokens")
    op.drop_table("webhook_subscriptions")
    op.drop_index(op.f("ix_outbox_jobs_status_id"), table_name="outbox_jobs")
    op.drop_index(op.f("ix_outbox_jobs_destination_status_id"), table_name="outbox_jobs")

    op.drop_table("outbox_jobs")
    op.drop_index(op.f("ix_outbox_destinations_channel_next_run_at"), table_name="outbox_destinations")

    op.drop_table("outbox_destinations")
    op.drop_table("organizations")
    op.drop_table("key_counters")
    op.drop_index(op.f("ix_inbound_receipts_received_at"), table_name="inbound_receipts")

    op.drop_table("inbound_receipts")
    op.drop_table("agents")
