package app

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/llmtap/llmtap/app/access"
	"github.com/llmtap/llmtap/app/autostart"
	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/app/sysproxy"
	"github.com/llmtap/llmtap/capture"
	"github.com/llmtap/llmtap/gateway"
	"github.com/llmtap/llmtap/internal/inflight"
	"github.com/llmtap/llmtap/proxy"
	"github.com/llmtap/llmtap/store"
)

// Config is how llmtap runs. The zero value of each field is its default.
type Config struct {
	// ProxyAddr is where the proxy listens; "" → 127.0.0.1:8780. Port 0 picks a free port.
	ProxyAddr string
	// DataDir holds the database (and later the CA and exports); "" → DefaultDataDir().
	DataDir string
	// Target is the base URL origin-form requests go to; "" → none.
	Target string
	// Routes maps NAME → base URL for /NAME/... requests.
	Routes map[string]string
	// AllowHosts extends the built-in list of LLM API hosts for /HOST/... requests.
	AllowHosts []string
	// Providers is the model gateway's providers.yaml (see docs/gateway.md); "" →
	// providers.yaml in DataDir, picked up whenever it exists.
	Providers string
	// Probes are the scanner path patterns the proxy refuses (proxy.Config.Probes);
	// nil → proxy.DefaultProbes(), empty → none.
	Probes []string
	// MaxBody limits a request body; 0 → the proxy's default (32 MiB).
	MaxBody int64
	// MaxHeldBytes bounds the captures held in memory while the disk refuses them
	// (full, failing); 0 → capture.DefaultMaxHeld.
	MaxHeldBytes int64
	// BodyTimeout bounds the time to receive a request body; 0 → the proxy's default
	// (proxy.DefaultBodyTimeout), negative → no limit.
	BodyTimeout time.Duration
	// IdleTimeout closes keep-alive connections (proxy and UI) idle for longer; 0 →
	// proxy.DefaultIdleTimeout, negative → never.
	IdleTimeout time.Duration
	// MITM makes the proxy an HTTPS proxy too (HTTPS_PROXY): LLM API hosts are
	// decrypted with the CA in DataDir (created on first use) and captured, other
	// hosts tunnelled. false → CONNECT is refused.
	MITM bool
	// MITMAllow are destinations MITM tunnels may reach beyond ports 80 and 443 or on
	// private addresses (proxy.MITMConfig.AllowDestinations); nil → none.
	MITMAllow []string
	// SystemProxy sets the OS proxy settings; nil → the backend detected for this
	// OS and desktop (see sysproxy.Detect). SystemProxyRunner runs its commands;
	// nil → for real. Tests pass fakes for both.
	SystemProxy       sysproxy.Backend
	SystemProxyRunner sysproxy.Runner
	// SystemProxyOn points the OS proxy at llmtap once ListenProxy has bound it.
	SystemProxyOn bool
	// SelfTestRoots are the roots the self-test's client trusts; nil → the OS trust
	// store, like the person's apps. Tests pass a pool holding llmtap's CA.
	SelfTestRoots *x509.CertPool
	// SaveDialog asks where to save a file (the desktop app's native dialog), given
	// a suggested name; "" means the person canceled. nil → no dialogs (llmtap serve).
	SaveDialog func(ctx context.Context, name string) (string, error)
	// StartDrag begins the OS drag of one file out of the window (the desktop app;
	// the person holds the mouse button down): path is where the file will be, and
	// ready yields once, nil when it is completely written there or the error that
	// stopped it; the drop target gets the path only after that. It returns once the
	// drag began. nil → no native drag (llmtap serve): POST /api/drag answers 409.
	StartDrag func(ctx context.Context, path string, ready <-chan error) error
	// Autostart is how "start at login" is set; nil → this OS's entry for the
	// running executable. Tests point it into a temporary folder.
	Autostart *autostart.Entry
	// ProxyToken is the credential the proxy asks of its clients (proxy.Config.AccessToken);
	// "" → none, and then the proxy must stay on loopback (see CheckExposure).
	ProxyToken string
	// AllowOrigins are the web page origins whose browser requests the proxy accepts
	// (proxy.Config.AllowOrigins); nil → none.
	AllowOrigins []string
	// UIToken is the credential ServeUI asks for when it listens beyond loopback; on
	// loopback no token is asked. "" → ServeUI refuses a non-loopback address.
	UIToken string
	// UIAllowHosts are the Host names the UI answers to besides loopback names and IP
	// addresses (see access.Config.AllowHosts); nil → none.
	UIAllowHosts []string
	// Log receives lifecycle and error logs; nil → discard.
	Log *slog.Logger
}

