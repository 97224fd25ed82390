// Per-partition idempotent-producer state: the epoch and the last few batches' sequence ranges of
// each producer id, as Kafka's ProducerStateManager keeps them to detect retried and lost batches.
import { ErrorCode } from '../protocol/error-codes';

/** Kafka keeps five: the most a producer may have in flight with idempotence on. */
const RETAINED_BATCHES = 5;
const MAX_SEQUENCE = 2147483647;

interface SequenceRange {
  firstSeq: number;
  lastSeq: number;
  baseOffset: number;
}

interface ProducerEntry {
  epoch: number;
  batches: SequenceRange[];
}

export type SequenceCheck =
  | { kind: 'append' }
  | { kind: 'duplicate'; baseOffset: number }
  | { kind: 'error'; code: ErrorCode; message: string };

export function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  const last = baseSequence + lastOffsetDelta;
  return last > MAX_SEQUENCE ? last - MAX_SEQUENCE - 1 : last;
}

function nextSequence(seq: number): number {
  return seq === MAX_SEQUENCE ? 0 : seq + 1;
}

export class ProducerStateTable {
  private readonly producers = new Map<number, ProducerEntry>();

  check(producerId: number, epoch: number, firstSeq: number, lastSeq: number): SequenceCheck {
    const entry = this.producers.get(producerId);
    // A producer this partition has never seen (or whose batches retention removed) starts fresh.
    if (!entry) return { kind: 'append' };
    if (epoch < entry.epoch) {
      return {
        kind: 'error',
        code: ErrorCode.INVALID_PRODUCER_EPOCH,
        message: `producer ${producerId} epoch ${epoch} is older than ${entry.epoch}`,
      };
    }
    if (epoch > entry.epoch) {
      if (firstSeq !== 0) {
        return {
          kind: 'error',
          code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          message: `new epoch ${epoch} of producer ${producerId} must start at sequence 0, got ${firstSeq}`,
        };
      }
      return { kind: 'append' };
    }
    for (const b of entry.batches) {
      if (b.firstSeq === firstSeq && b.lastSeq === lastSeq)
        return { kind: 'duplicate', baseOffset: b.baseOffset };
    }
    const last = entry.batches[entry.batches.length - 1];
    if (last && firstSeq !== nextSequence(last.lastSeq)) {
      return {
        kind: 'error',
        code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        message: `producer ${producerId} expected sequence ${nextSequence(last.lastSeq)}, got ${firstSeq}`,
      };
    }
    return { kind: 'append' };
  }

  record(producerId: number, epoch: number, firstSeq: number, lastSeq: number, baseOffset: number): void {
    let entry = this.producers.get(producerId);
    if (!entry || epoch > entry.epoch) {
      entry = { epoch, batches: [] };
      this.producers.set(producerId, entry);
    }
    entry.batches.push({ firstSeq, lastSeq, baseOffset });
    if (entry.batches.length > RETAINED_BATCHES) entry.batches.shift();
  }
}
