// The unmodified okx-api WebsocketClient against sandex. Its `wsUrl` option replaces every URL the
// client knows, so a program that uses several OKX connections makes one client per connection.
import { RestClient, WebsocketClient } from 'okx-api';
import { env, firstEvent, report, step } from './lib.mjs';

const accounts = [{ apiKey: env.apiKey, apiSecret: env.secret, apiPass: env.passphrase }];
const rest = new RestClient({ ...accounts[0], baseUrl: env.baseUrl });
const publicWs = new WebsocketClient({ wsUrl: `${env.wsBase}/public` });
const privateWs = new WebsocketClient({ wsUrl: `${env.wsBase}/private`, accounts });
const clients = [publicWs, privateWs];
const errors = [];
for (const client of clients) client.on('exception', (event) => errors.push(event));
const inst = env.instId;
const out = {};

const onUpdate = (client) => (handler) => client.on('update', handler);
const onResponse = (client) => (handler) => client.on('response', handler);
const isPush = (channel) => (event) => event.arg?.channel === channel && Array.isArray(event.data);

await step(out, 'books5', async () => {
  const push = firstEvent(onUpdate(publicWs), isPush('books5'));
  publicWs.subscribe({ channel: 'books5', instId: inst });
  return (await push).data[0];
});

await step(out, 'ordersSubscribed', async () => {
  const ack = firstEvent(onResponse(privateWs), (e) => e.event === 'subscribe' && e.arg?.channel === 'orders');
  privateWs.subscribe({ channel: 'orders', instType: 'SPOT' });
  return (await ack).arg;
});

await step(out, 'orderPush', async () => {
  const push = firstEvent(onUpdate(privateWs), (e) => isPush('orders')(e) && e.data[0].clOrdId === 'okxapiws1');
  const placed = await rest.submitOrder({
    instId: inst, tdMode: 'cash', side: 'buy', ordType: 'limit', px: '20000', sz: '0.001', clOrdId: 'okxapiws1',
  });
  const event = (await push).data[0];
  await rest.cancelOrder({ instId: inst, ordId: placed[0].ordId });
  return event;
});

out.exceptions = { ok: true, value: errors };
report(out);
for (const client of clients) client.closeAll(true);
process.exit(0);
