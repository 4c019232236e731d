import { IdempotencyKey, type SubgraphContext, requireIdentity, validArg } from '@shop/platform';
import type { CheckoutSaga } from '../saga/runner';
import { startCheckout } from '../start-checkout';

export const mutationResolvers = (saga: CheckoutSaga) => ({
  startCheckout(_: unknown, { input }: { input: { paymentToken: string; idempotencyKey?: string | null } }, context: SubgraphContext) {
    // The key is checked here for its charset; the token and the rest by startCheckout.
    requireIdentity(context.identity);
    if (input.idempotencyKey != null) validArg(IdempotencyKey, input.idempotencyKey, 'input.idempotencyKey');
    return startCheckout(context, saga, input);
  },
});
