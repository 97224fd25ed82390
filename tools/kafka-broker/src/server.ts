// The TCP listener: accepts client connections and tracks them so shutdown can close them.
import * as net from 'node:net';
import { ClientConnection, normaliseAddress } from './connection';
import { type ApiHandler, type BrokerState } from './protocol/api';

export class BrokerServer {
  private readonly server: net.Server;
  private readonly connections = new Set<ClientConnection>();
  private readonly handlers: ReadonlyMap<number, ApiHandler>;

  constructor(
    handlers: readonly ApiHandler[],
    private readonly state: BrokerState,
  ) {
    this.handlers = new Map(handlers.map((h) => [h.key, h]));
    this.server = net.createServer((socket) => {
      const conn = new ClientConnection(socket, this.handlers, state);
      this.connections.add(conn);
      state.logger.debug('client connected', { remote: conn.remoteHost });
      conn.onClose(() => this.connections.delete(conn));
    });
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host, port, exclusive: true }, () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.state.logger.error('listener error', { err }));
        const addr = this.server.address() as net.AddressInfo;
        resolve({ host: normaliseAddress(addr.address), port: addr.port });
      });
    });
  }

  /** Stops accepting, lets connections flush what was written, then drops them. */
  async close(graceMs = 1000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) c.end();
    const timer = setTimeout(() => {
      for (const c of this.connections) c.destroy();
    }, graceMs);
    await closed;
    clearTimeout(timer);
  }
}
