import { Migration } from '@mikro-orm/migrations';

export class Migration20261127000100_orders extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "orders" (
        "id" uuid primary key,
        "checkout_id" uuid not null unique,
        "customer_id" varchar(128) not null,
        "email" varchar(254) null,
        "status" varchar(16) not null check ("status" in ('PAID', 'SHIPPED', 'FAILED', 'REFUNDED')),
        "lines" jsonb not null,
        "total" numeric(18,4) not null check ("total" >= 0),
        "currency" char(3) not null,
        "payment_ref" varchar(100) not null,
        "tracking_number" varchar(100) null,
        "refund_requested_at" timestamptz null,
        "version" int not null,
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null
      );`);
    // Keyset pages, newest first: a customer's own orders, and every order (of one status) for admins.
    this.addSql(`create index "orders_customer_created_idx" on "orders" ("customer_id", "created_at" desc, "id" desc);`);
    this.addSql(`create index "orders_created_idx" on "orders" ("created_at" desc, "id" desc);`);
    this.addSql(`create index "orders_status_created_idx" on "orders" ("status", "created_at" desc, "id" desc);`);
    this.addSql(`
      create table "order_cancellations" (
        "order_id" uuid primary key,
        "checkout_id" uuid not null,
        "reason" varchar(500) not null,
        "created_at" timestamptz not null
      );`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "order_cancellations";`);
    this.addSql(`drop table if exists "orders";`);
  }
}
