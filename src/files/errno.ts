/** What a failed file operation means to whoever has to fix it, from its errno code. */
const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  ENOENT: 'no such file or directory',
  EEXIST: 'it already exists',
  ENOTEMPTY: 'the directory is not empty',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EXDEV: 'it is on another file system',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

export function errnoReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && REASONS[code]) return `${REASONS[code]} (${code})`;
  return code ?? (e instanceof Error ? e.message : String(e));
}
