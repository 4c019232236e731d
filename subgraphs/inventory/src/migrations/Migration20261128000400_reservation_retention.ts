import { Migration } from '@mikro-orm/migrations';

export class Migration20261128000400_reservation_retention extends Migration {
  override async up(): Promise<void> {
    // Retention: finished reservations are deleted once untouched for the retention window.
    this.addSql(`create index "reservations_finished_updated_at_idx" on "reservations" ("updated_at") where "status" <> 'RESERVED';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "reservations_finished_updated_at_idx";`);
  }
}
