// Node's file-system errors read "ENOTDIR: not a directory, mkdir '/w/runs/t'": a code, a system
// call and a path, but not what went wrong in words or what to do about it. These become one
// sentence each: what could not be done to which path, what that means, what to do. The code stays
// at the end, for searching.
import { statSync } from 'node:fs';
import * as path from 'node:path';

const ACTIONS: Record<string, string> = {
  mkdir: 'create the folder',
  open: 'open',
  read: 'read',
  write: 'write',
  rename: 'replace',
  copyfile: 'copy into',
  scandir: 'list the folder',
  opendir: 'list the folder',
  stat: 'read',
  lstat: 'read',
  unlink: 'delete',
  rmdir: 'delete the folder',
  rm: 'delete',
  access: 'reach',
  chmod: 'change the permissions of',
  symlink: 'link',
  utime: 'touch',
};

function meaning(code: string, inTheWay: string | undefined): string | undefined {
  switch (code) {
    case 'ENOTDIR':
      return `${inTheWay ? `${inTheWay} is a file` : 'part of that path is a file'} where a folder is needed. Move or rename that file, or choose another folder`;
    case 'EISDIR':
      return 'it is a folder where a file is needed. Move or rename that folder, or choose another path';
    case 'ENOENT':
      return 'it, or a folder above it, does not exist. Check the path';
    case 'EEXIST':
      return 'something with that name exists already. Move or rename it, or choose another name';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied. Check its owner and permissions (ls -l), or choose a folder you can write to';
    case 'EROFS':
      return 'the file system is read-only. Choose a folder on a writable disk';
    case 'ENOSPC':
      return 'the disk is full. Free some space, then try again';
    case 'EDQUOT':
      return 'your disk quota is used up. Free some space, then try again';
    case 'ENAMETOOLONG':
      return 'the path is too long for the file system. Choose a shorter folder or name';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many files are open. Close some programs, then try again';
    default:
      return undefined;
  }
}

/**
 * A file-system error as a sentence (`cannot create the folder /w/runs/t: /w/runs is a file where
 * a folder is needed. Move or rename …`), or undefined for any other error. `inTheWay`: for ENOTDIR,
 * the file found where a folder should be (fileInTheWay).
 */
export function describeFileError(err: unknown, inTheWay?: string): string | undefined {
  const e = err as (NodeJS.ErrnoException & { dest?: string }) | undefined;
  if (!(err instanceof Error) || !e?.code || !e.syscall || typeof e.path !== 'string') return undefined;
  const what = meaning(e.code, inTheWay);
  if (!what) return undefined;
  const target = e.syscall === 'rename' && e.dest ? e.dest : e.path;
  return `cannot ${ACTIONS[e.syscall] ?? e.syscall} ${target}: ${what} (${e.code}).`;
}

/** The nearest existing ancestor of `p` (or `p` itself) that is not a folder: why a mkdir under it
 *  fails with ENOTDIR. A few stat calls, made only once something has already failed. */
export function fileInTheWay(p: string): string | undefined {
  for (let dir = path.resolve(p); ; dir = path.dirname(dir)) {
    try {
      return statSync(dir).isDirectory() ? undefined : dir;
    } catch {
      // does not exist: look one level up
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** describeFileError with the file in the way looked up (outside the extension host). */
export function explainFileError(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  const inTheWay = e?.code === 'ENOTDIR' && typeof e.path === 'string' ? fileInTheWay(e.path) : undefined;
  return describeFileError(err, inTheWay);
}
