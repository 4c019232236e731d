import { runService } from '@shop/platform';
import { startCartService } from './subgraph';

runService('cart-service', () => startCartService());
