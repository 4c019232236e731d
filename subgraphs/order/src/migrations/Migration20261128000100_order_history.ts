import { Migration } from '@mikro-orm/migrations';

export class Migration20261128000100_order_history extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "order_transitions" (
        "order_id" uuid not null references "orders" ("id") deferrable initially deferred,
        "sequence" int not null,
        "status" varchar(16) not null check ("status" in ('PAID', 'SHIPPED', 'FAILED', 'REFUNDED')),
        "at" timestamptz not null,
        primary key ("order_id", "sequence")
      );`);
    // Orders from before the history: their past is unknown, their current status is its one entry.
    this.addSql(`
      insert into "order_transitions" ("order_id", "sequence", "status", "at")
      select "id", "version", "status", "updated_at" from "orders";`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "order_transitions";`);
  }
}
