import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleIsFresh, workflowSource, WORKFLOWS_PATH } from './workflow-source';

function tmpTree(): { dir: string; src: string; bundle: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'together-bundle-'));
  const src = path.join(dir, 'workflows');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'a.ts'), 'export {}');
  return { dir, src, bundle: path.join(dir, 'workflow-bundle.js') };
}
const touch = (f: string, secondsFromNow: number) => {
  const t = new Date(Date.now() + secondsFromNow * 1000);
  fs.utimesSync(f, t, t);
};

describe('workflow source: a present bundle is used only while it is fresh', () => {
  it('uses a bundle newer than every source, not one older than a source edit, and bundles when none exists', () => {
    const { src, bundle } = tmpTree();
    expect(bundleIsFresh(bundle, [src])).toBe(false); // none
    fs.writeFileSync(bundle, '/* bundle */');
    touch(path.join(src, 'a.ts'), -60);
    expect(bundleIsFresh(bundle, [src])).toBe(true);
    touch(path.join(src, 'a.ts'), +60); // an edit after the build
    expect(bundleIsFresh(bundle, [src])).toBe(false);
    fs.writeFileSync(path.join(src, 'a.test.ts'), ''); // tests do not count
    touch(path.join(src, 'a.ts'), -60);
    touch(path.join(src, 'a.test.ts'), +60);
    expect(bundleIsFresh(bundle, [src])).toBe(true);
  });

  it('without a configured path and no bundle present, bundles workflows/index.ts at start-up', () => {
    expect(workflowSource(undefined, path.join(os.tmpdir(), 'no-such-bundle.js'))).toEqual({
      workflowsPath: WORKFLOWS_PATH,
    });
  });

  it('a configured bundle that does not exist is a configuration error naming the fix', () => {
    expect(() => workflowSource('/nope/bundle.js')).toThrow(/npm run build/);
  });
});
