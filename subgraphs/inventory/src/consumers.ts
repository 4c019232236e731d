import { ConfirmStock, ProductCreated, ReleaseStock, ReserveStock, on } from '@shop/events';
import { confirmStock, releaseStock, reserveStock } from './reservations';
import { createEmptyStock } from './stock';

export const subscriptions = [
  on(ProductCreated, ({ data }, { em }) => createEmptyStock(em, data.sku)),
  on(ReserveStock, ({ data }, context) => reserveStock(context, data)),
  on(ReleaseStock, ({ data }, context) => releaseStock(context, data)),
  on(ConfirmStock, ({ data }, context) => confirmStock(context, data)),
];
