import type { BusLogger } from './logger';
import type { RawHeaders, RawSender } from './producer';
import type { BusStats } from './stats';
import { DLQ_SUFFIX } from './topics';
import { utcIsoMicros } from './time';

/** A message that could not be processed, with where it came from and why. */
export interface DeadLetter {
  /** Physical topic the message was read from, e.g. `dev.quotes`. */
  sourceTopic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** The original headers; kept on the dead letter so trace and schema stay visible. */
  headers: RawHeaders;
  reason: string;
  consumerGroup: string;
}

/** Sends dead letters to `<topic>.dlq`: original key and bytes, plus `dlq-*` headers. */
export interface DeadLetterPublisher {
  publish(letter: DeadLetter): Promise<void>;
}

export class KafkaDeadLetterPublisher implements DeadLetterPublisher {
  constructor(
    private readonly producer: RawSender,
    private readonly logger: BusLogger,
    private readonly stats: BusStats,
  ) {}

  async publish(letter: DeadLetter): Promise<void> {
    const dlqTopic = letter.sourceTopic + DLQ_SUFFIX;
    const headers: RawHeaders = {};
    for (const k of Object.keys(letter.headers)) {
      // A dead letter read back from a DLQ and failed again keeps only the latest reason.
      if (!k.startsWith('dlq-')) headers[k] = letter.headers[k];
    }
    headers['dlq-reason'] = letter.reason;
    headers['dlq-source-topic'] = letter.sourceTopic;
    headers['dlq-source-partition'] = String(letter.partition);
    headers['dlq-source-offset'] = letter.offset;
    headers['dlq-consumer-group'] = letter.consumerGroup;
    headers['dlq-failed-at'] = utcIsoMicros();
    this.logger.warn(
      {
        topic: letter.sourceTopic,
        partition: letter.partition,
        offset: letter.offset,
        consumerGroup: letter.consumerGroup,
        dlqTopic,
        reason: letter.reason,
      },
      'bus message dead-lettered',
    );
    // Dead letters are rare: do not make them wait for a linger.
    const sent = this.producer.sendRaw(dlqTopic, letter.key, letter.value, headers);
    void this.producer.flush();
    await sent;
    this.stats.deadLettered++;
  }
}
