import { register } from 'node:module';

register('./swc-hooks.ts', import.meta.url);
