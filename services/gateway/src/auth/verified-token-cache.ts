import { systemClock, type AccessTokenVerifier, type Clock, type Principal } from '@tapeline/auth';

/**
 * Remembers tokens whose signature and claims were verified, until they expire, so that a client
 * sending the same access token on every request pays for one signature check per token rather
 * than per request (an ES256 verification costs more than the rest of a small query). The key is
 * the whole token, signature included, so a hit is only ever the exact bytes that verified.
 * Revocation is not cached: the authenticator asks the state store on every request.
 */
export class VerifiedTokenCache implements AccessTokenVerifier {
  private readonly verified = new Map<string, Principal>();

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly maxEntries = 10_000,
    private readonly clock: Clock = systemClock,
  ) {}

  async verify(token: string): Promise<Principal> {
    const hit = this.verified.get(token);
    if (hit && hit.expiresAt * 1000 > this.clock()) return hit;
    if (hit) this.verified.delete(token);
    const principal = await this.verifier.verify(token);
    // Oldest first out: Map iteration order is insertion order.
    if (this.verified.size >= this.maxEntries) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, principal);
    return principal;
  }
}
