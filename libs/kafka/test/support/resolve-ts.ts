// Lets a plain `node` child process run this package's TypeScript sources: Node 24 strips types
// itself, but source imports name the compiled `.js` files.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (
        code !== 'ERR_MODULE_NOT_FOUND' ||
        !specifier.startsWith('.') ||
        !specifier.endsWith('.js')
      ) {
        throw error;
      }
      return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
    }
  },
});
