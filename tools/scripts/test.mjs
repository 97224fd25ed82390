// `npm test`: builds the workspace (tsc -b) and runs every test of it with node's test runner:
// the compiled `*.test.js` of each project's dist/ and the workspace-level `tools/scripts/*.test.mjs`.
// `node tools/scripts/test.mjs [--no-build] [project-dir...]` narrows it to some projects (nx uses that).
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const build = !args.includes('--no-build');
const projects = args.filter((a) => !a.startsWith('--'));

if (build) {
  execFileSync(path.join(root, 'node_modules/.bin/tsc'), ['-b', 'tsconfig.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}

function findTests(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules') continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) findTests(full, out);
    else if (entry.endsWith('.test.js')) out.push(full);
  }
  return out;
}

const roots = projects.length
  ? projects.map((p) => path.resolve(root, p))
  : ['libs', 'services', 'tools'].flatMap((d) =>
      readdirSync(path.join(root, d)).map((p) => path.join(root, d, p)),
    );
const files = roots.flatMap((p) => findTests(path.join(p, 'dist')));
if (!projects.length || projects.some((p) => path.resolve(root, p) === path.join(root, 'tools/scripts'))) {
  const scripts = path.join(root, 'tools/scripts');
  files.push(
    ...readdirSync(scripts)
      .filter((f) => f.endsWith('.test.mjs'))
      .map((f) => path.join(scripts, f)),
  );
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Two at a time on the 2-core machine: the integration tests start real processes.
const res = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-timeout=300000', ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(res.status ?? 1);
