import { Migration } from '@mikro-orm/migrations';

/** The dead-letter store the dead-letter tool moves messages into, in every service's own database. */
export class Migration20261201000000_dead_letters extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "dead_letters" (
        "id" bigserial primary key,
        "fingerprint" char(64) not null unique,
        "queue" varchar(255) not null,
        "message_id" varchar(255) null,
        "event_id" varchar(255) null,
        "event_type" varchar(255) null,
        "message_timestamp" timestamptz null,
        "origin_queue" varchar(255) null,
        "origin_exchange" varchar(255) null,
        "origin_routing_key" varchar(255) null,
        "reason" text null,
        "attempts" int null,
        "headers" jsonb not null,
        "body" bytea not null,
        "dead_lettered_at" timestamptz null,
        "moved_at" timestamptz not null default now(),
        "resolution" varchar(16) null check ("resolution" in ('replayed', 'purged')),
        "resolved_at" timestamptz null
      );`);
    // What the unresolved gauge counts at every scrape, and what `list` shows first.
    this.addSql(`create index "dead_letters_unresolved_idx" on "dead_letters" ("queue", "id") where "resolution" is null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "dead_letters";`);
  }
}
