// CI gate for the contracts: buf lint; the generated TypeScript matches the protos (regenerate and
// diff); and no wire- or JSON-breaking change against the previous commit (`buf breaking`).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const buf = path.join(root, 'node_modules/.bin/buf');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, encoding: 'utf8', ...opts });

try {
  run(buf, ['lint'], { cwd: path.join(root, 'proto'), stdio: 'inherit' });
} catch {
  console.error('proto: buf lint failed (see above)');
  process.exit(1);
}
console.log('proto: buf lint passed');

run(process.execPath, [path.join(root, 'tools/scripts/proto-gen.mjs')], { stdio: 'inherit' });
const stale = run('git', ['status', '--porcelain', '--', 'libs/contracts/src/gen']).trim();
if (stale) {
  console.error(`proto: generated code is stale; run \`npm run proto:gen\` and commit:\n${stale}`);
  process.exit(1);
}
console.log('proto: generated TypeScript is up to date');

// Compare with the previous commit (on a PR: its base). The first commit has nothing to break.
const against = process.env.BUF_BREAKING_AGAINST ?? 'HEAD~1';
let hasBase = true;
try {
  run('git', ['rev-parse', '--verify', '--quiet', `${against}^{commit}`]);
} catch {
  hasBase = false;
}
if (!hasBase) {
  console.log(`proto: no ${against} to compare with; breaking-change check skipped`);
} else {
  const hasProto = run('git', ['ls-tree', '-d', against, 'proto']).trim();
  if (!hasProto) {
    console.log(`proto: ${against} has no proto/; breaking-change check skipped`);
  } else {
    try {
      run(buf, ['breaking', 'proto', '--against', `.git#ref=${against},subdir=proto`], { stdio: 'inherit' });
    } catch {
      console.error(
        `proto: breaking change against ${against} (see above); add a new field or a v2 package instead`,
      );
      process.exit(1);
    }
    console.log(`proto: no breaking change against ${against}`);
  }
}
