#!/usr/bin/env bash
# Summarises a raw load result file (bench/results/load-*.tsv): per scenario the median and [min-max] over runs,
# and the throughput as a share of the bare endpoint's median. Files written before the users/java/cpu_util columns
# existed are read too (those columns show "-").
# Usage: bench/summarize.sh bench/results/load-<stamp>.tsv
set -euo pipefail
awk -F'\t' '
function sorted(list, n,    i, j, t, a) {
  n = split(list, a, " ")
  for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
  out = a[1]; for (i = 2; i <= n; i++) out = out " " a[i]
  return out
}
function stat(list,    a, n) {
  if (list == "" || list ~ /^ *-/) return "-"
  n = split(sorted(list), a, " ")
  if (n == 1) return a[1]
  return a[int((n + 1) / 2)] " [" a[1] "-" a[n] "]"
}
function median(list,    a, n) { n = split(sorted(list), a, " "); return a[int((n + 1) / 2)] }
NR == 1 { next }
{
  s = $1
  if (!(s in seen)) { seen[s] = 1; order[++count] = s }
  conc[s] = $4; runs[s]++
  load[s] = load[s] " " $3; rps[s] = rps[s] " " $6; p50[s] = p50[s] " " $7; p99[s] = p99[s] " " $8
  p999[s] = p999[s] " " $9; non2xx[s] = non2xx[s] " " $10; calls[s] = calls[s] " " $12; cpu[s] = cpu[s] " " $13
  hwm[s] = hwm[s] " " $14; heap[s] = heap[s] " " $16
  users[s] = (NF >= 17) ? $17 : "-"; java[s] = (NF >= 18) ? $18 : "-"
  if (NF >= 19) util[s] = util[s] " " $19
  cpus[s] = (NF >= 20) ? $20 : "-"
}
END {
  bare = ("bare" in seen) ? median(rps["bare"]) : 0
  print "| scenario | c | users | JDK | server CPUs | runs | load1 at start | requests/s | vs bare | p50 ms | p99 ms | p99.9 ms | non-2xx | BigQuery requests per 1,000 | CPU s per 1,000 | server CPU util | VmHWM MiB | heap used MiB |"
  print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for (i = 1; i <= count; i++) {
    s = order[i]
    ratio = (bare > 0) ? sprintf("%.0f %%", median(rps[s]) * 100 / bare) : "-"
    printf "| %s | %s | %s | %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", s, conc[s],
      users[s], java[s], cpus[s], runs[s], stat(load[s]), stat(rps[s]), ratio, stat(p50[s]), stat(p99[s]),
      stat(p999[s]), stat(non2xx[s]), stat(calls[s]), stat(cpu[s]), stat(util[s]), stat(hwm[s]), stat(heap[s])
  }
}' "$1"
