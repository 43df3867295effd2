package gateway

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/llmtap/llmtap/gateway/keys"
)

// ErrConfig is wrapped by every error Parse returns for a file it refuses.
var ErrConfig = errors.New("invalid providers file")

// File is providers.yaml, parsed and validated (see docs/gateway.md).
type File struct {
	Providers []ProviderSpec
	// Models holds aliases (use:) and cross-model fallbacks, by the name a client asks for.
	Models map[string]ModelSpec
	// Strategy balances the keys of a provider and the providers of a model;
	// default round-robin.
	Strategy Strategy
	// Retries is how many times a request that met a 5xx, a connection error or a
	// timeout to first byte is tried again elsewhere; default 2.
	Retries int
	// FirstByteTimeout bounds the wait for a provider's first body byte before the
	// attempt counts as failed and is retried; 0 means DefaultFirstByteTimeout.
	FirstByteTimeout time.Duration
	// ForwardKeys are the keys clients must send once one exists (see
	// gateway/keys); Cache the response cache's TTL and size, nil when absent.
	ForwardKeys []ForwardKey
	Cache       *CacheSpec
}

// ProviderSpec is one entry of providers:.
type ProviderSpec struct {
	Name    string
	Kind    string
	BaseURL string
	Keys    []KeySpec
	// Models are exact names or path.Match globs ("claude-*").
	Models []string
	// Weight is the provider's share under the weighted strategy; default 1.
	Weight int
	// Disabled keeps the provider out of routing and /v1/models.
	Disabled bool
	Line     int
}

// KeySpec is one key of a provider: the text written in the file and its value,
// with ${ENV} references expanded. Missing names the variables that were unset (the
// key is then disabled with that reason rather than refusing the whole file).
type KeySpec struct {
	Ref     string
	Value   string
	Missing []string
}

// ModelSpec is one entry of models:.
type ModelSpec struct {
	Use       []string
	Fallbacks []string
	// Cache asks the response cache for every request for this model.
	Cache bool
}

// ForwardKey is one entry of forward_keys: (see package gateway/keys).
type ForwardKey = keys.ForwardKey

// CacheSpec is cache:.
type CacheSpec struct {
	TTL   time.Duration
	MaxMB int
}

// Kinds are the provider kinds a file may name.
var kinds = map[string]bool{"openai": true, "azure": true, "anthropic": true, "gemini": true, "ollama": true}

// fieldError is a refusal that names where in the file it is.
type fieldError struct {
	line  int
	field string
	msg   string
}

func (e *fieldError) Error() string {
	return fmt.Sprintf("line %d: %s: %s", e.line, e.field, e.msg)
}

func (e *fieldError) Unwrap() error { return ErrConfig }

func errAt(n *yaml.Node, field, format string, args ...any) error {
	return &fieldError{line: n.Line, field: field, msg: fmt.Sprintf(format, args...)}
}

// Parse reads a providers file. getenv expands ${NAME} in keys (nil means
// os.Getenv). A refusal wraps ErrConfig and names the line and the field.
func Parse(data []byte, getenv func(string) string) (*File, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	f := &File{Strategy: RoundRobin, Retries: 2, Models: map[string]ModelSpec{}}
	if len(doc.Content) == 0 {
		return f, nil // an empty file: no providers
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, errAt(root, "(top level)", "want a mapping with providers:")
	}
	p := parser{getenv: getenv}
	err := eachField(root, "", func(k string, v *yaml.Node) error {
		if v.Tag == "!!null" && k != "strategy" && k != "retries" && k != "first_byte_timeout" {
			return nil // "providers:" with nothing under it yet
		}
		switch k {
		case "providers":
			return p.providers(v, f)
		case "models":
			return p.models(v, f)
		case "strategy":
			s, err := scalar(v, k)
			if err == nil {
				f.Strategy, err = parseStrategy(s)
				if err != nil {
					err = errAt(v, k, "%v", err)
				}
			}
			return err
		case "retries":
			n, err := intField(v, k)
			if err == nil && n < 0 {
				err = errAt(v, k, "must not be negative")
			}
			f.Retries = n
			return err
		case "first_byte_timeout":
			d, err := durationField(v, k)
			f.FirstByteTimeout = d
			return err
		case "forward_keys":
			return p.forwardKeys(v, f)
		case "cache":
			return p.cache(v, f)
		}
		return errAt(v, k, "unknown field (want providers, models, strategy, retries, first_byte_timeout, forward_keys or cache)")
	})
	if err != nil {
		return nil, err
	}
	if err := p.check(f); err != nil {
		return nil, err
	}
	return f, nil
}

