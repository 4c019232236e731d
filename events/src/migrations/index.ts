import { Migration20261201000000_dead_letters } from '../dead-letters/Migration20261201000000_dead_letters';
import { Migration20261126000000_messaging } from './Migration20261126000000_messaging';

/** The messaging tables every service's database needs; list them before the service's own. */
export const messagingMigrations = [
  { name: 'Migration20261126000000_messaging', class: Migration20261126000000_messaging },
  { name: 'Migration20261201000000_dead_letters', class: Migration20261201000000_dead_letters },
];
