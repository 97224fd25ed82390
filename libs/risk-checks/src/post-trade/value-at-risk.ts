import { RiskInputError } from '../errors';

/**
 * VaR and expected shortfall. The statistics run in floating point (float64): they are estimates
 * from a sample, not amounts anyone is paid, so 1e-15 relative error is irrelevant. Inputs
 * (market values) and outputs (VaR, ES) are money-scale mantissas; only the middle is a float.
 */
export interface VarInput {
  /** Signed market value per instrument, money-scale mantissas (several entries per instrument add up). */
  readonly positions: readonly { readonly instrumentId: string; readonly marketValue: bigint }[];
  /** Daily simple returns per instrument, oldest first, aligned by day, all of the same length. */
  readonly returns: ReadonlyMap<string, readonly number[]>;
  /** e.g. 0.99 */
  readonly confidence: number;
  /** Holding period; 1-day figures are scaled by sqrt(horizonDays). */
  readonly horizonDays: number;
  readonly moneyScale: number;
}

export interface VarResult {
  readonly method: 'historical' | 'parametric';
  readonly confidence: number;
  readonly horizonDays: number;
  readonly observations: number;
  /** Positive = a loss; money-scale mantissas. */
  readonly valueAtRisk: bigint;
  readonly expectedShortfall: bigint;
}

/** Portfolio P&L of each day of history, in money units: sum over instruments of value x return. */
export function portfolioPnlSeries(input: Pick<VarInput, 'positions' | 'returns' | 'moneyScale'>): number[] {
  const unit = 10 ** input.moneyScale;
  let length: number | undefined;
  const weights = new Map<string, number>();
  for (const p of input.positions) {
    const series = input.returns.get(p.instrumentId);
    if (!series) throw new RiskInputError('BAD_RETURNS', `no return history for ${p.instrumentId}`);
    if (length !== undefined && series.length !== length) {
      throw new RiskInputError(
        'BAD_RETURNS',
        `${p.instrumentId} has ${series.length} returns, others ${length}`,
      );
    }
    length = series.length;
    weights.set(p.instrumentId, (weights.get(p.instrumentId) ?? 0) + Number(p.marketValue) / unit);
  }
  const pnl = new Array<number>(length ?? 0).fill(0);
  for (const [instrumentId, value] of weights) {
    const series = input.returns.get(instrumentId)!;
    for (let t = 0; t < pnl.length; t++) {
      const r = series[t]!;
      if (!Number.isFinite(r))
        throw new RiskInputError('BAD_RETURNS', `${instrumentId} return #${t} is ${r}`);
      pnl[t]! += value * r;
    }
  }
  return pnl;
}

/**
 * Historical simulation over the empirical distribution of portfolio P&L: with n days and tail
 * count k = ceil(n x (1 - c)), VaR is the k-th worst loss and ES the mean of the k worst losses
 * (e.g. 10 days at 90%: the worst day; 100 days at 99%: the worst day; 10 days at 80%: the 2nd
 * worst, ES = mean of the 2 worst). Scaled by sqrt(horizon) like the parametric figure.
 */
export function historicalVar(input: VarInput): VarResult {
  validate(input);
  const pnl = portfolioPnlSeries(input).sort((a, b) => a - b);
  const n = pnl.length;
  if (n === 0) throw new RiskInputError('BAD_RETURNS', 'no history to simulate');
  // The epsilon keeps 100 x (1 - 0.99) = 1.0000000000000009 from counting as 2 days.
  const k = Math.min(n, Math.max(1, Math.ceil(n * (1 - input.confidence) - 1e-9)));
  const scale = Math.sqrt(input.horizonDays);
  let tail = 0;
  for (let i = 0; i < k; i++) tail += pnl[i]!;
  return result(input, 'historical', n, -pnl[k - 1]! * scale, (-tail / k) * scale);
}

/**
 * Variance-covariance (normal) VaR: sigma = sample standard deviation (n - 1) of the portfolio's
 * daily P&L (the same number as sqrt(w' S w) with S the sample covariance of returns), mean taken
 * as zero (usual for daily horizons). VaR = z_c x sigma x sqrt(h); ES = sigma x sqrt(h) x phi(z_c) / (1 - c).
 */
export function parametricVar(input: VarInput): VarResult {
  validate(input);
  const pnl = portfolioPnlSeries(input);
  const n = pnl.length;
  if (n < 2)
    throw new RiskInputError('BAD_RETURNS', 'at least 2 days of history are needed for a volatility');
  const mean = pnl.reduce((a, b) => a + b, 0) / n;
  const variance = pnl.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  const sigma = Math.sqrt(variance) * Math.sqrt(input.horizonDays);
  const z = normalQuantile(input.confidence);
  const density = Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
  return result(input, 'parametric', n, z * sigma, (sigma * density) / (1 - input.confidence));
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RiskInputError('BAD_RETURNS', `probability ${p} is not in (0, 1)`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const tailValue = (q: number): number =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < low) return tailValue(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - low) return -tailValue(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

function validate(input: VarInput): void {
  if (!(input.confidence > 0.5 && input.confidence < 1)) {
    throw new RiskInputError('BAD_RETURNS', `confidence ${input.confidence} is not in (0.5, 1)`);
  }
  if (!(input.horizonDays > 0) || !Number.isFinite(input.horizonDays)) {
    throw new RiskInputError('BAD_RETURNS', `horizon ${input.horizonDays} days is not positive`);
  }
}

function result(
  input: VarInput,
  method: VarResult['method'],
  observations: number,
  valueAtRisk: number,
  expectedShortfall: number,
): VarResult {
  const toMoney = (x: number): bigint => BigInt(Math.round(x * 10 ** input.moneyScale));
  return {
    method,
    confidence: input.confidence,
    horizonDays: input.horizonDays,
    observations,
    valueAtRisk: toMoney(valueAtRisk),
    expectedShortfall: toMoney(expectedShortfall),
  };
}
