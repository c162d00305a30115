/**
 * The monthly AWS Budget of a stack: the cost of every resource tagged with the project and the
 * stack (core/naming.ts tagsFor), with an actual and a forecast alert to the alarm topic.
 * Budgets see these tags only once they are activated as cost-allocation tags in the billing
 * console of the paying account.
 */
import type { BudgetConfig } from '../../stacks/types';
import { PROJECT, physicalName } from '../naming';

export interface BudgetNotificationSpec {
  readonly notificationType: 'ACTUAL' | 'FORECASTED';
  readonly comparisonOperator: 'GREATER_THAN';
  readonly threshold: number;
  readonly thresholdType: 'PERCENTAGE';
}

export interface BudgetSpec {
  readonly name: string;
  readonly budgetType: 'COST';
  readonly timeUnit: 'MONTHLY';
  readonly limitAmount: string;
  readonly limitUnit: 'USD';
  /** Both tags must match (AND): another project's `stack: dev` is not ours. */
  readonly tagFilters: readonly { readonly key: string; readonly values: readonly string[] }[];
  readonly notifications: readonly BudgetNotificationSpec[];
}

export function budgetSpec(stack: { stack: string }, budget: BudgetConfig): BudgetSpec {
  return {
    name: physicalName(stack, 'monthly'),
    budgetType: 'COST',
    timeUnit: 'MONTHLY',
    limitAmount: budget.monthlyUsd.toFixed(2),
    limitUnit: 'USD',
    tagFilters: [
      { key: 'project', values: [PROJECT] },
      { key: 'stack', values: [stack.stack] },
    ],
    notifications: [
      { notificationType: 'ACTUAL', comparisonOperator: 'GREATER_THAN', threshold: budget.actualPercent, thresholdType: 'PERCENTAGE' },
      { notificationType: 'FORECASTED', comparisonOperator: 'GREATER_THAN', threshold: budget.forecastPercent, thresholdType: 'PERCENTAGE' },
    ],
  };
}