// DefaultProxyAddr is where the proxy listens unless told otherwise.
const DefaultProxyAddr = "127.0.0.1:8780"

// App is one running llmtap: store, recorder, proxy and API. Create it with Open,
// start listening with ListenProxy, stop it with Shutdown.
type App struct {
	cfg Config
	log *slog.Logger
	db  *store.DB
	rec *capture.Pipeline
	// memory gives memory back to the OS after a burst of captures.
	memory memoryReturner
	proxy  *proxy.Server
	// gateway routes requests by model (app/gateway.go); never nil.
	gateway *gateway.Gateway
	mitm    *proxy.MITMConfig // nil unless Config.MITM

	sysproxyMu  sync.Mutex
	sysproxy    *sysproxy.Manager // nil where unsupported; sysproxyErr says why
	sysproxyErr error

	mu        sync.Mutex
	proxyLn   net.Listener
	proxyErr  error // why the proxy is not listening, shown in the UI
	servers   []*http.Server
	serveErrs chan error
	// export answers the export endpoints (app/export), over db.
	export *export.Service

	// life ends when Shutdown begins; background work (see background.go) runs under
	// it and is counted in background.
	life       context.Context
	endLife    context.CancelFunc
	background inflight.Group
}

// Open prepares the data folder, opens (or creates) the database and builds the
// proxy. Nothing listens yet.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if cfg.ProxyAddr == "" {
		cfg.ProxyAddr = DefaultProxyAddr
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.DataDir == "" {
		dir, err := DefaultDataDir()
		if err != nil {
			return nil, err
		}
		cfg.DataDir = dir
	}
	if err := PrivateDataDir(cfg.DataDir, cfg.Log); err != nil {
		return nil, err
	}
	mitm, err := openMITM(cfg)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, DatabasePath(cfg.DataDir))
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: cfg.Log, db: db, mitm: mitm, serveErrs: make(chan error, 4)}
	a.memory.drop = db.ReleaseMemory
	a.export = export.New(export.Config{DB: db, Dir: filepath.Join(cfg.DataDir, "exports"), SaveDialog: a.saveDialog,
		ListOptions:   func(q url.Values) (store.ListOptions, error) { return listOptions(q, false) },
		FilterOptions: filterOptions})
	// Stored costs at the prices in use before the indexer stores anything: prices
	// edited in settings.json while llmtap was stopped take effect here, and the
	// captures indexed from now on price a new model as they store it.
	if s, err := LoadSettings(cfg.DataDir); err != nil {
		cfg.Log.Warn("prices not applied to stored costs", "err", err)
	} else if err := a.reprice(ctx, s); err != nil {
		db.Close()
		return nil, err
	}
	a.life, a.endLife = context.WithCancel(context.Background())
	a.rec, err = capture.Open(ctx, capture.Config{
		Dir: CaptureLogPath(cfg.DataDir), DB: db, Convert: toCapture, MaxHeld: cfg.MaxHeldBytes,
		OnIdle: a.memory.afterBurst, AfterBig: releaseAfterBig, Logger: cfg.Log.With("component", "capture"),
	})
	if err != nil {
		db.Close()
		if errors.Is(err, capture.ErrInUse) {
			return nil, fmt.Errorf("data folder %q is in use by another llmtap: stop it or pick another --data: %w", cfg.DataDir, err)
		}
		return nil, err
	}
	if a.gateway, err = openGateway(cfg, db); err == nil {
		a.proxy, err = proxy.New(proxy.Config{
			Target: cfg.Target, Routes: cfg.Routes, AllowHosts: cfg.AllowHosts, MaxBody: cfg.MaxBody,
			BodyTimeout: cfg.BodyTimeout, IdleTimeout: cfg.IdleTimeout, SpillDir: a.rec.SpillDir(),
			Sink: a.rec, Log: cfg.Log, MITM: mitm, // proxy.New tags its own component
			AccessToken: cfg.ProxyToken, AllowOrigins: cfg.AllowOrigins, Probes: cfg.Probes,
			Gateway: a.gateway,
		})
	}
	if err != nil {
		a.rec.Close(ctx)
		db.Close()
		return nil, err
	}
	a.watchGateway()
	a.openSystemProxy(ctx)
	return a, nil
}

