package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/llmtap/llmtap/app/export"
	"github.com/llmtap/llmtap/app/providerfile"
	"github.com/llmtap/llmtap/dataset"
	"github.com/llmtap/llmtap/store"
)

// maxAPIBody bounds a JSON request body to the API.
const maxAPIBody = 1 << 20

// apiError is an error with the HTTP status the API answers it with.
type apiError struct {
	status int
	msg    string
	fields map[string]string // per-field messages for a form, or nil
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// APIHandler returns the HTTP JSON API (docs/api.md): /healthz and /api/*. The UI
// server and the desktop window's AssetServer both serve this same handler.
func (a *App) APIHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	handle := func(pattern string, h func(*http.Request) (any, error)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			v, err := h(r)
			if err != nil {
				a.writeError(w, r, err)
				return
			}
			if v == nil {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			writeJSON(w, http.StatusOK, v)
		})
	}
	handle("GET /api/status", a.apiStatus)
	handle("GET /api/health", a.apiHealth)
	handle("POST /api/capture", a.apiSetCapture)
	handle("DELETE /api/capture/unsaved", a.apiDismissUnsaved)
	handle("GET /api/conversations/{id}", a.apiConversation)
	a.handleReview(handle)                                    // api_review.go
	a.handleEdits(handle)                                     // api_edit.go
	a.export.Register(handle)                                 // app/export
	handle("POST /api/reveal", a.apiReveal)                   // native.go
	handle("GET /api/conversations/{id}/record", a.apiRecord) // native.go
	handle("GET /api/settings", a.apiSettings)
	handle("PUT /api/settings", a.apiPutSettings)
	handle("POST /api/selftest", a.apiSelfTest)
	a.handleFirstRun(handle) // api_firstrun.go
	a.handleUsage(handle)    // api_usage.go
	handle("GET /api/proxy-env", a.apiProxyEnv)
	handle("POST /api/terminal", a.apiOpenTerminal)
	handle("GET /api/system-proxy", a.apiSystemProxy)
	handle("POST /api/system-proxy", a.apiSetSystemProxy)
	handle("GET /api/exchanges", a.apiExchanges)
	handle("GET /api/exchanges/{id}", a.apiExchange)
	handle("GET /api/exchanges/facets", a.apiExchangeFacets)
	a.handleDrag(handle, mux) // api_drag.go
	a.handleGateway(mux)      // gateway.go
	providerfile.Register(mux, providerfile.Config{Path: a.gateway.Status().Path, Keychain: providerfile.NewSystem(), Log: a.log})
	mux.HandleFunc("GET /api/media/{hash}", a.serveMedia)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		a.writeError(w, r, &apiError{status: http.StatusNotFound, msg: "no such API endpoint: " + r.Method + " " + r.URL.Path})
	})
	return a.logRequests(mux)
}

// logRequests logs each API request at debug level (llmtap -v).
func (a *App) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		a.log.Debug("api request", "method", r.Method, "path", r.URL.Path, "status", rec.status)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Status is the answer of GET /api/status.
type Status struct {
	Capturing bool   `json:"capturing"`
	ProxyAddr string `json:"proxyAddr"`
	BaseURL   string `json:"baseURL"`
	DataDir   string `json:"dataDir"`
	store.Counts
	// Queued counts captures that are safe in the capture log but not yet in the
	// database (0 when the indexer has caught up).
	Queued int64 `json:"queued"`
	// Held counts captures waiting in memory because the disk refuses them.
	Held int `json:"held"`
	// Unsaved counts the captures that could not be kept (the disk refused them past
	// the memory bound, or the database refused them), persisted until dismissed;
	// SaveError says why the latest was lost and UnsavedSince when the first was.
	Unsaved      int64     `json:"unsaved"`
	SaveError    string    `json:"saveError,omitempty"`
	UnsavedSince time.Time `json:"unsavedSince,omitzero"`
	// DBError says why the database refuses captures right now (they wait, durable,
	// in the capture log), or "".
	DBError string `json:"dbError,omitempty"`
	// ProbesRefused counts the scanner requests the proxy turned away since it started
	// (see Settings.ProbePaths).
	ProbesRefused int64 `json:"probesRefused"`
	// ProxyError says why the proxy is not listening (a port in use), or "".
	ProxyError string `json:"proxyError,omitempty"`
	// Target is where plain paths go ("" when nowhere), Routes how many named routes
	// there are, and Unroutable how many requests got a 404 for lack of either since
	// the start (GET /api/problems has them).
	Target     string `json:"target"`
	Routes     int    `json:"routes"`
	Unroutable int64  `json:"unroutable"`
	// NativeDialogs is set in the desktop app, where "Export… → Save as" works.
	NativeDialogs bool `json:"nativeDialogs"`
	// NativeDrag is set in the desktop app, where POST /api/drag drags a file out.
	NativeDrag bool `json:"nativeDrag"`
	// ExportNames are the default file names of an export by format, today: a drag
	// names its file before the server writes it.
	ExportNames map[dataset.ExportFormat]string `json:"exportNames"`
	// ExportFormats are the formats an export writes, in the order to offer them:
	// the one list the CLI's help, this API and the Export dialog read.
	ExportFormats []dataset.FormatSpec `json:"exportFormats"`
}

