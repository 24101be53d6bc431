import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from '@swc/core';

/**
 * Module hooks that compile TypeScript with SWC (decorators and their metadata, which Node's
 * own type stripping cannot do), so the benchmark runs identity from source without a build.
 */
/** Sources import `./x.js` for `./x.ts` (NodeNext style): fall back to the .ts file. */
export async function resolve(
  specifier: string,
  context: object,
  nextResolve: (specifier: string, context: object) => Promise<unknown>,
): Promise<unknown> {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' || !/^\.{1,2}\/.*\.js$/.test(specifier)) throw error;
    return nextResolve(specifier.replace(/\.js$/, '.ts'), context);
  }
}

export async function load(
  url: string,
  context: { format?: string },
  nextLoad: (url: string, context: object) => Promise<unknown>,
): Promise<unknown> {
  if (!url.startsWith('file:') || !/\.[cm]?ts$/.test(url) || url.includes('/node_modules/')) {
    return nextLoad(url, context);
  }
  const path = fileURLToPath(url);
  const output = await transform(await readFile(path, 'utf8'), {
    filename: path,
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  });
  return { format: 'module', source: output.code, shortCircuit: true };
}
