package keys

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// t0 is a whole minute and a whole 24-minute slot of the day window.
var t0 = time.Unix(1_800_000_000-1_800_000_000%(24*60), 0).UTC()

// clock is a fake time source the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(d time.Duration) {
	c.mu.Lock()
	c.t = t0.Add(d)
	c.mu.Unlock()
}

func newGuard(t *testing.T, list ...ForwardKey) (*Guard, *clock) {
	t.Helper()
	c := &clock{t: t0}
	g, err := NewGuard(list, c.now)
	if err != nil {
		t.Fatalf("NewGuard: %v", err)
	}
	return g, c
}

func request(header, value string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", nil)
	if header != "" {
		r.Header.Set(header, value)
	}
	return r
}

const secret = "lt-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

func TestCheckStatus(t *testing.T) {
	list := []ForwardKey{
		{Key: secret, Name: "team", Models: []string{"deepseek-*", "gpt-4o"}},
		{Key: "lt-expired", Expires: t0},
		{Key: "lt-later", Expires: t0.Add(time.Second)},
		{Key: "lt-off", Disabled: true},
	}
	tests := []struct {
		name          string
		list          []ForwardKey
		header, value string
		model         string
		status        int
		code, keyID   string
	}{
		{"no_forward_keys", nil, "", "", "gpt-4o", 200, "", ""},
		{"bearer", list, "Authorization", "Bearer " + secret, "gpt-4o", 200, "", "team"},
		{"bearer_lowercase", list, "Authorization", "bearer " + secret, "gpt-4o", 200, "", "team"},
		{"glob", list, "Authorization", "Bearer " + secret, "deepseek-chat", 200, "", "team"},
		{"x_api_key", list, "x-api-key", secret, "gpt-4o", 200, "", "team"},
		{"azure_api_key", list, "api-key", secret, "gpt-4o", 200, "", "team"},
		{"gemini_key", list, "x-goog-api-key", secret, "gpt-4o", 200, "", "team"},
		{"missing", list, "", "", "gpt-4o", 401, "missing_api_key", ""},
		{"basic_is_not_a_key", list, "Authorization", "Basic " + secret, "gpt-4o", 401, "missing_api_key", ""},
		{"unknown", list, "Authorization", "Bearer lt-nope", "gpt-4o", 401, "invalid_api_key", ""},
		{"real_key_refused", list, "Authorization", "Bearer sk-proj-123", "gpt-4o", 401, "invalid_api_key", ""},
		{"disabled", list, "x-api-key", "lt-off", "gpt-4o", 401, "invalid_api_key", ""},
		{"expired_at_instant", list, "x-api-key", "lt-expired", "gpt-4o", 401, "key_expired", ForwardKey{Key: "lt-expired"}.ID()},
		{"not_yet_expired", list, "x-api-key", "lt-later", "gpt-4o", 200, "", ForwardKey{Key: "lt-later"}.ID()},
		{"model_not_allowed", list, "Authorization", "Bearer " + secret, "claude-sonnet-4-5", 403, "model_not_allowed", "team"},
		{"no_model_named", list, "Authorization", "Bearer " + secret, "", 200, "", "team"},
		{"glob_is_anchored", list, "Authorization", "Bearer " + secret, "my-deepseek-chat", 403, "model_not_allowed", "team"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, _ := newGuard(t, tt.list...)
			v := g.Check(request(tt.header, tt.value), tt.model)
			if v.Status != tt.status || v.Code != tt.code || v.KeyID != tt.keyID {
				t.Errorf("Check(%s: %q, %q) = %d %q key %q, want %d %q key %q (%s)",
					tt.header, tt.value, tt.model, v.Status, v.Code, v.KeyID, tt.status, tt.code, tt.keyID, v.Reason)
			}
			if (v.Reason == "") != v.OK() {
				t.Errorf("Check reason %q with status %d", v.Reason, v.Status)
			}
		})
	}
}

// step is a request at a moment (an offset from t0): tokens > 0 records usage
// instead of checking.
type step struct {
	at     time.Duration
	tokens int
	status int
	retry  time.Duration
	code   string
}