func (a *App) apiStatus(r *http.Request) (any, error) {
	counts, err := a.db.Counts(r.Context())
	if err != nil {
		return nil, err
	}
	cs := a.rec.Status()
	_, unroutable := a.proxy.Problems()
	return Status{
		Queued: cs.Queued, Held: cs.Held, DBError: cs.DBError,
		Unsaved: cs.Unsaved.Count, SaveError: cs.Unsaved.Reason, UnsavedSince: cs.Unsaved.Since,
		Capturing: a.proxy.Capturing(), ProxyAddr: a.ProxyAddr(), BaseURL: a.BaseURL(),
		DataDir: a.cfg.DataDir, Counts: counts, ProxyError: a.ProxyError(), NativeDialogs: a.cfg.SaveDialog != nil,
		NativeDrag: a.cfg.StartDrag != nil, ExportNames: export.DefaultNames(time.Now()),
		ExportFormats: dataset.Formats(),
		ProbesRefused: a.proxy.ProbesRefused(),
		Target:        a.proxy.Target(), Routes: len(a.cfg.Routes), Unroutable: unroutable,
	}, nil
}

func (a *App) apiSetCapture(r *http.Request) (any, error) {
	var body struct {
		On *bool `json:"on"`
	}
	if err := readJSON(r, &body); err != nil {
		return nil, err
	}
	if body.On == nil {
		return nil, badRequest(`body must be {"on": true} or {"on": false}`)
	}
	a.SetCapture(*body.On)
	return a.apiStatus(r)
}

func (a *App) apiConversation(r *http.Request) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var via int64
	if v := r.URL.Query().Get("via"); v != "" {
		if via, err = strconv.ParseInt(v, 10, 64); err != nil || via <= 0 {
			return nil, badRequest("via %q: must be a message id", v)
		}
	}
	return a.db.ConversationVia(r.Context(), id, via)
}

// apiDismissUnsaved clears the tally of captures that could not be kept: someone
// has seen the warning.
func (a *App) apiDismissUnsaved(*http.Request) (any, error) {
	return nil, a.rec.Dismiss()
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("id %q: must be a positive integer", r.PathValue("id"))
	}
	return id, nil
}

func intParam(s string, lo, hi int, dst *int) error {
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return fmt.Errorf("%q is not a whole number from %d to %d", s, lo, hi)
	}
	*dst = n
	return nil
}

func readJSON(r *http.Request, dst any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxAPIBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return badRequest("request body is not valid JSON for this endpoint: %v", err)
	}
	return nil
}

// writeError is the one place that maps errors to statuses; internal details stay in the log.
func (a *App) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	var ee *export.Error
	switch {
	case errors.As(err, &ee):
		writeJSON(w, ee.Status, map[string]string{"error": ee.Msg})
	case errors.As(err, &ae):
		body := map[string]any{"error": ae.msg}
		if ae.fields != nil {
			body["fields"] = ae.fields
		}
		writeJSON(w, ae.status, body)
	case errors.Is(err, store.ErrNotFound):
		writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
	case errors.Is(err, store.ErrConflict):
		writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
	case errors.Is(err, store.ErrInvalid):
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The page went away or aborted the request (a preview replaced by another):
		// nobody reads the answer, and nothing failed.
		a.log.Debug("api request canceled", "method", r.Method, "path", r.URL.Path)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "request canceled"})
	default:
		a.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error: see the llmtap log"})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // a failed write means the client went away: nothing left to tell it
}
