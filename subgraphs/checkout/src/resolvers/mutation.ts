import type { SubgraphContext } from '@shop/platform';
import type { CheckoutSaga } from '../saga/runner';
import { startCheckout } from '../start-checkout';

export const mutationResolvers = (saga: CheckoutSaga) => ({
  startCheckout(_: unknown, { input }: { input: { paymentToken: string; idempotencyKey?: string | null } }, context: SubgraphContext) {
    return startCheckout(context, saga, input);
  },
});
