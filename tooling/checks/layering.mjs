// The layering check: every package imports only the layers beneath it (DESIGN.md §2), only
// through their public entry, and says so in its package.json and tsconfig.json.
// Plain JavaScript so it runs with bare `node` (`node tooling/checks/layering.mjs [root]`) and
// needs no compiler API: TypeScript 7 ships none, so imports are found by a small lexer.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/**
 * DESIGN.md §2, the "depends on" column: the direct dependencies of each library package.
 * This table is the single source of the allowed import graph; a package may import
 * everything reachable from its row (monitor → net → sync, so monitor may import sync).
 * Private workspace packages in apps/ and examples/ sit on top and may import any of them.
 * @type {Readonly<Record<string, { folder: string, dependsOn: readonly string[] }>>}
 */
export const LAYERS = {
  '@curio/kernel': { folder: 'packages/kernel', dependsOn: [] },
  '@curio/sync': { folder: 'packages/sync', dependsOn: ['@curio/kernel'] },
  '@curio/net': { folder: 'packages/net', dependsOn: ['@curio/kernel', '@curio/sync'] },
  '@curio/ssl': { folder: 'packages/ssl', dependsOn: ['@curio/net'] },
  '@curio/subprocess': { folder: 'packages/subprocess', dependsOn: ['@curio/net'] },
  '@curio/workers': { folder: 'packages/workers', dependsOn: ['@curio/kernel', '@curio/sync'] },
  '@curio/monitor': { folder: 'packages/monitor', dependsOn: ['@curio/kernel', '@curio/net'] },
  curio: {
    folder: 'packages/curio',
    dependsOn: [
      '@curio/kernel',
      '@curio/sync',
      '@curio/net',
      '@curio/ssl',
      '@curio/subprocess',
      '@curio/workers',
      '@curio/monitor',
    ],
  },
};

/** The one package whose sources may import nothing but `node:` builtins. */
const BASE_LAYER = '@curio/kernel';

/** Folders scanned in each package; files under `src` and `bin` ship, the others do not. */
const SHIPPED_DIRS = ['src', 'bin'];
const DEV_DIRS = ['test', 'bench'];
const SOURCE_FILE = /\.(?:[cm]?[jt]s|tsx)$/;

/**
 * @typedef {object} Violation
 * @property {string} rule what was broken, e.g. `layer`, `deep-import`, `outside-package`
 * @property {string} file path relative to the checked root, with `/` separators
 * @property {number} line 1-based; 0 for package-level findings
 * @property {string} specifier the offending import specifier or dependency name
 * @property {string} message what is wrong and what to do instead
 */

/**
 * @typedef {object} WorkspacePackage
 * @property {string} name
 * @property {string} folder relative to the root, with `/` separators
 * @property {Record<string, string>} dependencies
 * @property {Record<string, string>} devDependencies
 */

/**
 * Everything a package may import by name: the transitive closure of its `dependsOn` row, or
 * every row of the table for the apps and examples on top.
 * @param {string} name
 * @returns {Set<string>}
 */
export function allowedImports(name) {
  const row = LAYERS[name];
  if (!row) return new Set(Object.keys(LAYERS));
  const allowed = new Set();
  const pending = [...row.dependsOn];
  while (pending.length > 0) {
    const next = /** @type {string} */ (pending.pop());
    if (allowed.has(next)) continue;
    allowed.add(next);
    pending.push(...(LAYERS[next]?.dependsOn ?? []));
  }
  return allowed;
}

/**
 * The workspace packages the check covers: packages/*, apps/* and examples.
 * @param {string} root
 * @returns {WorkspacePackage[]}
 */
export function findPackages(root) {
  /** @type {string[]} */
  const folders = [];
  for (const parent of ['packages', 'apps']) {
    const dir = path.join(root, parent);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir).sort()) folders.push(`${parent}/${entry}`);
  }
  folders.push('examples');
  /** @type {WorkspacePackage[]} */
  const found = [];
  for (const folder of folders) {
    const manifest = path.join(root, folder, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    found.push({
      name: pkg.name,
      folder,
      dependencies: pkg.dependencies ?? {},
      devDependencies: pkg.devDependencies ?? {},
    });
  }
  return found;
}

/**
 * Runs every rule over the workspace at `root` and returns what it found, sorted by file.
 * @param {string} root
 * @returns {Violation[]}
 */
