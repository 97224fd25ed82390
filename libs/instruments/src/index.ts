export * from './instrument';
export * from './instrument-master';
export * from './seed-loader';