type parser struct {
	getenv func(string) string
	names  map[string]*yaml.Node // provider name → its node
	model  map[string]*yaml.Node // models: key → its node
}

// eachField calls fn for each key of mapping n in order; prefix names n in errors.
func eachField(n *yaml.Node, prefix string, fn func(k string, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return errAt(n, strings.TrimSuffix(prefix, "."), "want a mapping")
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			return errAt(k, prefix+k.Value, "given twice")
		}
		seen[k.Value] = true
		if err := fn(k.Value, v); err != nil {
			var fe *fieldError
			if errors.As(err, &fe) && !strings.HasPrefix(fe.field, prefix) {
				fe.field = prefix + fe.field
			}
			return err
		}
	}
	return nil
}

func scalar(n *yaml.Node, field string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", errAt(n, field, "want a single value")
	}
	return n.Value, nil
}

func intField(n *yaml.Node, field string) (int, error) {
	s, err := scalar(n, field)
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, errAt(n, field, "want a whole number, got %q", s)
	}
	return v, nil
}

func durationField(n *yaml.Node, field string) (time.Duration, error) {
	s, err := scalar(n, field)
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, errAt(n, field, "want a duration such as 30s or 1h, got %q", s)
	}
	return d, nil
}

func boolField(n *yaml.Node, field string) (bool, error) {
	s, err := scalar(n, field)
	if err != nil {
		return false, err
	}
	switch s {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errAt(n, field, "want true or false, got %q", s)
}

func listField(n *yaml.Node, field string) ([]string, error) {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return []string{n.Value}, nil // a lone value where a list is expected
	}
	if n.Kind != yaml.SequenceNode {
		return nil, errAt(n, field, "want a list")
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		s, err := scalar(c, fmt.Sprintf("%s[%d]", field, i))
		if err != nil {
			return nil, err
		}
		if s == "" {
			return nil, errAt(c, fmt.Sprintf("%s[%d]", field, i), "must not be empty")
		}
		out = append(out, s)
	}
	return out, nil
}

