export * from './auth.config';
export * from './auth-runtime';
export * from './auth.module';
export * from './graphql-auth';
export * from './permission.guard';
export * from './require-permission';
export * from './resolver-permissions';
