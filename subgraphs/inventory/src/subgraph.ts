import { join } from 'node:path';
import { type StartOptions, type SubgraphDefinition, readSchema, startSubgraph } from '@shop/platform';
import { subscriptions } from './consumers';
import { Reservation } from './entities/reservation.entity';
import { StockItem } from './entities/stock-item.entity';
import { migrations } from './migrations';
import { resolvers } from './resolvers';
import { reservationRetentionWorker } from './retention';

/**
 * The inventory subgraph: stock per SKU (it adds `stock` to the product). It creates stock rows for
 * new products and carries out the checkout saga's stock commands.
 */
export const inventorySubgraph: SubgraphDefinition = {
  name: 'inventory',
  typeDefs: readSchema(join(__dirname, '..', 'schema.graphql')),
  resolvers,
  entities: [StockItem, Reservation],
  migrations,
  subscriptions,
  workers: [reservationRetentionWorker],
};

export const startInventoryService = (options?: StartOptions) => startSubgraph(inventorySubgraph, options);
