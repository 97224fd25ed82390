import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { InstrumentAggregatesState } from '@tapeline/aggregates';
import type { InstrumentSpec } from '../instruments/instrument-directory';

/** One instrument's forming state, with what is needed to rebuild it without asking anyone. */
export interface InstrumentCheckpoint {
  spec: InstrumentSpec;
  /** Event time minus arrival time at its last live event (see BarClock); null if never live. */
  skewMicros: number | null;
  state: InstrumentAggregatesState;
}

/**
 * Everything the aggregates had applied at one instant: their states and, per topic partition,
 * the offset of the last message applied. Restoring it and replaying the partitions from the
 * next offsets gives exactly the state an uninterrupted run would have.
 */
export interface Checkpoint {
  version: 1;
  takenAtMicros: number;
  /** The aggregate settings it was taken under: a checkpoint of other settings is not restored. */
  settings: string;
  /** "<topic>:<partition>" -> last applied offset. */
  offsets: Record<string, string>;
  instruments: InstrumentCheckpoint[];
}

/**
 * The checkpoint as one file in the state directory, replaced atomically: written to a temporary
 * file, fsynced, renamed over the previous one, and the directory fsynced, so a crash at any point
 * leaves either the old checkpoint or the new one, never a torn file.
 */
export class CheckpointFile {
  readonly file: string;

  constructor(dir: string) {
    this.file = path.join(dir, 'checkpoint.json');
  }

  async read(): Promise<Checkpoint | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const parsed = JSON.parse(text) as Checkpoint;
    if (parsed.version !== 1)
      throw new Error(`checkpoint ${this.file} has version ${parsed.version}, expected 1`);
    return parsed;
  }

  async write(checkpoint: Checkpoint): Promise<void> {
    const dir = path.dirname(this.file);
    await mkdir(dir, { recursive: true });
    const tmp = `${this.file}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(checkpoint));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file);
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }
}
