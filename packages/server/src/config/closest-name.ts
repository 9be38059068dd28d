/**
 * Optimal string alignment distance (Levenshtein plus the swap of two neighbours): `URI`→`URL` is 1, `POTR`→`PORT`
 * is 1. Small inputs only (variable names), so the plain two-row table is enough.
 */
export function editDistance(a: string, b: string): number {
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      current.push(d);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The known name a mistyped one most likely meant, or undefined when none is close enough to be a typo. The bar
 * grows with the name's length (a third of it, at least 1), so `WXLOGIN_DATABASE_URI` finds `WXLOGIN_DATABASE_URL`
 * but `WXLOGIN_URL` is not taken for `WXLOGIN_PORT`.
 */
export function closestName(name: string, known: readonly string[], prefix = ''): string | undefined {
  const strip = (n: string): string => (n.startsWith(prefix) ? n.slice(prefix.length) : n).toUpperCase();
  const wanted = strip(name);
  const bar = Math.max(1, Math.floor(wanted.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(wanted, strip(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= bar ? best : undefined;
}
