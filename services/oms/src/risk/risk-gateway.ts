// The oms's calls to the risk service, with a deadline each. Risk failing to answer means the
// order is not checked, so it is not sent: the caller gets UNAVAILABLE and may retry.
import { Metadata, status } from '@grpc/grpc-js';
import { lastValueFrom, type Observable } from 'rxjs';
import type { riskV1 } from '@tapeline/contracts';
import { OmsError, type OmsErrorCode } from '../errors';

/** The subset of the generated client the oms uses (also what a test stand-in implements). */
export type RiskClient = Pick<riskV1.RiskServiceClient, 'checkOrder' | 'setKillSwitch' | 'setLimit'>;

const PASSED_THROUGH: Partial<Record<number, OmsErrorCode>> = {
  [status.INVALID_ARGUMENT]: 'INVALID_ARGUMENT',
  [status.NOT_FOUND]: 'NOT_FOUND',
  [status.FAILED_PRECONDITION]: 'FAILED_PRECONDITION',
};

export class RiskGateway {
  constructor(
    private readonly client: RiskClient,
    private readonly timeoutMs: number,
  ) {}

  checkOrder(req: riskV1.CheckOrderRequest): Promise<riskV1.CheckOrderResponse> {
    return this.call('CheckOrder', this.client.checkOrder.bind(this.client), req);
  }

  setKillSwitch(req: riskV1.SetKillSwitchRequest): Promise<riskV1.SetKillSwitchResponse> {
    return this.call('SetKillSwitch', this.client.setKillSwitch.bind(this.client), req);
  }

  setLimit(req: riskV1.SetLimitRequest): Promise<riskV1.SetLimitResponse> {
    return this.call('SetLimit', this.client.setLimit.bind(this.client), req);
  }

  private async call<Req, Res>(
    method: string,
    unary: (req: Req, metadata?: Metadata) => Observable<Res>,
    req: Req,
  ): Promise<Res> {
    // Nest's gRPC client hands every argument through to grpc-js: the third is the call options.
    const withOptions = unary as (
      req: Req,
      metadata: Metadata,
      options: { deadline: number },
    ) => Observable<Res>;
    try {
      return await lastValueFrom(withOptions(req, new Metadata(), { deadline: Date.now() + this.timeoutMs }));
    } catch (err) {
      const e = err as { code?: number; details?: string; message?: string };
      const passed = e.code === undefined ? undefined : PASSED_THROUGH[e.code];
      const detail = e.details || e.message || String(err);
      if (passed) throw new OmsError(passed, `risk ${method}: ${detail}`);
      throw new OmsError('UNAVAILABLE', `risk ${method} did not answer: ${detail}`);
    }
  }
}
