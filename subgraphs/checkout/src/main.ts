import { runService } from '@shop/platform';
import { startCheckoutService } from './subgraph';

runService('checkout-service', () => startCheckoutService());
