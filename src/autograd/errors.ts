/**
 * A NaN or Inf in a gradient, found by backward's check of what each op wrote. The fields say
 * where, so callers branch on them instead of reading the message.
 */
export class NonFiniteGradientError extends Error {
  constructor(
    message: string,
    /** The op whose backward wrote it, or null for the upstream gradient passed to backward. */
    readonly op: string | null,
    /** The op's input index (or the root's index for an upstream gradient). */
    readonly input: number,
    /** The first non-finite element's index in that gradient. */
    readonly index: number,
    readonly value: number,
  ) {
    super(message);
    this.name = 'NonFiniteGradientError';
  }
}
