// Binance spot public market data over one combined websocket stream, with REST depth snapshots.
// The stream list is part of the URL (/stream?streams=btcusdt@trade/...), so every reconnect
// resubscribes by opening the same URL. A reconnect is a gap: once the socket is open again the
// adapter fetches a fresh snapshot per symbol (Binance's procedure: open the stream first, then
// take the snapshot, so that no diff between the two is missed).

import WebSocket from 'ws';
import type { FeedAdapter, FeedSink, FeedStatus, RawMarketEvent } from '@tapeline/market';
import { FeedConfigError, SnapshotRequestError, describeError } from '../errors';
import { receiveTimeMicros, truncateFrame } from '../frame';
import { feedBackoff, type BackoffOptions, type ReconnectBackoff } from '../reconnect-backoff';
import { decodeBinanceDepthSnapshot, decodeBinanceFrame } from './binance-frames';

export interface BinanceFeedOptions {
  /** Venue name stamped on every event. Default "binance". */
  readonly venue?: string;
  /** Websocket base, e.g. "wss://stream.binance.com:9443". */
  readonly wsUrl: string;
  /** REST base, e.g. "https://api.binance.com". */
  readonly restUrl: string;
  /** Venue symbols, e.g. ["BTCUSDT"]. */
  readonly symbols: readonly string[];
  /** Levels per REST snapshot (Binance allows up to 5000). Default 1000. */
  readonly depthLimit?: number;
  /** Diff-depth stream speed. Default "100ms". */
  readonly depthSpeed?: '100ms' | '1000ms';
  readonly backoff?: BackoffOptions;
  /** Silence (no frame, no ping) longer than this is treated as a dead connection. Default 30 000 ms (Binance pings every 20 s). */
  readonly heartbeatTimeoutMs?: number;
  /** Timeout of one REST snapshot request. Default 10 000 ms. */
  readonly snapshotTimeoutMs?: number;
}

export class BinanceFeed implements FeedAdapter {
  readonly venue: string;
  private readonly streamUrl: string;
  private readonly backoff: ReconnectBackoff;
  private readonly heartbeatTimeoutMs: number;
  private sink: FeedSink | null = null;
  private running = false;
  private socket: WebSocket | null = null;
  /** Why the current socket is being dropped by us (silence, failed snapshot); null if the venue closed it. */
  private dropReason: string | null = null;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private silenceTimer: NodeJS.Timeout | null = null;
  /** Cancels in-flight snapshot requests on stop. */
  private stopSignal = new AbortController();
  private socketClosed: Promise<void> = Promise.resolve();

  constructor(private readonly options: BinanceFeedOptions) {
    if (options.symbols.length === 0) throw new FeedConfigError('binance feed needs at least one symbol');
    for (const s of options.symbols) {
      if (!/^[A-Z0-9]+$/.test(s))
        throw new FeedConfigError(`binance symbol must be upper-case alphanumeric: "${s}"`);
    }
    this.venue = options.venue ?? 'binance';
    this.backoff = feedBackoff(options.backoff);
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 30_000;
    const speed = options.depthSpeed ?? '100ms';
    const streams = options.symbols.flatMap((s) => {
      const l = s.toLowerCase();
      return [`${l}@trade`, `${l}@bookTicker`, `${l}@depth@${speed}`];
    });
    this.streamUrl = `${options.wsUrl.replace(/\/+$/, '')}/stream?streams=${streams.join('/')}`;
  }

  /** Resolves once the first connection attempt has settled (open or failed); retries continue in the background. */
  async start(sink: FeedSink): Promise<void> {
    if (this.running) throw new FeedConfigError(`${this.venue} feed is already started`);
    this.sink = sink;
    this.running = true;
    this.attempt = 0;
    this.stopSignal = new AbortController();
    await this.connect();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopSignal.abort();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.clearSilenceTimer();
    const socket = this.socket;
    if (socket) {
      socket.close(1000, 'client stopping');
      // A peer that never answers the close handshake must not hold stop() open.
      const force = setTimeout(() => socket.terminate(), 1000);
      await this.socketClosed;
      clearTimeout(force);
    }
    this.sink = null;
  }

