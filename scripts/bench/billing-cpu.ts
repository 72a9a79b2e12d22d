// CPU seconds of the billing bench, its own and its PostgreSQL backends' (when the server runs on this
// machine, read from /proc): on a machine shared with other work, wall-clock alone does not compare runs.
import type { Sql } from 'postgres'
import { procCpuUs } from './common.ts'

/** utime + stime of a process, in seconds; null when it cannot be read (a remote server, an ended backend). */
function processCpu(pid: number): number | null {
  const cpu = procCpuUs(`/proc/${pid}/stat`)
  return cpu && (cpu.user + cpu.system) / 1e6
}

export interface CpuMark {
  node: number
  backends: Map<number, number>
}

export async function cpuMark(sql: Sql, database: string): Promise<CpuMark> {
  const pids = await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${database}`
  const backends = new Map<number, number>()
  for (const { pid } of pids) {
    const cpu = processCpu(pid)
    if (cpu !== null) backends.set(pid, cpu)
  }
  const { user, system } = process.cpuUsage()
  return { node: (user + system) / 1e6, backends }
}

/** CPU seconds between two marks: node, and PostgreSQL (backends alive at the second mark). */
export function cpuSince(from: CpuMark, to: CpuMark): { node_cpu_s: number; pg_cpu_s: number } {
  let pg = 0
  for (const [pid, cpu] of to.backends) pg += cpu - (from.backends.get(pid) ?? 0)
  return { node_cpu_s: +(to.node - from.node).toFixed(2), pg_cpu_s: +pg.toFixed(2) }
}
