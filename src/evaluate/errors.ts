/**
 * The engine fails closed: a policy it cannot evaluate faithfully (an unknown operator, a malformed
 * value, an unknown key type) is an error, and an error is never an allow.
 */
export class EvaluationError extends Error {
  /** A stable code for diagnostics: condition-type-mismatch, unknown-key-type, or cannot-evaluate. */
  readonly code: string;
  /** The condition the error is about, when it is about one: where to point the author. */
  readonly condition: { operator: string; key: string } | undefined;
  constructor(message: string, code = 'cannot-evaluate', condition?: { operator: string; key: string }) {
    super(message);
    this.name = 'EvaluationError';
    this.code = code;
    this.condition = condition;
  }
}
