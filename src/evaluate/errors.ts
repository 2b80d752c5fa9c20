/**
 * The engine fails closed: a policy it cannot evaluate faithfully (an unknown operator, a malformed
 * value, an unknown key type) is an error, and an error is never an allow.
 */
export class EvaluationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvaluationError';
  }
}
