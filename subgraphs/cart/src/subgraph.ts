import { join } from 'node:path';
import { type StartOptions, type SubgraphDefinition, readSchema, startSubgraph } from '@shop/platform';
import { subscriptions } from './consumers';
import { Cart } from './entities/cart.entity';
import { CartLine } from './entities/cart-line.entity';
import { CheckedOutOrder } from './entities/checked-out-order.entity';
import { ProductActivation } from './entities/product-activation.entity';
import { ProductPrice } from './entities/product-price.entity';
import { type CartExpirySettings, cartExpiryWorker, loadExpirySettings } from './expiry';
import { migrations } from './migrations';
import { resolvers } from './resolvers';
import { checkedOutOrderRetentionWorker } from './retention';

/**
 * The cart subgraph: each customer's cart. addToCart asks product and inventory synchronously;
 * product and order events keep carts current; idle carts expire.
 */
export const cartSubgraph = (expiry: CartExpirySettings): SubgraphDefinition => ({
  name: 'cart',
  typeDefs: readSchema(join(__dirname, '..', 'schema.graphql')),
  resolvers,
  entities: [Cart, CartLine, ProductPrice, ProductActivation, CheckedOutOrder],
  migrations,
  subscriptions,
  workers: [cartExpiryWorker(expiry), checkedOutOrderRetentionWorker],
});

export const startCartService = (options: StartOptions = {}) => startSubgraph(cartSubgraph(loadExpirySettings(options.env)), options);
