import express from 'express';

/**
 * The ceiling for the ingest benchmark: Express on the same machine that reads the body the
 * way the webhook route does (raw, up to 1 MiB) and answers 200, nothing else.
 * `node build/tools/bench/bareServer.js` with PORT.
 */
const app = express();
app.post('/webhooks/stripe', express.raw({ type: () => true, limit: '1mb' }), (_req, res) => {
  res.status(200).json({ received: true });
});
app.get('/healthz', (_req, res) => {
  res.status(200).json({ status: 'ok' });
});
app.listen(Number(process.env['PORT'] ?? 3001));
