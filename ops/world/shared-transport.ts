import { DelegatingTransport } from '@shop/events';

/**
 * One service's use of the in-process broker that every service in the process shares:
 * closing it, as a service does when it stops, leaves the broker running for the others. Whoever
 * made the broker closes it.
 */
export class SharedTransport extends DelegatingTransport {
  override async close(): Promise<void> {}
}
