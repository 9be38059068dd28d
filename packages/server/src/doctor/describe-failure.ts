/**
 * An expected failure in a few words: the error's code and message, never its stack. Node's AggregateError (every
 * address of a host refused) has an empty message, so its first inner error speaks for it.
 */
export function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 200);
  const inner = error instanceof AggregateError && error.errors[0] instanceof Error ? error.errors[0] : undefined;
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const source = error.message === '' ? (inner ?? cause ?? error) : error;
  const code = (source as { code?: unknown }).code ?? (error as { code?: unknown }).code;
  let text = source.message || source.name;
  if (typeof code === 'string' && code !== '' && !text.includes(code)) text = `${code}: ${text}`;
  // fetch() fails with "fetch failed": the reason is its cause.
  if (cause !== undefined && source === error && text === 'fetch failed') return describeFailure(cause);
  return text.slice(0, 200);
}