  async requestSnapshot(symbol: string): Promise<void> {
    const limit = this.options.depthLimit ?? 1000;
    const url = `${this.options.restUrl.replace(/\/+$/, '')}/api/v3/depth?symbol=${encodeURIComponent(symbol)}&limit=${limit}`;
    const signal = AbortSignal.any([
      this.stopSignal.signal,
      AbortSignal.timeout(this.options.snapshotTimeoutMs ?? 10_000),
    ]);
    let text: string;
    try {
      const res = await fetch(url, { signal });
      text = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status} ${truncateFrame(text)}`);
    } catch (err) {
      throw new SnapshotRequestError(symbol, describeError(err));
    }
    const received = receiveTimeMicros();
    try {
      this.emit(decodeBinanceDepthSnapshot(text, this.venue, symbol, received));
    } catch (err) {
      this.reportMalformed(err, text, received);
      throw new SnapshotRequestError(symbol, describeError(err));
    }
  }

  private connect(): Promise<void> {
    return new Promise((settled) => {
      const socket = new WebSocket(this.streamUrl, { handshakeTimeout: 10_000 });
      this.socket = socket;
      this.dropReason = null;
      let markClosed!: () => void;
      this.socketClosed = new Promise((resolve) => (markClosed = resolve));

      socket.on('open', () => {
        settled();
        if (!this.running) return;
        this.attempt = 0;
        this.armSilenceTimer(socket);
        this.status({ state: 'connected', venue: this.venue });
        // A fresh connection is a gap: every book restarts from a new snapshot.
        Promise.all(this.options.symbols.map((s) => this.requestSnapshot(s))).catch((err: unknown) => {
          if (this.running && this.socket === socket) this.drop(socket, describeError(err));
        });
      });
      socket.on('message', (data: WebSocket.RawData) => {
        const received = receiveTimeMicros();
        this.silenceTimer?.refresh();
        if (!this.running) return;
        const text = data.toString();
        let event: RawMarketEvent;
        try {
          event = decodeBinanceFrame(text, this.venue, received);
        } catch (err) {
          this.reportMalformed(err, text, received);
          return;
        }
        this.emit(event);
      });
      // ws answers pings with pongs itself; a ping still proves the connection is alive.
      socket.on('ping', () => this.silenceTimer?.refresh());
      socket.on('error', (err) => {
        this.dropReason ??= `error: ${describeError(err)}`;
      });
      socket.on('close', (code: number, reason: Buffer) => {
        settled();
        markClosed();
        if (this.socket === socket) this.socket = null;
        this.clearSilenceTimer();
        if (!this.running) return;
        const why =
          this.dropReason ?? `closed by venue (code ${code}${reason.length ? `: ${reason.toString()}` : ''})`;
        this.status({ state: 'disconnected', venue: this.venue, reason: why });
        this.scheduleReconnect();
      });
    });
  }

  private scheduleReconnect(): void {
    this.attempt += 1;
    const delayMs = this.backoff.delayMs(this.attempt);
    this.status({ state: 'reconnecting', venue: this.venue, attempt: this.attempt, delayMs });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.running) void this.connect();
    }, delayMs);
  }

  private drop(socket: WebSocket, reason: string): void {
    this.dropReason = reason;
    socket.terminate();
  }

  // One timer per connection, re-armed with refresh() on every frame: no allocation per frame.
  private armSilenceTimer(socket: WebSocket): void {
    this.clearSilenceTimer();
    const ms = this.heartbeatTimeoutMs;
    this.silenceTimer = setTimeout(() => this.drop(socket, `no frame or ping for ${ms} ms`), ms);
  }

  private clearSilenceTimer(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = null;
  }

  private emit(event: RawMarketEvent): void {
    if (this.running) this.sink?.onEvent(event);
  }

  private status(status: FeedStatus): void {
    if (this.running) this.sink?.onStatus(status);
  }

  // Decoders throw MalformedFrameError; anything else they throw is reported the same way, never rethrown.
  private reportMalformed(err: unknown, text: string, received: bigint): void {
    if (!this.running) return;
    this.sink?.onMalformed({
      venue: this.venue,
      reason: describeError(err),
      frame: truncateFrame(text),
      receiveTimeMicros: received,
    });
  }
}
