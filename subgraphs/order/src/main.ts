import { runService } from '@shop/platform';
import { startOrderService } from './subgraph';

runService('order-service', () => startOrderService());
