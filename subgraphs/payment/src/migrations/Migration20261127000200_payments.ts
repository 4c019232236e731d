import { Migration } from '@mikro-orm/migrations';

export class Migration20261127000200_payments extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "payments" (
        "ref" varchar(100) primary key,
        "checkout_id" uuid not null unique,
        "order_id" uuid not null unique,
        "customer_id" varchar(128) not null,
        "amount" numeric(18,4) not null check ("amount" >= 0),
        "currency" char(3) not null,
        "status" varchar(16) not null check ("status" in ('PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDED')),
        "failure_reason" varchar(500) null,
        "due_at" timestamptz null,
        "refund_ref" varchar(100) null,
        "refunded_at" timestamptz null,
        "version" int not null,
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null
      );`);
    // What the slow-payment worker polls: only pending payments that will complete.
    this.addSql(`create index "payments_due_idx" on "payments" ("due_at") where "status" = 'PENDING' and "due_at" is not null;`);
    this.addSql(`
      create table "refund_requests" (
        "checkout_id" uuid primary key,
        "order_id" uuid not null,
        "requested_by" varchar(8) not null check ("requested_by" in ('saga', 'admin')),
        "created_at" timestamptz not null
      );`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "refund_requests";`);
    this.addSql(`drop table if exists "payments";`);
  }
}
