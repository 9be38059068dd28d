/** Colour classes (`tone-*` in the style sheet): green for success, warm tones for failures. */
export type Tone = 'ok' | `w${0 | 1 | 2 | 3 | 4 | 5 | 6 | 7}`;

const WARM: readonly Tone[] = ['w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7'];

// Fixed tones for the common failures, so that a colour means the same thing on every visit.
const FIXED: Readonly<Record<string, Tone>> = {
  success: 'ok',
  INVALID_CODE: 'w0',
  CODE_ALREADY_USED: 'w1',
  WECHAT_UNAVAILABLE: 'w2',
  WECHAT_RATE_LIMITED: 'w3',
  RATE_LIMITED: 'w4',
  INTERNAL_ERROR: 'w5',
  USER_DISABLED: 'w6',
  UNKNOWN_APP: 'w7',
  '40029': 'w0',
  '40163': 'w1',
  '-1001': 'w2',
  '45011': 'w3',
  '-1': 'w4',
  '40164': 'w5',
  '-1002': 'w6',
  '40125': 'w7',
};

/** The tone of an outcome or errcode: fixed for the common ones, else picked by a hash of the key. */
export function toneOf(key: string): Tone {
  const fixed = FIXED[key];
  if (fixed !== undefined) return fixed;
  let hash = 0;
  for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) >>> 0;
  return WARM[hash % WARM.length]!;
}
