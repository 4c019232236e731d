import { Migration } from '@mikro-orm/migrations';

export class Migration20261126000100_products extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "products" (
        "sku" varchar(64) primary key,
        "name" varchar(200) not null,
        "description" text null,
        "price" numeric(18,4) not null check ("price" >= 0),
        "currency" char(3) not null,
        "active" boolean not null,
        "version" int not null,
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null
      );`);
    this.addSql(`create index "products_name_idx" on "products" (lower("name"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "products";`);
  }
}
