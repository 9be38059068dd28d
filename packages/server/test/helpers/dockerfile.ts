/** One instruction of a Dockerfile: its keyword (upper case), its arguments as written, and where it starts. */
export interface DockerInstruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** A build stage: its `FROM` image (or earlier stage), its `AS` name, and its instructions after the `FROM`. */
export interface DockerStage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly DockerInstruction[];
}

/**
 * Splits a Dockerfile into instructions the way the builder reads it: `#` lines are comments (parser directives
 * included), a trailing backslash continues the instruction on the next line, and comment lines inside a
 * continuation are dropped. Heredocs are not supported (the project's Dockerfile has none).
 */
export function parseDockerfile(text: string): DockerInstruction[] {
  const instructions: DockerInstruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#')) return;
    if (trimmed === '' && pending === undefined) return;
    const continues = trimmed.endsWith('\\');
    const part = continues ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending === undefined ? { text: part, line: index + 1 } : { ...pending, text: `${pending.text} ${part}` };
    if (continues) return;
    const match = /^(\S+)\s*(.*)$/s.exec(pending.text);
    if (match) instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: pending.line });
    pending = undefined;
  });
  return instructions;
}

/** Groups instructions by stage; instructions before the first `FROM` (global `ARG`s) belong to no stage. */
export function stagesOf(instructions: readonly DockerInstruction[]): DockerStage[] {
  const stages: { from: string; name: string | undefined; instructions: DockerInstruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const asAt = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({ from: words[0] ?? '', name: asAt >= 0 ? words[asAt + 1] : undefined, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** The arguments of an exec-form instruction (`["node", "x"]`), or `undefined` for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : undefined;
}

/**
 * The `KEY=value` pairs of an `ENV` or `ARG` instruction (also the legacy `ENV KEY value` form). Values keep their
 * quotes off; `ARG NAME` without a default answers the name with `undefined`.
 */
export function assignmentsOf(args: string): Map<string, string | undefined> {
  const pairs = new Map<string, string | undefined>();
  if (!args.includes('=')) {
    const [key, ...rest] = args.split(/\s+/);
    if (key) pairs.set(key, rest.length > 0 ? rest.join(' ') : undefined);
    return pairs;
  }
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("(?:[^"\\]|\\.)*"|'[^']*'|\S*))?/g)) {
    const value = match[2];
    pairs.set(match[1]!, value === undefined ? undefined : value.replace(/^(["'])(.*)\1$/s, '$2'));
  }
  return pairs;
}

/** The sources and the destination of a `COPY`, with its `--from` stage if any (other flags dropped). */
export function copyOf(args: string): { from: string | undefined; sources: string[]; destination: string } {
  const words = args.split(/\s+/);
  const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
  const paths = words.filter((w) => !w.startsWith('--'));
  return { from, sources: paths.slice(0, -1), destination: paths.at(-1) ?? '' };
}
