package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

const (
	// mitmHandshakeTimeout bounds the wait for a tunnelled client's first bytes and
	// TLS handshake.
	mitmHandshakeTimeout = 15 * time.Second
	// mitmReadHeaderTimeout matches the app's listener.
	mitmReadHeaderTimeout = 30 * time.Second
	// tlsRecordHandshake is the first byte of a TLS ClientHello record.
	tlsRecordHandshake = 0x16
)

// mitmTarget is where a decrypted connection's requests go.
type mitmTarget struct {
	scheme string // "https", or "http" when the client spoke plain HTTP in the tunnel
	host   string // canonical host[:port], see captureHost
}

type mitmTargetKey struct{}

// serveMITMConn takes over a client connection whose CONNECT to hostport was
// accepted for capture: it confirms the tunnel, terminates TLS with a leaf for the
// host signed by llmtap's CA (offering h2 and http/1.1), and hands the decrypted
// connection to the MITM http.Server.
func (s *Server) serveMITMConn(r *http.Request, client net.Conn, hostport string) {
	m := s.mitm
	if _, err := fmt.Fprintf(client, "HTTP/%d.%d 200 Connection established\r\n\r\n", max(r.ProtoMajor, 1), r.ProtoMinor); err != nil {
		client.Close()
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), mitmHandshakeTimeout)
	defer cancel()
	_ = client.SetDeadline(time.Now().Add(mitmHandshakeTimeout))
	br := bufio.NewReader(client)
	first, err := br.Peek(1)
	if err != nil {
		s.log.Debug("tunnel closed before first byte", "host", hostport, "err", err)
		client.Close()
		return
	}
	var conn net.Conn = &bufferedConn{Conn: client, r: br}
	t := mitmTarget{scheme: "https"}
	if first[0] == tlsRecordHandshake {
		t.host, _ = s.captureHost(hostport, "443")
		name, _, _ := splitHostPort(hostport, "443")
		tc := tls.Server(conn, &tls.Config{
			MinVersion: tls.VersionTLS12,
			NextProtos: []string{"h2", "http/1.1"},
			GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
				// The CONNECT target, not SNI, names the certificate: it is where the
				// requests go, and clients send no SNI for IP addresses.
				return m.ca.Leaf(name)
			},
		})
		if err := tc.HandshakeContext(ctx); err != nil {
			if strings.Contains(err.Error(), "remote error") {
				s.log.Warn("client rejected llmtap's certificate; is the CA trusted?", "host", hostport, "ca", m.ca.CertPath(), "err", err)
			} else {
				s.log.Debug("mitm handshake failed", "host", hostport, "err", err)
			}
			tc.Close()
			return
		}
		conn = tc
	} else {
		// Some clients (undici's ProxyAgent) tunnel plain http through CONNECT too.
		t.scheme = "http"
		t.host, _ = s.captureHost(hostport, "80")
	}
	_ = client.SetDeadline(time.Time{})
	m.start.Do(func() {
		go func() {
			err := m.srv.Serve(m.ln)
			if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
				s.log.Error("mitm server stopped", "err", err)
			}
		}()
	})
	m.targets.Store(conn, t)
	if err := m.ln.push(conn); err != nil {
		m.targets.Delete(conn)
		conn.Close()
	}
}

// connContext gives each decrypted connection's requests their mitmTarget.
func (m *mitm) connContext(ctx context.Context, c net.Conn) context.Context {
	if t, ok := m.targets.LoadAndDelete(c); ok {
		return context.WithValue(ctx, mitmTargetKey{}, t)
	}
	return ctx
}

// serveDecrypted proxies one request read from a decrypted tunnel to its host. The
// tunnel's CONNECT target is the upstream, whatever the Host header says.
func (s *Server) serveDecrypted(w http.ResponseWriter, r *http.Request) {
	t, ok := r.Context().Value(mitmTargetKey{}).(mitmTarget)
	if !ok {
		// Every connection on the MITM server is pushed with a target.
		s.log.Error("decrypted request without a target", "method", r.Method)
		writeError(w, http.StatusInternalServerError, "proxy_error", "internal_error", "llmtap lost the tunnel's target")
		return
	}
	if r.Method == http.MethodConnect {
		writeError(w, http.StatusMethodNotAllowed, "proxy_error", "nested_connect", "llmtap does not accept CONNECT inside a tunnel")
		return
	}
	r.Header.Del(tokenHeader) // the CONNECT was authorized; a client may send it on every request
	up := &url.URL{Scheme: t.scheme, Host: t.host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	if up.Path == "" {
		up.Path = "/"
	}
	s.forward(w, r, up, "mitm:"+t.host)
}

// CutSessions ends the upgraded (WebSocket) sessions now and refuses new ones; the
// caller calls it before it shuts down its listener's http.Server, which may take until
// its deadline for streams in flight, and Shutdown then waits for their captures.
func (s *Server) CutSessions() { s.sessions.cut() }

// Shutdown ends what the caller's http.Server cannot: the connections decrypted in
// MITM mode, whose requests in flight may finish until ctx ends before the rest are
// cut (their exchanges still reach the Sink), and the upgraded (WebSocket) sessions,
// which are cut at once and waited for until their exchanges have reached the Sink.
// The error says what was still running at the deadline. The caller shuts down its
// own listener's http.Server first; tunnels llmtap does not decrypt are not tracked
// and end with the process.
func (s *Server) Shutdown(ctx context.Context) error {
	s.sessions.cut() // at once, so their captures have until the deadline to be handed on
	var errs []error
	if m := s.mitm; m != nil {
		err := m.srv.Shutdown(ctx)
		m.ln.Close() // Shutdown closed it if serving started; stop later pushes either way
		if err != nil {
			m.srv.Close()
			errs = append(errs, fmt.Errorf("shut down mitm connections: %w", err))
		}
	}
	// After the MITM server: its handlers may still have been starting sessions.
	if err := s.sessions.shutdown(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// bufferedConn is a net.Conn whose reads start with what a bufio.Reader holds.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// connListener is a net.Listener fed connections by push; it lets one http.Server
// serve connections that arrive hijacked from CONNECT requests.
type connListener struct {
	ch        chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

func newConnListener() *connListener {
	return &connListener{ch: make(chan net.Conn), done: make(chan struct{})}
}

// push hands c to Accept, or fails with net.ErrClosed once the listener is closed.
func (l *connListener) push(c net.Conn) error {
	select {
	case <-l.done:
		return net.ErrClosed
	default:
	}
	select {
	case l.ch <- c:
		return nil
	case <-l.done:
		return net.ErrClosed
	}
}

// Accept waits for a pushed connection.
func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close makes Accept and push fail; it is safe to call more than once.
func (l *connListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

// Addr returns a placeholder: the connections come from the proxy's own listener.
func (l *connListener) Addr() net.Addr { return mitmAddr{} }

type mitmAddr struct{}

func (mitmAddr) Network() string { return "mitm" }
func (mitmAddr) String() string  { return "mitm" }
