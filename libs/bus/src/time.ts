// UTC timestamps with microseconds (MiFID II RTS 25 asks for at least that). Date has only
// milliseconds, so the sub-millisecond part comes from the monotonic clock, anchored to the wall
// clock and re-anchored whenever the two drift apart by more than a millisecond (NTP steps).
let anchorWallMs = Date.now();
let anchorMonoMs = performance.now();

export function nowMicros(): number {
  const mono = performance.now();
  let micros = Math.floor((anchorWallMs + (mono - anchorMonoMs)) * 1000);
  const wall = Date.now();
  if (Math.abs(micros / 1000 - wall) > 1) {
    anchorWallMs = wall;
    anchorMonoMs = mono;
    micros = wall * 1000;
  }
  return micros;
}

/** e.g. `2024-05-01T12:34:56.123456Z` */
export function utcIsoMicros(micros: number = nowMicros()): string {
  const ms = Math.floor(micros / 1000);
  const sub = micros - ms * 1000;
  return new Date(ms).toISOString().slice(0, -1) + String(sub).padStart(3, '0') + 'Z';
}
