import { Migration20261127000100_orders } from './Migration20261127000100_orders';

export const migrations = [{ name: 'Migration20261127000100_orders', class: Migration20261127000100_orders }];
