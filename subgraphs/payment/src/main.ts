import { runService } from '@shop/platform';
import { startPaymentService } from './subgraph';

runService('payment-service', () => startPaymentService());
