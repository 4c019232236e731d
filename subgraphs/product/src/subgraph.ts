import { join } from 'node:path';
import { type StartOptions, type SubgraphDefinition, readSchema, startSubgraph } from '@shop/platform';
import { Product } from './entities/product.entity';
import { migrations } from './migrations';
import { resolvers } from './resolvers';

/** The product subgraph: the catalogue. It publishes product events and reacts to none. */
export const productSubgraph: SubgraphDefinition = {
  name: 'product',
  typeDefs: readSchema(join(__dirname, '..', 'schema.graphql')),
  resolvers,
  entities: [Product],
  migrations,
};

export const startProductService = (options?: StartOptions) => startSubgraph(productSubgraph, options);
