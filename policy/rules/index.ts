import { bucketDefaultEncryption, bucketPublicAccessBlocked, bucketTlsOnly } from './buckets';
import { customerKeyEncryption } from './encryption';
import { noWildcardActions } from './iam';
import { lambdaPermissionScoped } from './lambda';
import { statefulProtected } from './protection';
import { productionRetention } from './retention';
import type { ResourceRule, StackRule } from './rule';
import { requiredTags } from './tags';

/** The security baseline (DESIGN.md "Security baseline"), one rule per module. */
export const RESOURCE_RULES: readonly ResourceRule[] = [customerKeyEncryption, noWildcardActions, lambdaPermissionScoped, statefulProtected, requiredTags, productionRetention];
export const STACK_RULES: readonly StackRule[] = [bucketPublicAccessBlocked, bucketTlsOnly, bucketDefaultEncryption];
