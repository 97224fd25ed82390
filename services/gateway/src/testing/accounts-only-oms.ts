// An oms stand-in for the gateway's in-process permission tests (not part of the service): it
// answers ListAccounts from the oms's real accounts file, and every other call UNIMPLEMENTED (the
// gateway's SERVICE_UNAVAILABLE), so that the desk rule is exercised without trading anything.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  loadPackageDefinition,
  Server,
  ServerCredentials,
  type GrpcObject,
  type ServiceClientConstructor,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { parse } from 'yaml';
import { GRPC_LOADER_OPTIONS, SERVICE_CONTRACTS } from '@tapeline/contracts';
import { REPO_ROOT } from '@tapeline/test-kit';

export const OMS_ACCOUNTS_FILE = path.join(REPO_ROOT, 'services/oms/config/accounts.yaml');

/** The trading accounts of the oms's accounts file, with their desks. */
export function omsAccounts(): { accountId: string; desk: string }[] {
  const doc = parse(readFileSync(OMS_ACCOUNTS_FILE, 'utf8')) as { accounts: { id: string; desk: string }[] };
  return doc.accounts.map((a) => ({ accountId: a.id, desk: a.desk }));
}

export async function startAccountsOnlyOms(): Promise<{ addr: string; close: () => Promise<void> }> {
  const contract = SERVICE_CONTRACTS.oms;
  let node = loadPackageDefinition(loadSync(contract.proto, GRPC_LOADER_OPTIONS)) as GrpcObject;
  for (const part of contract.package.split('.')) node = node[part] as GrpcObject;
  const service = (node[contract.service] as ServiceClientConstructor).service;
  const server = new Server();
  const accounts = omsAccounts();
  const implementation: UntypedServiceImplementation = {
    ListAccounts: (_call: unknown, callback: (err: null, res: object) => void) =>
      callback(null, { accounts }),
  };
  server.addService(service, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    addr: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
