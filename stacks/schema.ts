/**
 * JSON Schema of the `sluice:` config namespace. Every top-level key but `release` (a plain
 * string) is an object, so Pulumi hands each one over as JSON and its inner types survive. `fix` is an annotation read by the
 * error formatter: it tells the user what to do when a value breaks the rule next to it.
 */
import { LOG_RETENTION_DAYS } from '../core/config-values';

export { LOG_RETENTION_DAYS };

const ACCOUNT_ID = { type: 'string', pattern: '^[0-9]{12}$', description: 'a 12-digit AWS account id', fix: 'quote it in YAML so leading zeros survive, e.g. "111111111111"' };

const ACCESS_ROLE = {
  type: 'string',
  pattern: '^[a-z][a-z0-9-]{0,30}$',
  description: 'a role name of lower-case letters, digits and "-" (at most 31 characters), created as sluice-<stack>-access-<role>',
  fix: 'rename the role, e.g. "partner-producer"',
};

const stream = (retentionDefault: number) => ({
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    capacityMode: { type: 'string', enum: ['ON_DEMAND', 'PROVISIONED'], default: 'ON_DEMAND' },
    shardCount: { type: 'integer', minimum: 1, maximum: 500, fix: 'lower it, or ask AWS for a higher shard quota first' },
    retentionHours: { type: 'integer', minimum: 24, maximum: 8760, default: retentionDefault },
  },
});

const days = (minimum: number, def: number) => ({ type: 'integer', minimum, maximum: 3650, default: def });

const flinkApp = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    parallelism: { type: 'integer', minimum: 1, maximum: 64, default: 1 },
    parallelismPerKpu: { type: 'integer', minimum: 1, maximum: 8, default: 1 },
    autoScaling: { type: 'boolean', default: false },
    restoreFromSnapshot: { type: 'boolean', default: true, fix: 'set false for one deploy only when a SQL change makes the saved state unusable (docs/processing.md)' },
    allowNonRestoredState: { type: 'boolean', default: false },
    startPosition: { type: 'string', enum: ['TRIM_HORIZON', 'LATEST'], default: 'TRIM_HORIZON' },
  },
};

const ROLE_ARN = {
  type: 'string',
  pattern: '^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$',
  description: 'an IAM role ARN',
} as const;

const eventTypeList = {
  type: 'array',
  default: [],
  uniqueItems: true,
  items: { type: 'string', pattern: '^[a-z0-9_]+$', maxLength: 128, description: 'an event type', fix: 'an event type is the first part of an event name: lower-case [a-z0-9_], no ":"' },
};

