/**
 * Why a checkpoint file was refused. Callers branch on `fault`, never on the message; the
 * message names the file, the section and the fix on one line (the CLI prints one line).
 *
 *   missing    the file does not exist
 *   magic      not an mtlkit checkpoint at all
 *   version    an mtlkit checkpoint of a format this mtlkit does not read
 *   truncated  shorter than its header says (or than any checkpoint can be)
 *   trailing   longer than its header says
 *   checksum   a section's bytes differ from the CRC-32 written with them
 *   header     the header is not the documented JSON object (key missing, renamed, wrong type)
 *   mismatch   an intact file that does not fit the model or optimizer it is loaded into
 */
export type CheckpointFault = 'missing' | 'magic' | 'version' | 'truncated' | 'trailing' | 'checksum' | 'header' | 'mismatch';

/** The fix for a damaged file when the caller knows no better one. */
export const DAMAGED_FIX = 'the file is damaged: use an earlier checkpoint';

export class CheckpointError extends Error {
  constructor(
    readonly file: string,
    /** 'lead', 'header', "buffer 'values'", 'end marker', 'file', 'layout', ... */
    readonly section: string,
    readonly fault: CheckpointFault,
    readonly detail: string,
    readonly fix: string,
  ) {
    super(`checkpoint ${file}: ${section}: ${detail}; ${fix}`);
    this.name = 'CheckpointError';
  }

  /** The same refusal with a fix that the caller knows better (e.g. how to resume instead). */
  withFix(fix: string): CheckpointError {
    return new CheckpointError(this.file, this.section, this.fault, this.detail, fix);
  }

  /** Whether the file's bytes are bad (as opposed to a good file that does not fit, or none). */
  get damaged(): boolean {
    return this.fault !== 'mismatch' && this.fault !== 'missing' && this.fault !== 'version';
  }
}
