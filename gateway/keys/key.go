package keys

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
)

// Prefix starts every key New issues. Keys from the file need not carry it, but the
// UI and the logs use it to tell forward keys from provider keys.
const Prefix = "lt-"

// ForwardKey is one entry of providers.yaml's forward_keys: a key a client sends in
// place of a real one, and what it may do.
type ForwardKey struct {
	// Key is the secret the client sends. Required and unique.
	Key string `yaml:"key" json:"key"`
	// Name identifies the key in captures, logs and the review filter; "" → a short
	// hash of Key ("fk-" and 12 hex digits). Unique when set.
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// Models are the models the key may ask for, exact names or path.Match globs
	// ("deepseek-*"); empty → every model.
	Models []string `yaml:"models,omitempty" json:"models,omitempty"`
	// RPM, TPM and TPD cap requests per minute, tokens per minute and tokens per
	// day over sliding windows; 0 → no cap.
	RPM int `yaml:"rpm,omitempty" json:"rpm,omitempty"`
	TPM int `yaml:"tpm,omitempty" json:"tpm,omitempty"`
	TPD int `yaml:"tpd,omitempty" json:"tpd,omitempty"`
	// Expires is the first instant the key is refused; zero → never. A date alone
	// (2027-06-30, see ParseExpiry) is midnight UTC starting that day.
	Expires time.Time `yaml:"expires,omitempty" json:"expires,omitzero"`
	// Disabled refuses the key as if it did not exist, keeping its entry.
	Disabled bool `yaml:"disabled,omitempty" json:"disabled,omitempty"`
}

// ID returns the key's stable non-secret identifier: its Name, or "fk-" and the
// first 12 hex digits of the key's SHA-256.
func (k ForwardKey) ID() string {
	if k.Name != "" {
		return k.Name
	}
	sum := sha256.Sum256([]byte(k.Key))
	return "fk-" + hex.EncodeToString(sum[:6])
}

// allows reports whether the key may use model; "" (a request that names no
// model, such as GET /v1/models) is allowed to every key.
func (k *ForwardKey) allows(model string) bool {
	if len(k.Models) == 0 || model == "" {
		return true
	}
	for _, m := range k.Models {
		if m == model {
			return true
		}
		if ok, _ := path.Match(m, model); ok {
			return true
		}
	}
	return false
}

// ErrInvalid is wrapped by the errors of a forward key list that cannot be used; the
// message names the entry and the field.
var ErrInvalid = errors.New("invalid forward key")

// Validate checks a forward key list as NewGuard and Replace do: every key set and
// unique, names unique and unlike keys, globs well-formed, limits not negative.
func Validate(list []ForwardKey) error {
	secrets := make(map[string]bool, len(list))
	ids := make(map[string]int, len(list))
	for i, k := range list {
		field := func(name, format string, args ...any) error {
			return fmt.Errorf("forward_keys[%d].%s: %w: %s", i, name, ErrInvalid, fmt.Sprintf(format, args...))
		}
		switch {
		case strings.TrimSpace(k.Key) == "":
			return field("key", "empty")
		case strings.ContainsAny(k.Key, " \t\r\n"):
			return field("key", "contains white space")
		case secrets[k.Key]:
			return field("key", "the same key as an earlier entry")
		case k.Name != "" && strings.HasPrefix(k.Name, Prefix):
			// A name is logged and stored; one shaped like a key may be one.
			return field("name", "must not start with %q", Prefix)
		case k.RPM < 0 || k.TPM < 0 || k.TPD < 0:
			return field("rpm", "limits must be 0 (none) or more")
		}
		if j, dup := ids[k.ID()]; dup {
			return field("name", "%q is also the name of forward_keys[%d]", k.ID(), j)
		}
		for _, m := range k.Models {
			if _, err := path.Match(m, ""); err != nil {
				return field("models", "%q is not a valid glob", m)
			}
		}
		secrets[k.Key] = true
		ids[k.ID()] = i
	}
	return nil
}

// ParseExpiry reads an expiry as the file and the UI write it: a date
// (2027-06-30, midnight UTC) or RFC 3339; "" → the zero time (never).
func ParseExpiry(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("expiry %q: %w: want YYYY-MM-DD or RFC 3339", s, ErrInvalid)
	}
	return t, nil
}

// base62 are the characters of an issued key.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// keyChars is how many random characters follow Prefix: 40 of base62 hold 238 bits.
const keyChars = 40

// New returns a fresh forward key: Prefix and 40 base62 characters from crypto/rand.
func New() string {
	b := make([]byte, 0, len(Prefix)+keyChars)
	b = append(b, Prefix...)
	var buf [64]byte
	for len(b) < cap(b) {
		rand.Read(buf[:]) // never fails (crypto/rand, Go 1.24+)
		for _, c := range buf {
			// 248 = 4×62: bytes above it are dropped so every character is equally likely.
			if c < 248 && len(b) < cap(b) {
				b = append(b, base62[c%62])
			}
		}
	}
	return string(b)
}

// CaptureHeader is the request header that names, on the captured copy of a
// gateway request, the forward key that made it (its ID, never the key). Capture
// stores it with the exchange, and the review list filters by it. Its last word,
// "Id", keeps the proxy's credential redaction, which masks any header named
// "…-Key", from hiding it.
const CaptureHeader = "X-Llmtap-Forward-Key-Id"
