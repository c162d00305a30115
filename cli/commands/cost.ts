import { Command, InvalidArgumentError } from 'commander';
import { cheapestChange, estimateCost, loadPriceFile, NO_CONFIG_LEVER, PriceFileError } from '../../core/cost';
import { projectRoot } from '../../core/project';
import { loadStackFile } from '../../stacks/file';
import { ConfigError } from '../../stacks/load';

interface CostOptions {
  stack: string;
  eventsPerHour: number;
  eventBytes: number;
  dir: string;
  json?: boolean;
  details?: boolean;
}

function positiveInteger(name: string) {
  return (value: string): number => {
    const n = Number(value.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number of 0 or more (got "${value}")`);
    return n;
  };
}

const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** `sluice cost --stack <name>`: the monthly cost model of core/cost.ts for a stack and a workload. */
export function registerCost(program: Command): void {
  program
    .command('cost')
    .description("Estimate a stack's monthly AWS cost per component from its config, a workload and the dated list prices of its region (core/prices)")
    .requiredOption('-s, --stack <name>', 'stack whose Pulumi.<stack>.yaml to price')
    .option('-e, --events-per-hour <n>', 'events arriving per hour', positiveInteger('--events-per-hour'), 1_000_000)
    .option('-b, --event-bytes <n>', 'average size of an event as producers send it, in bytes', positiveInteger('--event-bytes'), 1000)
    .option('-d, --dir <path>', 'directory holding the Pulumi.<stack>.yaml files', projectRoot())
    .option('--details', 'print every line of every component')
    .option('--json', 'print the estimate as JSON')
    .addHelpText(
      'after',
      "\nA model, not a bill: list prices as of the price file's date, and the assumptions in core/cost.ts (ASSUMPTIONS).\n\nExample:\n  sluice cost --stack prod --events-per-hour 1000000000 --event-bytes 800",
    )
    .action((opts: CostOptions) => {
      try {
        const config = loadStackFile(opts.stack, opts.dir);
        const prices = loadPriceFile(config.account.region);
        const workload = { eventsPerHour: opts.eventsPerHour, eventBytes: opts.eventBytes };
        const estimate = estimateCost(config, workload, prices);
        const change = cheapestChange(config, workload, prices, estimate);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ ...estimate, cheapestChange: change ?? null, pricesBasis: prices.basis }, null, 2)}\n`);
          return;
        }
        const out: string[] = [
          `stack ${estimate.stack} (${estimate.region}), ${workload.eventsPerHour.toLocaleString('en-US')} events/hour of ${workload.eventBytes} bytes, per month of 730 hours`,
          '',
        ];
        const width = Math.max(...estimate.components.map((c) => c.component.length));
        for (const c of [...estimate.components].sort((a, b) => b.usd - a.usd)) {
          const share = estimate.totalUsd > 0 ? ((100 * c.usd) / estimate.totalUsd).toFixed(1) : '0.0';
          out.push(`${c.component.padEnd(width)}  ${usd(c.usd).padStart(14)}  ${share.padStart(5)}%`);
          if (opts.details) for (const l of c.lines) out.push(`${''.padEnd(width)}    ${usd(l.usd).padStart(12)}  ${l.item}`);
        }
        out.push(`${'total'.padEnd(width)}  ${usd(estimate.totalUsd).padStart(14)}`, '', `dominant: ${estimate.dominant}`);
        if (change) {
          const also = change.with
            ? ` with ${Object.entries(change.with)
                .map(([k, v]) => `${k}: ${v}`)
                .join(', ')}`
            : '';
          out.push(
            `cheapest change: set ${change.key} from ${change.from} to ${change.to}${also}: ${estimate.dominant} ${usd(change.dominantUsdAfter)}, total ${usd(change.totalUsdAfter)} (saves ${usd(change.savingUsd)} a month)`,
          );
        } else {
          out.push(`no config change lowers ${estimate.dominant}: ${NO_CONFIG_LEVER[estimate.dominant]}`);
        }
        for (const n of estimate.notes) out.push(`note: ${n}`);
        out.push('', `List prices as of ${prices.asOf} (core/prices/${prices.region}.json): ${prices.basis}`);
        process.stdout.write(`${out.join('\n')}\n`);
      } catch (err) {
        if (!(err instanceof ConfigError || err instanceof PriceFileError)) throw err;
        process.stderr.write(`sluice cost: ${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
