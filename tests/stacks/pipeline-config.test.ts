import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadStackFile, loadStackText, pinRelease } from '../../stacks/file';
import { configProblems, TEST_ACCOUNT } from '../support/config';
import { REPO_ROOT } from '../support/pulumi';

describe('stacks: sluice:release and sluice:pipeline', () => {
  it('accepts a release id and defaults the soak time', () => {
    expect(configProblems({ account: TEST_ACCOUNT, release: '0123456789abcdef' })).to.deep.equal([]);
    expect(loadStackFile('prod', REPO_ROOT).pipeline).to.deep.equal({ oidcRoleArn: 'arn:aws:iam::222222222222:role/sluice-github-deploy', promoteFrom: 'dev', soakMinutes: 120 });
    expect(loadStackFile('dev', REPO_ROOT).pipeline.soakMinutes).to.equal(60);
    expect(loadStackFile('dev', REPO_ROOT).release).to.equal(undefined);
  });

  it('refuses a malformed release id, naming the key and the fix', () => {
    expect(configProblems({ account: TEST_ACCOUNT, release: 'v1.2' })).to.deep.equal([
      'sluice:release must be a release id (16 lower-case hex digits, as `sluice release` prints it) (got "v1.2"); use the id `make release` printed (npx sluice promote writes it for you), or remove the key to deploy the working tree',
    ]);
  });

  it('refuses an OIDC role of another account and a stack promoting from itself', () => {
    expect(configProblems({ account: TEST_ACCOUNT, pipeline: { oidcRoleArn: 'arn:aws:iam::222222222222:role/gh', promoteFrom: 'test' } })).to.deep.equal([
      "sluice:pipeline.oidcRoleArn must be a role in the stack's account 111111111111 (got a role in 222222222222); use the OIDC deploy role of account 111111111111",
      'sluice:pipeline.promoteFrom names the stack itself ("test"); name the stack releases come from, e.g. "dev", or remove it',
    ]);
  });

  it('pins a release into a stack file, keeping everything else, quoted so it stays a string', () => {
    const path = join(REPO_ROOT, 'Pulumi.prod.yaml');
    const text = readFileSync(path, 'utf8');
    const pinned = pinRelease(text, '1234567890123456');
    expect(pinned.replace('  sluice:release: "1234567890123456"\n', '')).to.equal(text);
    expect(loadStackText('prod', path, pinned).release).to.equal('1234567890123456');
    expect(loadStackText('prod', path, pinRelease(pinned, 'abcdefabcdefabcd')).release).to.equal('abcdefabcdefabcd');
  });
});
