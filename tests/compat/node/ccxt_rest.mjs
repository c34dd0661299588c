// Unmodified ccxt (JavaScript) against sandex: only `urls.api.rest` changes.
import ccxt from 'ccxt';
import { env, report, step } from './lib.mjs';

const okx = new ccxt.okx({ apiKey: env.apiKey, secret: env.secret, password: env.passphrase });
okx.urls.api.rest = env.baseUrl;
const symbol = env.instId.replace('-', '/');
const out = {};

await step(out, 'loadMarkets', async () => {
  const markets = await okx.loadMarkets();
  const market = markets[symbol];
  return { id: market.id, active: market.active, tick: market.precision.price, lot: market.precision.amount };
});
await step(out, 'fetchTime', () => okx.fetchTime());
await step(out, 'fetchTicker', async () => {
  const ticker = await okx.fetchTicker(symbol);
  return { symbol: ticker.symbol, last: ticker.last };
});
await step(out, 'fetchOrderBook', async () => {
  const book = await okx.fetchOrderBook(symbol, 5);
  return { asks: book.asks, bids: book.bids };
});
await step(out, 'fetchBalance', async () => (await okx.fetchBalance()).USDT);
const created = await step(out, 'createOrder', async () => {
  const order = await okx.createOrder(symbol, 'limit', 'buy', 0.001, 20000);
  return { id: order.id, clientOrderId: order.clientOrderId };
});
const id = created?.id;
const view = (o) => ({ id: o.id, status: o.status, price: o.price, amount: o.amount, side: o.side, type: o.type });
await step(out, 'fetchOrder', async () => view(await okx.fetchOrder(id, symbol)));
await step(out, 'fetchOpenOrders', async () => (await okx.fetchOpenOrders(symbol)).map((o) => o.id));
await step(out, 'editOrder', async () => {
  await okx.editOrder(id, symbol, 'limit', 'buy', 0.001, 21000);
  return view(await okx.fetchOrder(id, symbol));
});
await step(out, 'cancelOrder', async () => (await okx.cancelOrder(id, symbol)).id);
await step(out, 'canceled', async () => view(await okx.fetchOrder(id, symbol)));
report(out);
