import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '@tapeline/config';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { planMesh, REPO_ROOT, type MeshPlan } from './mesh-plan';
import { MeshSupervisor } from './supervisor';

async function main(): Promise<void> {
  let plan: MeshPlan;
  try {
    plan = planMesh(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const missing = plan.processes
    .filter((p) => !existsSync(p.script))
    .map((p) => path.relative(REPO_ROOT, p.script));
  if (missing.length) {
    process.stderr.write(
      `not built: ${missing.join(', ')}\nrun \`npm run build\` first (npm start does it)\n`,
    );
    process.exit(1);
  }

  const started = Date.now();
  const mesh = new MeshSupervisor(plan);
  let shuttingDown = false;
  const shutdown = async (exitCode: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    const unclean = await mesh.stop();
    process.stdout.write(
      unclean.length
        ? `tapeline: stopped; not cleanly: ${unclean.join(', ')}\n`
        : 'tapeline: stopped cleanly\n',
    );
    process.exit(exitCode || (unclean.length ? 1 : 0));
  };
  mesh.onCrash((e) => {
    process.stderr.write(
      `\ntapeline: ${e.name} exited unexpectedly (${e.signal ? `signal ${e.signal}` : `code ${e.code}`}); ` +
        `its last log lines (${path.join(plan.logDir, `${e.name}.log`)}):\n` +
        e.tail.map((l) => `  | ${l}`).join('\n') +
        '\ntapeline: stopping the mesh\n',
    );
    void shutdown(1);
  });
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  process.stdout.write(`tapeline: starting ${plan.processes.length} processes, logs in ${plan.logDir}\n`);
  mesh.start();
  try {
    await mesh.waitReady(plan.readyTimeoutMs);
  } catch (err) {
    if (shuttingDown) return;
    process.stderr.write(`tapeline: ${(err as Error).message}\n`);
    await shutdown(1);
    return;
  }
  const rows = plan.processes.map((p) =>
    p.grpcPort
      ? `  ${p.name.padEnd(12)} grpc 127.0.0.1:${p.grpcPort}  metrics http://127.0.0.1:${p.metricsPort}/metrics`
      : `  ${p.name.padEnd(12)} kafka ${plan.kafka}`,
  );
  process.stdout.write(
    [
      '',
      `tapeline: mesh ready in ${((Date.now() - started) / 1000).toFixed(1)} s, every service SERVING`,
      '',
      `  GraphQL      ${plan.gatewayUrl}`,
      ...rows,
      '',
      `  logs         ${plan.logDir}/<service>.log`,
      `  data         ${plan.dataDir}`,
      '',
      ...devCredentials(),
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

void main();

// The development identities the gateway accepts in dev mode (the default of the local mesh), so a
// newcomer can get a token at once: POST /oauth/token with client_id and client_secret.
function devCredentials(): string[] {
  if ((process.env.GATEWAY_AUTH_MODE ?? 'dev') !== 'dev') return [];
  const file = path.join(REPO_ROOT, 'services/gateway/config/dev-clients.yaml');
  let doc: {
    clients?: { client_id: string; client_secret: string; role: string; desk: string }[];
    users?: { username: string; password: string; totp_secret?: string; role: string; desk: string }[];
  };
  try {
    doc = parseYaml(readFileSync(file, 'utf8')) as typeof doc;
  } catch (err) {
    return [`  dev clients: cannot read ${file}: ${(err as Error).message}`, ''];
  }
  const clients = (doc.clients ?? []).map(
    (c) => `    ${c.client_id.padEnd(18)} ${c.client_secret.padEnd(34)} ${c.role.padEnd(13)} ${c.desk}`,
  );
  const users = (doc.users ?? []).map(
    (u) =>
      `    ${u.username.padEnd(18)} ${u.password.padEnd(34)} ${u.role.padEnd(13)} ${u.desk}` +
      (u.totp_secret ? `  TOTP ${u.totp_secret}` : ''),
  );
  return [
    '  Development clients (client credentials grant, POST /oauth/token):',
    `    ${'client_id'.padEnd(18)} ${'client_secret'.padEnd(34)} ${'role'.padEnd(13)} desk`,
    ...clients,
    '  Development users (password grant, with otp= from the TOTP secret where one is listed):',
    ...users,
    '',
  ];
}
