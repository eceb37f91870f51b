/**
 * The demo's command line: sizes, durations and where to run. By default
 * everything runs on the embedded local stack (no AWS account, no database
 * server); `--database-url` points the batch side at a real MySQL/MariaDB or
 * PostgreSQL (an RDS read replica), `--aws` the rest at real AWS through the
 * SDK's credential chain.
 *
 * ```sh
 * npm run demo -- --customers 5000 --sessions 2000 --duration 60
 * npm run demo -- --aws --region eu-west-1 --bucket my-lake --database-url mysql://reader@replica/classicmodels
 * ```
 */
import { Command, InvalidArgumentError } from 'commander';

/** What the demo runs with. */
export interface DemoOptions {
  readonly customers: number;
  readonly sessions: number;
  readonly durationSeconds: number;
  readonly seed: number;
  /** A mysql:// or postgres:// URL; undefined: the embedded PostgreSQL (PGlite). */
  readonly databaseUrl: string | undefined;
  /** Real AWS (the SDK's credential chain and region) instead of the local stack. */
  readonly aws: boolean;
  readonly region: string | undefined;
  readonly bucket: string;
  readonly sessionStream: string;
  readonly orderStream: string;
  readonly recommendationStream: string;
  readonly recommendationDeliveryStream: string;
  readonly quarantineDeliveryStream: string;
  /** Port of GET /recommendations/:sessionId (0: any free port). */
  readonly servingPort: number;
  /** Port of the sales dashboard page (0: any free port). */
  readonly dashboardPort: number;
  /** Keep serving after the run until Ctrl-C. */
  readonly keepServing: boolean;
}

function integer(min: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new InvalidArgumentError(`must be an integer >= ${min}`);
    return value;
  };
}

/** Parses the demo's arguments (exits with usage on `--help` or a bad flag). */
export function parseDemoOptions(argv: readonly string[]): DemoOptions {
  const program = new Command('demo')
    .description(
      'The retail data system end to end: generate the sales database, build the training set (Parquet on S3), train the recommender, ' +
        'and serve live recommendations to a simulated sales platform through Kinesis, Firehose and HTTP.',
    )
    .option('--customers <n>', 'customers in the generated database', integer(10), 2_000)
    .option('--sessions <n>', 'concurrent shopper sessions the simulator runs', integer(1), 1_000)
    .option('--duration <seconds>', 'how long the platform simulator runs', integer(1), 30)
    .option('--seed <n>', 'seed of the generated data and sessions', integer(0), 42)
    .option('--database-url <url>', 'read the sales database from this mysql:// or postgres:// URL (default: embedded PostgreSQL)')
    .option('--aws', 'use real AWS (credentials from the SDK chain) instead of the embedded local stack', false)
    .option('--region <region>', 'AWS region (with --aws)')
    .option('--bucket <name>', 'S3 bucket for the training set, models and delivered recommendations', 'tributary-demo')
    .option('--session-stream <name>', 'Kinesis stream of session events', 'session-events')
    .option('--order-stream <name>', 'Kinesis stream of order events', 'order-events')
    .option('--recommendation-stream <name>', 'Kinesis stream the recommendations go to', 'recommendations')
    .option('--recommendation-delivery-stream <name>', 'Firehose delivery stream of recommendations to S3', 'recommendations-to-s3')
    .option('--quarantine-delivery-stream <name>', 'Firehose delivery stream of malformed events to S3', 'recommender-quarantine')
    .option('--serving-port <port>', 'port of GET /recommendations/:sessionId (0: any free port)', integer(0), 0)
    .option('--dashboard-port <port>', 'port of the sales dashboard page (0: any free port)', integer(0), 0)
    .option('--keep-serving', 'keep the recommender, its endpoint and the dashboard running after the report, until Ctrl-C', false)
    .showHelpAfterError()
    .parse([...argv], { from: 'user' });
  const o = program.opts<{
    customers: number;
    sessions: number;
    duration: number;
    seed: number;
    databaseUrl?: string;
    aws: boolean;
    region?: string;
    bucket: string;
    sessionStream: string;
    orderStream: string;
    recommendationStream: string;
    recommendationDeliveryStream: string;
    quarantineDeliveryStream: string;
    servingPort: number;
    dashboardPort: number;
    keepServing: boolean;
  }>();
  if (o.databaseUrl !== undefined && !/^(mysql|mariadb|postgres|postgresql):\/\//.test(o.databaseUrl)) {
    program.error(`--database-url must start with mysql://, mariadb://, postgres:// or postgresql://, got '${o.databaseUrl.replace(/:[^:@/]*@/, ':***@')}'`);
  }
  return {
    customers: o.customers,
    sessions: o.sessions,
    durationSeconds: o.duration,
    seed: o.seed,
    databaseUrl: o.databaseUrl,
    aws: o.aws,
    region: o.region,
    bucket: o.bucket,
    sessionStream: o.sessionStream,
    orderStream: o.orderStream,
    recommendationStream: o.recommendationStream,
    recommendationDeliveryStream: o.recommendationDeliveryStream,
    quarantineDeliveryStream: o.quarantineDeliveryStream,
    servingPort: o.servingPort,
    dashboardPort: o.dashboardPort,
    keepServing: o.keepServing,
  };
}