func (p *parser) providers(n *yaml.Node, f *File) error {
	if n.Kind != yaml.SequenceNode {
		return errAt(n, "providers", "want a list of providers")
	}
	p.names = map[string]*yaml.Node{}
	for i, pn := range n.Content {
		field := fmt.Sprintf("providers[%d].", i)
		ps := ProviderSpec{Weight: 1, Line: pn.Line}
		var keysNode *yaml.Node
		err := eachField(pn, field, func(k string, v *yaml.Node) (err error) {
			switch k {
			case "name":
				ps.Name, err = scalar(v, k)
			case "kind":
				ps.Kind, err = scalar(v, k)
				if err == nil && !kinds[ps.Kind] {
					err = errAt(v, k, "unknown kind %q (want openai, azure, anthropic, gemini or ollama)", ps.Kind)
				}
			case "base_url":
				ps.BaseURL, err = scalar(v, k)
				if err == nil {
					err = checkBaseURL(v, k, ps.BaseURL)
				}
			case "keys":
				keysNode = v
				var refs []string
				if refs, err = listField(v, k); err == nil {
					ps.Keys = p.expandKeys(refs)
				}
			case "models":
				if ps.Models, err = listField(v, k); err == nil {
					err = checkGlobs(v, k, ps.Models)
				}
			case "weight":
				ps.Weight, err = intField(v, k)
				if err == nil && ps.Weight < 0 {
					err = errAt(v, k, "must not be negative")
				}
			case "disabled":
				ps.Disabled, err = boolField(v, k)
			default:
				err = errAt(v, k, "unknown field (want name, kind, base_url, keys, models, weight or disabled)")
			}
			return err
		})
		if err != nil {
			return err
		}
		switch {
		case ps.Name == "":
			return errAt(pn, field+"name", "missing")
		case p.names[ps.Name] != nil:
			return errAt(pn, field+"name", "%q is used by the provider on line %d too; names must be unique", ps.Name, p.names[ps.Name].Line)
		case ps.Kind == "":
			return errAt(pn, field+"kind", "missing (want openai, azure, anthropic, gemini or ollama)")
		case ps.BaseURL == "":
			return errAt(pn, field+"base_url", "missing")
		case len(ps.Models) == 0:
			return errAt(pn, field+"models", "missing: list the models this provider serves")
		case len(ps.Keys) == 0 && ps.Kind != "ollama":
			if keysNode != nil {
				pn = keysNode
			}
			return errAt(pn, field+"keys", "missing: a %s provider needs at least one key", ps.Kind)
		}
		p.names[ps.Name] = pn
		f.Providers = append(f.Providers, ps)
	}
	return nil
}

func checkBaseURL(n *yaml.Node, field, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the whole URL, which may hold a password or a key: the
		// refusal shows in GET /api/providers and the log, so it names no part of it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return errAt(n, field, "not a URL: %v", err)
	}
	shown := redactedURL(u)
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return errAt(n, field, "%q: scheme must be http or https", shown)
	case u.Host == "":
		return errAt(n, field, "%q: missing host", shown)
	case u.User != nil || u.Fragment != "":
		return errAt(n, field, "%q: must not carry user info or a fragment", shown)
	}
	return nil
}

// redactedURL is u as it may be shown (status, errors, logs): no password and no
// query values, since a base URL's query may carry a key (?key=…).
func redactedURL(u *url.URL) string {
	c := *u
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			q[k] = []string{"REDACTED"}
		}
		c.RawQuery = q.Encode()
	}
	return c.Redacted()
}

func checkGlobs(n *yaml.Node, field string, pats []string) error {
	for i, m := range pats {
		if _, err := path.Match(m, ""); err != nil {
			at := n // a single name written as a scalar has no elements
			if len(n.Content) > 0 {
				at = n.Content[min(i, len(n.Content)-1)]
			}
			return errAt(at, fmt.Sprintf("%s[%d]", field, i), "bad glob %q: %v", m, err)
		}
	}
	return nil
}

// expandKeys resolves ${NAME} references. An unset variable does not refuse the
// file: the key is kept, disabled, with the variable named (Missing).
func (p *parser) expandKeys(refs []string) []KeySpec {
	out := make([]KeySpec, len(refs))
	for i, ref := range refs {
		ks := KeySpec{Ref: ref}
		ks.Value = os.Expand(ref, func(name string) string {
			v := p.getenv(name)
			if v == "" {
				ks.Missing = append(ks.Missing, name)
			}
			return v
		})
		out[i] = ks
	}
	return out
}

func (p *parser) models(n *yaml.Node, f *File) error {
	p.model = map[string]*yaml.Node{}
	return eachField(n, "models.", func(name string, v *yaml.Node) error {
		var ms ModelSpec
		p.model[name] = v
		err := eachField(v, name+".", func(k string, c *yaml.Node) (err error) {
			switch k {
			case "use":
				ms.Use, err = listField(c, k)
			case "fallbacks":
				ms.Fallbacks, err = listField(c, k)
			case "cache":
				ms.Cache, err = boolField(c, k)
			default:
				err = errAt(c, k, "unknown field (want use, fallbacks or cache)")
			}
			return err
		})
		f.Models[name] = ms
		return err
	})
}

