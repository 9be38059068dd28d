/**
 * The configuration is unusable. `problems` lists every problem found, one line each, naming the variable; no
 * line ever holds a secret's value.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** Every problem, one per line, in a stable order. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.problems = Object.freeze([...problems]);
  }
}
