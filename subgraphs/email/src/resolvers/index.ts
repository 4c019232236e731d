import { DateTimeScalar } from '@shop/platform';
import { Query } from './query';
import { SentEmail } from './sent-email';

export const resolvers = { DateTime: DateTimeScalar, Query, SentEmail };
