import type { IncomingMessage } from 'node:http';
import { LiveConnection } from './live-subscriptions';

/** The WebSocket server's side we need (ws.WebSocketServer satisfies it). */
interface SocketServer {
  on(event: 'connection', listener: (socket: GatedSocket) => void): unknown;
}
interface GatedSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  close(code?: number, reason?: string): void;
  once(event: 'close', listener: () => void): unknown;
}

export interface GateLimits {
  maxConnections: number;
  maxSubscriptionsPerConnection: number;
  connectionInitTimeoutMs: number;
}

/** graphql-transport-ws: "Connection initialisation timeout". */
export const INIT_TIMEOUT_CLOSE_CODE = 4408;

/**
 * Admission of WebSocket connections: at most maxConnections open at once (the upgrade is refused
 * with 503 beyond), a connection_init within the timeout, and per connection the subscription count
 * and socket the live streams need.
 */
export class ConnectionGate {
  private openCount = 0;
  private watching: SocketServer | undefined;
  private readonly connections = new WeakMap<object, LiveConnection>();

  constructor(
    private readonly limits: GateLimits,
    /** The WebSocket server, once it exists (mercurius registers it after the options are read). */
    private readonly server: () => SocketServer | undefined,
  ) {}

  get open(): number {
    return this.openCount;
  }

  /** mercurius `subscription.verifyClient`. */
  verifyClient = (
    info: { req: IncomingMessage },
    next: (ok: boolean, code?: number, message?: string) => void,
  ): void => {
    this.watch();
    if (this.openCount >= this.limits.maxConnections) {
      next(
        false,
        503,
        `the gateway holds its maximum of ${this.limits.maxConnections} WebSocket connections`,
      );
      return;
    }
    this.openCount++;
    info.req.socket.once('close', () => this.openCount--);
    next(true);
  };

  /** mercurius `subscription.context`, called on connection_init: the connection's live state. */
  context = (socket: GatedSocket): { connection: LiveConnection } => ({
    connection: this.connectionOf(socket),
  });

  private connectionOf(socket: GatedSocket): LiveConnection {
    let c = this.connections.get(socket);
    if (!c)
      this.connections.set(
        socket,
        (c = new LiveConnection(socket, this.limits.maxSubscriptionsPerConnection)),
      );
    return c;
  }

  private watch(): void {
    if (this.watching) return;
    const server = this.server();
    if (!server) return;
    this.watching = server;
    server.on('connection', (socket) => {
      const timer = setTimeout(() => {
        if (!this.connections.has(socket))
          socket.close(INIT_TIMEOUT_CLOSE_CODE, 'Connection initialisation timeout');
      }, this.limits.connectionInitTimeoutMs);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    });
  }
}
