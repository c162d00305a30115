import type { ResourceRule } from './rule';

export const REQUIRED_TAGS = ['project', 'stack', 'component'];

/** Types that take tags; their resources carry the required ones. */
export const TAGGED_TYPES = [
  'aws:kinesis/stream:Stream',
  'aws:s3/bucket:Bucket',
  'aws:kms/key:Key',
  'aws:lambda/function:Function',
  'aws:sqs/queue:Queue',
  'aws:sns/topic:Topic',
  'aws:cloudwatch/logGroup:LogGroup',
  'aws:iam/role:Role',
  'aws:iam/policy:Policy',
  'aws:athena/workgroup:Workgroup',
  'aws:glue/catalogDatabase:CatalogDatabase',
  'aws:kinesisanalyticsv2/application:Application',
  'aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream',
];

export const requiredTags: ResourceRule = {
  name: 'required-tags',
  description: `Every taggable resource carries the ${REQUIRED_TAGS.join(', ')} tags.`,
  check(resource) {
    if (!TAGGED_TYPES.includes(resource.type)) return [];
    const tags = (resource.props.tags ?? {}) as Record<string, string>;
    const missing = REQUIRED_TAGS.filter((t) => typeof tags[t] !== 'string' || tags[t] === '');
    return missing.length === 0 ? [] : [`${resource.type} ${resource.name} lacks the tag${missing.length === 1 ? '' : 's'} ${missing.join(', ')}; build its tags with tagsFor()`];
  },
};
