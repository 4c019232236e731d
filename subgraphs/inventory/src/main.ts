import { runService } from '@shop/platform';
import { startInventoryService } from './subgraph';

runService('inventory-service', () => startInventoryService());
