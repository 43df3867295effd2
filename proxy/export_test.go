package proxy

// WSEchoServer gives the external tests (package proxy_test) the echo upstream the
// benchmarks use.
var WSEchoServer = wsEchoServer
