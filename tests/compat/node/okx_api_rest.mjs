// The unmodified okx-api RestClient against sandex: only `baseUrl` changes.
import { RestClient } from 'okx-api';
import { env, report, step } from './lib.mjs';

const client = new RestClient({
  apiKey: env.apiKey,
  apiSecret: env.secret,
  apiPass: env.passphrase,
  baseUrl: env.baseUrl,
});
const inst = env.instId;
const out = {};

await step(out, 'serverTime', () => client.getServerTime());
await step(out, 'instruments', async () => {
  const rows = await client.getInstruments({ instType: 'SPOT' });
  return rows.find((row) => row.instId === inst);
});
await step(out, 'ticker', async () => (await client.getTicker({ instId: inst }))[0]);
await step(out, 'orderBook', async () => (await client.getOrderBook({ instId: inst, sz: '5' }))[0]);
await step(out, 'balance', async () => (await client.getBalance({ ccy: 'USDT' }))[0]);
const placed = await step(out, 'submitOrder', async () => (await client.submitOrder({
  instId: inst, tdMode: 'cash', side: 'buy', ordType: 'limit', px: '20000', sz: '0.001', clOrdId: 'okxapirest1',
}))[0]);
const ordId = placed?.ordId;
await step(out, 'getOrderDetails', async () => (await client.getOrderDetails({ instId: inst, ordId }))[0]);
await step(out, 'getOrderList', async () => (await client.getOrderList({ instId: inst })).map((o) => o.ordId));
await step(out, 'amendOrder', async () => (await client.amendOrder({ instId: inst, ordId, newPx: '21000' }))[0]);
await step(out, 'amended', async () => (await client.getOrderDetails({ instId: inst, ordId }))[0]);
await step(out, 'cancelOrder', async () => (await client.cancelOrder({ instId: inst, ordId }))[0]);
await step(out, 'canceled', async () => (await client.getOrderDetails({ instId: inst, ordId }))[0]);
report(out);
