import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A strong random token for `inbound.authToken` (256 bits, base64url, 43 characters). Paste it
 * into the mParticle connection's token setting; mParticle sends it back as
 * `Authorization: Token <token>`.
 */
export function generateAuthToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Checks `Authorization: Token <token>` headers against one configured token in constant time. */
export class TokenCheck {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = Buffer.from(token, 'utf8');
  }

  /** Whether `header` (the raw `Authorization` value) carries the configured token. */
  accepts(header: string | null): boolean {
    if (!header) return false;
    const match = /^\s*token\s+(\S+)\s*$/i.exec(header);
    if (!match) return false;
    const presented = Buffer.from(match[1]!, 'utf8');
    // Only the length can differ visibly, and the token's length is no secret.
    return presented.length === this.expected.length && timingSafeEqual(presented, this.expected);
  }
}
