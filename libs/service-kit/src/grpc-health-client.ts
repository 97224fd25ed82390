import {
  credentials,
  loadPackageDefinition,
  type ServiceError,
  type GrpcObject,
  type Client,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { GRPC_LOADER_OPTIONS, HEALTH_PROTO } from '@tapeline/contracts';
import type { DependencyCheck } from './health-registry';

type HealthClient = Client & {
  check(
    req: { service: string },
    opts: { deadline: number },
    cb: (err: ServiceError | null, res?: { status: number | string }) => void,
  ): void;
};

let HealthCtor:
  (new (addr: string, creds: ReturnType<typeof credentials.createInsecure>) => HealthClient) | undefined;
function healthCtor() {
  if (!HealthCtor) {
    const pkg = loadPackageDefinition(loadSync(HEALTH_PROTO, GRPC_LOADER_OPTIONS)) as GrpcObject;
    HealthCtor = ((pkg.grpc as GrpcObject).health as GrpcObject).v1 as unknown as typeof HealthCtor;
    HealthCtor = (HealthCtor as unknown as { Health: typeof HealthCtor }).Health;
  }
  return HealthCtor!;
}

/** grpc.health.v1.Health/Check against `address`; resolves with the status name. */
export function checkGrpcHealth(address: string, service = '', timeoutMs = 1000): Promise<string> {
  const client = new (healthCtor())(address, credentials.createInsecure());
  return new Promise<string>((resolve, reject) => {
    client.check({ service }, { deadline: Date.now() + timeoutMs }, (err, res) => {
      client.close();
      if (err) reject(new Error(`${address}: ${err.details || err.message}`));
      else resolve(statusName(res?.status));
    });
  });
}

const STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
function statusName(s: number | string | undefined): string {
  return typeof s === 'number' ? (STATUS_NAMES[s] ?? String(s)) : (s ?? 'UNKNOWN');
}

/** A dependency that is reachable when the other service reports SERVING. */
export function grpcServiceDependency(name: string, address: string): DependencyCheck {
  return {
    name,
    async check() {
      const s = await checkGrpcHealth(address);
      if (s !== 'SERVING') throw new Error(`${name} at ${address} is ${s}`);
    },
  };
}
