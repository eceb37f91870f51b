// Child process: the local stack (kinesalite, s3rver, the Firehose
// endpoint) on loopback, off the pipeline's and the generator's event
// loops. Tells the parent its endpoints, creates/deletes Kinesis streams and
// Firehose delivery streams on request, reports its CPU time, and stops on
// { type: 'stop' } (or when the parent goes away).
import { startLocalStack } from '@tributary/connectors/local';
import { DeleteStreamCommand } from '@aws-sdk/client-kinesis';

const stack = await startLocalStack({ postgres: false });
const send = (m: unknown): void => void process.send?.(m);
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await stack.stop().catch(() => undefined);
  process.exit(0);
};
process.on('disconnect', () => void stop());
process.on('message', (m: any) => {
  void (async () => {
    try {
      switch (m.type) {
        case 'createBucket':
          await stack.createBucket(m.name);
          break;
        case 'createStream':
          await stack.createStream(m.name, m.shards);
          break;
        case 'deleteStream':
          await stack.clients.kinesis.send(new DeleteStreamCommand({ StreamName: m.name }));
          break;
        case 'createDeliveryStream':
          await stack.createDeliveryStream(m.name, { bucket: m.bucket, prefix: m.prefix });
          break;
        case 'cpu':
          send({ type: 'done', id: m.id, cpu: process.cpuUsage(), rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20) });
          return;
        case 'stop':
          await stop();
          return;
      }
      send({ type: 'done', id: m.id });
    } catch (error) {
      send({ type: 'done', id: m.id, error: error instanceof Error ? error.message : String(error) });
    }
  })();
});
send({ type: 'ready', endpoints: { kinesis: stack.endpoints.kinesis, s3: stack.endpoints.s3, firehose: stack.endpoints.firehose } });
