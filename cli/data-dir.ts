/**
 * Checks a state directory before anything is created or connected: pseudo filesystems (/proc, /sys, /dev)
 * hang or fail oddly in mkdir, and a directory that cannot be written is a configuration error (exit 2) that
 * should name the flag or variable, not surface later as a raw EACCES.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../contracts/errors';

export class DataDirError extends ConfigError {
  override name = 'DataDirError';
}

const PSEUDO = ['/proc', '/sys', '/dev'];

export function ensureDataDir(dir: string, source: string): string {
  const abs = path.resolve(dir);
  if (PSEUDO.some((p) => abs === p || abs.startsWith(`${p}/`))) {
    throw new DataDirError(
      `${source} '${dir}' is inside ${PSEUDO.find((p) => abs === p || abs.startsWith(`${p}/`))}, a pseudo filesystem that cannot hold files. Choose a normal directory such as ./.data/console.`,
    );
  }
  // The nearest existing ancestor must be a writable directory.
  let probe = abs;
  while (!fs.existsSync(probe)) {
    const parent = path.dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  const st = fs.statSync(probe);
  if (!st.isDirectory()) {
    throw new DataDirError(
      `${source} '${dir}': ${probe} is a file, not a directory. Choose another directory.`,
    );
  }
  try {
    fs.accessSync(probe, fs.constants.W_OK);
  } catch {
    throw new DataDirError(
      `${source} '${dir}': ${probe} is not writable by this user. Choose another directory.`,
    );
  }
  fs.mkdirSync(abs, { recursive: true, mode: 0o700 });
  return abs;
}
