/** What every operator family provides; the generic layer adds negation, IfExists and set operators. */
export interface OperatorFamily<P> {
  /** Parses a policy value; throws EvaluationError when it is malformed for this family. */
  parse(value: string): P;
  /** The positive comparison (StringEquals for StringNotEquals too): does one request value match one policy value? */
  matches(base: string, requestValue: string, policyValue: P): boolean;
}
