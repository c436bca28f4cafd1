/** Checks an `Authorization: Bearer <token>` header against an operator token (POST /reload, the console's rollback). */
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Compares digests, not the strings: equal lengths for timingSafeEqual, and nothing leaks the token's length. */
export function bearerTokenMatcher(token: string): (authorizationHeader: string) => boolean {
  const expected = digest(token);
  return (header) => {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    return match !== null && timingSafeEqual(digest(match[1]!), expected);
  };
}
