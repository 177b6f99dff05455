/** A mistake in how the CLI was called (exit code 2), as opposed to a problem with the user's data. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
