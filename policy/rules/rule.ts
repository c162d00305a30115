/**
 * What a rule of the policy pack sees of a resource, the same whether Pulumi's policy engine hands
 * it over (policy/index.ts) or a test builds it from a mocked run: type, name, inputs, options.
 */
export interface Subject {
  type: string;
  name: string;
  props: Record<string, any>;
  protect: boolean;
}

/** Facts about the stack a rule may depend on. */
export interface RuleContext {
  /** Production stacks get deletion protection and retention minimums. */
  production: boolean;
}

/** A rule over one resource at a time: the violations it finds, one message each (empty when it passes). */
export interface ResourceRule {
  name: string;
  description: string;
  check(resource: Subject, context: RuleContext): string[];
}

/** A rule over the whole stack, for properties that live on another resource than the one they protect. */
export interface StackRule {
  name: string;
  description: string;
  checkStack(resources: readonly Subject[], context: RuleContext): { resource: string; message: string }[];
}

/** The stacks whose resources get the production rules, unless the pack's config says otherwise. */
export const PRODUCTION_STACKS = ['prod'];

/** `urn:pulumi:<stack>::<project>::<type>::<name>` -> `<stack>`. */
export function stackOfUrn(urn: string): string {
  return urn.split(':')[2] ?? '';
}

/** A policy document held as JSON text in a resource's input, or undefined if it is not text yet (unknown during preview). */
export function policyDocument(value: unknown): { Statement: Record<string, any>[] } | undefined {
  if (typeof value !== 'string') return typeof value === 'object' && value !== null ? (value as { Statement: Record<string, any>[] }) : undefined;
  try {
    return JSON.parse(value) as { Statement: Record<string, any>[] };
  } catch {
    return undefined;
  }
}

export const list = <T>(v: T | readonly T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? [...(v as readonly T[])] : [v as T]);
