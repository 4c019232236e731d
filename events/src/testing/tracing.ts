import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { type Tracing, startTracing } from '../tracing';

/** Tracing switched on in this process, its spans kept in memory for the test to read. */
export async function startTestTracing(): Promise<Tracing & { spans(): ReadableSpan[] }> {
  const exporter = new InMemorySpanExporter();
  const tracing = await startTracing({ serviceName: 'test', exporter });
  return { stop: () => tracing.stop(), spans: () => exporter.getFinishedSpans() };
}
