// Committed consumer-group offsets, kept in memory and persisted as an append-only log of JSON
// lines (`<dataDir>/group-offsets.log`). Each commit is written before it is acknowledged, so it
// survives a crash; the log is compacted into a snapshot of the live entries when it grows.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../durable-file';
import { type Logger } from '../logger';

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
}

export interface OffsetCommitEntry extends CommittedOffset {
  topic: string;
  partition: number;
}

type LogLine =
  | { t: 'o'; g: string; tp: string; p: number; o: number; e: number; m: string; ts: number }
  | { t: 'gen'; g: string; gen: number }
  | { t: 'dg'; g: string }
  | { t: 'dt'; tp: string };

/** Compact once the log holds this many more lines than there are live entries. */
const COMPACTION_SLACK = 50000;

export class OffsetStore {
  private readonly groups = new Map<string, Map<string, OffsetCommitEntry>>();
  private readonly generations = new Map<string, number>();
  private readonly file: string;
  private fd = -1;
  private lines = 0;

  constructor(
    dataDir: string,
    private readonly fsync: boolean,
    private readonly logger: Logger,
  ) {
    this.file = path.join(dataDir, 'group-offsets.log');
  }

  load(): void {
    let text = '';
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const all = text.split('\n');
    let skipped = 0;
    for (const raw of all) {
      if (raw.length === 0) continue;
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        // Only the last line can be torn by a crash mid-write; it was never acknowledged.
        skipped++;
        continue;
      }
      this.apply(line);
    }
    if (skipped > 0) this.logger.warn('skipped unreadable lines in group offsets log', { skipped });
    this.compact();
  }

  private apply(line: LogLine): void {
    switch (line.t) {
      case 'o': {
        let offsets = this.groups.get(line.g);
        if (!offsets) this.groups.set(line.g, (offsets = new Map()));
        offsets.set(key(line.tp, line.p), {
          topic: line.tp,
          partition: line.p,
          offset: line.o,
          leaderEpoch: line.e,
          metadata: line.m,
          commitTimestamp: line.ts,
        });
        break;
      }
      case 'gen':
        this.generations.set(line.g, line.gen);
        break;
      case 'dg':
        this.groups.delete(line.g);
        this.generations.delete(line.g);
        break;
      case 'dt':
        for (const offsets of this.groups.values()) {
          for (const [k, v] of offsets) if (v.topic === line.tp) offsets.delete(k);
        }
        break;
    }
  }

  private append(lines: LogLine[]): void {
    for (const l of lines) this.apply(l);
    const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
    fs.writeSync(this.fd, text);
    if (this.fsync) fs.fdatasyncSync(this.fd);
    this.lines += lines.length;
    if (this.lines > this.liveEntries() + COMPACTION_SLACK) this.compact();
  }

  private liveEntries(): number {
    let n = this.generations.size;
    for (const offsets of this.groups.values()) n += offsets.size;
    return n;
  }

  /** Rewrites the log as the current state, atomically. */
  private compact(): void {
    const out: string[] = [];
    for (const [g, gen] of this.generations) out.push(JSON.stringify({ t: 'gen', g, gen } satisfies LogLine));
    for (const [g, offsets] of this.groups) {
      for (const v of offsets.values()) {
        out.push(
          JSON.stringify({
            t: 'o',
            g,
            tp: v.topic,
            p: v.partition,
            o: v.offset,
            e: v.leaderEpoch,
            m: v.metadata,
            ts: v.commitTimestamp,
          } satisfies LogLine),
        );
      }
    }
    if (this.fd >= 0) fs.closeSync(this.fd);
    writeFileAtomic(this.file, out.length > 0 ? out.join('\n') + '\n' : '');
    this.fd = fs.openSync(this.file, 'a');
    this.lines = out.length;
  }

  commit(group: string, entries: OffsetCommitEntry[]): void {
    if (entries.length === 0) return;
    this.append(
      entries.map((v) => ({
        t: 'o',
        g: group,
        tp: v.topic,
        p: v.partition,
        o: v.offset,
        e: v.leaderEpoch,
        m: v.metadata,
        ts: v.commitTimestamp,
      })),
    );
  }

  fetch(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(group)?.get(key(topic, partition));
  }

  fetchAll(group: string): OffsetCommitEntry[] {
    return [...(this.groups.get(group)?.values() ?? [])];
  }

  hasOffsets(group: string): boolean {
    return (this.groups.get(group)?.size ?? 0) > 0;
  }

  groupIds(): string[] {
    return [...new Set([...this.groups.keys(), ...this.generations.keys()])];
  }

  /** Generation ids continue across restarts, as Kafka's persisted group metadata does. */
  recordGeneration(group: string, generation: number): void {
    this.append([{ t: 'gen', g: group, gen: generation }]);
  }

  generationOf(group: string): number {
    return this.generations.get(group) ?? 0;
  }

  deleteGroup(group: string): void {
    this.append([{ t: 'dg', g: group }]);
  }

  deleteTopic(topic: string): void {
    this.append([{ t: 'dt', tp: topic }]);
  }

  flush(): void {
    if (this.fd >= 0) fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
