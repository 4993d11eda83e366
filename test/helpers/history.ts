/**
 * Writes a workflow history to test/replay/histories/<name>.json, where the replay test replays every file
 * against the current workflow code (test/replay/replay.test.ts). Used by test/replay/record.ts and by the
 * integration tests that record their histories with TOGETHER_RECORD_HISTORY=1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';

export const HISTORIES_DIR = path.join(__dirname, '..', 'replay', 'histories');

/** True when the run was asked to (re-)record replay histories. */
export const recordingHistories = (): boolean => process.env.TOGETHER_RECORD_HISTORY === '1';

export function writeReplayHistory(name: string, history: temporal.api.history.v1.IHistory): void {
  // protobufjs object form (enums as names, int64 as strings, bytes as base64): readable, and
  // History.fromObject() restores it exactly (see replay.test.ts).
  const json = temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.fromObject(history), {
    longs: String,
    enums: String,
    bytes: String,
  });
  fs.writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), JSON.stringify(json, null, 1) + '\n');
}
