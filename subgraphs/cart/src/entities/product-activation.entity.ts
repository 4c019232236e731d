import { type InferEntity, defineEntity, p } from '@mikro-orm/core';

/**
 * The newest ProductDeactivated or ProductReactivated applied per SKU (by the product's sequence),
 * so that whichever of the two arrives late, the cart follows the newer: a deactivation older than
 * a reactivation already applied drops no lines.
 */
export const ProductActivation = defineEntity({
  name: 'ProductActivation',
  tableName: 'product_activations',
  properties: {
    sku: p.string().primary(),
    active: p.boolean(),
    sequence: p.integer(),
  },
});

export type ProductActivation = InferEntity<typeof ProductActivation>;
