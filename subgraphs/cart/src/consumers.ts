import { OrderCreated, OrderFailed, ProductDeactivated, ProductPriceChanged, ProductReactivated, on } from '@shop/events';
import { removeCheckedOutLines, restoreFailedOrderLines } from './checked-out-orders';
import { applyPriceChange, dropDeactivatedProduct, recordReactivatedProduct } from './product-changes';
import { unlessPastRetention } from './retention';

export const subscriptions = [
  on(ProductPriceChanged, (message, { em }) => applyPriceChange(em, message)),
  on(ProductDeactivated, (message, { em }) => dropDeactivatedProduct(em, message)),
  on(ProductReactivated, (message, { em }) => recordReactivatedProduct(em, message)),
  on(
    OrderCreated,
    unlessPastRetention(({ data }, context) => removeCheckedOutLines(context, data)),
  ),
  on(
    OrderFailed,
    unlessPastRetention(({ data }, context) => restoreFailedOrderLines(context, data)),
  ),
];
