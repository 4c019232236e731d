import { Migration } from '@mikro-orm/migrations';

export class Migration20261126000200_stock extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "stock_items" (
        "sku" varchar(64) primary key,
        "available" int not null check ("available" >= 0),
        "reserved" int not null check ("reserved" >= 0),
        "sold" int not null check ("sold" >= 0),
        "low_stock_threshold" int not null check ("low_stock_threshold" >= 0),
        "version" int not null,
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null
      );`);
    this.addSql(`
      create table "reservations" (
        "id" uuid primary key,
        "order_id" uuid not null,
        "status" varchar(16) not null check ("status" in ('RESERVED', 'REFUSED', 'RELEASED', 'CONFIRMED')),
        "lines" jsonb not null,
        "version" int not null,
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null
      );`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "reservations";`);
    this.addSql(`drop table if exists "stock_items";`);
  }
}
