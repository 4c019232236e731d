import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
} from '@opentelemetry/api';
import type { NodeTracerProvider, SpanExporter } from '@opentelemetry/sdk-trace-node';

// OpenTelemetry tracing, off unless an operator switches it on (OTEL_TRACES_EXPORTER=otlp). Off,
// every helper here returns at its first line: no span, no context manager, no header written, and
// the SDK is not even loaded.
// On, the W3C trace context (`traceparent`, `tracestate`) travels in the gateway's requests to the
// subgraphs and in every message's AMQP headers, and the spans are: the gateway request, each
// subgraph fetch, each subgraph request, each publish by the outbox relay and each handled message.

/** The W3C trace context headers. */
export const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

let provider: NodeTracerProvider | undefined;

export interface Tracing {
  /** Sends the spans still buffered and switches tracing off. */
  stop(): Promise<void>;
}

/**
 * Switches tracing on for this process when `OTEL_TRACES_EXPORTER` is `otlp` (spans go to
 * `OTEL_EXPORTER_OTLP_ENDPOINT`, or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); otherwise does nothing.
 */
export async function startTracingFromEnv(serviceName: string, env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  const exporters = (env.OTEL_TRACES_EXPORTER ?? 'none').split(',').map((name) => name.trim());
  if (!exporters.includes('otlp')) return undefined;
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  return startTracing({ serviceName, exporter: new OTLPTraceExporter(), batch: true });
}

/** Switches tracing on: every span of this process goes to `exporter` (tests pass an in-memory one). */
export async function startTracing({
  serviceName,
  exporter,
  batch = false,
}: {
  serviceName: string;
  exporter: SpanExporter;
  batch?: boolean;
}): Promise<Tracing> {
  if (provider) throw new Error('tracing is already on in this process');
  const { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-node');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { ATTR_SERVICE_NAME } = await import('@opentelemetry/semantic-conventions');
  const started = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: [batch ? new BatchSpanProcessor(exporter) : new SimpleSpanProcessor(exporter)],
  });
  // Installs the AsyncLocalStorage context manager and the W3C propagator, process-wide.
  started.register();
  provider = started;
  return {
    async stop() {
      if (provider !== started) return;
      provider = undefined;
      await started.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

export const isTracing = (): boolean => provider !== undefined;

/** The trace id of the active span, for log lines; undefined when tracing is off. */
export function activeTraceId(): string | undefined {
  if (!provider) return undefined;
  return trace.getActiveSpan()?.spanContext().traceId;
}

/** The trace context headers of the active span, to store with an outbox row; empty when tracing is off. */
export function activeTraceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  if (provider) propagation.inject(context.active(), headers);
  return headers;
}

/** The context a remote caller sent in its headers (HTTP or AMQP). */
function parentFrom(headers: Record<string, unknown> | IncomingHttpHeaders): Context {
  return propagation.extract(ROOT_CONTEXT, headers, {
    keys: (carrier) => Object.keys(carrier),
    get: (carrier, key) => {
      const value = (carrier as Record<string, unknown>)[key];
      return typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString() : undefined;
    },
  });
}

export interface SpanOptions {
  kind: SpanKind;
  attributes?: Attributes;
  /** Headers carrying the parent's trace context (a message, a request); the active span otherwise. */
  parentHeaders?: Record<string, unknown> | IncomingHttpHeaders;
  /** Filled with this span's trace context, for the next hop. */
  injectInto?: Record<string, string>;
}

/** Runs `work` in a span that ends when it settles (failed if it throws); just runs it when tracing is off. */
export async function inSpan<T>(name: string, options: SpanOptions, work: (span?: Span) => Promise<T>): Promise<T> {
  if (!provider) return work();
  const parent = options.parentHeaders ? parentFrom(options.parentHeaders) : context.active();
  const span = provider.getTracer('@shop/events').startSpan(name, { kind: options.kind, attributes: options.attributes }, parent);
  const active = trace.setSpan(parent, span);
  if (options.injectInto) propagation.inject(active, options.injectInto);
  try {
    return await context.with(active, () => work(span));
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    throw err;
  } finally {
    span.end();
  }
}

export interface StartedSpan {
  /** The headers of the next hop: the parent's, with this span's trace context. */
  headers: Record<string, string>;
  end(error?: string): void;
}

/**
 * Starts a span whose end the caller decides (a publish ends with the broker's confirm), the child
 * of the trace context in `parentHeaders`. Undefined when tracing is off.
 */
export function startSpanFrom(
  name: string,
  kind: SpanKind,
  parentHeaders: Record<string, string>,
  attributes?: Attributes,
): StartedSpan | undefined {
  if (!provider) return undefined;
  const parent = parentFrom(parentHeaders);
  const span = provider.getTracer('@shop/events').startSpan(name, { kind, attributes }, parent);
  const headers = { ...parentHeaders };
  propagation.inject(trace.setSpan(parent, span), headers);
  return {
    headers,
    end(error) {
      if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
      span.end();
    },
  };
}

/**
 * Handles an HTTP request inside a server span, the child of the caller's `traceparent`; the span
 * ends with the response. Just handles it when tracing is off.
 */
export function traceHttpRequest(name: string, req: IncomingMessage, res: ServerResponse, handle: () => void): void {
  if (!provider) return handle();
  const parent = parentFrom(req.headers);
  const span = provider
    .getTracer('@shop/events')
    .startSpan(
      name,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? '', 'url.path': (req.url ?? '').split('?', 1)[0] } },
      parent,
    );
  res.once('close', () => {
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  const active = trace.setSpan(parent, span);
  // Body parsers go on from the request's events: those run in the span too.
  context.bind(active, req);
  context.bind(active, res);
  context.with(active, handle);
}

export { SpanKind };
