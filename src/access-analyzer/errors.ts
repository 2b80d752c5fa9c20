/** The cross-check could not be made (no credentials, no Region, AWS refused or did not answer): the run stops. */
export class AccessAnalyzerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccessAnalyzerError';
  }
}
