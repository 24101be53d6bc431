// The baseline: a bare Node reverse proxy (Fastify + @fastify/http-proxy, undici underneath).
import proxy from '@fastify/http-proxy';
import Fastify from 'fastify';

const [port, upstream] = [Number(process.argv[2]), process.argv[3]!];
const app = Fastify({ logger: false });
await app.register(proxy, { upstream, prefix: '/bench', rewritePrefix: '' });
await app.listen({ port, host: '127.0.0.1' });
console.log('bare proxy ready');
// Exit cleanly on the bench's SIGTERM, so `--cpu-prof` (BENCH_BARE_PROXY_NODE_ARGS) is written.
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
