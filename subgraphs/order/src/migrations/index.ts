import { Migration20261127000100_orders } from './Migration20261127000100_orders';
import { Migration20261128000100_order_history } from './Migration20261128000100_order_history';

export const migrations = [
  { name: 'Migration20261127000100_orders', class: Migration20261127000100_orders },
  { name: 'Migration20261128000100_order_history', class: Migration20261128000100_order_history },
];