func TestLimitsSlide(t *testing.T) {
	tests := []struct {
		name  string
		key   ForwardKey
		steps []step
	}{
		{"rpm", ForwardKey{Key: secret, RPM: 3}, []step{
			{at: 0, status: 200},
			{at: 10 * time.Second, status: 200},
			{at: 20 * time.Second, status: 200},
			// The first leaves the window 60 s after it came.
			{at: 30 * time.Second, status: 429, retry: 30 * time.Second, code: "requests_per_minute"},
			{at: 59 * time.Second, status: 429, retry: time.Second, code: "requests_per_minute"},
			{at: 60 * time.Second, status: 200},
			{at: 61 * time.Second, status: 429, retry: 9 * time.Second, code: "requests_per_minute"},
			{at: 3 * time.Minute, status: 200},
		}},
		{"refused_requests_do_not_count", ForwardKey{Key: secret, RPM: 1}, []step{
			{at: 0, status: 200},
			{at: 30 * time.Second, status: 429, retry: 30 * time.Second, code: "requests_per_minute"},
			{at: 45 * time.Second, status: 429, retry: 15 * time.Second, code: "requests_per_minute"},
			{at: 60 * time.Second, status: 200},
		}},
		{"tpm", ForwardKey{Key: secret, TPM: 1000}, []step{
			{at: 0, status: 200},
			{at: time.Second, tokens: 600},
			{at: 20 * time.Second, status: 200},
			{at: 20 * time.Second, tokens: 400},
			{at: 30 * time.Second, status: 429, retry: 31 * time.Second, code: "tokens_per_minute"},
			{at: 61 * time.Second, status: 200}, // the 600 left, 400 stay
			{at: 62 * time.Second, tokens: 600},
			{at: 63 * time.Second, status: 429, retry: 17 * time.Second, code: "tokens_per_minute"},
		}},
		{"tpd", ForwardKey{Key: secret, TPM: 100_000, TPD: 5000}, []step{
			{at: 0, tokens: 3000},
			{at: time.Hour, tokens: 2000},
			{at: 2 * time.Hour, status: 429, retry: 22 * time.Hour, code: "tokens_per_day"},
			{at: 24 * time.Hour, status: 200}, // the 3000 left, the 2000 stay
			{at: 24 * time.Hour, tokens: 3000},
			// The 2000 counted in the 24-minute slot from 48 min leave 24 h after it.
			{at: 24 * time.Hour, status: 429, retry: 48 * time.Minute, code: "tokens_per_day"},
			{at: 24*time.Hour + 48*time.Minute, status: 200},
		}},
		{"longest_wait_wins", ForwardKey{Key: secret, RPM: 1, TPD: 10}, []step{
			{at: 0, status: 200},
			{at: 0, tokens: 10},
			{at: time.Second, status: 429, retry: 24*time.Hour - time.Second, code: "tokens_per_day"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, c := newGuard(t, tt.key)
			r := request("Authorization", "Bearer "+tt.key.Key)
			for i, s := range tt.steps {
				c.set(s.at)
				if s.tokens > 0 {
					g.Record(tt.key.ID(), s.tokens)
					continue
				}
				v := g.Check(r, "m")
				if v.Status != s.status || v.RetryAfter != s.retry || v.Code != s.code {
					t.Errorf("step %d at %s: Check = %d %q retry %s, want %d %q retry %s",
						i, s.at, v.Status, v.Code, v.RetryAfter, s.status, s.code, s.retry)
				}
			}
		})
	}
}

func TestReserve(t *testing.T) {
	key := ForwardKey{Key: secret, TPM: 100}
	g, c := newGuard(t, key)
	r := request("x-api-key", secret)
	release := g.Reserve(key.ID(), 100)
	if v := g.Check(r, "m"); v.Status != 429 {
		t.Fatalf("Check with 100 of 100 tokens reserved = %d, want 429", v.Status)
	}
	c.set(10 * time.Second)
	release(30)
	release(1000) // a second call does nothing
	if v := g.Check(r, "m"); !v.OK() {
		t.Fatalf("Check after the stream used 30 of 100 = %d %s, want 200", v.Status, v.Reason)
	}
	g.Record(key.ID(), 69)
	if v := g.Check(r, "m"); !v.OK() {
		t.Fatalf("Check at 99 of 100 = %d, want 200", v.Status)
	}
	g.Record(key.ID(), 1)
	// The 100 tokens were all counted at 10 s, when usage came: free at 70 s.
	if v := g.Check(r, "m"); v.Status != 429 || v.RetryAfter != 60*time.Second {
		t.Fatalf("Check at 100 of 100 = %d retry %s, want 429 retry 1m0s", v.Status, v.RetryAfter)
	}
	// A reservation released after its slot left the window takes nothing back.
	c.set(5 * time.Minute)
	late := g.Reserve(key.ID(), 50)
	c.set(7 * time.Minute)
	late(0)
	if v := g.Check(r, "m"); !v.OK() {
		t.Fatalf("Check after a late release = %d %s, want 200", v.Status, v.Reason)
	}
	g.Reserve("nobody", 10)(5) // unknown ids are ignored
}

func TestReplaceKeepsCounts(t *testing.T) {
	g, _ := newGuard(t, ForwardKey{Key: secret, Name: "a", RPM: 1}, ForwardKey{Key: "lt-gone"})
	r := request("Authorization", "Bearer "+secret)
	if v := g.Check(r, "m"); !v.OK() {
		t.Fatalf("first Check = %d", v.Status)
	}
	// Renamed and with a new limit: still the same key, its request still counts.
	if err := g.Replace([]ForwardKey{{Key: secret, Name: "b", RPM: 1}, {Key: "lt-new", RPM: 1}}); err != nil {
		t.Fatal(err)
	}
	if v := g.Check(r, "m"); v.Status != 429 || v.KeyID != "b" {
		t.Errorf("Check after reload = %d key %q, want 429 key b", v.Status, v.KeyID)
	}
	if v := g.Check(request("x-api-key", "lt-new"), "m"); !v.OK() {
		t.Errorf("Check with a new key = %d, want 200", v.Status)
	}
	if v := g.Check(request("x-api-key", "lt-gone"), "m"); v.Status != 401 {
		t.Errorf("Check with a removed key = %d, want 401", v.Status)
	}
	// A bad list is refused and the one in force stays.
	if err := g.Replace([]ForwardKey{{Key: ""}}); err == nil {
		t.Fatal("Replace with an empty key succeeded")
	}
	if v := g.Check(request("x-api-key", "lt-new"), "m"); v.Status != 429 {
		t.Errorf("Check after a refused reload = %d, want 429 (the old list and counts)", v.Status)
	}
	if err := g.Replace(nil); err != nil {
		t.Fatal(err)
	}
	if g.Enabled() || !g.Check(request("", ""), "m").OK() {
		t.Error("with no forward keys left, a request without one is refused")
	}
}

// TestConcurrent checks the counts under concurrent checks, usage and reloads:
// exactly RPM requests get through, whatever the interleaving.
func TestConcurrent(t *testing.T) {
	const rpm, workers, each = 100, 8, 50
	key := ForwardKey{Key: secret, RPM: rpm, TPM: 1 << 30}
	g, _ := newGuard(t, key)
	var wg sync.WaitGroup
	allowed := make(chan int, workers)
	for w := range workers {
		wg.Go(func() {
			r := request("Authorization", "Bearer "+secret)
			n := 0
			for i := range each {
				if g.Check(r, "m").OK() {
					n++
				}
				g.Record(key.ID(), 10)
				g.Reserve(key.ID(), 5)(3)
				if w == 0 && i%10 == 0 {
					if err := g.Replace([]ForwardKey{key}); err != nil {
						t.Error(err)
					}
				}
			}
			allowed <- n
		})
	}
	wg.Wait()
	close(allowed)
	total := 0
	for n := range allowed {
		total += n
	}
	if total != rpm {
		t.Errorf("%d of %d concurrent requests allowed, want %d", total, workers*each, rpm)
	}
}

func BenchmarkCheck(b *testing.B) {
	list := make([]ForwardKey, 100)
	for i := range list {
		list[i] = ForwardKey{Key: New(), Models: []string{"deepseek-*", "gpt-4o"}, RPM: 1 << 30, TPM: 1 << 30, TPD: 1 << 30}
	}
	g, err := NewGuard(list, nil)
	if err != nil {
		b.Fatal(err)
	}
	r := request("Authorization", "Bearer "+list[42].Key)
	b.ReportAllocs()
	for b.Loop() {
		if v := g.Check(r, "deepseek-chat"); !v.OK() {
			b.Fatal(v.Reason)
		}
	}
}
