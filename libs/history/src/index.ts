export * from './errors';
export * from './table';
export * from './column-batch';
export * from './store';
export * from './migrations';
export * from './batched-inserter';
export * from './create-store';
export { ServerClickHouseStore, type ServerStoreOptions } from './server-store';
export { EmbeddedClickHouseStore, type EmbeddedStoreOptions } from './embedded/embedded-store';
