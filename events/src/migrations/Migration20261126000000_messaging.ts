import { Migration } from '@mikro-orm/migrations';

/** The outbox and the inbox, in every service's own database. */
export class Migration20261126000000_messaging extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "outbox" (
        "id" bigserial primary key,
        "message_id" uuid not null unique,
        "message_type" varchar(255) not null,
        "exchange" varchar(255) not null,
        "routing_key" varchar(255) not null,
        "mandatory" boolean not null,
        "aggregate_key" varchar(255) not null,
        "payload" jsonb not null,
        "headers" jsonb not null,
        "created_at" timestamptz not null default now(),
        "available_at" timestamptz not null default now(),
        "attempts" int not null default 0,
        "last_error" text null,
        "sent_at" timestamptz null
      );`);
    this.addSql(`create index "outbox_pending_idx" on "outbox" ("id") where "sent_at" is null;`);
    this.addSql(`create index "outbox_pending_aggregate_idx" on "outbox" ("aggregate_key", "id") where "sent_at" is null;`);
    this.addSql(`create index "outbox_sent_at_idx" on "outbox" ("sent_at") where "sent_at" is not null;`);
    // One notification per inserting statement wakes the relay at once; polling is the fallback.
    this.addSql(`
      create function "outbox_notify"() returns trigger language plpgsql as $$
      begin
        perform pg_notify('outbox_pending', '');
        return null;
      end $$;`);
    this.addSql(`create trigger "outbox_notify" after insert on "outbox" for each statement execute function "outbox_notify"();`);
    this.addSql(`
      create table "processed_events" (
        "consumer" varchar(255) not null,
        "event_id" uuid not null,
        "processed_at" timestamptz not null default now(),
        primary key ("consumer", "event_id")
      );`);
    this.addSql(`create index "processed_events_processed_at_idx" on "processed_events" ("processed_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "processed_events";`);
    this.addSql(`drop trigger if exists "outbox_notify" on "outbox";`);
    this.addSql(`drop function if exists "outbox_notify"();`);
    this.addSql(`drop table if exists "outbox";`);
  }
}
