package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/llmtap/llmtap/gateway/cache"
	"github.com/llmtap/llmtap/gateway/keys"
)

// request is one routed request: what Route learnt of it, and the tiers that may
// serve it. It carries the request as an http.RoundTripper, once.
type request struct {
	g      *Gateway
	t      *table
	kind   string // the client's dialect
	rel    string // the client's path (and query) relative to a provider base
	model  string
	stream bool
	body   []byte
	tiers  []tier
	// report takes the usage of the answer (forward key limits, Config.Usage);
	// release gives back a stream's reserved estimate. Either may be nil.
	report  func(usage)
	release func(actual int)
	// side is what went to the provider and came back, when it differs from what
	// the client sent and gets (see sideBody); nil otherwise.
	side *providerSide
}

// failure is why one attempt did not give the client an answer.
type failure struct {
	class errClass
	msg   string    // names the provider and key, never the secret
	until time.Time // end of a 429 cooldown
}

// retryable reports whether the failure counts against File.Retries: a dead key
// (auth) or a rate-limited one takes itself out, so moving on needs no budget.
func (f *failure) retryable() bool { return f.class != errAuth && f.class != errRate }

// RoundTrip sends out to a provider of its model, failing over to other keys,
// providers and fallback models until one answers or all are down. Nothing is
// retried once the returned response's body gave its first byte: RoundTrip reads
// that byte itself before returning.
func (q *request) RoundTrip(out *http.Request) (*http.Response, error) {
	g := q.g
	status, ra, reason, fwdKey := g.auth(out, q.model)
	if status != 0 {
		return authError(out, q.kind, status, ra, reason, fwdKey), nil
	}
	var cacheKey string
	if g.cfg.Cache != nil && cache.Wants(out, q.t.file.Models[q.model].Cache || q.t.file.Models[q.tiers[0].name].Cache) {
		// The provider model (an alias and its name share entries), the client's
		// dialect and path (the answer is in that dialect) and the normalised body.
		cacheKey = cache.Key(q.kind+" "+q.rel+" "+q.tiers[0].name, q.body)
		e, ok, err := g.cfg.Cache.Get(out.Context(), cacheKey, g.cfg.Now())
		if err != nil {
			g.log.Warn("response cache read", "err", err)
		}
		if ok {
			g.CacheHit()
			resp := cache.Replay(e)
			resp.Request = out
			if fwdKey != "" {
				resp.Header.Set(keys.CaptureHeader, fwdKey)
			}
			return resp, nil
		}
	}
	q.report = g.usageReport(out, q, fwdKey)
	resp := q.route(out)
	if resp == nil {
		if q.release != nil {
			q.release(0)
		}
		return nil, out.Context().Err()
	}
	if q.release != nil && resp.StatusCode >= 300 {
		q.release(0) // no answer: the stream's estimate goes back
	}
	if fwdKey != "" {
		resp.Header.Set(keys.CaptureHeader, fwdKey)
	}
	if cacheKey != "" && resp.StatusCode == http.StatusOK {
		resp = (&cache.Recorder{Store: g.cfg.Cache, TTL: q.t.cacheTTL(), Now: g.cfg.Now,
			OnError: func(_ string, err error) { g.log.Warn("response cache write", "err", err) }}).Wrap(out.Context(), cacheKey, resp)
	}
	if q.side != nil {
		resp.Body = &sideBody{ReadCloser: resp.Body, side: q.side}
	}
	return resp, nil
}

// usageReport returns what an answer's usage goes to: the forward key's token
// windows (a stream's estimate reserved now, replaced by the usage reported) and
// Config.Usage. nil when neither wants it.
func (g *Gateway) usageReport(out *http.Request, q *request, fwdKey string) func(usage) {
	use := g.cfg.Usage
	guarded := fwdKey != "" && g.cfg.Auth == nil
	if !guarded && use == nil {
		return nil
	}
	if guarded && q.stream {
		// Tokens count while the stream runs, so that concurrent requests see them: a
		// rough 4 bytes a token of the request stands in until the usage comes.
		q.release = g.guard.Reserve(fwdKey, len(q.body)/4)
	}
	return func(u usage) {
		switch {
		case q.release != nil:
			q.release(int(u.in + u.out))
		case guarded:
			g.guard.Record(fwdKey, int(u.in+u.out))
		}
		if use != nil {
			use(fwdKey, q.model, u.in, u.out)
		}
	}
}

