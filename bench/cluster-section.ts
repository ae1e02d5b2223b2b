// The "Redis Cluster" section of docs/benchmarks.md. A full run rewrites that file, and this
// scenario is not part of a full run (`npm run bench -- --only cluster`), so its text, with
// the figures of the run it quotes, lives here and is written back unchanged.
export const CLUSTER_SECTION = `## Redis Cluster

\`npm run bench -- --only cluster --reps 3\` (bench/cluster.ts), run on 2026-12-01 on this
2-core VM shared with other work (1-minute load average 10–12 during the run). One Herald
publisher and one subscriber in one Node process, 200,000 Pub/Sub events (a 100-character payload field),
round-robin over 12 event types, 1,000 publishes in flight. The cluster has 3 primaries and no
replicas. Single node and cluster were measured alternately, in the same run:

| Topology | Delivered events/s (median of 3) | min–max | lost |
| --- | ---: | ---: | ---: |
| single node | 5,436 | 4,932–6,551 | 0 |
| cluster, 3 primaries | 3,226 | 2,770–3,592 | 0 |

How the 12 types spread over the shards (\`SPUBLISH\` calls per primary, from
\`INFO commandstats\`, over all repetitions and warm-ups):

| Primary | Event types (of 12) | SPUBLISH calls | Share |
| --- | ---: | ---: | ---: |
| 1 | 6 | 300,030 | 50.0 % |
| 2 | 3 | 150,009 | 25.0 % |
| 3 | 3 | 150,009 | 25.0 % |

**What this can show.** Sharded Pub/Sub spreads the traffic by event type, so each primary
carries only the types that hash to its slots. With 12 types the split is uneven (6/3/3): a
type is the unit of distribution, and a handful of types rarely split evenly. Nothing was lost.

**What it cannot show.** Scaling. The 3 primaries, the publisher and the subscriber share 2
cores that other sessions were also using, and the one Node process that publishes and
receives is the bottleneck on either topology. A Cluster client also does more work per
command than a single-node client: it computes a slot, keeps a socket per node, and
auto-pipelines per node instead of corking one socket. So on this machine a cluster is slower
(0.6× here). The absolute figures are far below those of the table above, which used separate
processes on a quieter machine.

**Expected on real hardware.** Redis runs each node on one thread. A single node therefore
caps the whole deployment, at roughly one core's worth of PUBLISH and delivery work. Sharded
Pub/Sub never broadcasts: a message crosses the cluster bus only to its shard's replicas (we
measured 1,000 bus messages for 1,000 SPUBLISHes on 6 nodes, against 5,000 for PUBLISH). So the
Redis-side capacity for Pub/Sub grows about linearly with the number of primaries, as long as
the types spread over them. Use many types, or check the spread with this scenario. Each
publishing or subscribing process still costs what it costs on one node, or a little more, so
a cluster raises the ceiling of the fleet, not the rate of one process. Durable mode keeps each
prefix on one primary (its keys share one slot): it scales with the number of prefixes, not
with the number of types.
`;
