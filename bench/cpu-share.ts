/**
 * How much of the machine other work used while the bench ran: system-wide busy CPU time from
 * /proc/stat minus the CPU time of this process and its reaped children (every bench worker and
 * the private redis-server: /proc/self/stat utime+stime+cutime+cstime). Linux only; elsewhere
 * the snapshot is undefined and nothing is reported.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface CpuSnapshot {
  /** Seconds of CPU busy system-wide (user, nice, system, irq, softirq). */
  busy: number;
  /** Seconds the hypervisor gave to other guests while we wanted the CPU. */
  steal: number;
  /** Seconds of CPU used by this process and its waited-for children. */
  ours: number;
  wall: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export function cpuSnapshot(): CpuSnapshot | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
    // Fields after the parenthesised command name; utime is field 14 of the whole line.
    const self = readFileSync('/proc/self/stat', 'utf8');
    const rest = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
    const [utime = 0, stime = 0, cutime = 0, cstime = 0] = rest.slice(11, 15);
    return {
      busy: (user + nice + system + irq + softirq) / TICKS_PER_SECOND,
      steal: steal / TICKS_PER_SECOND,
      ours: (utime + stime + cutime + cstime) / TICKS_PER_SECOND,
      wall: performance.now() / 1000,
    };
  } catch {
    return undefined;
  }
}

/** One line for the report, or undefined when /proc is not available. */
export function describeOtherLoad(start: CpuSnapshot | undefined, end: CpuSnapshot | undefined): { line: string; share: number } | undefined {
  if (start === undefined || end === undefined) return undefined;
  const capacity = (end.wall - start.wall) * os.cpus().length;
  const other = Math.max(0, end.busy - start.busy - (end.ours - start.ours));
  const steal = end.steal - start.steal;
  const share = other / capacity;
  return {
    share,
    line:
      `CPU used by other processes during the run: ${other.toFixed(1)} s of ${capacity.toFixed(0)} core-seconds ` +
      `(${(share * 100).toFixed(1)} %); hypervisor steal ${(steal / capacity * 100).toFixed(1)} %`,
  };
}