// DatabasePath is where the database lives in a data folder.
func DatabasePath(dataDir string) string { return filepath.Join(dataDir, "llmtap.db") }

// CaptureLogPath is the folder of the capture log in a data folder.
func CaptureLogPath(dataDir string) string { return filepath.Join(dataDir, "capture") }

// DefaultDataDir is the OS user data folder plus "llmtap", or $LLMTAP_DATA_DIR when set.
func DefaultDataDir() (string, error) {
	if d := os.Getenv("LLMTAP_DATA_DIR"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "llmtap"), nil
	}
	return defaultDataDir()
}

// DB returns the app's database.
func (a *App) DB() *store.DB { return a.db }

// Export returns the export endpoints' service: the runs in flight and what
// previews found (tests read it).
func (a *App) Export() *export.Service { return a.export }

// saveDialog is Config.SaveDialog as an export asks for it, export.ErrNoDialog
// without one (llmtap serve).
func (a *App) saveDialog(ctx context.Context, name string) (string, error) {
	if a.cfg.SaveDialog == nil {
		return "", export.ErrNoDialog
	}
	return a.cfg.SaveDialog(ctx, name)
}

// Convert is what the capture indexer stores of ex (app/convert.go), for tests and
// tools that store exchanges without a capture log.
func Convert(ex *proxy.Exchange) store.Capture { return toCapture(ex) }

// WaitIndexed waits until the capture indexer has stored n captures since Open, or
// ctx ends.
func (a *App) WaitIndexed(ctx context.Context, n int64) error { return a.rec.WaitIndexed(ctx, n) }

// DataDir returns the data folder in use.
func (a *App) DataDir() string { return a.cfg.DataDir }

// SetCapture turns recording on or off; the proxy keeps forwarding either way.
func (a *App) SetCapture(on bool) {
	a.proxy.SetCapture(on)
	a.log.Info("capture switched", "on", on)
}

// Capturing reports whether exchanges are being recorded.
func (a *App) Capturing() bool { return a.proxy.Capturing() }

// ListenProxy binds the proxy address and serves the proxy on it, then, with
// Config.SystemProxyOn, points the OS proxy at it. A port in use is an error
// wrapping proxy.ErrAddrInUse.
func (a *App) ListenProxy() error {
	var ln net.Listener
	var err error
	if !access.Loopback(a.cfg.ProxyAddr) && a.cfg.ProxyToken == "" {
		// serve refuses this before it starts; the desktop app, whose address may come
		// from its settings, shows it in the window instead.
		err = fmt.Errorf("proxy address %s: %w: set a proxy token (--proxy-token or LLMTAP_PROXY_TOKEN), or listen on 127.0.0.1",
			a.cfg.ProxyAddr, access.ErrExposed)
	} else if err = a.checkGatewayExposure(); err == nil {
		ln, err = proxy.Listen(a.cfg.ProxyAddr)
	}
	a.mu.Lock()
	a.proxyErr = err
	a.mu.Unlock()
	if err != nil {
		return err
	}
	// No ReadTimeout or WriteTimeout: a streamed reply may run for many minutes. The
	// proxy bounds a request body itself (Config.BodyTimeout).
	srv := &http.Server{Handler: a.proxy, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: a.idleTimeout()}
	a.mu.Lock()
	a.proxyLn = ln
	a.mu.Unlock()
	a.serve(srv, ln)
	a.log.Info("proxy listening", "addr", ln.Addr().String())
	if a.cfg.SystemProxyOn {
		if err := a.SetSystemProxy(context.Background(), true); err != nil {
			return fmt.Errorf("--system-proxy: %w", err)
		}
	}
	return nil
}

