/** The production package.json/lockfile pair: runtime dependencies only, in sync, nothing unreachable left. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  NOT_AT_RUNTIME,
  productionLockfile,
  productionManifest,
  type PackageLock,
} from './production-manifest';

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as PackageLock;

describe('production manifest', () => {
  const manifest = productionManifest(pkg);
  const prodLock = productionLockfile(lock, manifest);

  it('keeps the runtime dependencies and drops devDependencies, tsx and the Pulumi SDKs', () => {
    expect(manifest.devDependencies).toBeUndefined();
    for (const name of NOT_AT_RUNTIME) expect(manifest.dependencies).not.toHaveProperty(name);
    expect(manifest.dependencies).toHaveProperty('@temporalio/worker');
    expect(manifest.dependencies).toHaveProperty('fastify');
  });

  it('starts with plain node, exec-ing it so signals reach the process', () => {
    for (const script of Object.values(manifest.scripts ?? {})) expect(script).toMatch(/^exec node /);
    expect(JSON.stringify(manifest.scripts)).not.toMatch(/tsx/);
  });

  it('writes a lockfile whose root entry matches the manifest (npm ci accepts the pair)', () => {
    expect(prodLock.packages['']!.dependencies).toEqual(manifest.dependencies);
    expect(prodLock.packages['']!.devDependencies).toBeUndefined();
  });

  it('drops every locked package the runtime dependencies do not reach', () => {
    expect(prodLock.packages['node_modules/tsx']).toBeUndefined();
    expect(prodLock.packages['node_modules/vitest']).toBeUndefined();
    expect(prodLock.packages['node_modules/@pulumi/pulumi']).toBeUndefined();
    expect(prodLock.packages['node_modules/@temporalio/worker']).toBeDefined();
    expect(Object.keys(prodLock.packages).length).toBeLessThan(Object.keys(lock.packages).length);
  });

  it('resolves nested copies the way Node does (nearest node_modules first)', () => {
    const l: PackageLock = {
      name: 'x',
      version: '1',
      lockfileVersion: 3,
      packages: {
        '': { dependencies: { a: '1' } },
        'node_modules/a': { dependencies: { b: '2' } },
        'node_modules/a/node_modules/b': {},
        'node_modules/b': {},
        'node_modules/unused': {},
      },
    };
    const out = productionLockfile(l, { name: 'x', version: '1', dependencies: { a: '1' } });
    expect(Object.keys(out.packages).sort()).toEqual(['', 'node_modules/a', 'node_modules/a/node_modules/b']);
  });
});
