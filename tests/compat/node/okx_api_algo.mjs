// The unmodified okx-api SDK with algo orders: every spot type placed, read, listed, amended and
// canceled over REST (RestClient), their `orders-algo` / `algo-advance` pushes on /business
// (WebsocketClient), and one stop fired by a trade with the counterparty (SANDEX_PEER_*), who buys
// what this key (holding BTC) sells.
import { RestClient, WebsocketClient } from 'okx-api';
import { env, firstEvent, report, step } from './lib.mjs';

const mine = { apiKey: env.apiKey, apiSecret: env.secret, apiPass: env.passphrase };
const rest = new RestClient({ ...mine, baseUrl: env.baseUrl });
const peer = new RestClient({
  apiKey: env.peer.apiKey, apiSecret: env.peer.secret, apiPass: env.peer.passphrase, baseUrl: env.baseUrl,
});
const business = new WebsocketClient({ wsUrl: `${env.wsBase}/business`, accounts: [mine] });
const exceptions = [];
business.on('exception', (event) => exceptions.push(event));
const inst = env.instId;
const out = {};

const pushes = [];
const listeners = [];
business.on('update', (event) => {
  if (!Array.isArray(event.data)) return;
  for (const row of event.data) {
    const push = { channel: event.arg?.channel, ...row };
    pushes.push(push);
    for (const listener of listeners) listener(push);
  }
});
// The first push (already seen or still to come) that `matches` accepts.
const push = (matches) => {
  const seen = pushes.find(matches);
  if (seen) return Promise.resolve(seen);
  return firstEvent((handler) => listeners.push(handler), matches);
};
const pushOf = (algoId, state) => push((p) => p.algoId === algoId && p.state === state);
const one = async (promise) => {
  const [item] = await promise;
  if (item.sCode !== '0') throw item;
  return item;
};

for (const channel of ['orders-algo', 'algo-advance']) {
  await step(out, `subscribe ${channel}`, async () => {
    const ack = firstEvent((h) => business.on('response', h), (e) => e.event === 'subscribe' && e.arg?.channel === channel);
    business.subscribe({ channel, instType: 'SPOT' }, true);
    return (await ack).arg;
  });
}

const base = { instId: inst, tdMode: 'cash', side: 'sell', sz: '0.01' };
const kinds = {
  conditional: {
    place: { ...base, ordType: 'conditional', slTriggerPx: '45000', slOrdPx: '-1', algoClOrdId: 'nodeconditional' },
    amend: { newSlTriggerPx: '44000', newSlOrdPx: '-1' },
  },
  oco: {
    place: { ...base, ordType: 'oco', tpTriggerPx: '60000', tpOrdPx: '-1', slTriggerPx: '45000', slOrdPx: '-1' },
    amend: { newTpTriggerPx: '61000', newTpOrdPx: '-1' },
  },
  trigger: {
    place: { ...base, ordType: 'trigger', triggerPx: '55000', orderPx: '-1' },
    amend: { newTriggerPx: '56000', newOrdPx: '-1' },
  },
  move_order_stop: { place: { ...base, ordType: 'move_order_stop', callbackRatio: '0.05' } },
};

for (const [kind, spec] of Object.entries(kinds)) {
  const advance = kind === 'move_order_stop';
  const placed = await step(out, `${kind} place`, () => one(rest.placeAlgoOrder(spec.place)));
  const algoId = placed?.algoId;
  await step(out, `${kind} live push`, () => pushOf(algoId, 'live'));
  await step(out, `${kind} details`, async () => (await rest.getAlgoOrderDetails({ algoId }))[0]);
  await step(out, `${kind} pending`, async () =>
    (await rest.getAlgoOrderList({ ordType: kind, instId: inst })).map((a) => a.algoId));
  if (spec.amend) {
    await step(out, `${kind} amend`, () => one(rest.amendAlgoOrder({ instId: inst, algoId, ...spec.amend })));
    await step(out, `${kind} amended`, async () => (await rest.getAlgoOrderDetails({ algoId }))[0]);
  }
  const cancel = advance ? rest.cancelAdvanceAlgoOrder.bind(rest) : rest.cancelAlgoOrder.bind(rest);
  await step(out, `${kind} cancel`, () => one(cancel([{ instId: inst, algoId }])));
  await step(out, `${kind} canceled push`, () => pushOf(algoId, 'canceled'));
  await step(out, `${kind} history`, async () =>
    (await rest.getAlgoOrderHistory({ ordType: kind, state: 'canceled', instId: inst })).map((a) => a.algoId));
}

// A TP/SL attached to an order (the counterparty's buy): kept with the order until it fills.
const parent = await step(out, 'attached place', () => one(peer.submitOrder({
  instId: inst, tdMode: 'cash', side: 'buy', ordType: 'limit', px: '20000', sz: '0.001',
  attachAlgoOrds: [{ attachAlgoClOrdId: 'nodeattached', slTriggerPx: '19000', slOrdPx: '-1' }],
})));
await step(out, 'attached details', async () => (await peer.getOrderDetails({ instId: inst, ordId: parent?.ordId }))[0]);
await step(out, 'attached cancel', async () => (await one(peer.cancelOrder({ instId: inst, ordId: parent?.ordId }))).sCode);

// A stop just under the last price, then a trade under it: the stop fires and sells at market.
const stop = await step(out, 'stop place', () => one(rest.placeAlgoOrder({
  ...base, sz: '0.001', ordType: 'conditional', slTriggerPx: '49000', slOrdPx: '-1',
})));
await step(out, 'stop live push', () => pushOf(stop?.algoId, 'live'));
await step(out, 'trade under the stop', async () => {
  // the peer's resting bid takes the stop's market sell
  await one(peer.submitOrder({ instId: inst, tdMode: 'cash', side: 'buy', ordType: 'limit', px: '47000', sz: '0.001' }));
  await one(rest.submitOrder({ instId: inst, tdMode: 'cash', side: 'sell', ordType: 'limit', px: '48000', sz: '0.001' }));
  return one(peer.submitOrder({ instId: inst, tdMode: 'cash', side: 'buy', ordType: 'limit', px: '48000', sz: '0.001' }));
});
await step(out, 'stop effective push', () => pushOf(stop?.algoId, 'effective'));
await step(out, 'stop details', async () => (await rest.getAlgoOrderDetails({ algoId: stop?.algoId }))[0]);

out.exceptions = { ok: true, value: exceptions };
report(out);
business.closeAll(true);
process.exit(0);
