// Command loadbench is `make bench-load`: it builds and starts the
// mockdingtalk binary and, in the same run, a bare net/http server that
// answers {"errcode":0,"errmsg":"ok"} on /robot/send, drives both with wrk
// (a C load generator far cheaper per request than either server; the
// text message is signed once per round), and prints throughput, latency
// and each process's CPU time per request (from /proc) with the ratios
// against the project's performance targets (docs/benchmarks.md):
//
//   - startup: time from exec to the first answer (target < 20 ms);
//   - robot:   fake ≥ 0.85× bare throughput, bare/fake server CPU per request
//     ≥ 0.85, p99 ≤ 1.5× bare, GC < 10% of the fake's CPU; alternating rounds;
//   - sns:     an SNS test-connection round trip ≥ 0.5× posting to the fake directly;
//   - soak:    1,000,000 sends at the default journal cap, then RSS < 150 MB and
//     the journal holding exactly the cap, with the drops counted;
//   - abuse:   2,000 sends with a 120 KB query, a 120 KB header and a 20 KB
//     body, then a full journal listing; peak RSS < 150 MB.
//
// Everything runs on 127.0.0.1 and is bounded in time and count. It is a
// benchmark, not a test: a missed target is reported, and the exit status
// is non-zero only with -strict (or when something fails to run).
package main
