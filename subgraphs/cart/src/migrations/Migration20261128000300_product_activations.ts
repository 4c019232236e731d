import { Migration } from '@mikro-orm/migrations';

export class Migration20261128000300_product_activations extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "product_activations" (
        "sku" varchar(64) primary key,
        "active" boolean not null,
        "sequence" int not null
      );`);
    // Retention: checked-out orders are deleted once untouched for the retention window.
    this.addSql(`create index "checked_out_orders_updated_at_idx" on "checked_out_orders" ("updated_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "checked_out_orders_updated_at_idx";`);
    this.addSql(`drop table if exists "product_activations";`);
  }
}
