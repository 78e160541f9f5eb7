import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** A regular file we may execute (root passes X_OK on any x bit, so a directory must be ruled out too). */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The program's full path in the first directory of `searchPath` (a PATH value) that has it, else null. */
export function findOnPath(program: string, searchPath: string): string | null {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, program))) return path.join(dir, program);
  }
  return null;
}
