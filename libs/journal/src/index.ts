export * from './errors';
export * from './entry';
export * from './canonical';
export * from './chain';
export * from './verify';
export * from './mapping';
