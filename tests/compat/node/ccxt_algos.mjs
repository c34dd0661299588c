// Unmodified ccxt (JavaScript) with algo orders, the unified way (`{ trigger: true }`): a stop-loss
// placed, fetched, listed, edited and canceled; a trigger order; an OCO edited; a trailing stop
// canceled through `cancel-advance-algos`. This key holds BTC and sells.
import ccxt from 'ccxt';
import { env, report, step } from './lib.mjs';

const okx = new ccxt.okx({ apiKey: env.apiKey, secret: env.secret, password: env.passphrase });
okx.urls.api.rest = env.baseUrl;
const symbol = env.instId.replace('-', '/');
const trigger = { trigger: true };
const view = (o) => ({
  id: o.id, status: o.status, side: o.side, amount: o.amount, type: o.type,
  stopLossPrice: o.stopLossPrice, takeProfitPrice: o.takeProfitPrice, triggerPrice: o.triggerPrice,
  ordType: o.info.ordType, clientOrderId: o.clientOrderId,
});
const ids = (orders) => orders.map((o) => o.id);
const out = {};

await step(out, 'loadMarkets', async () => Object.keys(await okx.loadMarkets()).includes(symbol));

const stop = await step(out, 'stop create', async () =>
  view(await okx.createOrder(symbol, 'market', 'sell', 0.01, undefined, { stopLossPrice: 45000, tdMode: 'cash' })));
await step(out, 'stop fetch', async () => view(await okx.fetchOrder(stop.id, symbol, trigger)));
await step(out, 'stop open', async () => ids(await okx.fetchOpenOrders(symbol, undefined, undefined, { ...trigger, ordType: 'conditional' })));
await step(out, 'stop edit', async () => {
  // ccxt edits an algo order (`amend-algos`) when `type` names an algo type
  await okx.editOrder(stop.id, symbol, 'conditional', 'sell', undefined, undefined, { stopLossPrice: 44000, newSlOrdPx: -1 });
  return view(await okx.fetchOrder(stop.id, symbol, trigger));
});
await step(out, 'stop cancel', async () => (await okx.cancelOrder(stop.id, symbol, trigger)).id);
await step(out, 'stop canceled', async () => view(await okx.fetchOrder(stop.id, symbol, trigger)));
await step(out, 'stop in canceled list', async () =>
  ids(await okx.fetchCanceledOrders(symbol, undefined, undefined, { ...trigger, ordType: 'conditional' })));

const trig = await step(out, 'trigger create', async () =>
  view(await okx.createOrder(symbol, 'limit', 'sell', 0.002, 54000, { triggerPrice: 55000 })));
await step(out, 'trigger fetch', async () => view(await okx.fetchOrder(trig.id, symbol, trigger)));
await step(out, 'trigger open', async () => ids(await okx.fetchOpenOrders(symbol, undefined, undefined, trigger)));
await step(out, 'trigger cancel', async () => (await okx.cancelOrder(trig.id, symbol, trigger)).id);

// type 'oco': ccxt JS (4.5.84) sends a 'market' order with both TP and SL to batch-orders, not order-algo
const oco = await step(out, 'oco create', async () => view(await okx.createOrder(
  symbol, 'oco', 'sell', 0.01, undefined, { takeProfitPrice: 60000, stopLossPrice: 45000, tdMode: 'cash' })));
await step(out, 'oco edit', async () => {
  await okx.editOrder(oco.id, symbol, 'oco', 'sell', undefined, undefined, { stopLossPrice: 44000, newSlOrdPx: -1 });
  return view(await okx.fetchOrder(oco.id, symbol, trigger));
});
await step(out, 'oco cancel', async () => (await okx.cancelOrder(oco.id, symbol, trigger)).id);

const trail = await step(out, 'trailing create', async () =>
  view(await okx.createOrder(symbol, 'market', 'sell', 0.01, undefined, { trailingPercent: 5, tdMode: 'cash' })));
await step(out, 'trailing open', async () => (await okx.fetchOpenOrders(symbol, undefined, undefined, {
  ...trigger, ordType: 'move_order_stop' })).map((o) => ({ id: o.id, callbackRatio: o.info.callbackRatio })));
await step(out, 'trailing cancel', async () =>
  (await okx.privatePostTradeCancelAdvanceAlgos([{ instId: env.instId, algoId: trail.id }])).code);
await step(out, 'trailing canceled', async () => view(await okx.fetchOrder(trail.id, symbol, trigger)).status);
report(out);
