// jspurefix's file session store (sequence numbers and every sent message, under one directory per
// session), with writes that survive a process crash in order.

import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  FileSessionStore,
  FileSessionStreamProvider,
  type IFixSessionStore,
  type IFixSessionStoreFactory,
  type SessionId,
} from 'jspurefix';

/**
 * jspurefix's file store writes the sequence numbers with overlapping async writeFile calls (one
 * per message), so the file can end up holding an older pair, or a torn one, and a restart would
 * ask for, or resend, the wrong range. Here each write is synchronous and atomic (temp file +
 * rename) and index lines are appended in order. No fsync: a process crash keeps them, a power
 * loss may not.
 */
class DurableFileStreamProvider extends FileSessionStreamProvider {
  private readonly seqNumsFile: string;
  private readonly headerFile: string;

  constructor(sessionId: SessionId, directory: string) {
    super(sessionId, directory);
    this.seqNumsFile = sessionId.getFilePath(directory, 'seqnums');
    this.headerFile = sessionId.getFilePath(directory, 'header');
  }

  override writeSeqNums(content: string): Promise<void> {
    writeFileSync(`${this.seqNumsFile}.tmp`, content, 'utf8');
    renameSync(`${this.seqNumsFile}.tmp`, this.seqNumsFile);
    return Promise.resolve();
  }

  override appendHeaderLine(line: string): Promise<void> {
    appendFileSync(this.headerFile, `${line}\n`, 'utf8');
    return Promise.resolve();
  }
}

export class DurableFileStoreFactory implements IFixSessionStoreFactory {
  constructor(private readonly directory: string) {}

  create(sessionId: SessionId): IFixSessionStore {
    return new FileSessionStore(sessionId, new DurableFileStreamProvider(sessionId, this.directory), true);
  }
}
