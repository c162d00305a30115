/** One stage's figures, in the same units wherever a stage is printed: events, seconds, events per second. */
export function stageFigures(events: number, seconds: number): string {
  const rate = seconds > 0 ? Math.round(events / seconds) : 0;
  return `${events.toLocaleString('en-US')} events in ${seconds.toFixed(2)} s, ${rate.toLocaleString('en-US')} events/s`;
}
