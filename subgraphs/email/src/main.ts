import { runService } from '@shop/platform';
import { startEmailService } from './subgraph';

runService('email-service', () => startEmailService());
