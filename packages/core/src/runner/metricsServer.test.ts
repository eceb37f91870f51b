import { afterEach, describe, expect, it } from 'vitest';
import { startMetricsServer, type MetricsServer } from './metricsServer.js';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus.js';

describe('metrics server', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves /metrics and /healthz on 127.0.0.1, 404 elsewhere', async () => {
    let scrapes = 0;
    let healthy = true;
    server = await startMetricsServer({
      port: 0,
      render: () => `# HELP x An x.\n# TYPE x counter\nx ${++scrapes}\n`,
      health: () => ({ ok: healthy, status: healthy ? 'running' : 'stopped' }),
    });
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);

    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(await metrics.text()).toBe('# HELP x An x.\n# TYPE x counter\nx 1\n');
    expect(await (await fetch(`${server.url}/metrics?x=1`)).text()).toContain('x 2');

    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, status: 'running' });
    healthy = false;
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503);

    const missing = await fetch(`${server.url}/nope`);
    expect(missing.status).toBe(404);
    await missing.text();
    const post = await fetch(`${server.url}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    await post.text();
  });

  it('answers 500 when rendering throws, and closes idempotently', async () => {
    server = await startMetricsServer({
      port: 0,
      render: () => {
        throw new Error('boom');
      },
    });
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('boom');
    const url = server.url;
    await Promise.all([server.close(), server.close()]);
    server = undefined;
    await expect(fetch(`${url}/metrics`)).rejects.toThrow();
  });

  it('fails to start on a port in use', async () => {
    server = await startMetricsServer({ port: 0, render: () => '' });
    await expect(startMetricsServer({ port: server.port, render: () => '' })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
