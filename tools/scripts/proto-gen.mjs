// Regenerates libs/contracts/src/gen from proto/ with buf + ts-proto. One target, used by
// developers (`npm run proto:gen`) and by the staleness check in CI (proto-check.mjs).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const buf = path.join(root, 'node_modules/.bin/buf');
execFileSync(buf, ['generate', '--template', 'buf.gen.yaml'], {
  cwd: path.join(root, 'proto'),
  stdio: 'inherit',
});
