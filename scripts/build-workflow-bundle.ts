/** `npm run build`: bundle workflow code once (what production workers load; see worker/workflow-source.ts). */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_BUNDLE_PATH } from '../worker/config';
import { buildWorkflowBundle } from '../worker/workflow-source';

async function main(): Promise<void> {
  const { code } = await buildWorkflowBundle();
  fs.mkdirSync(path.dirname(DEFAULT_BUNDLE_PATH), { recursive: true });
  fs.writeFileSync(DEFAULT_BUNDLE_PATH, code);
  console.log(
    `Wrote ${path.relative(process.cwd(), DEFAULT_BUNDLE_PATH)} (${(code.length / 1024).toFixed(0)} KiB)`,
  );
}

main().catch((err: unknown) => {
  console.error(`Could not bundle the workflows: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