// authError is the refusal of a request by its forward key, in the client's dialect.
func authError(out *http.Request, kind string, status int, ra time.Duration, reason, keyID string) *http.Response {
	resp := errorResponse(out, kind, status, errType(status), errCode(status), reason, ra)
	if keyID != "" {
		resp.Header.Set(keys.CaptureHeader, keyID)
	}
	return resp
}

// cacheTTL is cache.ttl of the file; 0 lets the recorder use its default (an hour).
func (t *table) cacheTTL() time.Duration {
	if t.file.Cache != nil {
		return t.file.Cache.TTL
	}
	return 0
}

// route sends out to a provider, failing over, and returns the answer or the
// reasons none came (see RoundTrip); nil when the client went away.
func (q *request) route(out *http.Request) *http.Response {
	g := q.g
	var (
		fails   []*failure
		used    = map[*key]bool{} // every key tried, for the reasons of allDown
		retries = q.t.file.Retries
	)
	for ti, tr := range q.tiers {
		// A fallback model may be served by the same key (one OpenRouter key for
		// both models): each tier tries its keys afresh. A key that was disabled or
		// cooled down is left out by its state.
		tried := map[*key]bool{}
		body := q.body
		if ti > 0 && g.cfg.Translator != nil {
			// Another model rejects the first one's reasoning signatures.
			if b, err := g.cfg.Translator.StripReasoning(q.kind, body); err == nil {
				body = b
			} else {
				g.log.Warn("strip reasoning for fallback", "model", tr.name, "err", err)
			}
		}
		for {
			rt, k := q.choose(tr, tried)
			if k == nil {
				break
			}
			tried[k], used[k] = true, true
			resp, f := q.attempt(out, rt, k, body)
			if f == nil {
				return resp
			}
			fails = append(fails, f)
			if out.Context().Err() != nil {
				return nil
			}
			if f.retryable() {
				if retries == 0 {
					return q.allDown(out, fails, used)
				}
				retries--
			}
		}
	}
	return q.allDown(out, fails, used)
}

// choose picks a route of tr and a key of its provider by the strategy, among the
// providers that can take the client's dialect and the keys that are healthy and
// not yet tried. k is nil when there is none.
func (q *request) choose(tr tier, tried map[*key]bool) (route, *key) {
	now := q.g.cfg.Now()
	var (
		provs  []*provider
		models []string
		keys   []*key
	)
	for _, rt := range tr.routes {
		p := rt.prov
		if p.disabled || !q.reachable(p) {
			continue
		}
		for _, k := range p.keys {
			if !tried[k] && k.state(now).healthy {
				provs = append(provs, p)
				models = append(models, rt.model)
				break
			}
		}
	}
	if len(provs) == 0 {
		return route{}, nil
	}
	p := pick(q.t.file.Strategy, provs, tr.rr)
	model := models[indexOf(provs, p)]
	for _, k := range p.keys {
		if !tried[k] && k.state(now).healthy {
			keys = append(keys, k)
		}
	}
	return route{p, model}, pick(q.t.file.Strategy, keys, &p.keyRR)
}

func indexOf[T comparable](xs []T, x T) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}

// reachable reports whether p's dialect is the client's, or a Translator bridges them.
func (q *request) reachable(p *provider) bool {
	return family(p.kind) == family(q.kind) || q.g.cfg.Translator != nil
}

