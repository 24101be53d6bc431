// Two small backend APIs for the demo, standing where a provider's real services would.
// weather: GET /forecast?city=…  payments: GET/POST /invoices, GET /invoices/:id
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const host = process.env.HOST ?? '127.0.0.1';
const weatherPort = Number(process.env.DEMO_WEATHER_PORT ?? 4101);
const paymentsPort = Number(process.env.DEMO_PAYMENTS_PORT ?? 4102);

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** What the gateway says about the caller, echoed so the demo shows it. */
function caller(request: IncomingMessage): Record<string, string | undefined> {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  return { app: header('x-portcullis-app-id'), client: header('x-portcullis-client-id') };
}

const CITIES: Record<string, { lat: number; lon: number }> = {
  amsterdam: { lat: 52.37, lon: 4.9 },
  lisbon: { lat: 38.72, lon: -9.14 },
  oslo: { lat: 59.91, lon: 10.75 },
};

const weather = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') return send(response, 200, { status: 'ok' });
  if (request.method === 'GET' && url.pathname === '/forecast') {
    const city = (url.searchParams.get('city') ?? 'amsterdam').toLowerCase();
    const place = CITIES[city];
    if (!place) return send(response, 404, { title: 'Unknown city', status: 404 });
    const days = Array.from({ length: 3 }, (_, day) => ({
      day,
      // Deterministic numbers keep the demo reproducible.
      highC: Math.round(12 + place.lat / 10 - day),
      lowC: Math.round(4 + place.lat / 20 - day),
    }));
    return send(response, 200, { city, ...place, days, caller: caller(request) });
  }
  return send(response, 404, { title: 'Not found', status: 404 });
});

interface Invoice {
  id: string;
  customer: string;
  amountCents: number;
  createdAt: string;
}
const invoices = new Map<string, Invoice>();

const payments = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') return send(response, 200, { status: 'ok' });
  if (url.pathname === '/invoices' && request.method === 'GET') {
    return send(response, 200, { items: [...invoices.values()], caller: caller(request) });
  }
  if (url.pathname === '/invoices' && request.method === 'POST') {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 64 * 1024) request.destroy();
    });
    request.on('end', () => {
      try {
        const input = JSON.parse(body) as { customer?: unknown; amountCents?: unknown };
        if (typeof input.customer !== 'string' || !Number.isInteger(input.amountCents)) {
          return send(response, 400, {
            title: 'customer and amountCents are required',
            status: 400,
          });
        }
        const invoice: Invoice = {
          id: randomUUID(),
          customer: input.customer,
          amountCents: input.amountCents as number,
          createdAt: new Date().toISOString(),
        };
        invoices.set(invoice.id, invoice);
        return send(response, 201, invoice);
      } catch {
        return send(response, 400, { title: 'Body must be JSON', status: 400 });
      }
    });
    return;
  }
  const match = /^\/invoices\/([\w-]+)$/.exec(url.pathname);
  if (match && request.method === 'GET') {
    const invoice = invoices.get(match[1]!);
    return invoice
      ? send(response, 200, invoice)
      : send(response, 404, { title: 'Not found', status: 404 });
  }
  return send(response, 404, { title: 'Not found', status: 404 });
});

weather.listen(weatherPort, host, () =>
  console.log(`weather upstream on http://${host}:${weatherPort}`),
);
payments.listen(paymentsPort, host, () =>
  console.log(`payments upstream on http://${host}:${paymentsPort}`),
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    weather.close();
    payments.close();
  });
}