func (p *parser) forwardKeys(n *yaml.Node, f *File) error {
	if n.Kind != yaml.SequenceNode {
		return errAt(n, "forward_keys", "want a list")
	}
	for i, kn := range n.Content {
		var fk ForwardKey
		err := eachField(kn, fmt.Sprintf("forward_keys[%d].", i), func(k string, v *yaml.Node) (err error) {
			switch k {
			case "key":
				var ref string
				if ref, err = scalar(v, k); err == nil {
					fk.Key = os.Expand(ref, p.getenv)
				}
			case "name":
				fk.Name, err = scalar(v, k)
			case "disabled":
				fk.Disabled, err = boolField(v, k)
			case "models":
				if fk.Models, err = listField(v, k); err == nil {
					err = checkGlobs(v, k, fk.Models)
				}
			case "rpm":
				fk.RPM, err = intField(v, k)
			case "tpm":
				fk.TPM, err = intField(v, k)
			case "tpd":
				fk.TPD, err = intField(v, k)
			case "expires":
				var s string
				if s, err = scalar(v, k); err == nil {
					if fk.Expires, err = time.Parse(time.DateOnly, s); err != nil {
						if fk.Expires, err = time.Parse(time.RFC3339, s); err != nil {
							err = errAt(v, k, "want a date such as 2027-06-30, got %q", s)
						}
					}
				}
			default:
				err = errAt(v, k, "unknown field (want key, name, models, rpm, tpm, tpd, expires or disabled)")
			}
			return err
		})
		if err != nil {
			return err
		}
		if fk.Key == "" {
			return errAt(kn, fmt.Sprintf("forward_keys[%d].key", i), "missing")
		}
		f.ForwardKeys = append(f.ForwardKeys, fk)
	}
	if err := keys.Validate(f.ForwardKeys); err != nil {
		return errAt(n, "forward_keys", "%v", err)
	}
	return nil
}

func (p *parser) cache(n *yaml.Node, f *File) error {
	c := &CacheSpec{}
	f.Cache = c
	return eachField(n, "cache.", func(k string, v *yaml.Node) (err error) {
		switch k {
		case "ttl":
			c.TTL, err = durationField(v, k)
		case "max_mb":
			c.MaxMB, err = intField(v, k)
		default:
			err = errAt(v, k, "unknown field (want ttl or max_mb)")
		}
		return err
	})
}

// check validates what spans sections: aliases and fallbacks must name models some
// provider serves, and an alias must not shadow a model of its own name.
func (p *parser) check(f *File) error {
	served := func(m string) bool {
		for _, ps := range f.Providers {
			if matchAny(ps.Models, m) {
				return true
			}
		}
		return false
	}
	for name, ms := range f.Models {
		n := p.model[name]
		for i, m := range ms.Use {
			if m == name {
				return errAt(n, fmt.Sprintf("models.%s.use[%d]", name, i), "an alias cannot use itself")
			}
			if !served(m) {
				return errAt(n, fmt.Sprintf("models.%s.use[%d]", name, i), "no provider serves %q", m)
			}
		}
		for i, m := range ms.Fallbacks {
			if m == name {
				return errAt(n, fmt.Sprintf("models.%s.fallbacks[%d]", name, i), "a model cannot fall back to itself")
			}
			if !served(m) {
				if _, alias := f.Models[m]; !alias {
					return errAt(n, fmt.Sprintf("models.%s.fallbacks[%d]", name, i), "no provider serves %q", m)
				}
			}
		}
	}
	return nil
}

// matchAny reports whether model is one of pats or matches one of its globs.
func matchAny(pats []string, model string) bool {
	for _, p := range pats {
		if p == model {
			return true
		}
		if isGlob(p) {
			if ok, _ := path.Match(p, model); ok {
				return true
			}
		}
	}
	return false
}

func isGlob(p string) bool { return strings.ContainsAny(p, "*?[") }
