import { validateWorkflow, type ValidationError } from '@action-validator/core';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/pulumi';

const PATH = join(REPO_ROOT, '.github', 'workflows', 'delivery.yml');
const TEXT = readFileSync(PATH, 'utf8');

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Job = { if?: string; needs?: string | string[]; environment?: string; permissions?: Record<string, string>; steps: Step[] };
const WORKFLOW = parse(TEXT) as { on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, Job> };

function messages(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => [`${'path' in e ? e.path : ''} ${e.title}${e.detail ? `: ${e.detail}` : ''}`, ...('states' in e && e.states ? e.states.flatMap((s) => messages(s.errors)) : [])]);
}

describe('delivery workflow (.github/workflows/delivery.yml)', () => {
  it('validates against the GitHub Actions workflow schema', () => {
    const result = validateWorkflow(TEXT);
    expect(result.actionType).to.equal('workflow');
    expect(messages(result.errors)).to.deep.equal([]);
  });

  it('the validator catches a broken workflow (so the check above means something)', () => {
    const broken = TEXT.replace('runs-on: ubuntu-latest\n    timeout-minutes: 60', 'runs-on: ubuntu-latest\n    timeout-minutes: soon');
    expect(broken).to.not.equal(TEXT);
    expect(validateWorkflow(broken).errors).to.not.deep.equal([]);
  });

  it('pull requests run make test and a dev preview with the policy pack, commented on the PR', () => {
    expect(Object.keys(WORKFLOW.on).sort()).to.deep.equal(['pull_request', 'push', 'workflow_dispatch']);
    expect(WORKFLOW.jobs.test!.steps.map((s) => s.run).filter(Boolean)).to.deep.equal(['make test']);
    const preview = WORKFLOW.jobs['preview-dev']!;
    expect(preview.if).to.equal("github.event_name == 'pull_request'");
    const pulumi = preview.steps.find((s) => s.uses?.startsWith('pulumi/actions@'))!;
    expect(pulumi.with).to.deep.include({ command: 'preview', 'stack-name': 'dev', policyPacks: 'policy', 'comment-on-pr': true });
    expect(preview.permissions).to.deep.include({ 'pull-requests': 'write', 'id-token': 'write' });
  });

  it('main builds a release, deploys it to dev and keeps it as an artifact', () => {
    const job = WORKFLOW.jobs['release-dev']!;
    expect(job.if).to.equal("github.event_name == 'push'");
    expect(job.steps.find((s) => s.run?.includes('sluice release'))!.run).to.equal('make flink-jar-cloud\necho "id=$(npx sluice release --pin dev)" >> "$GITHUB_OUTPUT"\n');
    expect(job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!.with!.path).to.equal('dist/releases/${{ steps.release.outputs.id }}');
    expect(job.steps.find((s) => s.uses?.startsWith('pulumi/actions@'))!.with).to.deep.include({ command: 'up', 'stack-name': 'dev' });
  });

  it('prod promotion waits for the prod environment (required reviewers) and runs sluice promote', () => {
    const job = WORKFLOW.jobs['promote-prod']!;
    expect(job.environment).to.equal('prod');
    expect(job.steps.find((s) => s.run?.includes('sluice promote'))!.run).to.equal('npx sluice promote --to prod --release "$RELEASE" --yes');
    // A rollback checks out the commit its release was built from, so the working-tree gate can pass.
    expect(job.steps[0]).to.deep.equal({ uses: 'actions/checkout@v4', with: { ref: '${{ inputs.ref || github.sha }}' } });
    expect(Object.keys((WORKFLOW.on.workflow_dispatch as { inputs: object }).inputs)).to.deep.equal(['release', 'release-run-id', 'ref']);
    expect(job.steps.at(-1)!.run).to.contain('npx sluice config pin-release --stack prod "$RELEASE"');
  });

  it('every AWS login is an OIDC role from the stack config, never a stored key', () => {
    expect(TEXT).to.not.match(/aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
    expect(WORKFLOW.permissions).to.deep.equal({ contents: 'read' });
    for (const [name, job] of Object.entries(WORKFLOW.jobs)) {
      const logins = job.steps.filter((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
      if (logins.length === 0) continue;
      expect(job.permissions?.['id-token'], name).to.equal('write');
      for (const login of logins) expect(login.with!['role-to-assume'], name).to.equal('${{ steps.stack.outputs.role }}');
      const stackStep = job.steps.find((s) => s.run?.includes('.pipeline.oidcRoleArn'));
      expect(stackStep, name).to.not.equal(undefined);
    }
  });
});
