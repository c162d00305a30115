import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * Timeouts of every AWS client the ingestion functions use. Without them a connection that
 * never opens, or a request that never answers, holds the invocation until Lambda kills it, and
 * the batch is retried without ever being told why.
 */
export const CLIENT_TIMEOUTS = {
  /** Opening the TCP/TLS connection. */
  connectionTimeoutMs: 3000,
  /** From sending the request to the response headers (a PutRecords call, a PutObject, the start of a GetObject). */
  requestTimeoutMs: 10000,
  /** A socket idle this long (e.g. an S3 body that stops flowing) is closed. */
  socketTimeoutMs: 30000,
} as const;

/** The request handler of an AWS SDK client, with {@link CLIENT_TIMEOUTS}; a breach throws a retryable `TimeoutError`. */
export function timedRequestHandler(timeouts: { connectionTimeoutMs: number; requestTimeoutMs: number; socketTimeoutMs: number } = CLIENT_TIMEOUTS): NodeHttpHandler {
  return new NodeHttpHandler({
    connectionTimeout: timeouts.connectionTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    throwOnRequestTimeout: true,
    socketTimeout: timeouts.socketTimeoutMs,
  });
}
