import { Migration20261126000200_stock } from './Migration20261126000200_stock';
import { Migration20261128000400_reservation_retention } from './Migration20261128000400_reservation_retention';

export const migrations = [
  { name: 'Migration20261126000200_stock', class: Migration20261126000200_stock },
  { name: 'Migration20261128000400_reservation_retention', class: Migration20261128000400_reservation_retention },
];
