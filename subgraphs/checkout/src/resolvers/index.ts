import { DateTimeScalar, DecimalScalar } from '@shop/platform';
import type { CheckoutSaga } from '../saga/runner';
import { Checkout } from './checkout';
import { mutationResolvers } from './mutation';
import { Query } from './query';

export const checkoutResolvers = (saga: CheckoutSaga) => ({
  DateTime: DateTimeScalar,
  Decimal: DecimalScalar,
  Query,
  Mutation: mutationResolvers(saga),
  Checkout,
});
