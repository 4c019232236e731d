import { join } from 'node:path';
import { type StartOptions, type SubgraphDefinition, readSchema, startSubgraph } from '@shop/platform';
import { subscriptions } from './consumers';
import { OrderCancellation } from './entities/order-cancellation.entity';
import { Order } from './entities/order.entity';
import { OrderTransition } from './entities/order-transition.entity';
import { migrations } from './migrations';
import { resolvers } from './resolvers';

/**
 * The order subgraph: orders the checkout saga creates and cancels, shipped and refunded by
 * admins. It consumes CreateOrder, CancelOrder and RefundProcessed, and publishes order events.
 */
export const orderSubgraph: SubgraphDefinition = {
  name: 'order',
  typeDefs: readSchema(join(__dirname, '..', 'schema.graphql')),
  resolvers,
  entities: [Order, OrderTransition, OrderCancellation],
  migrations,
  subscriptions,
};

export const startOrderService = (options?: StartOptions) => startSubgraph(orderSubgraph, options);
