import { join } from 'node:path';
import { type StartOptions, type SubgraphDefinition, readSchema, startSubgraph } from '@shop/platform';
import { subscriptions } from './consumers';
import { CheckoutStart } from './entities/checkout-start.entity';
import { ExpiredCart } from './entities/expired-cart.entity';
import { LowStock } from './entities/low-stock.entity';
import { OrderFact } from './entities/order-fact.entity';
import { Refund } from './entities/refund.entity';
import { migrations } from './migrations';
import { resolvers } from './resolvers';

/**
 * The analytics subgraph: sales, conversion and refunds for admins, recorded from events the order,
 * payment, checkout, cart and inventory services already publish. It publishes nothing.
 */
export const analyticsSubgraph: SubgraphDefinition = {
  name: 'analytics',
  typeDefs: readSchema(join(__dirname, '..', 'schema.graphql')),
  resolvers,
  entities: [OrderFact, CheckoutStart, Refund, ExpiredCart, LowStock],
  migrations,
  subscriptions,
};

export const startAnalyticsService = (options?: StartOptions) => startSubgraph(analyticsSubgraph, options);
