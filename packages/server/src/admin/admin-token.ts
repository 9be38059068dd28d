import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * A check of the admin bearer token in constant time: both sides are hashed first, so the comparison takes the same
 * time whatever the presented token's length or content.
 */
export function createAdminTokenCheck(configured: string): (presented: string | undefined) => boolean {
  const expected = sha256(configured);
  return (presented) => {
    if (presented === undefined || presented.length === 0) return false;
    return timingSafeEqual(sha256(presented), expected);
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