export function checkLayering(root) {
  const packages = findPackages(root);
  const names = new Set([...packages.map((p) => p.name), ...Object.keys(LAYERS)]);
  const byFolder = new Map(packages.map((p) => [path.join(root, p.folder), p.name]));
  /** @type {Violation[]} */
  const violations = [];
  for (const pkg of packages) {
    violations.push(...checkManifest(root, pkg, names, byFolder));
    for (const dir of [...SHIPPED_DIRS, ...DEV_DIRS]) {
      for (const file of listFiles(path.join(root, pkg.folder, dir))) {
        violations.push(...checkFile(root, pkg, file, names, SHIPPED_DIRS.includes(dir)));
      }
    }
  }
  return violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/**
 * package.json and tsconfig.json must agree with the table: every direct dependency of the
 * row is declared, nothing above the package is, and the project references match.
 * @param {string} root
 * @param {WorkspacePackage} pkg
 * @param {Set<string>} names every workspace package name
 * @param {Map<string, string>} byFolder package name by absolute folder
 * @returns {Violation[]}
 */
function checkManifest(root, pkg, names, byFolder) {
  /** @type {Violation[]} */
  const found = [];
  const file = `${pkg.folder}/package.json`;
  /** @param {string} rule @param {string} specifier @param {string} message */
  const report = (rule, specifier, message) =>
    found.push({ rule, file, line: 0, specifier, message });
  const row = LAYERS[pkg.name];
  if (pkg.folder.startsWith('packages/') && !row) {
    report(
      'unknown-package',
      pkg.name,
      `${pkg.name} is not in the layering table: add its row to LAYERS in tooling/checks/layering.mjs (and DESIGN.md §2)`,
    );
  }
  if (row && row.folder !== pkg.folder) {
    report('unknown-package', pkg.name, `${pkg.name} belongs in ${row.folder}, not ${pkg.folder}`);
  }
  const allowed = allowedImports(pkg.name);
  /** @type {string[]} */
  const declared = [];
  for (const [field, deps] of [
    ['dependencies', pkg.dependencies],
    ['devDependencies', pkg.devDependencies],
  ]) {
    for (const [dep, range] of Object.entries(deps)) {
      if (!names.has(dep)) continue;
      if (field === 'dependencies') declared.push(dep);
      if (!allowed.has(dep)) {
        report('dependency-not-allowed', dep, forbidden(pkg.name, dep, 'depend on'));
      } else if (!range.startsWith('workspace:')) {
        report('workspace-protocol', dep, `${field}.${dep} must be "workspace:^", not "${range}"`);
      }
    }
  }
  for (const dep of row?.dependsOn ?? []) {
    if (!declared.includes(dep)) {
      report(
        'missing-dependency',
        dep,
        `DESIGN.md §2 says ${pkg.name} depends on ${dep}: add "${dep}": "workspace:^" to dependencies`,
      );
    }
  }
  const tsconfig = path.join(root, pkg.folder, 'tsconfig.json');
  if (existsSync(tsconfig)) {
    const config = JSON.parse(readFileSync(tsconfig, 'utf8'));
    /** @type {{ path: string }[]} */
    const references = config.references ?? [];
    const referenced = references.map(
      (ref) => byFolder.get(path.resolve(root, pkg.folder, ref.path)) ?? ref.path,
    );
    /** @param {string} specifier @param {string} message */
    const mismatch = (specifier, message) =>
      found.push({
        rule: 'tsconfig-references',
        file: `${pkg.folder}/tsconfig.json`,
        line: 0,
        specifier,
        message,
      });
    for (const dep of declared.filter((d) => !referenced.includes(d))) {
      mismatch(
        dep,
        `${dep} is a dependency but not in "references": tsc -b would not build it first`,
      );
    }
    for (const dep of referenced.filter((d) => !declared.includes(d))) {
      mismatch(dep, `"references" names ${dep}, which is not a dependency in package.json`);
    }
  }
  return found;
}

/**
 * @param {string} root
 * @param {WorkspacePackage} pkg
 * @param {string} file absolute path
 * @param {Set<string>} names every workspace package name
 * @param {boolean} shipped whether the file is part of the published package
 * @returns {Violation[]}
 */
function checkFile(root, pkg, file, names, shipped) {
  /** @type {Violation[]} */
  const found = [];
  const rel = toPosix(path.relative(root, file));
  const packageRoot = path.join(root, pkg.folder);
  const allowed = allowedImports(pkg.name);
  for (const { specifier, line } of findImports(readFileSync(file, 'utf8'))) {
    /** @param {string} rule @param {string} message */
    const report = (rule, message) => found.push({ rule, file: rel, line, specifier, message });
    // node: builtins, and the package's own subpath imports (`#internal`, package.json "imports").
    if (specifier.startsWith('node:') || specifier.startsWith('#')) continue;
    if (specifier.startsWith('.')) {
      const target = path.resolve(path.dirname(file), specifier);
      if (target !== packageRoot && !target.startsWith(packageRoot + path.sep)) {
        const into = toPosix(path.relative(root, target));
        report(
          'outside-package',
          `reaches outside ${pkg.folder} into ${into}: import the package by name (its public entry)`,
        );
      }
      continue;
    }
    if (path.isAbsolute(specifier) || specifier.startsWith('file:')) {
      report('outside-package', 'imports by absolute path: import the package by name');
      continue;
    }
    const name = packageName(specifier);
    if (names.has(name)) {
      const subpath = specifier.slice(name.length);
      if (subpath !== '' && subpath !== '/package.json') {
        report('deep-import', `reaches into ${name}'s files: import from '${name}' itself`);
      }
      if (name === pkg.name) continue;
      if (!allowed.has(name)) {
        report('layer', forbidden(pkg.name, name, 'import'));
      } else if (!declares(pkg, name, shipped ? ['dependencies'] : undefined)) {
        report(
          'undeclared-dependency',
          `${name} is not in ${pkg.folder}/package.json ${shipped ? 'dependencies' : 'dependencies or devDependencies'}`,
        );
      }
      continue;
    }
    if (pkg.name === BASE_LAYER && shipped) {
      report(
        'kernel-builtins-only',
        isBuiltin(specifier)
          ? `write 'node:${specifier}': the kernel imports only node: builtins`
          : 'the kernel may import only node: builtins',
      );
      continue;
    }
    if (shipped && !isBuiltin(specifier) && !declares(pkg, name, ['dependencies'])) {
      report('undeclared-dependency', `${name} is not in ${pkg.folder}/package.json dependencies`);
    }
  }
  return found;
}

/**
 * @param {WorkspacePackage} pkg
 * @param {string} name
 * @param {('dependencies' | 'devDependencies')[]} fields
 */
function declares(pkg, name, fields = ['dependencies', 'devDependencies']) {
  return fields.some((field) => Object.hasOwn(pkg[field], name));
}

/**
 * @param {string} importer
 * @param {string} target
 * @param {string} verb
 */
function forbidden(importer, target, verb) {
  if (!LAYERS[importer]) {
    return `${importer} may not ${verb} ${target}: apps and examples use only the library packages`;
  }
  const below = [...allowedImports(importer)];
  const layers = below.length > 0 ? `only ${below.join(', ')}` : 'no other package';
  return `${importer} may not ${verb} ${target}: by DESIGN.md §2 it sits on ${layers}`;
}

/**
 * `@scope/name/sub` → `@scope/name`, `name/sub` → `name`.
 * @param {string} specifier
 */
export function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * @param {string} dir
 * @returns {string[]} every source file below `dir`, sorted
 */
function listFiles(dir) {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  /** @type {string[]} */
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(full));
    else if (SOURCE_FILE.test(entry.name)) files.push(full);
  }
  return files.sort();
}

