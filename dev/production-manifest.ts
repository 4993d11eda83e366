/**
 * The package.json and package-lock.json of the production package (dist/): the repo's manifest without
 * devDependencies or dev scripts, and the lockfile's root entry rewritten to match, so `npm ci --omit=dev`
 * accepts the pair as in sync and installs exactly the locked runtime dependencies. Pure functions.
 */

export interface PackageJson {
  name: string;
  version: string;
  description?: string;
  license?: string;
  private?: boolean;
  type?: string;
  engines?: Record<string, string>;
  bin?: Record<string, string>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

export interface PackageLock {
  name: string;
  version: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

/**
 * Dependencies the compiled package never requires: tsx loads TypeScript sources (bin/ falls back to it in
 * a dev checkout), and the Pulumi SDKs run only the infra/ program from a checkout. Leaving them out keeps
 * the deployed package small (@pulumi/azure-native alone is hundreds of MB).
 */
export const NOT_AT_RUNTIME = [
  'tsx',
  '@pulumi/azure-native',
  '@pulumi/azuread',
  '@pulumi/policy',
  '@pulumi/pulumi',
];

/** Scripts of the production package: plain `node`, exec'd by npm's shell so signals reach the process. */
export const PRODUCTION_SCRIPTS = {
  start: 'exec node cli/main.js console',
  worker: 'exec node worker/main.js',
  console: 'exec node cli/main.js console',
  cli: 'exec node cli/main.js',
};

export function productionManifest(pkg: PackageJson): PackageJson {
  const dependencies = Object.fromEntries(
    Object.entries(pkg.dependencies ?? {}).filter(([name]) => !NOT_AT_RUNTIME.includes(name)),
  );
  const manifest: PackageJson = {
    name: pkg.name,
    version: pkg.version,
    private: true,
    description: pkg.description,
    license: pkg.license,
    type: 'commonjs',
    engines: pkg.engines,
    bin: { 'together-o365': 'bin/together-o365.js' },
    scripts: PRODUCTION_SCRIPTS,
    dependencies,
  };
  if (pkg.allowScripts) manifest.allowScripts = pkg.allowScripts;
  return manifest;
}

/**
 * The lockfile for the production manifest: the root entry matches it, and only the packages reachable
 * from its dependencies remain (resolved as Node does: nearest node_modules first, then each parent).
 */
export function productionLockfile(lock: PackageLock, manifest: PackageJson): PackageLock {
  const root: Record<string, unknown> = { ...lock.packages[''] };
  delete root.devDependencies;
  root.dependencies = manifest.dependencies;
  root.bin = manifest.bin;
  root.engines = manifest.engines;
  const packages: PackageLock['packages'] = { ...lock.packages, '': root };
  const keep = reachable(packages);
  return {
    ...lock,
    packages: Object.fromEntries(Object.entries(packages).filter(([location]) => keep.has(location))),
  };
}

function reachable(packages: PackageLock['packages']): Set<string> {
  const seen = new Set<string>(['']);
  const queue = [''];
  while (queue.length) {
    const location = queue.shift()!;
    const entry = packages[location] as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    const names = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((n) => !entry.peerDependenciesMeta?.[n]?.optional),
    ];
    for (const name of names) {
      const found = resolve(packages, location, name);
      if (found !== undefined && !seen.has(found)) {
        seen.add(found);
        queue.push(found);
      }
    }
  }
  return seen;
}

function resolve(packages: PackageLock['packages'], from: string, name: string): string | undefined {
  for (let dir: string | undefined = from; dir !== undefined; dir = parentOf(dir)) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
  }
  return undefined;
}

/** "node_modules/a/node_modules/@s/b" → "node_modules/a"; "node_modules/a" → ""; "" → undefined. */
function parentOf(location: string): string | undefined {
  if (location === '') return undefined;
  const i = location.lastIndexOf('/node_modules/');
  return i < 0 ? '' : location.slice(0, i);
}
