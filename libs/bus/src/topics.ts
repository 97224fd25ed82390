import type { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { eventsV1 } from '@tapeline/contracts';

/** The bus topics, by logical name (without the environment prefix). */
export const TOPIC_NAMES = [
  'quotes',
  'trades',
  'depth',
  'alerts',
  'bars',
  'orders',
  'executions',
  'journal',
] as const;

export type TopicName = (typeof TOPIC_NAMES)[number];

/** Payload type of each topic. */
export interface TopicPayloads {
  quotes: eventsV1.QuoteEvent;
  trades: eventsV1.TradeEvent;
  depth: eventsV1.DepthEvent;
  alerts: eventsV1.AlertEvent;
  bars: eventsV1.BarEvent;
  orders: eventsV1.OrderEvent;
  executions: eventsV1.ExecutionEvent;
  journal: eventsV1.JournalEntry;
}

/** The generated ts-proto message functions. */
export interface Codec<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
}

/** What the bus knows about one topic: how to (de)serialise its payload and key it. */
export interface TopicSpec<T extends TopicName = TopicName> {
  readonly topic: T;
  /** Fully-qualified protobuf message name, e.g. `tapeline.events.v1.QuoteEvent`. */
  readonly schema: string;
  /** Major version of the schema package (`v1` → `1`). */
  readonly schemaVersion: string;
  /** Name and version as the `event-schema` header carries them: `<schema>;v=<schemaVersion>`. */
  readonly schemaId: string;
  readonly codec: Codec<TopicPayloads[T]>;
  /** Partition key: one key is always in order. Empty string = no key. */
  readonly keyOf: (event: TopicPayloads[T]) => string;
}

const SCHEMA_VERSION = /\.v(\d+)$/.exec(eventsV1.protobufPackage)?.[1] ?? '1';

function spec<T extends TopicName>(
  topic: T,
  messageName: string,
  codec: Codec<TopicPayloads[T]>,
  keyOf: (event: TopicPayloads[T]) => string,
): TopicSpec<T> {
  const schema = `${eventsV1.protobufPackage}.${messageName}`;
  return {
    topic,
    schema,
    schemaVersion: SCHEMA_VERSION,
    schemaId: `${schema};v=${SCHEMA_VERSION}`,
    codec,
    keyOf,
  };
}

// Keys are derived here, not passed by callers: market topics are keyed by instrument, order-flow
// topics by account, so per-instrument (or per-account) order holds by construction.
const SPECS: { readonly [T in TopicName]: TopicSpec<T> } = {
  quotes: spec('quotes', 'QuoteEvent', eventsV1.QuoteEvent, (e) => e.instrumentId),
  trades: spec('trades', 'TradeEvent', eventsV1.TradeEvent, (e) => e.instrumentId),
  depth: spec('depth', 'DepthEvent', eventsV1.DepthEvent, (e) => e.instrumentId),
  alerts: spec('alerts', 'AlertEvent', eventsV1.AlertEvent, (e) => e.instrumentId),
  bars: spec('bars', 'BarEvent', eventsV1.BarEvent, (e) => e.instrumentId),
  orders: spec('orders', 'OrderEvent', eventsV1.OrderEvent, (e) => e.accountId),
  executions: spec('executions', 'ExecutionEvent', eventsV1.ExecutionEvent, (e) => e.accountId),
  journal: spec('journal', 'JournalEntry', eventsV1.JournalEntry, (e) => e.accountId),
};

export const DLQ_SUFFIX = '.dlq';

/**
 * Header naming the payload's schema and its version in one value (`TopicSpec.schemaId`): one
 * header instead of two halves what producing and consuming spend on headers per message.
 */
export const SCHEMA_HEADER = 'event-schema';
/**
 * What producers wrote before `event-schema`: the message name alone (plus `schema-version`).
 * Still checked when a message carries it instead, so older messages are refused the same way.
 */
export const LEGACY_SCHEMA_HEADER = 'schema';

/**
 * Maps logical topics to their physical names under the environment prefix, and back, and hands
 * out each topic's codec, schema name and key function.
 */
export class TopicRegistry {
  private readonly byPhysical = new Map<string, TopicName>();

  constructor(readonly prefix = '') {
    for (const t of TOPIC_NAMES) this.byPhysical.set(prefix + t, t);
  }

  /** Physical topic name, e.g. `dev.quotes`. */
  name(topic: TopicName): string {
    return this.prefix + topic;
  }

  /** Dead-letter topic of a topic, e.g. `dev.quotes.dlq`. */
  deadLetterName(topic: TopicName): string {
    return this.prefix + topic + DLQ_SUFFIX;
  }

  /** Logical topic of a physical name, or undefined if it is not a bus topic. */
  logical(physical: string): TopicName | undefined {
    return this.byPhysical.get(physical);
  }

  spec<T extends TopicName>(topic: T): TopicSpec<T> {
    const s = SPECS[topic];
    if (!s) throw new TypeError(`unknown bus topic "${String(topic)}"; known: ${TOPIC_NAMES.join(', ')}`);
    return s as TopicSpec<T>;
  }

  keyOf<T extends TopicName>(topic: T, event: TopicPayloads[T]): string {
    return this.spec(topic).keyOf(event);
  }

  all(): readonly TopicName[] {
    return TOPIC_NAMES;
  }
}

export function isTopicName(value: string): value is TopicName {
  return (TOPIC_NAMES as readonly string[]).includes(value);
}