// allDown answers when no attempt gave an answer: 501 when only providers of
// another dialect serve the model and there is no translator, 429 when every
// failure was a rate limit (with the soonest Retry-After), 503 otherwise. The
// message names each reason.
func (q *request) allDown(out *http.Request, fails []*failure, tried map[*key]bool) *http.Response {
	now := q.g.cfg.Now()
	var (
		reasons  []string
		rate     = true
		soonest  time.Time
		dialects []string
	)
	note := func(rateLimited bool, until time.Time, msg string) {
		reasons = append(reasons, msg)
		if !rateLimited {
			rate = false
			return
		}
		if soonest.IsZero() || until.Before(soonest) {
			soonest = until
		}
	}
	for _, f := range fails {
		note(f.class == errRate, f.until, f.msg)
	}
	for _, tr := range q.tiers {
		for _, rt := range tr.routes {
			p := rt.prov
			if !q.reachable(p) {
				dialects = append(dialects, fmt.Sprintf("%s (%s)", p.name, p.kind))
				continue
			}
			if p.disabled {
				continue
			}
			for _, k := range p.keys {
				if tried[k] {
					continue
				}
				if st := k.state(now); !st.healthy {
					msg := fmt.Sprintf("%s %s: %s", p.name, k.label, st.reason)
					if st.cooling {
						msg += " until " + st.until.UTC().Format(time.RFC3339)
					}
					note(st.rate, st.until, msg)
				}
			}
		}
	}
	if len(reasons) == 0 && len(dialects) > 0 {
		msg := fmt.Sprintf("model %q is served only by providers of another dialect than this %s request: %s; llmtap was built without the translator that bridges them",
			q.model, q.kind, strings.Join(dialects, ", "))
		return errorResponse(out, q.kind, http.StatusNotImplemented, "not_implemented", "translator_missing", msg, 0)
	}
	if rate && len(reasons) > 0 {
		msg := fmt.Sprintf("every provider of model %q is rate limited: %s", q.model, strings.Join(reasons, "; "))
		return errorResponse(out, q.kind, http.StatusTooManyRequests, "rate_limit_error", "all_rate_limited", msg, soonest.Sub(now))
	}
	msg := fmt.Sprintf("no provider of model %q could answer: %s", q.model, strings.Join(reasons, "; "))
	return errorResponse(out, q.kind, http.StatusServiceUnavailable, "upstream_error", "all_providers_down", msg, 0)
}

