// What an API handler sees of a request and of the broker, and what it returns.
import { type BrokerConfig } from '../config';
import { type GroupCoordinator } from '../group/group-coordinator';
import { type TopicRegistry } from '../log/topic-registry';
import { type Logger } from '../logger';
import { type ProducerIdAllocator } from '../producer-id-allocator';
import { type RequestReader } from './reader';
import { type ResponseWriter } from './writer';

export interface SupportedApi {
  key: number;
  minVersion: number;
  maxVersion: number;
}

export interface BrokerState {
  readonly config: BrokerConfig;
  readonly topics: TopicRegistry;
  readonly groups: GroupCoordinator;
  readonly producerIds: ProducerIdAllocator;
  readonly logger: Logger;
  readonly clusterId: string;
  readonly supportedApis: readonly SupportedApi[];
  /** Set when the broker shuts down so long-polling requests return at once. */
  readonly shuttingDown: { value: boolean; listeners: Set<() => void> };
}

export interface ConnectionInfo {
  /** The address the client reached us on: what Metadata and FindCoordinator advertise. */
  readonly localHost: string;
  readonly localPort: number;
  readonly remoteHost: string;
  readonly isClosed: boolean;
  onClose(listener: () => void): () => void;
}

export interface RequestContext {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string;
  readonly connection: ConnectionInfo;
  readonly broker: BrokerState;
}

/** null: send nothing back (Produce with acks=0). */
export type ApiResponse = ResponseWriter | null;

export interface ApiHandler {
  readonly key: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(ctx: RequestContext, reader: RequestReader): ApiResponse | Promise<ApiResponse>;
}
