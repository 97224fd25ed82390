// Keeps two brokers from writing the same data directory. The lock file holds the owner's pid; a
// lock left by a process that no longer runs (e.g. one killed with SIGKILL) is taken over.
import * as fs from 'node:fs';
import * as path from 'node:path';

const heldInThisProcess = new Set<string>();

function ownerAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // A recycled pid that now belongs to something other than node is not our broker.
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node');
  } catch {
    return true;
  }
}

export class DataDirLock {
  private constructor(private readonly file: string) {}

  static acquire(dataDir: string): DataDirLock {
    const file = path.join(dataDir, '.lock');
    if (heldInThisProcess.has(file))
      throw new Error(`data directory ${dataDir} is already used by a broker in this process`);
    try {
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && ownerAlive(pid)) {
        throw new Error(
          `data directory ${dataDir} is in use by process ${pid} (remove ${file} if that is not a broker)`,
        );
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    fs.writeFileSync(file, `${process.pid}\n`);
    heldInThisProcess.add(file);
    return new DataDirLock(file);
  }

  release(): void {
    heldInThisProcess.delete(this.file);
    fs.rmSync(this.file, { force: true });
  }
}
