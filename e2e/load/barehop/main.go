// Command barehop is the baseline the load benchmarks measure llmtap against: a bare
// httputil.ReverseProxy from one loopback address to one upstream, with no capture.
//
//	barehop --listen 127.0.0.1:0 --target http://127.0.0.1:PORT
//
// It prints "proxy: http://ADDR" once it listens (the same line llmtap serve prints)
// and stops on SIGTERM or SIGINT.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "proxy `address`")
	target := flag.String("target", "", "upstream base `URL`")
	flag.Parse()
	if err := run(*listen, *target); err != nil {
		fmt.Fprintln(os.Stderr, "barehop:", err)
		os.Exit(1)
	}
}

func run(listen, target string) error {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return fmt.Errorf("--target %q: want a base URL like http://127.0.0.1:8080", target)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	// The same transport tuning as llmtap's (proxy.newTransport), so the comparison
	// measures capture, not connection reuse.
	rp.Transport = &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	// Flush every write, as llmtap does for streams, so SSE is relayed as it comes.
	rp.FlushInterval = -1
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", listen, err)
	}
	fmt.Printf("proxy: http://%s\n", ln.Addr())
	srv := &http.Server{Handler: rp, ReadHeaderTimeout: 30 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
