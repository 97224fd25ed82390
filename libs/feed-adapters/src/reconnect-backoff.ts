// ReconnectBackoff lives in @tapeline/fix-session (the FIX initiators use it too); the adapters here
// raise its option problems as FeedConfigError, like every other option of theirs.

import { ReconnectBackoff, type BackoffOptions } from '@tapeline/fix-session';
import { FeedConfigError } from './errors';

export { ReconnectBackoff, type BackoffOptions };

export function feedBackoff(options: BackoffOptions | undefined): ReconnectBackoff {
  const problem = ReconnectBackoff.problem(options);
  if (problem !== null) throw new FeedConfigError(problem);
  return new ReconnectBackoff(options);
}
