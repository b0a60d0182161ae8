// CPU time per thread of a process, from Linux's /proc: bench/run.ts and
// bench/profile-intl.ts both read it, to count Bun's HTTP client, GC and JIT
// threads beside the JavaScript one.

import { readdirSync, readFileSync } from "node:fs";

/**
 * Nanoseconds each thread of `pid` has spent on a CPU
 * (/proc/<pid>/task/<tid>/schedstat), keyed by "name/tid" (the name from
 * `comm`); undefined where the kernel has no schedstat.
 */
export function threadCpuNs(pid: number | "self"): Map<string, number> | undefined {
  try {
    const threads = new Map<string, number>();
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
        threads.set(`${name}/${tid}`, Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]));
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return threads.size > 0 && [...threads.values()].every(Number.isFinite) ? threads : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The CPU each group of threads used between two `threadCpuNs` readings, in
 * µs per unit (a request, an event): `groupOf` names a thread's group from
 * its name (a thread that started in between counts from zero).
 */
export function usPerUnitByGroup<G extends string>(before: Map<string, number>, after: Map<string, number>, units: number, groupOf: (name: string) => G): Map<G, number> {
  const byGroup = new Map<G, number>();
  for (const [key, ns] of after) {
    const group = groupOf(key.slice(0, key.lastIndexOf("/")));
    byGroup.set(group, (byGroup.get(group) ?? 0) + (ns - (before.get(key) ?? 0)) / 1000 / Math.max(1, units));
  }
  return byGroup;
}
