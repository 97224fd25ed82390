#!/usr/bin/env node
// CLI entry point: configuration from the environment (see config.ts), JSON-line logs on stdout,
// graceful stop on SIGTERM/SIGINT.
import { startBroker } from './broker';
import { configFromEnv } from './config';
import { createLogger } from './logger';

const SHUTDOWN_DEADLINE_MS = 5000;

function main(): void {
  const result = configFromEnv(process.env);
  if (!result.ok) {
    const msg = `invalid configuration: ${result.errors.join('; ')}`;
    process.stderr.write(
      JSON.stringify({ time: new Date().toISOString(), level: 'error', msg, errors: result.errors }) + '\n',
    );
    process.exit(2);
  }
  const config = result.config;
  const logger = createLogger(config.logLevel);
  startBroker({ ...config, logger }).then(
    (broker) => {
      let stopping = false;
      const stop = (signal: NodeJS.Signals): void => {
        if (stopping) return;
        stopping = true;
        logger.announce('shutting down', { signal });
        // Never linger past the deadline, even if a client holds its connection open.
        setTimeout(() => {
          logger.warn('shutdown deadline reached, exiting', { ms: SHUTDOWN_DEADLINE_MS });
          process.exit(0);
        }, SHUTDOWN_DEADLINE_MS).unref();
        broker.close().then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error('error during shutdown', { err });
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      // Started by the launcher with an IPC channel: if the launcher dies, stop with it.
      if (process.send) process.once('disconnect', stop);
    },
    (err: unknown) => {
      logger.error('broker failed to start', {
        err,
        host: config.host,
        port: config.port,
        dataDir: config.dataDir,
      });
      process.exit(1);
    },
  );
}

main();
