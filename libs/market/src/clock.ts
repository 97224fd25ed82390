import { nowMicros } from '@tapeline/telemetry';

/** UTC microseconds since the epoch. Injected everywhere a time is stamped so tests stay deterministic. */
export type MicrosClock = () => bigint;

export const systemClock: MicrosClock = () => BigInt(nowMicros());
