import { Migration } from '@mikro-orm/migrations';

export class Migration20261128000100_analytics extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "orders" (
        "order_id" uuid primary key,
        "checkout_id" uuid not null,
        "customer_id" varchar(128) not null,
        "total" numeric(18,4) null,
        "currency" char(3) null,
        "lines" jsonb null,
        "placed_at" timestamptz null,
        "paid" boolean not null,
        "failed" boolean not null
      );`);
    this.addSql(`create index "orders_placed_at_idx" on "orders" ("placed_at");`);
    this.addSql(`create index "orders_checkout_id_idx" on "orders" ("checkout_id");`);
    this.addSql(`
      create table "checkouts" (
        "checkout_id" uuid primary key,
        "order_id" uuid not null,
        "customer_id" varchar(128) not null,
        "started_at" timestamptz not null
      );`);
    this.addSql(`create index "checkouts_started_at_idx" on "checkouts" ("started_at");`);
    this.addSql(`
      create table "refunds" (
        "refund_ref" varchar(100) primary key,
        "order_id" uuid not null,
        "checkout_id" uuid not null,
        "amount" numeric(18,4) not null,
        "currency" char(3) not null,
        "requested_by" varchar(8) not null check ("requested_by" in ('saga', 'admin')),
        "refunded_at" timestamptz not null
      );`);
    this.addSql(`create index "refunds_refunded_at_idx" on "refunds" ("refunded_at");`);
    this.addSql(`
      create table "expired_carts" (
        "event_id" uuid primary key,
        "customer_id" varchar(128) not null,
        "units" int not null,
        "expired_at" timestamptz not null
      );`);
    this.addSql(`create index "expired_carts_expired_at_idx" on "expired_carts" ("expired_at");`);
    this.addSql(`
      create table "low_stock_alerts" (
        "event_id" uuid primary key,
        "sku" varchar(64) not null,
        "current_quantity" int not null,
        "threshold" int not null,
        "at" timestamptz not null
      );`);
    this.addSql(`create index "low_stock_alerts_at_idx" on "low_stock_alerts" ("at");`);
  }

  override async down(): Promise<void> {
    for (const table of ['low_stock_alerts', 'expired_carts', 'refunds', 'checkouts', 'orders'])
      this.addSql(`drop table if exists "${table}";`);
  }
}
