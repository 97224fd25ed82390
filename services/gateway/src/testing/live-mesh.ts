// Shared by the gateway's integration tests and its bench (not part of the service).
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createBus, type Bus } from '@tapeline/bus';
import { eventsV1 } from '@tapeline/contracts';
import { createLogger, nowMicros } from '@tapeline/telemetry';
import { freePort, grpcClient, startService, waitFor, type RunningProcess } from '@tapeline/test-kit';

/** The symbol service as a process, SERVING on a free port. */
export async function startSymbol(
  env: Record<string, string> = {},
): Promise<{ proc: RunningProcess; addr: string }> {
  const port = await freePort();
  const proc = startService('symbol', {
    GRPC_PORT: String(port),
    METRICS_PORT: String(await freePort()),
    ...env,
  });
  const health = grpcClient('health', `127.0.0.1:${port}`);
  try {
    await waitFor(
      'symbol SERVING',
      async () => (await health.call<{ status: number }>('check', { service: '' })).status === 1,
    );
  } finally {
    health.close();
  }
  return { proc, addr: `127.0.0.1:${port}` };
}

/** A graphql-transport-ws client of the gateway at `httpBase`, authenticated in connection_init. */
export function gatewayWsClient(httpBase: string, accessToken: string | undefined): Client {
  return createClient({
    url: `${httpBase.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

/** A bus on the test broker with every topic created (3 partitions each). */
export async function busWithTopics(brokers: string, clientId: string): Promise<Bus> {
  const bus = createBus(
    {
      brokers: [brokers],
      clientId,
      topicPrefix: '',
      ssl: false,
      topics: { partitions: 3, replicationFactor: 1, retentionMs: 3_600_000 },
    },
    createLogger(clientId, 'error'),
  );
  await bus.ensureTopics();
  return bus;
}

/**
 * A quote as market-data publishes it, stamped now: price scale 5, ask two ticks above the bid
 * (a mantissa), one million on each side.
 */
export function simulatedQuote(instrumentId: string, sequence: number, bid: number): eventsV1.QuoteEvent {
  const now = String(nowMicros());
  return {
    ...eventsV1.QuoteEvent.decode(new Uint8Array(0)),
    instrumentId,
    venue: 'SIM',
    sequence: String(sequence),
    priceScale: 5,
    sizeScale: 0,
    bidPrice: String(bid),
    bidSize: '1000000',
    askPrice: String(bid + 2),
    askSize: '1000000',
    exchangeTimeMicros: now,
    receiveTimeMicros: now,
    publishTimeMicros: now,
  };
}
