import { join } from 'node:path';
import { Outbox, createLogger } from '@shop/events';
import { type StartOptions, type SubgraphDefinition, readSchema, startSubgraph } from '@shop/platform';
import { subscriptionsFor } from './consumers';
import { Checkout } from './entities/checkout.entity';
import { CheckoutTransition } from './entities/checkout-transition.entity';
import { SagaEvent } from './entities/saga-event.entity';
import { migrations } from './migrations';
import { checkoutResolvers } from './resolvers';
import { CheckoutSaga } from './saga/runner';
import { registerSagaMetrics } from './saga/metrics';
import { startTimeoutWorker } from './saga/timeout-worker';
import { type CheckoutSettings, loadCheckoutSettings } from './settings';

/** The checkout subgraph: the saga that drives a checkout from the cart to a paid order. */
export function checkoutSubgraph(settings: CheckoutSettings): SubgraphDefinition {
  const saga = new CheckoutSaga(new Outbox('checkout-service'), settings, createLogger('checkout-saga'));
  return {
    name: 'checkout',
    typeDefs: readSchema(join(__dirname, '..', 'schema.graphql')),
    resolvers: checkoutResolvers(saga),
    entities: [Checkout, CheckoutTransition, SagaEvent],
    migrations,
    subscriptions: subscriptionsFor(saga),
    workers: [
      (service) =>
        startTimeoutWorker(
          service.orm,
          saga,
          service.logger,
          Math.min(1_000, Math.max(50, settings.stepTimeoutMs / 4)),
          registerSagaMetrics(service.registry, service.orm),
        ),
    ],
  };
}

export const startCheckoutService = (options: StartOptions = {}) =>
  startSubgraph(checkoutSubgraph(loadCheckoutSettings(options.env)), options);
