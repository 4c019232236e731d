import { runService } from '@shop/platform';
import { startAnalyticsService } from './subgraph';

runService('analytics-service', () => startAnalyticsService());
