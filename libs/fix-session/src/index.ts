// Loads no jspurefix at run time (that is ./runtime, imported on the first connect).
export * from './errors';
export * from './fix-time';
export * from './reconnect-backoff';
export * from './session-description';
export * from './session-events';
export * from './reconnecting-initiator';
