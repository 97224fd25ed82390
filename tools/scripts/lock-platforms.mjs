// The npm mirror of our machines serves only linux-x64 builds of packages that ship per-platform
// binaries (buf, nx), so `npm install` writes a lock without the other platforms' optional entries,
// and `npm ci` then refuses the lock as out of sync. This adds those entries, constrained by
// os/cpu(/libc) so npm skips them on a machine they don't fit without fetching anything.
// Run after any lock refresh: `node tools/scripts/lock-platforms.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const PLATFORM =
  /-(darwin|linux|win32|freebsd)-(arm64|x64|armv7|arm|aarch64|ia32)(?:-(gnueabihf|musl|gnu|msvc))?$/;
let added = 0;
for (const [where, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `${where ? `${where}/` : ''}node_modules/${name}`.replace(
      /^node_modules\/(.*)\/node_modules\//,
      'node_modules/$1/node_modules/',
    );
    const flat = `node_modules/${name}`;
    if (lock.packages[key] || lock.packages[flat]) continue;
    const m = PLATFORM.exec(name);
    if (!m) continue;
    const [, os, arch, abi] = m;
    const cpu = { aarch64: 'arm64', armv7: 'arm' }[arch] ?? arch;
    lock.packages[flat] = {
      version,
      dev: entry.dev || undefined,
      optional: true,
      os: [os],
      cpu: [cpu],
      ...(abi === 'musl' ? { libc: ['musl'] } : abi === 'gnu' ? { libc: ['glibc'] } : {}),
    };
    added += 1;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
);
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platforms: added ${added} optional platform entries`);
