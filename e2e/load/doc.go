// Package load holds tests and benchmarks that run the real llmtap binary under a
// bounded loopback load (issue 11): durability on kill -9, SIGTERM and a full disk,
// slow and idle clients, peak memory per scenario, and relay and storage rates beside
// a bare Go reverse proxy (./barehop).
//
// Everything is in test files: the package has no API. The tests skip unless
// LLMTAP_LOAD=1 is set, because each one builds and starts processes and runs for
// seconds; see the README's section on load tests. It imports store and app only to
// read the database a stopped binary left behind.
package load
