"""A PostgreSQL database holding 1,000,000 tickets across 2,000 organizations, for bench/help_bench.py.

    uv run python bench/help_seed.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/assistdesk_bench]

Made once and reused: the database is created when missing, migrated to the revision before the
search migration, filled with COPY in one transaction, then migrated to the newest revision (so the
text index is built the way an upgrade of a large installation builds it), vacuumed and analysed.
A database that already holds the tickets is only brought to the newest revision.

Shape (a desk three years old): organization 1 ("Bigcorp") holds 200,000 tickets and 2,000 contacts;
the 1,999 others share 800,000 tickets, five contacts each. Ticket ids follow creation time; the newest
3% are mostly open, in progress or waiting, older ones mostly resolved or closed; half the open ones
are unassigned, the rest spread over 40 agents. One ticket in ten is written in Japanese. Texts are
drawn from topics with fixed frequencies, so the bench knows how common each search word is
(`SEARCH_WORDS`); descriptions are about 260 characters long. Each ticket has 0-2 comments
(1,000,000 in all).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from alembic import command
from psycopg import sql
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistdesk.db import migrate
from assistdesk.db.engine import build_engine

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/assistdesk_bench"
SEED_REVISION = "0003"  # the schema the rows are copied into; later revisions build on top of them
TICKETS = 1_000_000
ORGS = 2_000
BIG_ORG_TICKETS = 200_000
BIG_ORG_CONTACTS = 2_000
CONTACTS_PER_ORG = 5
AGENTS = 40
PREFIX = "SUP"
JAPANESE_SHARE = 0.1
RECENT_SHARE = 0.03
START = datetime(2023, 11, 1, tzinfo=UTC)
SPAN = timedelta(days=3 * 365)

BIG_ORG_ADMIN = "admin@org0001.example"
BIG_ORG_USER = "user0001@org0001.example"

# (weight, English title, English description, Japanese title, Japanese description)
TOPICS: list[tuple[float, str, str, str, str]] = [
    (8, "Login fails for {user}", "After the SSO change {user} cannot sign in; the page says the session expired.",
     "{user} がログインできません", "SSO の設定変更後、{user} がサインインできません。セッション切れと表示されます。"),
    (6, "Disk full on {host}", "Since this morning the disk is full on {host} and writes fail with ENOSPC.",
     "{host} のディスクが満杯です", "今朝から {host} のディスクが満杯で、書き込みが失敗しています。"),
    (5, "Invoice {n} is wrong", "The invoice {n} lists {m} seats but we only have {k} users.",
     "請求書 {n} の金額が違います", "請求書 {n} に {m} 席と記載されていますが、利用者は {k} 名です。"),
    (7, "Export to CSV times out", "Exporting {m} rows to CSV stops after 30 seconds with a timeout on {host}.",
     "CSV エクスポートがタイムアウトします", "{m} 行の CSV エクスポートが 30 秒で止まります。"),
    (6, "Webhook deliveries delayed", "Webhook deliveries to {host} arrive {m} minutes late since yesterday.",
     "Webhook の配信が遅れています", "{host} への Webhook 配信が昨日から {m} 分遅れて届きます。"),
    (5, "Password reset mail not received", "{user} asked for a password reset twice; no mail arrived.",
     "パスワード再設定のメールが届きません", "{user} が二回パスワード再設定を依頼しましたがメールが届きません。"),
    (5, "Slow dashboard", "The dashboard takes {m} seconds to load for our team in region {k}.",
     "ダッシュボードが遅い", "リージョン {k} のチームでダッシュボードの表示に {m} 秒かかります。"),
    (4, "API returns 500 on /orders", "GET /orders?page={k} returns HTTP 500 for our account, request id {n}.",
     "API が /orders で 500 を返します", "GET /orders?page={k} が HTTP 500 を返します。リクエスト ID {n}。"),
    (4, "Add {m} seats to our plan", "Please add {m} seats to the subscription before the next billing cycle.",
     "{m} 席の追加をお願いします", "次回の請求サイクルの前に {m} 席を追加してください。"),
    (4, "Cannot upload attachments", "Uploading a PDF larger than {m} MB fails with a network error on {host}.",
     "添付ファイルをアップロードできません", "{m} MB を超える PDF のアップロードがネットワークエラーで失敗します。"),
    (3, "Two-factor codes rejected", "{user} gets 'invalid code' for every two-factor code since the phone changed.",
     "二段階認証のコードが拒否されます", "端末の変更後、{user} の二段階認証コードがすべて無効と表示されます。"),
    (3, "Report shows wrong totals", "The monthly report for {k} shows totals that differ from the export by {m}.",
     "レポートの合計が合いません", "{k} 月のレポートの合計がエクスポートと {m} 違います。"),
    (3, "Integration with Salesforce broken", "Sync with Salesforce stopped at record {n}; the log says quota exceeded.",
     "Salesforce 連携が止まりました", "Salesforce との同期がレコード {n} で止まりました。"),
    (2, "Feature request: dark mode", "Several of our {m} users would like a dark mode in the web app.",
     "機能要望:ダークモード", "{m} 名の利用者の何人かがダークモードを希望しています。"),
    (2, "Mobile app crashes on start", "The iOS app crashes on start since version 4.{k}; crash id {n}.",
     "モバイルアプリが起動時に落ちます", "バージョン 4.{k} から iOS アプリが起動時にクラッシュします。"),
    (0.05, "Kerberos ticket rejected on {host}", "Our Kerberos realm rejects the service ticket for {host}.",
     "{host} で Kerberos チケットが拒否されます", "{host} のサービスチケットが Kerberos レルムに拒否されます。"),
]  # fmt: skip
TOPIC_WEIGHTS = [t[0] for t in TOPICS]
_WEIGHT_SUM = sum(TOPIC_WEIGHTS)


def _share(topic: int, *, japanese: bool) -> float:
    return TOPIC_WEIGHTS[topic] / _WEIGHT_SUM * (JAPANESE_SHARE if japanese else 1 - JAPANESE_SHARE)


SEARCH_WORDS = {
    "kerberos": _share(-1, japanese=False),
    "invoice": _share(2, japanese=False),
    "disk full": _share(1, japanese=False),
    "請求書": _share(2, japanese=True),
}
SEARCH_WORDS_SHORT = _share(1, japanese=True)  # "満杯", too short for a trigram

# Sentences that pad descriptions to a support desk's usual length; none holds a searched word.
DETAILS_EN = [
    "It started after the update on Tuesday.",
    "We tried another browser and cleared the cache, with the same result.",
    "About twenty people in the finance team are affected.",
    "Steps to reproduce: sign in, open the settings page, press save.",
    "The error does not appear every time, roughly once an hour.",
    "Environment: Windows 11, Chrome 131, corporate proxy.",
    "This blocks our month-end closing, so it is urgent for us.",
    "Screenshots are attached to the first comment.",
    "Our administrator checked the configuration and found nothing unusual.",
    "Could you tell us whether this is a known problem and when a fix is expected?",
    "We did not change anything on our side recently.",
    "The same thing happened last quarter and went away by itself.",
]
DETAILS_JA = [
    "火曜日のアップデート後から発生しています。",
    "別のブラウザでも試しましたが、結果は同じでした。",
    "経理チームの約二十名が影響を受けています。",
    "再現手順:サインインして設定画面を開き、保存を押します。",
    "毎回ではなく、一時間に一度ほど発生します。",
    "環境:Windows 11、Chrome 131、社内プロキシ経由。",
    "月末の締め処理が止まっているため至急対応をお願いします。",
    "スクリーンショットを最初のコメントに添付しました。",
]

COMMENTS = [
    "Thanks, we are looking into it.",
    "Could you send the exact time it happened and a screenshot?",
    "It happened again at {k}:00 today.",
    "A fix is deployed; please try again.",
    "確認しています。少々お待ちください。",
    "再現手順を教えていただけますか。",
]


def ensure_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
            ).first()
            if exists is None:
                # A UTF-8 LC_CTYPE, so that pg_trgm makes trigrams of Japanese (see search.py).
                conn.execute(
                    text(
                        f"CREATE DATABASE \"{target.database}\" TEMPLATE template0 ENCODING 'UTF8'"
                        " LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
                    )
                )
    finally:
        admin.dispose()


def is_seeded(url: str) -> bool:
    engine = build_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            if not conn.execute(text("SELECT to_regclass('key_counters')")).scalar():
                return False
            value = conn.execute(
                text("SELECT value FROM key_counters WHERE name = :p"), {"p": PREFIX}
            ).scalar()
            return bool(value and value >= TICKETS)
    finally:
        engine.dispose()


def seed(url: str) -> None:
    engine = build_engine(url, pool_size=1)
    try:
        with engine.begin() as conn:
            command.upgrade(migrate.alembic_config(conn), SEED_REVISION)
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        began = time.perf_counter()
        with psycopg.connect(dsn) as pg:
            fill(pg)
        print(f"copied in {time.perf_counter() - began:,.0f} s; migrating to the newest revision", flush=True)
        began = time.perf_counter()
        migrate.upgrade(engine)
        print(f"migrated in {time.perf_counter() - began:,.0f} s; vacuuming", flush=True)
        with psycopg.connect(dsn, autocommit=True) as pg:
            pg.execute("VACUUM ANALYZE")
    finally:
        engine.dispose()


def fill(pg: psycopg.Connection) -> None:
    rnd = random.Random(5)
    now = START
    with pg.cursor() as cur:
        with cur.copy(
            "COPY organizations (id, name, name_key, plan, created_at, updated_at) FROM STDIN"
        ) as copy:
            for o in range(1, ORGS + 1):
                name = "Bigcorp" if o == 1 else f"Org {o:04d}"
                copy.write_row((o, name, name.lower(), "premium" if o % 3 else "standard", now, now))
        contacts_of: dict[int, list[int]] = {}
        with cur.copy(
            "COPY contacts (id, organization_id, email, name, is_admin, created_at) FROM STDIN"
        ) as copy:
            cid = 0
            for o in range(1, ORGS + 1):
                count = BIG_ORG_CONTACTS if o == 1 else CONTACTS_PER_ORG
                contacts_of[o] = []
                cid += 1
                copy.write_row((cid, o, f"admin@org{o:04d}.example", f"Admin {o}", True, now))
                contacts_of[o].append(cid)
                for c in range(1, count):
                    cid += 1
                    copy.write_row(
                        (cid, o, f"user{c:04d}@org{o:04d}.example", f"User {c} of {o}", False, now)
                    )
                    contacts_of[o].append(cid)
        with cur.copy("COPY agents (id, email, name, is_admin, active, created_at) FROM STDIN") as copy:
            for a in range(1, AGENTS + 1):
                copy.write_row((a, f"agent{a:02d}@vendor.example", f"Agent {a}", a == 1, True, now))
        with cur.copy(
            "COPY tickets (id, key, organization_id, reporter_id, assignee_id, title, description, status,"
            " severity, source, created_at, updated_at, resolved_at, closed_at) FROM STDIN"
        ) as copy:
            for row in _tickets(rnd, contacts_of):
                copy.write_row(row)
        with cur.copy(
            "COPY comments (ticket_id, body, public, source, author_kind, author_agent_id, author_name,"
            " created_at) FROM STDIN"
        ) as copy:
            for ticket_id in range(1, TICKETS + 1):
                for c in range(ticket_id % 3):
                    agent = 1 + (ticket_id + c) % AGENTS
                    body = rnd.choice(COMMENTS).format(k=rnd.randint(8, 18))
                    at = START + SPAN * (ticket_id / TICKETS) + timedelta(hours=c + 1)
                    copy.write_row((ticket_id, body, c != 1, "console", "agent", agent, f"Agent {agent}", at))
        for table in ("organizations", "contacts", "agents", "tickets", "comments"):
            cur.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({name}, 'id'), (SELECT max(id) FROM {table}))"
                ).format(name=sql.Literal(table), table=sql.Identifier(table))
            )
        cur.execute("INSERT INTO key_counters (name, value) VALUES (%s, %s)", (PREFIX, TICKETS))


def _tickets(rnd: random.Random, contacts_of: dict[int, list[int]]) -> Iterator[tuple[object, ...]]:
    statuses_recent = (["open"] * 35, ["in_progress"] * 25, ["waiting_on_customer"] * 15, ["resolved"] * 15)
    recent = [s for group in statuses_recent for s in group] + ["closed"] * 10
    older = ["closed"] * 85 + ["resolved"] * 12 + ["waiting_on_customer", "open", "in_progress"]
    severities = ["S1"] + ["S2"] * 3 + ["S3"] * 10 + ["S4"] * 6
    sources = ["portal"] * 5 + ["slack"] * 3 + ["lark"] * 2 + ["email"] * 3 + ["api"]
    big_share = BIG_ORG_TICKETS / TICKETS
    for tid in range(1, TICKETS + 1):
        org = 1 if rnd.random() < big_share else rnd.randint(2, ORGS)
        reporter = rnd.choice(contacts_of[org])
        status = rnd.choice(recent if tid > TICKETS * (1 - RECENT_SHARE) else older)
        assignee: int | None = rnd.randint(1, AGENTS)
        if status == "open" and rnd.random() < 0.5:
            assignee = None
        topic = rnd.choices(TOPICS, weights=TOPIC_WEIGHTS)[0]
        japanese = rnd.random() < JAPANESE_SHARE
        fill_in = {
            "user": f"user{rnd.randint(1, 999):03d}",
            "host": f"{rnd.choice(['db', 'web', 'app', 'mq', 'cache'])}-{rnd.randint(1, 40)}",
            "n": rnd.randint(10_000, 99_999),
            "m": rnd.randint(2, 500),
            "k": rnd.randint(1, 12),
        }
        title = (topic[3] if japanese else topic[1]).format(**fill_in)
        details = rnd.sample(DETAILS_JA if japanese else DETAILS_EN, rnd.randint(2, 5))
        description = " ".join([(topic[4] if japanese else topic[2]).format(**fill_in), *details])
        created = START + SPAN * (tid / TICKETS)
        updated = created + timedelta(minutes=rnd.randint(1, 20_000))
        resolved = updated if status in ("resolved", "closed") else None
        closed = updated if status == "closed" else None
        yield (
            tid, f"{PREFIX}-{tid}", org, reporter, assignee, title, description, status,
            rnd.choice(severities), rnd.choice(sources), created, updated, resolved, closed,
        )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=DEFAULT_URL)
    args = parser.parse_args()
    ensure_database(args.url)
    if not is_seeded(args.url):
        seed(args.url)
        return
    print("already seeded")
    engine = build_engine(args.url, pool_size=1)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