const eventNameList = (description: string) => ({
  type: 'array',
  default: [],
  uniqueItems: true,
  items: { type: 'string', pattern: '^[a-z0-9_]+(:[a-z0-9_]+)*$', maxLength: 128, description, fix: 'use lower-case parts of [a-z0-9_] joined by ":"' },
});

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['account'],
  properties: {
    account: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'region', 'deployRoleArn'],
      properties: {
        id: ACCOUNT_ID,
        region: { type: 'string', pattern: '^[a-z]{2}(-gov)?-[a-z]+-[0-9]$', description: 'an AWS region name', fix: 'use a region code such as "eu-west-1"' },
        deployRoleArn: {
          ...ROLE_ARN,
          fix: 'use the ARN of the deploy role, e.g. "arn:aws:iam::111111111111:role/sluice-deploy"',
        },
        readOnlyRoleArn: {
          type: 'string',
          pattern: '^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$',
          description: 'an IAM role ARN',
          fix: 'use the ARN of a read-only role, e.g. "arn:aws:iam::111111111111:role/sluice-read-only", or remove it so sluice status assumes the deploy role',
        },
      },
    },
    release: {
      type: 'string',
      pattern: '^[0-9a-f]{16}$',
      description: 'a release id (16 lower-case hex digits, as `sluice release` prints it)',
      fix: 'use the id `make release` printed (npx sluice promote writes it for you), or remove the key to deploy the working tree',
    },
    pipeline: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        oidcRoleArn: { ...ROLE_ARN, fix: 'use the ARN of the role GitHub Actions assumes with its OIDC token, e.g. "arn:aws:iam::111111111111:role/sluice-github-deploy"' },
        promoteFrom: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', description: 'a stack name', fix: 'name the stack releases are promoted from, e.g. "dev"' },
        soakMinutes: { type: 'integer', minimum: 0, maximum: 43200, default: 60, fix: 'lower it (at most 30 days)' },
      },
    },
    protection: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { stateful: { type: 'boolean', default: false } },
    },
    tags: {
      type: 'object',
      default: {},
      maxProperties: 40,
      propertyNames: { pattern: '^(?!aws:)[A-Za-z0-9 _.:/=+@-]{1,128}$', description: 'a tag key (1-128 characters, not starting with "aws:")', fix: 'rename the tag' },
      additionalProperties: { type: 'string', maxLength: 256 },
    },
    kms: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        rotation: { type: 'boolean', default: true },
        deletionWindowDays: { type: 'integer', minimum: 7, maximum: 30, default: 30 },
      },
    },
    streams: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { ingest: stream(24), events: stream(24), processed: stream(24), aggregates: stream(24) },
    },
    lake: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        lifecycle: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            rawGlacierDays: days(30, 90),
            rawExpireDays: days(1, 365),
            curatedInfrequentAccessDays: days(30, 90),
            errorsExpireDays: days(1, 90),
            noncurrentVersionExpireDays: days(1, 30),
            landingExpireDays: days(1, 30),
            athenaResultsExpireDays: days(1, 7),
          },
        },
      },
    },
    ingestion: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        sources: {
          type: 'array',
          default: [],
          maxItems: 50,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'prefix'],
            properties: {
              name: {
                type: 'string',
                pattern: '^[a-z][a-z0-9-]{0,30}$',
                description: 'a source name of lower-case letters, digits and "-" (at most 31 characters)',
                fix: 'rename the source, e.g. "partner-files"',
              },
              prefix: { type: 'string', pattern: '^[A-Za-z0-9!_.*()-]+(/[A-Za-z0-9!_.*()-]+)*/$', description: 'an S3 key prefix ending in "/"', fix: 'use a prefix such as "partner-files/"' },
              format: { type: 'string', enum: ['jsonl', 'json-array', 'auto'], default: 'auto' },
            },
          },
        },
        functionMemoryMb: { type: 'integer', minimum: 128, maximum: 10240, default: 512 },
        functionTimeoutSeconds: { type: 'integer', minimum: 3, maximum: 900, default: 120 },
        streamBatchSize: { type: 'integer', minimum: 1, maximum: 10000, default: 500 },
        streamMaxRetries: { type: 'integer', minimum: 0, maximum: 10000, default: 3 },
      },
    },
    validation: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { unknownEventNames: { type: 'string', enum: ['accept', 'reject'], default: 'accept' } },
    },
    processing: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        dedupTtlHours: { type: 'integer', minimum: 1, maximum: 168, default: 24 },
        excludeEventTypes: eventTypeList,
        excludeEventNames: eventNameList('an event name'),
        maxFutureSkewSeconds: { type: 'integer', minimum: 0, maximum: 86400, default: 300 },
        windowSeconds: { type: 'integer', minimum: 10, maximum: 86400, default: 60 },
        allowedLatenessSeconds: { type: 'integer', minimum: 0, maximum: 3600, default: 30 },
        checkpointIntervalSeconds: { type: 'integer', minimum: 1, maximum: 3600, default: 5 },
        snapshots: { type: 'boolean', default: true },
        dedupFilter: flinkApp,
        aggregate: flinkApp,
      },
    },
    sources: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        kafka: {
          type: 'object',
          additionalProperties: false,
          required: ['clusterArn', 'bootstrapServers', 'topic', 'network'],
          properties: {
            clusterArn: {
              type: 'string',
              pattern: '^arn:aws[a-z-]*:kafka:[a-z]{2}(-gov)?-[a-z]+-[0-9]:[0-9]{12}:cluster/[A-Za-z0-9-]{1,64}/[A-Za-z0-9-]{1,64}$',
              description: 'an Amazon MSK cluster ARN',
              fix: 'copy the cluster ARN from the MSK console or `aws kafka list-clusters-v2`, e.g. "arn:aws:kafka:eu-west-1:111111111111:cluster/orders/0a1b2c3d-..."',
            },
            bootstrapServers: {
              type: 'string',
              pattern: '^[A-Za-z0-9.-]{1,253}:9098(,[A-Za-z0-9.-]{1,253}:9098)*$',
              description: "the cluster's IAM bootstrap brokers (host:9098, comma-separated)",
              fix: 'use BootstrapBrokerStringSaslIam of `aws kafka get-bootstrap-brokers --cluster-arn <arn>`',
            },
            topic: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,249}$', description: 'a Kafka topic name', fix: 'use the topic name exactly as in the cluster: letters, digits, ".", "_" or "-"' },
            consumerGroup: {
              type: 'string',
              pattern: '^[A-Za-z0-9._-]{1,255}$',
              default: 'sluice-dedup-filter',
              description: 'a Kafka consumer group id',
              fix: 'use letters, digits, ".", "_" or "-"',
            },
            auth: { type: 'string', enum: ['iam'], default: 'iam', fix: 'only IAM access control (aws-msk-iam-auth) is supported' },
            startingOffsets: { type: 'string', enum: ['earliest', 'latest'], default: 'earliest' },
            network: {
              type: 'object',
              additionalProperties: false,
              // Either an existing network (subnetIds and securityGroupIds) or newVpc: stacks/load.ts says which is missing or too much.
              properties: {
                newVpc: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['cidrBlock', 'availabilityZones'],
                  properties: {
                    cidrBlock: {
                      type: 'string',
                      pattern: '^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])/(1[6-9]|2[0-4])$',
                      description: 'an IPv4 CIDR block from /16 to /24',
                      fix: 'use a private range that does not overlap the network of the MSK cluster it is peered with, e.g. "10.20.0.0/16"',
                    },
                    availabilityZones: {
                      type: 'array',
                      minItems: 2,
                      maxItems: 4,
                      uniqueItems: true,
                      items: {
                        type: 'string',
                        pattern: '^[a-z]{2}(-gov)?-[a-z]+-[0-9][a-z]$',
                        description: 'an availability zone name',
                        fix: 'use zone names of the stack\'s region, e.g. "eu-west-1a"',
                      },
                    },
                    natGateways: { type: 'string', enum: ['Single', 'OnePerAz'], default: 'Single', fix: 'Single (one NAT gateway, cheaper) or OnePerAz (one per zone, survives a zone outage)' },
                  },
                },
                subnetIds: {
                  type: 'array',
                  minItems: 1,
                  maxItems: 16,
                  uniqueItems: true,
                  items: { type: 'string', pattern: '^subnet-[0-9a-f]{8,17}$', description: 'a subnet id', fix: 'use subnet ids of the VPC that reaches the cluster, e.g. "subnet-0abc1234"' },
                },
                securityGroupIds: {
                  type: 'array',
                  minItems: 1,
                  maxItems: 5,
                  uniqueItems: true,
                  items: { type: 'string', pattern: '^sg-[0-9a-f]{8,17}$', description: 'a security group id', fix: 'use a security group the cluster accepts on port 9098, e.g. "sg-0abc1234"' },
                },
              },
            },
          },
        },
      },
    },
    delivery: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        bufferingSeconds: { type: 'integer', minimum: 0, maximum: 900, default: 300 },
        bufferingMb: { type: 'integer', minimum: 64, maximum: 128, default: 128, fix: 'Parquet conversion needs at least 64 MB' },
      },
    },
    analytics: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        bytesScannedCutoffPerQuery: { type: 'integer', minimum: 10485760, maximum: 1099511627776, default: 10737418240 },
      },
    },
    alerts: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        email: {
          type: 'array',
          default: [],
          uniqueItems: true,
          maxItems: 20,
          items: { type: 'string', pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$', description: 'an e-mail address', fix: 'write it as name@example.com' },
        },
        https: {
          type: 'array',
          default: [],
          uniqueItems: true,
          maxItems: 20,
          items: { type: 'string', pattern: '^https://[^\\s]+$', description: 'an https:// URL', fix: 'SNS delivers alarms only to HTTPS endpoints: use an https:// URL' },
        },
        periodSeconds: { type: 'integer', enum: [60, 300, 900, 3600], default: 300 },
        evaluationPeriods: { type: 'integer', minimum: 1, maximum: 288, default: 3 },
        noDataMinutes: { type: 'integer', minimum: 5, maximum: 1440, default: 15, fix: 'the no-data alarm needs at least 5 minutes to tell a quiet stream from a broken one' },
        zeroProcessedMinutes: { type: 'integer', minimum: 5, maximum: 1440, default: 15 },
        iteratorAgeSeconds: { type: 'integer', minimum: 1, maximum: 604800, default: 300 },
        flinkLagSeconds: { type: 'integer', minimum: 1, maximum: 604800, default: 300 },
        kafkaOffsetLag: { type: 'integer', minimum: 1, default: 100000 },
        invalidPercent: { type: 'number', minimum: 0, maximum: 100, default: 5 },
        failureQueueMessages: { type: 'integer', minimum: 1, default: 1 },
        restarts: { type: 'integer', minimum: 1, default: 1 },
        failedCheckpoints: { type: 'integer', minimum: 1, default: 1 },
        checkpointDurationSeconds: { type: 'integer', minimum: 1, maximum: 3600, default: 60 },
        lakeFreshnessMinutes: { type: 'integer', minimum: 1, maximum: 10080, default: 15 },
        archiveFreshnessSeconds: { type: 'integer', minimum: 60, maximum: 86400, default: 900 },
        lambdaErrors: { type: 'integer', minimum: 1, default: 1 },
        lambdaThrottles: { type: 'integer', minimum: 1, default: 1 },
        durationTimeoutPercent: { type: 'integer', minimum: 10, maximum: 100, default: 80 },
        writeThrottles: { type: 'integer', minimum: 1, default: 1 },
        budget: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            monthlyUsd: { type: 'number', minimum: 1, maximum: 1000000, default: 500 },
            actualPercent: { type: 'number', minimum: 1, maximum: 1000, default: 80 },
            forecastPercent: { type: 'number', minimum: 1, maximum: 1000, default: 100 },
          },
        },
      },
    },
    logs: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { retentionDays: { type: 'integer', enum: LOG_RETENTION_DAYS, default: 30 } },
    },
    access: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        producers: {
          type: 'array',
          default: [],
          maxItems: 50,
          items: { type: 'object', additionalProperties: false, required: ['account'], properties: { account: ACCOUNT_ID, role: ACCESS_ROLE } },
        },
        consumers: {
          type: 'array',
          default: [],
          maxItems: 20,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['account', 'consumers'],
            properties: {
              account: ACCOUNT_ID,
              consumers: {
                type: 'array',
                minItems: 1,
                maxItems: 20,
                uniqueItems: true,
                items: {
                  type: 'string',
                  pattern: '^[A-Za-z0-9_.-]{1,115}$',
                  description: 'a consumer name of letters, digits, "_", "." and "-" (at most 115 characters: Kinesis allows 128 and the account id and "-" come first)',
                  fix: 'rename the consumer, e.g. "orders-app"',
                },
              },
              role: ACCESS_ROLE,
            },
          },
        },
      },
    },
  },
} as const;
