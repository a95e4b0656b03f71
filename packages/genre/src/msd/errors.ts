// Errors raised while reading MSD / HDF5 files. Every failure of the reader, including the bare
// strings jsfive throws and the RangeErrors of reads past the end of a truncated file, surfaces as
// an MsdFormatError whose message names the file and what is wrong.

/**
 * A file is not a readable MSD song file: not HDF5, truncated, corrupt, or missing a dataset.
 * `file` is the path (or the name given for a buffer); `object` the HDF5 path being read, if any.
 *
 * @example
 * try { readSongs('bad.h5'); } catch (e) { if (e instanceof MsdFormatError) console.log(e.file, e.message); }
 */
export class MsdFormatError extends Error {
  override name = 'MsdFormatError';
  readonly file: string;
  readonly object: string | undefined;
  constructor(file: string, what: string, object?: string, options?: { cause?: unknown }) {
    super(`msd: ${file}: ${object === undefined ? '' : object + ': '}${what}`, options);
    this.file = file;
    this.object = object;
  }
}

/** Internal: a format problem found deep in the parser, before the file name is known. */
export class H5Corrupt extends Error {
  override name = 'H5Corrupt';
}

/** Turns anything thrown while parsing `file` (strings included) into an MsdFormatError. */
export function wrapError(e: unknown, file: string, object?: string): MsdFormatError {
  if (e instanceof MsdFormatError) return e;
  let what: string;
  if (e instanceof H5Corrupt) what = e.message;
  else if (e instanceof RangeError) what = `corrupt or truncated HDF5 (${e.message})`;
  else if (e instanceof TypeError && e.message === 'thing is not a function')
    what = 'corrupt HDF5 (a jsfive structure check failed)'; // jsfive's assert()
  else if (e instanceof Error) what = `corrupt HDF5 (${e.name}: ${e.message})`;
  else what = `corrupt HDF5 (${String(e)})`; // jsfive throws bare strings
  return new MsdFormatError(file, what, object, { cause: e });
}
