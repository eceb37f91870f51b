import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, isLogLevel, isSecretKey, REDACTED, redactSecrets } from './logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { lines, destination, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logger', () => {
  it('recognises credential keys', () => {
    for (const key of ['password', 'dbPassword', 'secretAccessKey', 'secret_access_key', 'sessionToken', 'Authorization', 'X-Api-Key', 'apiKey', 'clientSecret', 'cookie']) {
      expect(isSecretKey(key), key).toBe(true);
    }
    for (const key of ['user', 'region', 'accessKeyId', 'stream', 'passes']) expect(isSecretKey(key), key).toBe(false);
  });

  it('redacts at any depth without touching the input', () => {
    const config = {
      user: 'svc',
      password: 'hunter2',
      s3: { region: 'eu-west-1', credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' } },
      sinks: [{ headers: { authorization: 'Bearer t', 'content-type': 'json' } }],
    };
    expect(redactSecrets(config)).toEqual({
      user: 'svc',
      password: REDACTED,
      s3: { region: 'eu-west-1', credentials: REDACTED },
      sinks: [{ headers: { authorization: REDACTED, 'content-type': 'json' } }],
    });
    expect(config.password).toBe('hunter2');
    const cyclic: Record<string, unknown> = { token: 'x' };
    cyclic['self'] = cyclic;
    expect(redactSecrets(cyclic)).toEqual({ token: REDACTED, self: '[circular]' });
  });

  it('writes JSON lines at the level asked, without credentials', () => {
    const { destination, records } = capture();
    const logger = createLogger({ level: 'info', destination, base: { job: 'clicks' } });
    logger.debug({ a: 1 }, 'hidden');
    logger.info({ config: { kinesis: { sessionToken: 'abc', stream: 's' } } }, 'starting');
    logger.error({ err: new Error('boom'), password: 'p' }, 'failed');
    const [info, error] = records();
    expect(records()).toHaveLength(2);
    expect(info).toMatchObject({ level: 'info', job: 'clicks', msg: 'starting', config: { kinesis: { sessionToken: REDACTED, stream: 's' } } });
    expect(error).toMatchObject({ level: 'error', msg: 'failed', password: REDACTED, err: { message: 'boom', type: 'Error' } });
    expect(JSON.stringify(records())).not.toMatch(/abc|"p"/);
  });

  it('is silent at level silent', () => {
    const { destination, lines } = capture();
    const logger = createLogger({ level: 'silent', destination });
    logger.fatal({}, 'nothing');
    expect(lines).toEqual([]);
    expect(isLogLevel('warn')).toBe(true);
    expect(isLogLevel('verbose')).toBe(false);
  });
});
