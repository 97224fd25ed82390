// Hands out idempotent-producer ids. The next free id is persisted before an id is returned so
// ids are never reused across restarts; ids are reserved in blocks to keep InitProducerId cheap.
import * as path from 'node:path';
import { readJsonFile, writeFileAtomic } from './durable-file';

const BLOCK_SIZE = 1000;

export class ProducerIdAllocator {
  private readonly file: string;
  private next = 0;
  private reservedUntil = 0;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'producer-ids.json');
  }

  load(): void {
    const stored = readJsonFile<{ nextBlockStart: number }>(this.file);
    this.next = stored?.nextBlockStart ?? 0;
    this.reservedUntil = this.next;
  }

  allocate(): number {
    if (this.next >= this.reservedUntil) {
      this.reservedUntil = this.next + BLOCK_SIZE;
      writeFileAtomic(this.file, JSON.stringify({ nextBlockStart: this.reservedUntil }) + '\n');
    }
    return this.next++;
  }
}
