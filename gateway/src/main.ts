import { runService } from '@shop/platform';
import { startGateway } from './gateway';

runService('gateway', () => startGateway());