// ServeUI serves h on addr (the UI and API for a browser). A port in use is an error
// wrapping proxy.ErrAddrInUse. It returns the address actually bound. Requests with a
// foreign Host or Origin are always refused; beyond loopback, requests also need
// Config.UIToken, and without one ServeUI refuses before binding (an error wrapping
// access.ErrExposed).
func (a *App) ServeUI(addr string, h http.Handler) (string, error) {
	ac := access.Config{AllowHosts: a.cfg.UIAllowHosts}
	if !access.Loopback(addr) {
		if a.cfg.UIToken == "" {
			return "", fmt.Errorf("UI address %s: %w: set a UI token with --ui-token", addr, access.ErrExposed)
		}
		ac.Token = a.cfg.UIToken
	}
	guard, err := access.New(ac)
	if err != nil {
		return "", err
	}
	ln, err := proxy.Listen(addr)
	if err != nil {
		return "", err
	}
	h = guard.Wrap(h)
	a.serve(&http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: a.idleTimeout()}, ln)
	a.log.Info("ui listening", "addr", ln.Addr().String())
	return ln.Addr().String(), nil
}

// idleTimeout is Config.IdleTimeout with its default, as http.Server takes it.
func (a *App) idleTimeout() time.Duration {
	if a.cfg.IdleTimeout == 0 {
		return proxy.DefaultIdleTimeout
	}
	return a.cfg.IdleTimeout
}

func (a *App) serve(srv *http.Server, ln net.Listener) {
	a.mu.Lock()
	a.servers = append(a.servers, srv)
	a.mu.Unlock()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.serveErrs <- err
		}
	}()
}

// Errors delivers errors of listeners that stopped on their own.
func (a *App) Errors() <-chan error { return a.serveErrs }

// ProxyAddr is the address the proxy listens on (the configured one before ListenProxy).
func (a *App) ProxyAddr() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.proxyLn != nil {
		return a.proxyLn.Addr().String()
	}
	return a.cfg.ProxyAddr
}

// ProxyError says why the proxy is not listening, or "".
func (a *App) ProxyError() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.proxyErr == nil {
		return ""
	}
	return a.proxyErr.Error()
}

// BaseURL is what to paste into an OpenAI-compatible client as its base URL.
func (a *App) BaseURL() string { return "http://" + a.ProxyAddr() + "/v1" }

// Shutdown stops the listeners (letting requests in flight finish until ctx ends),
// stops background work, indexes what the capture log holds until ctx ends and
// closes the database. Every exchange a client received in full is already durable
// in the capture log: what is not indexed by the deadline is indexed at the next start.
func (a *App) Shutdown(ctx context.Context) error {
	var errs []error
	if err := a.restoreSystemProxy(ctx); err != nil {
		errs = append(errs, err)
	}
	// What has no natural end stops first, so that the wait for streams in flight below
	// cannot use up the time it needs: a dragged export still being written (the app is
	// going, and so is the drop) and WebSocket sessions.
	a.stopBackground()
	a.proxy.CutSessions()
	a.mu.Lock()
	servers := a.servers
	a.mu.Unlock()
	for _, s := range servers {
		if err := s.Shutdown(ctx); err != nil {
			s.Close() // streams still open at the deadline are cut; their exchanges are still recorded
		}
	}
	// Decrypted MITM connections, like the listeners, are cut at the deadline; the
	// exchanges of those and of the sessions are queued before it returns. Streams cut
	// are still recorded (a capture lost is the recorder's error below), so this is
	// said in the log, not failed.
	if err := a.proxy.Shutdown(ctx); err != nil {
		a.log.Warn("proxy connections cut at the deadline", "err", err)
	}
	if err := a.waitBackground(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := a.rec.Close(ctx); err != nil {
		errs = append(errs, err)
	}
	a.memory.stop()
	if err := a.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close database: %w", err))
	}
	return errors.Join(errs...)
}
