// errors.mjs — the error a command throws for bad usage (exit 2). Kept apart from cli.mjs so that
// command modules can import it while cli.mjs is still loading them.
export class UsageError extends Error {
  constructor(message) { super(message); this.name = 'UsageError'; }
}
