import { z } from 'zod';
import { Timestamp } from './primitives';

/**
 * Every message on the wire is one JSON envelope. `eventId` is the idempotency key, `sequence`
 * grows with every change of the aggregate so consumers can ignore an older message that arrives
 * late, and `notAfter` is the deadline of a forward command.
 */
export interface Envelope<Data = unknown> {
  eventId: string;
  eventType: string;
  timestamp: string;
  correlationId: string;
  source: string;
  version: string;
  sequence: number;
  notAfter?: string;
  data: Data;
}

export const EnvelopeSchema = z.object({
  eventId: z.uuid(),
  eventType: z.string().min(1).max(100),
  timestamp: Timestamp,
  correlationId: z.string().min(1).max(200),
  source: z.string().min(1).max(100),
  version: z.string().regex(/^\d+\.\d+$/, 'must look like "1.0"'),
  sequence: z.number().int().nonnegative(),
  notAfter: Timestamp.optional(),
  data: z.unknown(),
});

/** A readable one-line reason from a validation failure, e.g. `data.lines[0].quantity: Too small`. */
export function describeIssues(error: z.ZodError, under?: string): string {
  return error.issues
    .map((issue) => {
      const path = [...(under ? [under] : []), ...issue.path].join('.');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ');
}
