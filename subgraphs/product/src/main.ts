import { runService } from '@shop/platform';
import { startProductService } from './subgraph';

runService('product-service', () => startProductService());
