// CPU time and resident memory of another process, read from Linux's /proc: what a target really spent, all of its
// threads included (libuv's pool, where better-sqlite3 and crypto work may run), which no HTTP figure shows.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** @type {number | undefined} */
let ticksPerSecond;

/** The kernel's clock ticks per second (`getconf CLK_TCK`, almost always 100), read once. */
export function clockTicksPerSecond() {
  if (ticksPerSecond === undefined) {
    const text = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`getconf CLK_TCK answered ${JSON.stringify(text)}`);
    ticksPerSecond = value;
  }
  return ticksPerSecond;
}

/**
 * CPU time the process has used so far, user + system, in microseconds (tick resolution: 10 ms at 100 Hz).
 * @param {number} pid
 * @returns {number}
 */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces or parentheses: count from the last `)`.
  // What follows starts at field 3 (state); utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[14 - 3]) + Number(fields[15 - 3]);
  return (ticks * 1e6) / clockTicksPerSecond();
}

/**
 * The process's resident set size now (VmRSS), in bytes; 0 when it has gone.
 * @param {number} pid
 * @returns {number}
 */
export function rssBytes(pid) {
  let status;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return 0;
  }
  const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  return kib === undefined ? 0 : Number(kib) * 1024;
}

/**
 * Samples the RSS of `pid` every `intervalMs` until stopped; `stop()` answers the largest sample (bytes).
 * @param {number} pid
 * @param {number} [intervalMs]
 * @returns {{ stop: () => number }}
 */
export function sampleMaxRss(pid, intervalMs = 200) {
  let max = rssBytes(pid);
  const timer = setInterval(() => {
    max = Math.max(max, rssBytes(pid));
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      max = Math.max(max, rssBytes(pid));
      return max;
    },
  };
}
