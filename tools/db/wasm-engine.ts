import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';

type SchemaEngineClass = typeof SchemaEngine;
// The project's TypeScript libs (ES2023, node types) do not declare WebAssembly; this is the part used.
type WasmImports = Record<string, unknown>;
type WasmExports = Record<string, unknown>;
interface WasmApi {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, WasmImports>,
  ): Promise<{ instance: { exports: WasmExports } }>;
}
const { WebAssembly: wasmApi } = globalThis as unknown as { WebAssembly: WasmApi };

type Bindings = {
  SchemaEngine: SchemaEngineClass;
  __wbg_set_wasm(exports: WasmExports): void;
};

let loading: Promise<SchemaEngineClass> | undefined;

/**
 * Prisma's schema engine (what `prisma migrate` runs) as WebAssembly, so migrations need no
 * engine download. Instantiated by hand rather than imported: importing `.wasm` as an ES module
 * is still experimental in Node. One instance serves every engine of the process.
 */
export function loadSchemaEngine(): Promise<SchemaEngineClass> {
  loading ??= instantiate().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function instantiate(): Promise<SchemaEngineClass> {
  // createRequire rather than import.meta.resolve, which test runners do not all provide.
  const packageDir = dirname(createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm'));
  const bindings =
    (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as unknown as Bindings;
  const bytes = await readFile(join(packageDir, 'schema_engine_bg.wasm'));
  const { instance } = await wasmApi.instantiate(bytes, {
    './schema_engine_bg.js': withUnrefTimers(bindings as unknown as WasmImports),
  });
  bindings.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return bindings.SchemaEngine;
}

/**
 * The engine arms 10 s timers it never clears (timeouts raced against queries); they would keep
 * Node alive long after the work is done. Unref'd, they still fire in a process that lives on.
 */
function withUnrefTimers(imports: WasmImports): WasmImports {
  const patched: WasmImports = { ...imports };
  for (const name of Object.keys(imports)) {
    if (!name.startsWith('__wbg_setTimeout_')) continue;
    const original = imports[name] as (...args: unknown[]) => unknown;
    patched[name] = (...args: unknown[]) => {
      const timer = original(...args);
      (timer as { unref?: () => void } | undefined)?.unref?.();
      return timer;
    };
  }
  return patched;
}