// attempt sends the request to one provider with one key. It returns the response
// (its first body byte already read) or why it failed; a failure has released
// everything it held.
func (q *request) attempt(out *http.Request, rt route, k *key, body []byte) (*http.Response, *failure) {
	g, p := q.g, rt.prov
	rel := q.rel
	translate := family(p.kind) != family(q.kind)
	// A translated request takes the provider's model from rt.model, not the body.
	if rt.model != q.model && !translate {
		if q.kind == KindGemini {
			rel = setGeminiModel(rel, rt.model)
		} else {
			body = setModel(body, rt.model)
		}
	}
	if translate {
		b, path, err := g.cfg.Translator.Request(q.kind, p.kind, rt.model, body, q.stream)
		if err != nil {
			return errorResponse(out, q.kind, http.StatusBadRequest, "invalid_request_error", "untranslatable",
				fmt.Sprintf("llmtap cannot translate this request for %s (%s): %v", p.name, p.kind, err), 0), nil
		}
		body, rel = b, path
	}
	u := joinURL(p.base, rel)
	ctx, cancel := context.WithCancel(out.Context())
	preq, err := http.NewRequestWithContext(ctx, out.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		cancel()
		return nil, &failure{class: errConn, msg: fmt.Sprintf("%s: bad url: %v", p.name, err)}
	}
	preq.Header = out.Header.Clone()
	for h := range preq.Header {
		if strings.HasPrefix(h, "X-Llmtap-") { // llmtap's own request headers (cache, forward key) stay here
			delete(preq.Header, h)
		}
	}
	// Uncompressed: the usage the reply reports is read as it passes (statistics, and
	// the token limits of forward keys), and a translator needs plain text.
	preq.Header.Set("Accept-Encoding", "identity")
	if family(p.kind) != KindAnthropic {
		preq.Header.Del("Anthropic-Version")
		preq.Header.Del("Anthropic-Beta")
	}
	setAuth(p.kind, preq.Header, preq.URL, k.secret)

	start := time.Now()
	k.inflight.Add(1)
	p.inflight.Add(1)
	k.stats.requests.Add(1)
	a := &attemptRec{k: k, start: start, cancel: cancel, class: nErrClass}
	a.done = q.report
	var timedOut atomic.Bool
	timer := time.AfterFunc(q.t.firstByteTimeout(), func() { timedOut.Store(true); cancel() })
	fail := func(c errClass, until time.Time, format string, args ...any) (*http.Response, *failure) {
		timer.Stop()
		a.finish(c, usage{})
		why := fmt.Sprintf(format, args...)
		if c == errServer || c == errConn || c == errTimeout {
			k.failed(g.cfg.Now(), why)
		}
		return nil, &failure{class: c, until: until, msg: p.name + " " + k.label + ": " + why}
	}

	resp, err := g.transport.RoundTrip(preq)
	if err != nil {
		if timedOut.Load() {
			return fail(errTimeout, time.Time{}, "no answer within %s", q.t.firstByteTimeout())
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL may carry a query; the cause is enough
		}
		return fail(errConn, time.Time{}, "%v", err)
	}
	switch s := resp.StatusCode; {
	case s == http.StatusUnauthorized || s == http.StatusPaymentRequired || s == http.StatusForbidden:
		reason := fmt.Sprintf("disabled after %s%s", resp.Status, snippet(resp.Body))
		k.disable(reason)
		return fail(errAuth, time.Time{}, "%s", reason)
	case s == http.StatusTooManyRequests:
		resp.Body.Close()
		now := g.cfg.Now()
		until := k.coolDown(now, retryAfter(resp.Header, now), "rate limited (429)", jitter)
		return fail(errRate, until, "rate limited (429) until %s", until.UTC().Format(time.RFC3339))
	case s >= 500:
		return fail(errServer, time.Time{}, "%s%s", resp.Status, snippet(resp.Body))
	}

	// The first byte: nothing has gone to the client yet, so a stall or a break
	// before it is still retried elsewhere.
	first := getBuf()
	n, rerr := readSome(resp.Body, *first)
	if !timer.Stop() || timedOut.Load() {
		putBuf(first)
		resp.Body.Close()
		return fail(errTimeout, time.Time{}, "no first byte within %s", q.t.firstByteTimeout())
	}
	if rerr != nil && rerr != io.EOF {
		putBuf(first)
		resp.Body.Close()
		return fail(errConn, time.Time{}, "answer broke off before its first byte: %v", rerr)
	}
	a.ttft = time.Since(start)
	k.avg.observe(a.ttft.Seconds())
	p.avg.observe(a.ttft.Seconds())
	k.succeeded()
	if resp.StatusCode >= 400 {
		a.class = errClient
	}
	rb := &relayBody{a: a, rc: resp.Body, first: first, pending: (*first)[:n], firstErr: rerr, use: usageOf(p.kind)}
	if translate || !sameBytes(body, q.body) {
		q.side = &providerSide{req: body}
	}
	resp.Header.Set("X-Llmtap-Provider", p.name)
	if translate {
		q.side.header = resp.Header.Clone()
		return q.translated(out, resp, rb, p, rt.model), nil
	}
	ct := resp.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "text/event-stream"):
		rb.eventKind = q.kind
	case strings.Contains(ct, "ndjson") || (q.stream && q.kind == KindOllama):
		rb.eventKind, rb.ndjson = q.kind, true
	}
	resp.Body = rb
	return resp, nil
}

// sameBytes reports whether a and b are the same slice (not merely equal bytes).
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// readSome reads until it gets at least one byte, an error or EOF.
func readSome(r io.Reader, buf []byte) (int, error) {
	for {
		n, err := r.Read(buf)
		if n > 0 || err != nil {
			return n, err
		}
	}
}

// snippet reads a little of an error body for the reason shown, and closes it.
func snippet(body io.ReadCloser) string {
	defer body.Close()
	b, _ := io.ReadAll(io.LimitReader(body, 300))
	s := strings.Join(strings.Fields(string(b)), " ")
	if s == "" {
		return ""
	}
	return ": " + s
}

// retryAfter reads Retry-After (seconds or an HTTP date); 0 when absent.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Sub(now)
	}
	return 0
}

func (t *table) firstByteTimeout() time.Duration {
	if d := t.file.FirstByteTimeout; d > 0 {
		return d
	}
	return DefaultFirstByteTimeout
}

func errType(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	case http.StatusUnauthorized, http.StatusForbidden:
		return "authentication_error"
	}
	return "invalid_request_error"
}

func errCode(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "invalid_forward_key"
	case http.StatusForbidden:
		return "model_not_allowed"
	case http.StatusTooManyRequests:
		return "rate_limited"
	}
	return "refused"
}
