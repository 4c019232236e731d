import { Migration } from '@mikro-orm/migrations';

export class Migration20261128000200_emails extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "emails" (
        "id" serial primary key,
        "dedup_key" varchar(255) not null unique,
        "kind" varchar(32) not null check ("kind" in ('ORDER_CONFIRMATION', 'ORDER_SHIPPED', 'ORDER_REFUNDED', 'LOW_STOCK')),
        "recipient" varchar(320) not null,
        "subject" varchar(255) not null,
        "text" text not null,
        "html" text not null,
        "order_id" uuid null,
        "sku" varchar(64) null,
        "status" varchar(8) not null check ("status" in ('PENDING', 'SENT', 'FAILED')),
        "sender" varchar(16) null,
        "attempts" int not null,
        "next_attempt_at" timestamptz not null,
        "last_error" text null,
        "created_at" timestamptz not null,
        "sent_at" timestamptz null
      );`);
    this.addSql(`create index "emails_pending_idx" on "emails" ("next_attempt_at") where "status" = 'PENDING';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "emails";`);
  }
}
