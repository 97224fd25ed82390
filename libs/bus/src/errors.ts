// Errors the bus surfaces to callers. They carry plain data (no client-library types) so that a
// successor to kafkajs can raise the same errors.

export class BusPublishError extends Error {
  override readonly name = 'BusPublishError';
  constructor(
    readonly topic: string,
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(
      `publish to topic "${topic}" failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${describe(cause)}`,
    );
  }
}

export class BusClosedError extends Error {
  override readonly name = 'BusClosedError';
  constructor(what: string) {
    super(`${what}: the bus is closed`);
  }
}

export function describe(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
