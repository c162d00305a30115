import { sluiceProgram } from './infra/program';
import { loadPulumiStackConfig } from './stacks/pulumi';

const outputs = sluiceProgram(loadPulumiStackConfig());

export const keyArn = outputs.keyArn;
export const streamArns = outputs.streamArns;
export const lakeBucket = outputs.lakeBucket;
export const landingBucket = outputs.landingBucket;
export const resultsBucket = outputs.resultsBucket;
export const flinkApplicationArns = outputs.flinkApplicationArns;
export const glueDatabase = outputs.glueDatabase;
export const athenaWorkgroup = outputs.athenaWorkgroup;
export const analystPolicyArn = outputs.analystPolicyArn;
export const alarmTopicArn = outputs.alarmTopicArn;
export const dashboardName = outputs.dashboardName;
export const kafkaSource = outputs.kafkaSource ?? null;
