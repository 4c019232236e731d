import { Migration } from '@mikro-orm/migrations';

export class Migration20261126000600_checkouts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "checkouts" (
        "id" uuid primary key,
        "order_id" uuid not null unique,
        "customer_id" varchar(128) not null,
        "email" varchar(254) null,
        "idempotency_key" varchar(100) null,
        "status" varchar(32) not null,
        "failure_reason" text null,
        "lines" jsonb not null,
        "total" numeric(18,4) not null,
        "currency" char(3) not null,
        "payment_token" varchar(100) not null,
        "payment_ref" varchar(100) null,
        "refund_requested" boolean not null,
        "order_cancelled" boolean not null,
        "deadline_at" timestamptz null,
        "sequence" int not null,
        "version" int not null,
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null
      );`);
    // At most one checkout in progress per customer, whatever races: the database says so.
    this.addSql(
      `create unique index "checkouts_one_in_progress" on "checkouts" ("customer_id") where "status" not in ('COMPLETED', 'FAILED');`,
    );
    this.addSql(
      `create unique index "checkouts_idempotency_key" on "checkouts" ("customer_id", "idempotency_key") where "idempotency_key" is not null;`,
    );
    this.addSql(`create index "checkouts_customer_created" on "checkouts" ("customer_id", "created_at" desc, "id" desc);`);
    this.addSql(`create index "checkouts_overdue" on "checkouts" ("deadline_at") where "deadline_at" is not null;`);
    this.addSql(`
      create table "checkout_transitions" (
        "checkout_id" uuid not null references "checkouts" ("id") deferrable initially deferred,
        "sequence" int not null,
        "status" varchar(32) not null,
        "at" timestamptz not null,
        primary key ("checkout_id", "sequence")
      );`);
    this.addSql(`
      create table "saga_events" (
        "id" bigserial primary key,
        "checkout_id" uuid not null,
        "event_type" varchar(64) not null,
        "event_id" uuid null,
        "outcome" text not null,
        "at" timestamptz not null
      );`);
    this.addSql(`create index "saga_events_checkout" on "saga_events" ("checkout_id", "id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "saga_events";`);
    this.addSql(`drop table if exists "checkout_transitions";`);
    this.addSql(`drop table if exists "checkouts";`);
  }
}
