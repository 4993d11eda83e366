import path from 'node:path';

/** The repository root, whatever the current directory. */
export const projectRoot = path.resolve(__dirname, '..');
/** Git-ignored runtime state: Temporal's SQLite file, the emulator's CA, console state. */
export const dataDir = path.join(projectRoot, '.data');
/** Git-ignored project-local tools: the Python venv holding the Temporal CLI wheels. */
export const toolsDir = path.join(projectRoot, '.tools');
