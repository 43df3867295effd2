//go:build !unix

package gateway

import "time"

// processCPU is 0 where the process's CPU time is not read: the benchmarks then
// report times only.
func processCPU() time.Duration { return 0 }
