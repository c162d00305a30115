import * as aws from '@pulumi/aws';
import * as awsx from '@pulumi/awsx';
import { join } from 'node:path';
import { SluiceConfig } from '../stacks/types';
import { physicalName } from '../core/naming';
import { createsVpc } from './kafka-source';
import { Platform, type DeployArtifacts } from './platform';
import { releaseArtifacts, releasesDir, verifyRelease } from './release';

/**
 * The explicit provider of a stack: it assumes the stack's deploy role and refuses to act in any
 * other account. Default providers are disabled in Pulumi.yaml, so nothing can bypass it.
 */
export function stackProvider(config: SluiceConfig): aws.Provider {
  return new aws.Provider(physicalName(config, 'aws'), {
    region: config.account.region as aws.Region,
    allowedAccountIds: [config.account.id],
    assumeRoles: [{ roleArn: config.account.deployRoleArn, sessionName: physicalName(config, 'deploy') }],
  });
}

/**
 * The provider of the awsx components (awsx.ec2.Vpc), for a stack whose MSK source asks for a VPC
 * of its own: default providers are disabled for every package, awsx included, and a packaged
 * component takes its own provider (the AWS resources it creates take the stack's AWS provider,
 * from the parent's providers). A stack without one has no awsx resource and no awsx provider.
 */
export function awsxProvider(config: SluiceConfig): awsx.Provider | undefined {
  return createsVpc(config) ? new awsx.Provider(physicalName(config, 'awsx'), {}) : undefined;
}

/**
 * Build outputs the program deploys: the Flink runner jar with the Kinesis connector and the MSK
 * source's Kafka connector and IAM auth (`make flink-jar-cloud`, Maven profiles kinesis and msk;
 * SLUICE_FLINK_JAR overrides its path) and the job SQL it packages.
 */
export function artifactPaths(root = join(__dirname, '..')): { flinkRunnerJar: string; flinkSqlDir: string } {
  return {
    flinkRunnerJar: process.env.SLUICE_FLINK_JAR ?? join(root, 'sql', 'runner', 'target', 'sluice-flink-runner-kinesis.jar'),
    flinkSqlDir: join(root, 'sql', 'flink'),
  };
}

/**
 * What a stack deploys. A stack that names a release (`sluice:release`) deploys exactly that
 * release's artifacts, from its directory (`dist/releases/<id>`, or under `SLUICE_RELEASES_DIR`),
 * and only from a working tree whose sources match it: anything else throws a `ReleaseError`
 * naming each differing file. A stack without one deploys the working tree's build outputs.
 */
export function deployArtifacts(config: SluiceConfig, root = join(__dirname, '..')): DeployArtifacts {
  if (config.release === undefined) return artifactPaths(root);
  const dir = join(releasesDir(root), config.release);
  return releaseArtifacts(verifyRelease(config.release, root, dir), dir);
}

/** The Pulumi program: one platform per stack, deployed through the stack's provider. Returns the stack outputs. */
export function sluiceProgram(config: SluiceConfig) {
  const artifacts = deployArtifacts(config);
  const provider = stackProvider(config);
  const awsxStackProvider = awsxProvider(config);
  const platform = new Platform(physicalName(config), { config, artifacts }, { providers: awsxStackProvider ? [provider, awsxStackProvider] : [provider] });
  return {
    keyArn: platform.keyArn,
    streamArns: platform.streamArns,
    lakeBucket: platform.lakeBucket,
    landingBucket: platform.landingBucket,
    resultsBucket: platform.resultsBucket,
    flinkApplicationArns: platform.flinkApplicationArns,
    glueDatabase: platform.glueDatabase,
    athenaWorkgroup: platform.athenaWorkgroup,
    analystPolicyArn: platform.analystPolicyArn,
    alarmTopicArn: platform.alarmTopicArn,
    dashboardName: platform.dashboardName,
    kafkaSource: platform.kafkaSource,
  };
}
