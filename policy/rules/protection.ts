import type { ResourceRule } from './rule';

/** What holds data or decides who reads it: losing one to a `pulumi destroy` or a rename loses data. */
export const STATEFUL_TYPES = ['aws:kinesis/stream:Stream', 'aws:s3/bucket:Bucket', 'aws:kms/key:Key', 'aws:glue/catalogDatabase:CatalogDatabase', 'aws:glue/catalogTable:CatalogTable'];

export const statefulProtected: ResourceRule = {
  name: 'stateful-protected-in-production',
  description: 'In production, streams, buckets, the key and the Glue database and tables are protected from deletion, and buckets are not force-destroyed.',
  check(resource, { production }) {
    if (!production || !STATEFUL_TYPES.includes(resource.type)) return [];
    const problems: string[] = [];
    if (!resource.protect) problems.push(`${resource.type} ${resource.name} is not protected in production; create it with protect (sluice:protection.stateful: true)`);
    if (resource.type === 'aws:s3/bucket:Bucket' && resource.props.forceDestroy === true)
      problems.push(`bucket ${resource.name} is force-destroyed with its objects; set forceDestroy false in production`);
    return problems;
  },
};