/** @param {string} p */
function toPosix(p) {
  return p.split(path.sep).join('/');
}

/**
 * The module specifiers of a JavaScript or TypeScript source: `import … from 'x'`,
 * `export … from 'x'`, `import 'x'`, `import('x')` (also in types: `typeof import('x')`),
 * `require('x')` and `import x = require('x')`. Comments and the insides of other strings are
 * skipped, so commented-out imports and strings that merely look like imports do not count.
 * @param {string} source
 * @returns {{ specifier: string, line: number }[]}
 */
export function findImports(source) {
  const { masked, strings } = maskSource(source);
  const pattern =
    /(?:(?<![.\w$])from|(?<![.\w$])import|(?<![.\w$])import\s*\(|(?<![.\w$])require\s*\()\s*\uE000(\d+)\uE001/g;
  /** @type {{ specifier: string, line: number }[]} */
  const found = [];
  for (const match of masked.matchAll(pattern)) {
    const literal = strings[Number(match[1])];
    found.push({ specifier: literal.value, line: lineOf(source, literal.start) });
  }
  return found;
}

/** @param {string} source @param {number} offset */
function lineOf(source, offset) {
  let line = 1;
  for (let i = 0; i < offset; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Replaces comments with spaces and each string literal (and each template literal without
 * substitutions) with a marker `\uE000<index>\uE001`, keeping the literals aside.
 * @param {string} src
 * @returns {{ masked: string, strings: { value: string, start: number }[] }}
 */
function maskSource(src) {
  /** @type {{ value: string, start: number }[]} */
  const strings = [];
  let out = '';
  let i = 0;
  // Where a `/` starts a regular expression rather than a division: after an operator or
  // opening bracket, or after a keyword such as `return`. Good enough for real code.
  let lastSignificant = '';
  /** @type {number[]} brace depth at which each open template substitution resumes */
  const templateStack = [];
  let braceDepth = 0;
  const regexAfter = new Set([...'(,=:[!&|?{};+-*%<>~^'.split(''), '']);
  const regexKeywords = /^(?:return|typeof|case|do|else|in|of|void|yield|await|delete|throw|new)$/;
  /** @param {number} from @returns {number} index after the closing backtick or `${` */
  const scanTemplate = (from) => {
    let j = from;
    while (j < src.length) {
      const c = src[j];
      if (c === '\\') j += 2;
      else if (c === '`') return j + 1;
      else if (c === '$' && src[j + 1] === '{') return j + 2;
      else j++;
    }
    return j;
  };
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      const end = src.indexOf('\n', i);
      const stop = end === -1 ? src.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end === -1 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      let value = '';
      while (j < src.length && src[j] !== c && src[j] !== '\n') {
        if (src[j] === '\\') {
          value += src[j + 1] ?? '';
          j += 2;
        } else {
          value += src[j];
          j++;
        }
      }
      strings.push({ value, start: i });
      out += `\uE000${strings.length - 1}\uE001`;
      i = j + 1;
      lastSignificant = 'str';
    } else if (c === '`' || (c === '}' && templateStack.at(-1) === braceDepth)) {
      if (c === '}') templateStack.pop();
      const end = scanTemplate(i + 1);
      const whole = c === '`' && src[end - 1] === '`';
      if (whole) {
        strings.push({ value: src.slice(i + 1, end - 1), start: i });
        out += `\uE000${strings.length - 1}\uE001`;
      } else {
        out += ' ';
        if (src[end - 1] === '{' && src[end - 2] === '$') templateStack.push(braceDepth);
      }
      i = end;
      lastSignificant = 'str';
    } else if (
      c === '/' &&
      (regexAfter.has(lastSignificant) || regexKeywords.test(lastSignificant))
    ) {
      let j = i + 1;
      let inClass = false;
      while (j < src.length && src[j] !== '\n') {
        if (src[j] === '\\') j++;
        else if (src[j] === '[') inClass = true;
        else if (src[j] === ']') inClass = false;
        else if (src[j] === '/' && !inClass) break;
        j++;
      }
      out += ' '.repeat(j + 1 - i);
      i = j + 1;
      lastSignificant = 'regex';
    } else {
      if (c === '{') braceDepth++;
      if (c === '}') braceDepth--;
      if (/[A-Za-z_$]/.test(c)) {
        let j = i;
        while (j < src.length && /[\w$]/.test(src[j])) j++;
        lastSignificant = src.slice(i, j);
        out += lastSignificant;
        i = j;
        continue;
      }
      if (!/\s/.test(c)) lastSignificant = /[)\]\d]/.test(c) ? 'value' : c;
      out += c;
      i++;
    }
  }
  return { masked: out, strings };
}

/**
 * Formats findings one per line, as `file:line: message`.
 * @param {Violation[]} violations
 */
export function formatViolations(violations) {
  return violations
    .map(
      (v) =>
        `${v.file}${v.line > 0 ? `:${v.line}` : ''}: [${v.rule}] '${v.specifier}': ${v.message}`,
    )
    .join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(
    process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '../..'),
  );
  const violations = checkLayering(root);
  if (violations.length > 0) {
    console.error(formatViolations(violations));
    console.error(`layering: ${violations.length} violation(s) in ${root}`);
    process.exitCode = 1;
  } else {
    console.log(`layering: ok (${findPackages(root).length} packages checked)`);
  }
}
