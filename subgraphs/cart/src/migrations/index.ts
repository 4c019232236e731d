import { Migration20261126000300_carts } from './Migration20261126000300_carts';
import { Migration20261128000300_product_activations } from './Migration20261128000300_product_activations';

export const migrations = [
  { name: 'Migration20261126000300_carts', class: Migration20261126000300_carts },
  { name: 'Migration20261128000300_product_activations', class: Migration20261128000300_product_activations },
];
