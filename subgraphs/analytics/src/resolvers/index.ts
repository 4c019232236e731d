import { DateTimeScalar, DecimalScalar } from '@shop/platform';
import { Query } from './query';

export const resolvers = { DateTime: DateTimeScalar, Decimal: DecimalScalar, Query };
