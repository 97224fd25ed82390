/** Counters the bus keeps for tests, benchmarks and metrics exporters (monotonic, process-local). */
export interface BusStats {
  /** sendBatch requests issued (including retries). */
  sendBatchCalls: number;
  messagesPublished: number;
  publishRetries: number;
  publishFailures: number;
  messagesConsumed: number;
  handlerRetries: number;
  deadLettered: number;
  offsetCommits: number;
}

export function createStats(): BusStats {
  return {
    sendBatchCalls: 0,
    messagesPublished: 0,
    publishRetries: 0,
    publishFailures: 0,
    messagesConsumed: 0,
    handlerRetries: 0,
    deadLettered: 0,
    offsetCommits: 0,
  };
}
