import { OrderCreated, OrderFailed, ProductDeactivated, ProductPriceChanged, on } from '@shop/events';
import { removeCheckedOutLines, restoreFailedOrderLines } from './checked-out-orders';
import { applyPriceChange, dropDeactivatedProduct } from './product-changes';

export const subscriptions = [
  on(ProductPriceChanged, (message, { em }) => applyPriceChange(em, message)),
  on(ProductDeactivated, ({ data }, { em }) => dropDeactivatedProduct(em, data)),
  on(OrderCreated, ({ data }, context) => removeCheckedOutLines(context, data)),
  on(OrderFailed, ({ data }, context) => restoreFailedOrderLines(context, data)),
];
