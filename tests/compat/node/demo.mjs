// Demo trading with the unmodified clients: okx-api's `demoTrading: true` (the x-simulated-trading
// header on REST; on WebSocket a demo URL, here sandex's /demo/ws/v5 prefix) and ccxt's sandbox mode
// (ccxt JS). The key is a demo key; its money is demo money.
import ccxt from 'ccxt';
import { RestClient, WebsocketClient } from 'okx-api';
import { env, firstEvent, report, step } from './lib.mjs';

const account = { apiKey: env.apiKey, apiSecret: env.secret, apiPass: env.passphrase };
const rest = new RestClient({ ...account, baseUrl: env.baseUrl, demoTrading: true });
const demoWsBase = env.wsBase.replace('/ws/v5', '/demo/ws/v5');
const privateWs = new WebsocketClient({ wsUrl: `${demoWsBase}/private`, accounts: [account], demoTrading: true });
const inst = env.instId;
const out = {};

await step(out, 'okx-api balance', async () => (await rest.getBalance({ ccy: 'USDT' }))[0].details[0]);
await step(out, 'okx-api account push', async () => {
  const push = firstEvent((h) => privateWs.on('update', h), (e) => e.arg?.channel === 'account' && Array.isArray(e.data));
  privateWs.subscribe({ channel: 'account', ccy: 'USDT' });
  return (await push).data[0].details[0];
});
const placed = await step(out, 'okx-api order', async () => (await rest.submitOrder({
  instId: inst, tdMode: 'cash', side: 'buy', ordType: 'limit', px: '20000', sz: '0.001',
}))[0]);
await step(out, 'okx-api cancel', async () => (await rest.cancelOrder({ instId: inst, ordId: placed?.ordId }))[0].sCode);

const okx = new ccxt.okx({ apiKey: env.apiKey, secret: env.secret, password: env.passphrase });
okx.setSandboxMode(true);
okx.urls.api.rest = env.baseUrl;
await step(out, 'ccxt balance', async () => (await okx.fetchBalance()).USDT);
await step(out, 'ccxt order', async () => {
  await okx.loadMarkets();
  const order = await okx.createOrder(inst.replace('-', '/'), 'limit', 'buy', 0.001, 20000);
  const fetched = await okx.fetchOrder(order.id, inst.replace('-', '/'));
  await okx.cancelOrder(order.id, inst.replace('-', '/'));
  return fetched.status;
});

report(out);
privateWs.closeAll(true);
process.exit(0);
