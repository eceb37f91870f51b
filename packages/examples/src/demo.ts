/**
 * The project's main job, run by `npm run demo`: the retail data system end
 * to end on the embedded local stack (no AWS account, no database server).
 *
 * 1. start the local stack (Kinesis, S3, Firehose, PostgreSQL);
 * 2. generate the sales database (customers, products, orders, ratings);
 * 3. build the recommender's training set: Parquet on S3 with a manifest;
 * 4. train the two-tower model and publish it to S3;
 * 5. run the streaming recommender against the simulated sales platform
 *    (1,000 sessions for 30 s by default) through Kinesis, Firehose and
 *    `GET /recommendations/:sessionId`;
 * 6. report samples, latency, counts and where every output lives.
 *
 * `npm run demo -- --help` lists the flags (sizes, duration, real AWS and a
 * real database). Exits 0 when every valid event was answered and every
 * malformed one quarantined, 1 otherwise.
 */
import { parseDemoOptions } from './demo/options.js';
import { runDemo } from './demo/runDemo.js';

// Node 20 is supported by the SDK versions we pin; its notice about future versions is noise here.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

runDemo(parseDemoOptions(process.argv.slice(2)), process.stdout).then(
  (outcome) => {
    process.exitCode = outcome.exitCode;
  },
  (error: unknown) => {
    console.error(`\ndemo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
