import { expect } from 'chai';
import { generate } from '../../local/generator';
import { generateInChild } from '../../local/generator-process';

async function read(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('generator in a child process', function () {
  this.timeout(60000);

  it('streams the same lines as generate() and then its statistics', async () => {
    const opts = { events: 5000, seed: 23, duplicates: 0.05, invalid: 0.05, late: 0.02 };
    const child = generateInChild(opts);
    const text = await read(child.lines);
    const stats = await child.stats;
    const expected = generate(opts);
    expect(text).to.equal([...expected.lines].map((line) => `${line}\n`).join(''));
    expect(stats).to.deep.equal(expected.stats);
  });

  it('rejects with the child error when the generator fails', async () => {
    const child = generateInChild({ events: 10, duplicates: 0.9 });
    await read(child.lines);
    let error: Error | undefined;
    await child.stats.catch((err: Error) => (error = err));
    expect(error?.message).to.match(/^the event generator \(a child process\) exited with code 1: generator: shares leave/);
  });

  it('rejects when stopped before the end', async () => {
    const child = generateInChild({ events: 2_000_000, seed: 1 });
    child.lines.once('data', () => child.stop());
    child.lines.resume();
    let error: Error | undefined;
    await child.stats.catch((err: Error) => (error = err));
    expect(error?.message).to.equal('the event generator (a child process) was stopped by SIGKILL');
  });
});
