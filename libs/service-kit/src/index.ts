export * from './run-service';
export * from './base-config';
export * from './health-registry';
export * from './grpc-errors';
export * from './grpc-health-client';
export * from './tokens';
export * from './grpc-client';
