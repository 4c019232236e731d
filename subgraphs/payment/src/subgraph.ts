import { join } from 'node:path';
import { type StartOptions, type SubgraphDefinition, readSchema, startSubgraph } from '@shop/platform';
import { subscriptionsFor } from './consumers';
import { Payment } from './entities/payment.entity';
import { RefundRequest } from './entities/refund-request.entity';
import { migrations } from './migrations';
import { resolvers } from './resolvers';
import { type PaymentSettings, loadPaymentSettings } from './settings';
import { slowPaymentWorker } from './slow-payment-worker';

const typeDefs = readSchema(join(__dirname, '..', 'schema.graphql'));

/**
 * The payment subgraph: a simulated payment provider. It carries out ProcessPayment and
 * RefundPayment, publishes payment events, and adds `payment` to orders and checkouts.
 */
export const paymentSubgraph = (settings: PaymentSettings): SubgraphDefinition => ({
  name: 'payment',
  typeDefs,
  resolvers,
  entities: [Payment, RefundRequest],
  migrations,
  subscriptions: subscriptionsFor(settings),
  workers: [slowPaymentWorker],
});

/** Its settings come from the same environment as the rest of its configuration (`options.env`, else the process's). */
export const startPaymentService = (options: StartOptions = {}) =>
  startSubgraph(paymentSubgraph(loadPaymentSettings(options.env)), options);
