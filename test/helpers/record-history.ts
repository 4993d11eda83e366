/**
 * Writes a workflow history to test/replay/histories/<name>.json when TOGETHER_RECORD_HISTORY=1 (the replay test
 * replays every file there against the current workflow code). The protobufjs object form (enums as names, int64
 * as strings, bytes as base64) is readable, and History.fromObject() restores it exactly (test/replay/replay.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';

export const HISTORIES_DIR = path.join(__dirname, '..', 'replay', 'histories');

export function historyJson(history: temporal.api.history.v1.IHistory): string {
  const json = temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.fromObject(history), {
    longs: String,
    enums: String,
    bytes: String,
  });
  return JSON.stringify(json, null, 1) + '\n';
}

/** Saves the history as `<name>.json` only when recording is asked for; returns whether it wrote. */
export function recordHistoryIfAsked(name: string, history: temporal.api.history.v1.IHistory): boolean {
  if (process.env.TOGETHER_RECORD_HISTORY !== '1') return false;
  fs.writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), historyJson(history));
  return true;
}
