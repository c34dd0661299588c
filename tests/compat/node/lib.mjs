// What every script shares: the server and key from the environment (set by
// tests/compat/test_node_clients.py), and steps whose results (or errors) become one JSON object on
// stdout. The scripts only report; pytest asserts.

export const env = {
  baseUrl: need('SANDEX_BASE_URL'), // http://127.0.0.1:PORT (no path)
  wsBase: need('SANDEX_BASE_URL').replace(/^http/, 'ws') + '/ws/v5', // + /public|/private|/business
  apiKey: need('SANDEX_API_KEY'),
  secret: need('SANDEX_SECRET'),
  passphrase: need('SANDEX_PASSPHRASE'),
  instId: process.env.SANDEX_INST || 'BTC-USDT',
  // a counterparty, for scripts that make a trade to move the last price (optional)
  peer: process.env.SANDEX_PEER_API_KEY
    ? {
        apiKey: process.env.SANDEX_PEER_API_KEY,
        secret: process.env.SANDEX_PEER_SECRET,
        passphrase: process.env.SANDEX_PEER_PASSPHRASE,
      }
    : null,
};

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

// Run `fn`; keep its value (or the error the client threw) under `name`.
export async function step(out, name, fn) {
  try {
    out[name] = { ok: true, value: await fn() };
  } catch (error) {
    out[name] = { ok: false, error: describe(error) };
  }
  return out[name].ok ? out[name].value : undefined;
}

function describe(error) {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return error; // okx-api throws the OKX envelope itself: {code, msg, data}
}

export function report(out) {
  process.stdout.write('SANDEX-REPORT ' + JSON.stringify(out) + '\n'); // clients log to stdout too
}

// The first event `matches` accepts among those `subscribe(handler)` delivers, or an error after
// `ms` (a bound on a failure, generous: only a broken client or server waits it out).
export function firstEvent(subscribe, matches, ms = 30000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching event within ${ms} ms`)), ms);
    subscribe((event) => {
      if (matches(event)) {
        clearTimeout(timer);
        resolve(event);
      }
    });
  });
}
