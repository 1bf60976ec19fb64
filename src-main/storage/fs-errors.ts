/**
 * File-system errors in words a user can act on. Node's messages name the system call and the path it
 * used ("ENOSPC: no space left on device, write", "open '/x/.a.png.123.9f.tmp'"), which for an atomic
 * write is a temporary file the user never asked for. These describe the error by its code and name
 * the user's own file instead.
 */

/** The reason without any path: "the disk is full", "the folder is read-only", ... */
export function fsReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException | null;
  switch (e?.code) {
    case 'ENOSPC':
      return 'the disk is full';
    case 'EDQUOT':
      return 'the disk quota is used up';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'the folder does not exist or cannot hold files';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EISDIR':
      return 'it is a folder';
    case 'EEXIST':
      return 'a file of that name is in the way';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many files are open';
    case 'EIO':
      return 'the disk reported an input/output error';
    case 'EBUSY':
      return 'the file is in use';
    default: {
      const message = err instanceof Error ? err.message : String(err);
      // drop the "CODE: " prefix and a trailing ", syscall 'path'" Node adds
      return message.replace(/^[A-Z]+: /, '').replace(/, \w+ '[^']*'( -> '[^']*')?$/, '');
    }
  }
}

/** What the user can do about a write that failed with this error. */
export function fsWriteAdvice(err: unknown): string {
  switch ((err as NodeJS.ErrnoException | null)?.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'free some space on that disk or write somewhere else';
    case 'EROFS':
    case 'EACCES':
    case 'EPERM':
      return 'choose a folder you can write to';
    case 'ENOENT':
    case 'ENOTDIR':
      return 'check the path, or choose another folder';
    case 'EISDIR':
    case 'EEXIST':
      return 'choose another file name';
    case 'ENAMETOOLONG':
      return 'choose a shorter name';
    default:
      return 'check that the folder exists and is writable';
  }
}

/** The error of a write to `file` as a user-facing sentence: "cannot write out.png: the disk is full; free some space ...". */
export function describeWriteError(err: unknown, file: string): string {
  return `cannot write ${file}: ${fsReason(err)}; ${fsWriteAdvice(err)}`;
}

/** An error whose message names the user's file and says what to do; `cause` keeps the system's error. */
export class FileWriteError extends Error {
  readonly code: string | undefined;
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(describeWriteError(cause, file), { cause });
    this.name = 'FileWriteError';
    this.code = (cause as NodeJS.ErrnoException | null)?.code;
  }
}
