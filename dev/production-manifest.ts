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
 * Only needed to load TypeScript sources (bin/ falls back to it in a dev checkout); compiled code never
 * requires them, so the production package does not install them.
 */
export const DEV_ONLY_DEPENDENCIES = ['tsx'];

/** Scripts of the production package: plain `node`, exec'd by npm's shell so signals reach the process. */
export const PRODUCTION_SCRIPTS = {
  start: 'exec node cli/main.js console',
  worker: 'exec node worker/main.js',
  console: 'exec node cli/main.js console',
  cli: 'exec node cli/main.js',
};

export function productionManifest(pkg: PackageJson): PackageJson {
  const dependencies = Object.fromEntries(
    Object.entries(pkg.dependencies ?? {}).filter(([name]) => !DEV_ONLY_DEPENDENCIES.includes(name)),
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

export function productionLockfile(lock: PackageLock, manifest: PackageJson): PackageLock {
  const root = { ...lock.packages[''] };
  delete root.devDependencies;
  root.dependencies = manifest.dependencies;
  root.bin = manifest.bin;
  root.engines = manifest.engines;
  return { ...lock, packages: { ...lock.packages, '': root } };
}
