package gateway

import (
	"net/http"
	"os"
	"strconv"
	"testing"
)

// temporary: one hop only, for a CPU profile of it under load.
func BenchmarkZZOneHop(b *testing.B) {
	hops, paths, bodies := translateHops(b)
	i, _ := strconv.Atoi(os.Getenv("HOP"))
	fastestRounds(b, hops[i:i+1], 400, 16, func(_ int, c *http.Client, url string) error {
		_, err := streamRequest(c, url, paths[i], bodies[i])
		return err
	})
}
