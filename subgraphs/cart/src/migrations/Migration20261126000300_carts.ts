import { Migration } from '@mikro-orm/migrations';

export class Migration20261126000300_carts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "carts" (
        "customer_id" varchar(128) primary key,
        "last_active_at" timestamptz not null,
        "version" int not null,
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null
      );`);
    this.addSql(`create index "carts_last_active_at_idx" on "carts" ("last_active_at");`);
    this.addSql(`
      create table "cart_lines" (
        "customer_id" varchar(128) not null references "carts" ("customer_id") on delete cascade,
        "sku" varchar(64) not null,
        "quantity" int not null check ("quantity" between 1 and 999),
        "unit_price" numeric(18,4) not null check ("unit_price" >= 0),
        "currency" char(3) not null,
        "price_sequence" int not null,
        "added_at" timestamptz not null,
        primary key ("customer_id", "sku")
      );`);
    // Price changes and deactivations reach every cart holding a SKU.
    this.addSql(`create index "cart_lines_sku_idx" on "cart_lines" ("sku");`);
    this.addSql(`
      create table "product_prices" (
        "sku" varchar(64) primary key,
        "price" numeric(18,4) not null,
        "currency" char(3) not null,
        "sequence" int not null
      );`);
    this.addSql(`
      create table "checked_out_orders" (
        "order_id" uuid primary key,
        "customer_id" varchar(128) not null,
        "status" varchar(16) not null check ("status" in ('REMOVED', 'RESTORED')),
        "taken" jsonb not null,
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null
      );`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "checked_out_orders";`);
    this.addSql(`drop table if exists "product_prices";`);
    this.addSql(`drop table if exists "cart_lines";`);
    this.addSql(`drop table if exists "carts";`);
  }
}
